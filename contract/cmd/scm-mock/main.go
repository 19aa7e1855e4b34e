// Command scm-mock serves a mock of the SCM cancel-cert operation, built from
// the spec, on a local address:
//
//	go run ./contract/cmd/scm-mock -addr 127.0.0.1:8080
//
// It prints the URL it listens on, answers the documented responses (pick one
// with the header "Prefer: code=NNN"; the default is 200), validates every
// request and its own responses against the spec, and stops cleanly on
// SIGINT or SIGTERM: it stops accepting, gives requests in flight up to
// -shutdown-grace to finish, closes the connections still open (a client
// stalled mid-request), and exits with status 0.
//
// It holds up against slow and abusive clients with these limits (flag,
// default):
//
//	-read-header-timeout 10s   the request line and headers must arrive within it
//	-read-timeout 30s          the whole request, body included, must arrive within it
//	-write-timeout 30s         the response must be written within it
//	-idle-timeout 1m0s         an idle keep-alive connection is closed after it
//	-max-header-bytes 65536    larger request headers get 431
//	-shutdown-grace 5s         how long SIGTERM waits for requests in flight
//
// A connection that breaks them is closed; malformed headers get 400, and
// the server keeps serving others. -h prints every flag with its default,
// the file formats and the admin API, and exits 0.
//
// For tests outside Go, the mock can be driven like contract.Mock:
//
//	-certs FILE    seed certificates (a YAML list of project_id, cert_id,
//	               status): cancel-cert then answers from their statuses
//	-script FILE   queue scripted answers: statuses with error codes,
//	               throttling, delays and faults (see -h for the format)
//	-admin MODE    auto (the default: on only when listening on loopback),
//	               on or off: the admin API under /__mock/ (the journal
//	               GET /__mock/requests, POST /__mock/reset, certificates
//	               and scripts at run time)
//
// Authentication is off unless credentials are given: then the mock accepts
// only the given IAM tokens (X-Auth-Token) and AK/SK signatures made with the
// given key pair, and answers anything else with the gateway's 401
// (APIGW.0301). Flags win over the environment:
//
//	-token T   (repeatable)  or SCM_MOCK_TOKENS=T1,T2
//	-ak AK -sk SK            or SCM_MOCK_AK, SCM_MOCK_SK
//	-no-auth                 ignore the environment: check only that a
//	                         credential header is present
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/scmcontract/cancelcert/contract"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage was asked for
	case err != nil:
		fmt.Fprintln(os.Stderr, "scm-mock:", err)
		os.Exit(1)
	}
}

// Default limits of the server; see the package documentation.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultIdleTimeout       = 60 * time.Second
	defaultMaxHeaderBytes    = 64 << 10
	defaultShutdownGrace     = 5 * time.Second
)

const usageHeader = `Usage: scm-mock [flags]

Serves a mock of the SCM cancel-cert operation, built from the spec, until
SIGINT or SIGTERM. Pick a documented response with "Prefer: code=NNN",
or seed certificates (-certs) and script answers (-script, or the admin
API); see the formats below.

Limits: a request must be read within -read-timeout (headers within
-read-header-timeout), a response written within -write-timeout, an idle
keep-alive connection is closed after -idle-timeout, and request headers
over -max-header-bytes get 431. On SIGINT or SIGTERM, requests in flight get
-shutdown-grace to finish; the connections still open are then closed and
the command exits 0.

Flags:
`

