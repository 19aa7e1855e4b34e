package contract_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

const recordingsDir = "testdata/recordings"

func newValidator(tb testing.TB) *contract.Validator {
	tb.Helper()
	v, err := contract.NewValidator()
	require.NoError(tb, err)
	return v
}

// TestCorpus checks every recording: a valid one must pass the validator, an
// invalid one must fail it with a problem of the kind it states, whose
// message holds the text it states.
func TestCorpus(t *testing.T) {
	recs, err := contract.ReadRecordings(recordingsDir)
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	v := newValidator(t)

	var valid, invalid int
	for _, rec := range recs {
		t.Run(rec.Name, func(t *testing.T) {
			ex, err := rec.Exchange()
			require.NoError(t, err)
			err = v.Validate(context.Background(), ex)
			if rec.Expect.Valid {
				require.NoError(t, err, "%s (%s)", rec.Description, rec.Provenance.Source)
				return
			}
			require.Error(t, err, "must fail because: %s", rec.Expect.Reason)
			var ve *contract.ValidationError
			require.True(t, errors.As(err, &ve), "want a *ValidationError, got %T", err)
			require.True(t, ve.Has(rec.Expect.Kind, rec.Expect.Contains),
				"must fail because: %s\nwant a %q problem containing %q\ngot: %v", rec.Expect.Reason, rec.Expect.Kind, rec.Expect.Contains, err)
		})
		if rec.Expect.Valid {
			valid++
		} else {
			invalid++
		}
	}
	// Both halves of the corpus must be exercised.
	require.Positive(t, valid, "valid recordings")
	require.Positive(t, invalid, "invalid recordings")
}

// TestCorpusProvenance checks that the corpus holds what its sources claim:
// the documented success example verbatim, and every source but "crafted"
// only in valid recordings.
func TestCorpusProvenance(t *testing.T) {
	recs, err := contract.ReadRecordings(recordingsDir)
	require.NoError(t, err)
	sources := map[string]int{}
	for _, rec := range recs {
		sources[rec.Provenance.Source]++
		if rec.Provenance.Source == contract.SourceCrafted {
			require.False(t, rec.Expect.Valid, "%s: crafted recordings only break the contract", rec.Name)
		}
	}
	require.Positive(t, sources[contract.SourceDocument], "documented exchanges")
	require.Positive(t, sources[contract.SourceMock], "mock exchanges")
	require.Positive(t, sources[contract.SourceCrafted], "negative corpus")

	doc, err := contract.ReadRecording(filepath.Join(recordingsDir, "document-200-success.json"))
	require.NoError(t, err)
	require.Equal(t, `{ "cert_id": " scs1481110651012", "message": "success" }`, string(doc.Response.Body),
		"the documented 200 example is kept verbatim, leading space and all")
}

// TestCorpusClientAgrees checks that the client reaches the corpus's
// verdict on every 200 response: a result exactly when the recording keeps
// the contract (those that break it only on the request side aside, since
// the client judges responses). An error response is never a result.
func TestCorpusClientAgrees(t *testing.T) {
	recs, err := contract.ReadRecordings(recordingsDir)
	require.NoError(t, err)
	for _, rec := range recs {
		switch rec.Expect.Kind {
		case contract.KindRoute, contract.KindSecurity, contract.KindRequest:
			continue
		}
		t.Run(rec.Name, func(t *testing.T) {
			resp := &http.Response{StatusCode: rec.Response.Status, Header: http.Header{},
				Body: io.NopCloser(bytes.NewReader(rec.Response.Body))}
			for k, vs := range rec.Response.Headers {
				resp.Header[http.CanonicalHeaderKey(k)] = vs
			}
			got, err := scm.ParseCancelCertResult(resp, 0)
			if rec.Response.Status == http.StatusOK && rec.Expect.Valid {
				require.NoError(t, err, "%s", rec.Description)
				require.NotNil(t, got)
				return
			}
			require.Nil(t, got, "must not be a result because: %s", rec.Expect.Reason)
			var apiErr *scm.APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, rec.Response.Status, apiErr.StatusCode)
		})
	}
}
