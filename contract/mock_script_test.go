package contract_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// TestScriptSequence scripts two throttled answers then a success, and
// checks that they are given in order, with Retry-After, then that the mock
// answers as before.
func TestScriptSequence(t *testing.T) {
	gen, m := mockClient(t, contract.WithCertificate(projectID, certID, contract.StatusChecking))
	require.NoError(t, m.Script(certID, contract.Throttle(1500*time.Millisecond), contract.Throttle(0), contract.Respond(http.StatusOK, "")))
	require.Equal(t, 3, m.PendingAnswers())

	for i, want := range []struct {
		status     int
		retryAfter string
	}{{http.StatusTooManyRequests, "2"}, {http.StatusTooManyRequests, ""}, {http.StatusOK, ""}} {
		resp, err := gen.CancelCertWithResponse(context.Background(), projectID, certID, token("a-token"))
		require.NoError(t, err)
		require.Equal(t, want.status, resp.StatusCode(), "answer %d", i+1)
		require.Equal(t, want.retryAfter, resp.HTTPResponse.Header.Get("Retry-After"), "answer %d: 1.5 s rounds up to 2", i+1)
		if want.status == http.StatusTooManyRequests {
			require.NotNil(t, resp.JSON429)
			require.Equal(t, "APIG.0308", resp.JSON429.ErrorCode)
			require.Equal(t, resp.HTTPResponse.Header.Get("X-Request-Id"), *resp.JSON429.RequestId, "a gateway body carries request_id")
		}
	}
	require.Zero(t, m.PendingAnswers())
	status, _ := m.Certificate(projectID, certID)
	require.Equal(t, contract.StatusChecking, status, "a scripted 200 changes no status")

	// The script is used up: the statuses answer again.
	resp, err := gen.CancelCertWithResponse(context.Background(), projectID, certID, token("a-token"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	status, _ = m.Certificate(projectID, certID)
	require.Equal(t, contract.StatusCancelChecking, status)
}

// TestScriptedResponsesKeepTheContract scripts every documented status with
// the codes the kit knows, and others, through a validating transport that
// fails the test on any violation; the client classifies each.
func TestScriptedResponsesKeepTheContract(t *testing.T) {
	tests := []struct {
		answer contract.Answer
		status int
		code   string
		class  error
	}{
		{contract.Respond(200, ""), 200, "", nil},
		{contract.Respond(400, ""), 400, "SCM.0010", scm.ErrWrongState},
		{contract.Respond(400, "SCM.0008"), 400, "SCM.0008", scm.ErrNotFound},
		{contract.Respond(400, "SCM.0020"), 400, "SCM.0020", scm.ErrNotFound},
		{contract.Respond(400, "SCM.0003"), 400, "SCM.0003", scm.ErrForbidden},
		{contract.Respond(400, "SCM.9999").WithMessage("a code the kit does not know"), 400, "SCM.9999", nil},
		{contract.Respond(401, ""), 401, "APIGW.0301", scm.ErrAuth},
		{contract.Respond(403, ""), 403, "SCM.0003", scm.ErrForbidden},
		{contract.Respond(404, "APIGW.0103"), 404, "APIGW.0103", nil},
		{contract.Respond(429, ""), 429, "APIG.0308", scm.ErrThrottled},
		{contract.Throttle(3 * time.Second), 429, "APIG.0308", scm.ErrThrottled},
		{contract.Respond(500, ""), 500, "APIGW.0705", nil},
		{contract.Respond(500, "SCM.0016"), 500, "SCM.0016", nil},
	}
	m := newMock(t)
	// Each answer is scripted once and it is the client's reading of that
	// answer that is checked, so the client makes one attempt: with
	// retries, a 429 would be sent again and meet the mock's usual 200.
	c := stateClient(t, m, scm.WithRetryPolicy(scm.NoRetry()))
	for _, tt := range tests {
		t.Run(tt.answer.String(), func(t *testing.T) {
			require.NoError(t, m.ScriptAll(tt.answer))
			res, err := c.CancelCertificate(context.Background(), projectID, certID)
			if tt.status == http.StatusOK {
				require.NoError(t, err)
				require.Equal(t, certID, res.CertId)
				return
			}
			var apiErr *scm.APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tt.status, apiErr.StatusCode)
			require.Equal(t, tt.code, apiErr.Code)
			require.NotEmpty(t, apiErr.Message)
			if tt.class != nil {
				require.ErrorIs(t, err, tt.class)
			}
		})
	}
}

// TestScriptRefuses checks that an answer the spec does not allow is
// refused when scripted, naming it, and that nothing is queued.
func TestScriptRefuses(t *testing.T) {
	tests := []struct {
		name    string
		answers []contract.Answer
		want    string
	}{
		{"undocumented status", []contract.Answer{contract.Respond(200, ""), contract.Respond(418, "X")},
			"answer 2 (418 X): status 418 is not documented (documented: 200, 400, 401, 403, 404, 429, 500)"},
		{"a code on a 200", []contract.Answer{contract.Respond(200, "SCM.0010")}, "a 200 carries no error code or message"},
		{"a message on a 200", []contract.Answer{contract.Respond(200, "").WithMessage("hi")}, "a 200 carries no error code or message"},
		{"negative delay", []contract.Answer{contract.Delay(-time.Second)}, "negative delay"},
		{"no answers", nil, "no answers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMock(t)
			require.ErrorContains(t, m.Script(certID, tt.answers...), tt.want)
			require.ErrorContains(t, m.ScriptAll(tt.answers...), tt.want)
			require.Zero(t, m.PendingAnswers(), "nothing is queued")
		})
	}
	require.ErrorContains(t, newMock(t).Script("", contract.Respond(200, "")), "empty certificate ID")
}

