package contract_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
	"github.com/scmcontract/cancelcert/openapi"
)

// subjects renders notes as "kind subject", the part of a note that
// identifies it, so that a test compares them in one line.
func subjects(notes []contract.Note) []string {
	var out []string
	for _, n := range notes {
		out = append(out, string(n.Kind)+" "+n.Subject)
	}
	return out
}

// cancelExchange is a token-authenticated cancel-cert request answered
// with status, header and body.
func cancelExchange(tb testing.TB, method string, status int, header http.Header, body string) *contract.Exchange {
	tb.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, "https://scm.cn-north-4.myhuaweicloud.com"+cancelPath, nil)
	require.NoError(tb, err)
	req.Header.Set("X-Auth-Token", "my-iam-token")
	return &contract.Exchange{Request: req, StatusCode: status, Header: header, Body: []byte(body)}
}

// TestValidateWithNotes checks that ValidateWithNotes returns drift notes
// apart from problems, and the same verdict as Validate.
func TestValidateWithNotes(t *testing.T) {
	v := newValidator(t)
	const result = `{"cert_id":"scs1481110651012","message":"success"}`
	documented := func() http.Header {
		return http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}, "Date": {"Fri, 27 Nov 2026 04:23:00 GMT"}}
	}
	with := func(name, value string) http.Header {
		h := documented()
		h.Set(name, value)
		return h
	}
	tests := []struct {
		name    string
		ex      *contract.Exchange
		want    []string      // notes, as subjects renders them
		errKind contract.Kind // the problem the exchange breaks the contract with; "" when it keeps it
		errHas  string
	}{
		{name: "a documented exchange has no notes", ex: cancelExchange(t, http.MethodPost, 200, documented(), result)},
		{name: "an undocumented member is a note, not a problem",
			ex:   cancelExchange(t, http.MethodPost, 200, documented(), `{"cert_id":"scs1481110651012","message":"success","status":"PAID"}`),
			want: []string{"member /status"}},
		{name: "an undocumented header is a note, not a problem",
			ex:   cancelExchange(t, http.MethodPost, 200, with("X-Trace-Id", "abc"), result),
			want: []string{"header X-Trace-Id"}},
		{name: "an undocumented media-type parameter is a note, not a problem",
			ex:   cancelExchange(t, http.MethodPost, 200, with("Content-Type", "application/json;charset=UTF-8"), result),
			want: []string{"media-type-parameter charset=UTF-8"}},
		{name: "an error response's undocumented member is a note",
			ex:   cancelExchange(t, http.MethodPost, 400, documented(), `{"error_code":"SCM.0010","error_msg":"m","error_detail":"d"}`),
			want: []string{"member /error_detail"}},
		// The exchange lacks a required member (a problem) and adds one
		// (a note): the verdict and the notes come from one validation.
		{name: "notes come beside problems",
			ex:      cancelExchange(t, http.MethodPost, 200, with("X-Trace-Id", "abc"), `{"cert_id":"scs1481110651012","status":"PAID"}`),
			want:    []string{"header X-Trace-Id", "member /status"},
			errKind: contract.KindResponseBody, errHas: "message"},
		// No operation was found, so there is nothing to compare with.
		{name: "an exchange that reaches no operation has no notes",
			ex:      cancelExchange(t, http.MethodGet, 200, with("X-Trace-Id", "abc"), `{"new":1}`),
			errKind: contract.KindRoute, errHas: "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			notes, err := v.ValidateWithNotes(ctx, tc.ex)
			require.Equal(t, tc.want, subjects(notes), "notes: %v", notes)
			plain := v.Validate(ctx, tc.ex)
			if tc.errKind == "" {
				require.NoError(t, err)
				require.NoError(t, plain, "Validate agrees")
				return
			}
			var ve *contract.ValidationError
			require.ErrorAs(t, err, &ve)
			require.True(t, ve.Has(tc.errKind, tc.errHas), "want a %s problem naming %q: %v", tc.errKind, tc.errHas, err)
			require.EqualError(t, plain, err.Error(), "Validate agrees")
		})
	}

	t.Run("an exchange that cannot be judged has no notes", func(t *testing.T) {
		notes, err := v.ValidateWithNotes(context.Background(), nil)
		require.ErrorIs(t, err, contract.ErrIncompleteExchange)
		require.Nil(t, notes)
	})
}

