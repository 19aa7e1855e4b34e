package coverage_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/contract/internal/coverage"
	"github.com/scmcontract/cancelcert/gen/scm"
	"github.com/scmcontract/cancelcert/openapi"
)

// TestReportReadsBodiesAsTheClient checks that the report reads a
// recording's error code and drift as the client reads the body: the code
// is the member named exactly error_code (scm.APIError's Code), and a body
// repeating a member name is no body at all. encoding/json v1 would keep
// the last of repeated names, so it would count SCM.0097 and note /extra.
func TestReportReadsBodiesAsTheClient(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	header := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}}
	tests := []struct {
		name    string
		body    string
		code    string   // the error code the client reads, and the report counts
		members []string // the member drift the report lists
		notRead bool     // the client refuses to read the body (scm.ErrBodyNotRead)
	}{
		{name: "the exact member", body: `{"error_code":"SCM.0099","error_msg":"m"}`, code: "SCM.0099"},
		// The client reads no code from Error_Code; to the report it is
		// no code either, and a member the spec does not document.
		{name: "a case-folded member", body: `{"Error_Code":"SCM.0098","error_msg":"m"}`, members: []string{"/Error_Code"}},
		// The client does not read the body (scm.ErrBodyNotRead); the
		// report counts no code and notes no member.
		{name: "a repeated member", body: `{"error_code":"SCM.0098","error_code":"SCM.0097","extra":1}`, notRead: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scm.ParseCancelCertResult(&http.Response{StatusCode: http.StatusBadRequest, Header: header,
				Body: io.NopCloser(strings.NewReader(tc.body))}, 0)
			var apiErr *scm.APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, tc.code, apiErr.Code, "the client's code")
			require.Equal(t, tc.notRead, errors.Is(err, scm.ErrBodyNotRead), "body not read: %v", err)

			rec := &contract.Recording{Name: "live-400", Provenance: contract.Provenance{Source: contract.SourceLive, Date: "2026-11-27", Endpoint: "https://e"},
				Expect:   contract.Expectation{Valid: true},
				Request:  contract.RecordedRequest{Method: http.MethodPost, URL: "https://e/v2/p/scm/cert/c/cancel-cert"},
				Response: contract.RecordedResponse{Status: http.StatusBadRequest, Headers: header, Body: contract.Body(tc.body)}}
			r, err := coverage.Build(doc, []*contract.Recording{rec}, coverage.Options{})
			require.NoError(t, err)
			var counted []string
			for _, it := range response(t, r, "400").ErrorCodes {
				if len(it.Recordings) > 0 {
					counted = append(counted, it.Name)
				}
			}
			if tc.code == "" {
				require.Empty(t, counted, "the report counts a code the client does not read")
			} else {
				require.Equal(t, []string{tc.code}, counted)
			}
			var members []string
			for _, d := range r.Drift {
				if d.Kind == contract.NoteMember {
					members = append(members, d.Subject)
				}
			}
			require.Equal(t, tc.members, members)
		})
	}
}