// TestScriptOrder checks that a certificate's script comes before the one
// for every request, and that a refused request takes no answer.
func TestScriptOrder(t *testing.T) {
	m := newMock(t)
	srv := serve(t, m)
	gen, err := scm.NewClientWithResponses(srv)
	require.NoError(t, err)
	require.NoError(t, m.ScriptAll(contract.Respond(500, "")))
	require.NoError(t, m.Script(certID, contract.Respond(403, "")))

	// No credentials: the mock refuses the request before the operation.
	resp, err := gen.CancelCertWithResponse(context.Background(), projectID, certID)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode())
	require.Equal(t, 2, m.PendingAnswers(), "a refused request takes no answer")

	for _, tc := range []struct {
		cert string
		want int
	}{{"other-cert", 500}, {certID, 403}, {certID, 200}, {"other-cert", 200}} {
		resp, err := gen.CancelCertWithResponse(context.Background(), projectID, tc.cert, token("a-token"))
		require.NoError(t, err)
		require.Equal(t, tc.want, resp.StatusCode(), "cancel %s", tc.cert)
	}
}

// TestScriptedDelay checks that a delayed answer is late: a client whose
// deadline is shorter gives up, and the mock stops waiting.
func TestScriptedDelay(t *testing.T) {
	m := newMock(t)
	c := stateClient(t, m)
	require.NoError(t, m.ScriptAll(contract.Delay(time.Minute), contract.Respond(500, "").After(time.Minute)))
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := c.CancelCertificate(ctx, projectID, certID)
		cancel()
		// Why it must fail: the answer comes a minute late.
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	require.Eventually(t, func() bool { return len(m.Requests()) == 2 }, 10*time.Second, 10*time.Millisecond,
		"the mock stops waiting once the client is gone")
	res, err := c.CancelCertificate(context.Background(), projectID, certID)
	require.NoError(t, err, "the script is used up")
	require.Equal(t, certID, res.CertId)
}

// TestScriptedFaults injects each fault and checks what the client sees,
// what happens to the certificate, and the journal's mark.
func TestScriptedFaults(t *testing.T) {
	tests := []struct {
		answer     contract.Answer
		fault      contract.Fault
		processed  bool
		checkError func(t *testing.T, err error)
	}{
		{contract.ResetConnection(), contract.FaultResetConnection, false, func(t *testing.T, err error) {
			// Why it must fail: no response arrives at all.
			var apiErr *scm.APIError
			require.False(t, errors.As(err, &apiErr), "no answer, so no APIError: %v", err)
			require.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF), "a reset connection: %v", err)
		}},
		{contract.CloseMidBody(), contract.FaultCloseMidBody, true, func(t *testing.T, err error) {
			// Why it must fail: the body stops halfway.
			var apiErr *scm.APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, http.StatusOK, apiErr.StatusCode)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
		{contract.MalformedBody(), contract.FaultMalformedBody, true, func(t *testing.T, err error) {
			// Why it must fail: the body is not well-formed JSON.
			require.ErrorIs(t, err, scm.ErrMalformedResponse)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			logged := false
			m := newMock(t, contract.WithCertificate(projectID, certID, contract.StatusChecking),
				contract.WithLogf(func(string, ...any) { logged = true }))
			c, err := scm.NewCertClient(serve(t, m), scm.WithToken(testToken))
			require.NoError(t, err)
			require.NoError(t, m.Script(certID, tt.answer))
			_, err = c.CancelCertificate(context.Background(), projectID, certID)
			tt.checkError(t, err)

			status, _ := m.Certificate(projectID, certID)
			want := contract.StatusChecking
			if tt.processed {
				want = contract.StatusCancelChecking
			}
			require.Equal(t, want, status)
			reqs := m.Requests()
			require.Len(t, reqs, 1)
			require.Equal(t, tt.fault, reqs[0].Fault)
			require.Equal(t, "fault "+string(tt.fault), reqs[0].Scripted)
			require.True(t, reqs[0].Valid(), "the request was fine: %v", reqs[0].Problems)
			require.False(t, logged, "a fault is no violation of the mock's own")

			// The fault was one answer: the next call is answered in full.
			_, err = c.CancelCertificate(context.Background(), projectID, certID)
			if tt.processed {
				require.ErrorIs(t, err, scm.ErrWrongState, "the lost answer's cancel took place")
			} else {
				require.NoError(t, err)
			}
		})
	}
}

// TestScriptedFaultOverRawConnection reads what CloseMidBody sends, byte
// by byte: the usual headers with the full Content-Length, half the body.
func TestScriptedFaultOverRawConnection(t *testing.T) {
	m := newMock(t, contract.WithRequestIDs(func() string { return fixedID }))
	require.NoError(t, m.ScriptAll(contract.CloseMidBody()))
	srv := serve(t, m)
	var dialer net.Dialer
	conn, err := dialer.DialContext(context.Background(), "tcp", srv[len("http://"):])
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = io.WriteString(conn, "POST /v2/"+projectID+"/scm/cert/"+certID+"/cancel-cert HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	raw, err := io.ReadAll(conn)
	require.NoError(t, err, "the mock closes the connection")
	full := `{"cert_id":"` + certID + `","message":"success"}` + "\n"
	require.Contains(t, string(raw), "HTTP/1.1 200 OK\r\n")
	require.Contains(t, string(raw), "Content-Length: "+strconv.Itoa(len(full))+"\r\n")
	require.Contains(t, string(raw), "X-Request-Id: "+fixedID+"\r\n")
	require.True(t, len(raw) > 0 && string(raw[len(raw)-len(full)/2:]) == full[:len(full)/2], "half the body, then the end: %q", raw)
}
