package contract_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/gen/scm"
)

var (
	liveFlag   = flag.Bool("live", false, "run the contract checks against the real service, with credentials from the environment")
	recordFlag = flag.Bool("record", false, "with -live: write each live exchange as a recording to -recordings")
	recordDir  = flag.String("recordings", recordingsDir, "the folder -record writes to")
)

// TestLive runs the contract checks against the live service (make live).
// Without -live, or without any credentials, it skips with one line saying
// what to set; partial or bad settings (an AK without its SK, a token
// without a project ID, no region or endpoint) fail it, naming what is
// wrong, since a run that was meant to happen did not. The default probe cancels ProbeCertID, which cannot exist; set
// SCM_CERT_ID to cancel a real application.
func TestLive(t *testing.T) {
	if !*liveFlag {
		t.Skip("live contract run: pass -live (make live) with credentials in the environment")
	}
	cfg, err := contract.LiveConfigFromEnv(os.LookupEnv)
	if errors.Is(err, contract.ErrLiveNotConfigured) {
		t.Skip(err.Error())
	}
	require.NoError(t, err)
	v := newValidator(t)
	red, err := cfg.Redactor()
	require.NoError(t, err)
	t.Logf("live run: %s", red.Redact(fmt.Sprintf("%+v", cfg)))
	// One transport validates each exchange once; the recorder, when
	// recording, marks it with that verdict.
	vt := contract.NewValidatingTransport(v, http.DefaultTransport, func(ex *contract.Exchange, err error) {
		t.Errorf("the service broke the contract:\n%s\n\nexchange:\n%s", red.Redact(err.Error()), red.Describe(ex))
	})
	var rec *contract.Recorder
	if *recordFlag {
		rec = &contract.Recorder{Dir: *recordDir, Endpoint: cfg.Endpoint, Redactor: red}
		vt.Hooks = append(vt.Hooks, rec)
	}
	opts := []scm.CertClientOption{scm.WithHTTPClient(&http.Client{Transport: vt, Timeout: time.Minute})}
	for _, opt := range cfg.ClientOptions() {
		opts = append(opts, opt)
	}
	client, err := scm.NewCertClient(cfg.Endpoint, opts...)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := client.CancelCertificate(ctx, cfg.ProjectID, cfg.CertID)
	var apiErr *scm.APIError
	switch {
	case err == nil:
		t.Logf("cancel-cert %s: %d, message %q", cfg.CertID, http.StatusOK, res.Message)
		if cfg.Probe() {
			t.Logf("NOTE: the service answered 200 to the probe ID %s", contract.ProbeCertID)
		}
	case errors.As(err, &apiErr) && cfg.Probe():
		t.Logf("probe answered as expected with an error: %s", red.Redact(apiErr.Error()))
	default:
		t.Fatalf("cancel-cert %s: %s", cfg.CertID, red.Redact(err.Error()))
	}
	if rec != nil {
		require.NotEmpty(t, rec.Written(), "-record wrote nothing")
		t.Logf("recorded to %s: %v", *recordDir, rec.Written())
	}
}