// TestDriftNotesAgreeWithClient checks that DriftNotes reads a body as the
// client does: member names exactly, case included, and a body repeating a
// member name as no body at all. encoding/json v1 would read CERT_ID as
// cert_id into a struct, and keep the last of repeated names.
func TestDriftNotesAgreeWithClient(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	op := doc.Paths.Find("/v2/{project_id}/scm/cert/{cert_id}/cancel-cert").Post
	v := newValidator(t)
	header := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}}
	tests := []struct {
		name      string
		body      string
		certID    string   // the result the client returns; "" when it refuses the body
		malformed bool     // the client refuses the body as not well-formed
		notes     []string // DriftNotes, as subjects renders them
	}{
		// The client ignores Cert_Id beside cert_id: it is another member,
		// which the spec does not document.
		{name: "case-folded member beside the documented one", body: `{"cert_id":"c","message":"m","Cert_Id":"x"}`,
			certID: "c", notes: []string{"member /Cert_Id"}},
		// The client does not take CERT_ID for cert_id and refuses the
		// result; to DriftNotes CERT_ID is undocumented, not cert_id.
		{name: "case-folded member alone", body: `{"CERT_ID":"c","message":"m"}`,
			notes: []string{"member /CERT_ID"}},
		// The client refuses the body outright; DriftNotes reads no member.
		{name: "repeated undocumented member", body: `{"cert_id":"c","message":"m","status":"a","status":"b"}`,
			malformed: true},
		{name: "repeated documented member", body: `{"cert_id":"c","message":"m","cert_id":"d","status":"a"}`,
			malformed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := scm.ParseCancelCertResult(&http.Response{StatusCode: 200, Header: header,
				Body: io.NopCloser(strings.NewReader(tc.body))}, 0)
			if tc.certID != "" {
				require.NoError(t, err)
				require.Equal(t, tc.certID, res.CertId)
			} else {
				require.Error(t, err, "the client refuses the body")
				require.Equal(t, tc.malformed, errors.Is(err, scm.ErrMalformedJSON), "malformed: %v", err)
			}
			require.Equal(t, tc.notes, subjects(contract.DriftNotes(op, 200, header, []byte(tc.body))))

			// The Validator, which judges by the same rules, agrees with
			// the client's verdict.
			ex := cancelExchange(t, http.MethodPost, 200, header, tc.body)
			notes, verr := v.ValidateWithNotes(context.Background(), ex)
			require.Equal(t, tc.notes, subjects(notes))
			require.Equal(t, tc.certID != "", verr == nil, "the Validator agrees with the client: %v", verr)
		})
	}
}

// TestTransportHandsNotesToHooks checks that the Transport's verdict
// carries the notes of its one validation, and none without a Validator.
func TestTransportHandsNotesToHooks(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("X-Request-Id", "r1")
		w.Header().Set("X-Trace-Id", "abc")
		_, _ = io.WriteString(w, `{"cert_id":"c","message":"m","status":"PAID"}`)
	}))
	for _, tc := range []struct {
		name string
		v    *contract.Validator
		want []string
	}{
		{"with a Validator", newValidator(t), []string{"media-type-parameter charset=UTF-8", "header X-Trace-Id", "member /status"}},
		{"without a Validator", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []contract.Verdict
			hook := contract.HookFunc(func(_ *contract.Exchange, verdict contract.Verdict) error {
				got = append(got, verdict)
				return nil
			})
			tr := &contract.Transport{Validator: tc.v, Hooks: []contract.Hook{hook}}
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv+cancelPath, nil)
			require.NoError(t, err)
			req.Header.Set("X-Auth-Token", "my-iam-token")
			resp, err := (&http.Client{Transport: tr}).Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Len(t, got, 1)
			require.Equal(t, tc.v != nil, got[0].Validated)
			require.NoError(t, got[0].Err)
			require.Equal(t, tc.want, subjects(got[0].Notes))
		})
	}
}

// TestRecorderWritesNotes checks that a recording carries the notes of
// the exchange, redacted like the rest, whether the Transport validated it
// or the Recorder did.
func TestRecorderWritesNotes(t *testing.T) {
	// The service adds a member whose name holds the project ID: its note
	// must not carry the ID into the file.
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r1")
		w.Header().Set("X-Trace-Id", "abc")
		_, _ = io.WriteString(w, `{"cert_id":"c","message":"m","quota_`+projectID+`":1}`)
	}))
	for _, tc := range []struct {
		name string
		tr   func(rec *contract.Recorder) *contract.Transport
	}{
		{"the Transport validates", func(rec *contract.Recorder) *contract.Transport {
			return contract.NewValidatingTransport(newValidator(t), nil, contract.ReportTo(t), rec)
		}},
		{"the Recorder validates", func(rec *contract.Recorder) *contract.Transport { return contract.NewTransport(nil, rec) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			red, err := contract.NewRedactor(projectID, contract.NamedSecret{Name: "token", Value: scm.NewSecret("my-iam-token")})
			require.NoError(t, err)
			rec := &contract.Recorder{Dir: dir, Endpoint: srv, Redactor: red}
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv+cancelPath, nil)
			require.NoError(t, err)
			req.Header.Set("X-Auth-Token", "my-iam-token")
			resp, err := (&http.Client{Transport: tc.tr(rec)}).Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())

			path := filepath.Join(dir, "live-200.json")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.False(t, bytes.Contains(data, []byte(projectID)), "the recording holds the project ID")
			r, err := contract.ReadRecording(path)
			require.NoError(t, err)
			require.True(t, r.Expect.Valid, "notes do not break the contract: %+v", r.Expect)
			require.Equal(t, []string{"header X-Trace-Id", "member /quota_" + contract.ProjectIDPlaceholder}, subjects(r.Notes))
			for _, n := range r.Notes {
				require.Contains(t, n.Message, n.Subject, "the message names the redacted subject")
			}
		})
	}
}