// run serves until ctx is done, then shuts down (see the package
// documentation). It returns flag.ErrHelp after printing the usage for -h.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scm-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprint(fs.Output(), usageHeader)
		fs.PrintDefaults()
		_, _ = fmt.Fprint(fs.Output(), "\n"+filesUsage+"\n"+adminUsage)
	}
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one)")
	readHeaderTimeout := fs.Duration("read-header-timeout", defaultReadHeaderTimeout, "close a connection whose request line and headers take longer")
	readTimeout := fs.Duration("read-timeout", defaultReadTimeout, "close a connection whose whole request, body included, takes longer")
	writeTimeout := fs.Duration("write-timeout", defaultWriteTimeout, "give up writing a response after this long")
	idleTimeout := fs.Duration("idle-timeout", defaultIdleTimeout, "close an idle keep-alive connection after this long")
	maxHeaderBytes := fs.Int("max-header-bytes", defaultMaxHeaderBytes, "answer 431 to request headers larger than this many `bytes`")
	shutdownGrace := fs.Duration("shutdown-grace", defaultShutdownGrace, "on SIGINT or SIGTERM, wait this long for requests in flight, then close what is left")
	var tokens stringList
	fs.Var(&tokens, "token", "accept this IAM `token` in X-Auth-Token (repeatable; default $SCM_MOCK_TOKENS, comma-separated)")
	ak := fs.String("ak", "", "accept AK/SK signatures with this access `key` (default $SCM_MOCK_AK)")
	sk := fs.String("sk", "", "the secret `key` of -ak (default $SCM_MOCK_SK)")
	noAuth := fs.Bool("no-auth", false, "check only that a credential header is present, whatever the environment says")
	certsFile := fs.String("certs", "", "seed certificates from this YAML `file` (a list of project_id, cert_id, status): the mock becomes stateful")
	scriptFile := fs.String("script", "", "queue scripted answers from this YAML `file` (a list of cert_id, answers)")
	admin := fs.String("admin", "auto", "serve the admin API under /__mock/: auto (only when listening on loopback), on or off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for name, d := range map[string]time.Duration{"read-header-timeout": *readHeaderTimeout, "read-timeout": *readTimeout,
		"write-timeout": *writeTimeout, "idle-timeout": *idleTimeout, "shutdown-grace": *shutdownGrace} {
		if d <= 0 {
			return fmt.Errorf("-%s must be positive, not %s", name, d)
		}
	}
	if *maxHeaderBytes <= 0 {
		return fmt.Errorf("-max-header-bytes must be positive, not %d", *maxHeaderBytes)
	}
	if _, err := adminEnabled(*admin, nil); err != nil {
		return err
	}
	opts, mode, err := authOptions(tokens, *ak, *sk, *noAuth, lookupEnv)
	if err != nil {
		return err
	}
	var seeds certs
	if *certsFile != "" {
		if seeds, err = readFile(*certsFile, parseCerts); err != nil {
			return fmt.Errorf("-certs: %w", err)
		}
		opts = append(opts, seeds.options()...)
	}
	var sc script
	if *scriptFile != "" {
		if sc, err = readFile(*scriptFile, parseScript); err != nil {
			return fmt.Errorf("-script: %w", err)
		}
	}
	logger := log.New(stderr, "scm-mock: ", log.LstdFlags)
	mock, err := contract.NewMock(append(opts, contract.WithLogf(logger.Printf))...)
	if err != nil {
		return err
	}
	if err := sc.apply(mock); err != nil {
		return fmt.Errorf("-script %s: %w", *scriptFile, err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	adminOn, err := adminEnabled(*admin, ln.Addr())
	if err != nil {
		_ = ln.Close()
		return err
	}
	var handler http.Handler = mock
	if adminOn {
		handler = withAdmin(mock)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: *readHeaderTimeout,
		ReadTimeout:       *readTimeout,
		WriteTimeout:      *writeTimeout,
		IdleTimeout:       *idleTimeout,
		MaxHeaderBytes:    *maxHeaderBytes,
		ErrorLog:          logger,
	}
	_, _ = fmt.Fprintf(stdout, "scm-mock listening on http://%s\n", ln.Addr())
	logger.Printf("authentication: %s", mode)
	logger.Printf("certificates: %d seeded (%s); %d scripted answer(s)", len(seeds), statefulness(len(seeds)), mock.PendingAnswers())
	if adminOn {
		logger.Printf("admin API: on, under %s", adminPrefix)
	} else {
		logger.Printf("admin API: off")
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shut down: %w", err)
		}
		// Connections stalled mid-request outlived the grace period: a
		// stop on request does not wait for them.
		logger.Printf("closing the connections still open after %s", *shutdownGrace)
		if err := srv.Close(); err != nil {
			return fmt.Errorf("close: %w", err)
		}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	_, _ = fmt.Fprintln(stdout, "scm-mock stopped")
	return nil
}

func statefulness(seeds int) string {
	if seeds == 0 {
		return "stateless: any certificate ID is cancelled"
	}
	return "stateful"
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return fmt.Sprint(len(*l)) + " value(s)" }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// authOptions turns flags and environment into mock options, and describes
// the mode without naming a secret.
func authOptions(tokens []string, ak, sk string, noAuth bool, lookupEnv func(string) (string, bool)) ([]contract.MockOption, string, error) {
	if noAuth {
		if len(tokens) > 0 || ak != "" || sk != "" {
			return nil, "", errors.New("-no-auth cannot be combined with -token, -ak or -sk")
		}
		return nil, "off (a credential header must be present)", nil
	}
	env := func(name string) string {
		v, _ := lookupEnv(name)
		return strings.TrimSpace(v)
	}
	if len(tokens) == 0 {
		for _, t := range strings.Split(env("SCM_MOCK_TOKENS"), ",") {
			if t = strings.TrimSpace(t); t != "" {
				tokens = append(tokens, t)
			}
		}
	}
	if ak == "" && sk == "" {
		ak, sk = env("SCM_MOCK_AK"), env("SCM_MOCK_SK")
	}
	if (ak == "") != (sk == "") {
		return nil, "", errors.New("an access key needs its secret key: give both -ak and -sk (or SCM_MOCK_AK and SCM_MOCK_SK)")
	}
	var opts []contract.MockOption
	var modes []string
	if len(tokens) > 0 {
		opts = append(opts, contract.WithTokens(tokens...))
		modes = append(modes, fmt.Sprintf("%d token(s)", len(tokens)))
	}
	if ak != "" {
		opts = append(opts, contract.WithKeyPair(ak, sk))
		modes = append(modes, "one AK/SK key pair")
	}
	if len(opts) == 0 {
		return nil, "off (a credential header must be present)", nil
	}
	return opts, "on: " + strings.Join(modes, " and "), nil
}
