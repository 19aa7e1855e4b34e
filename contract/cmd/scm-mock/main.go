// Command scm-mock serves a mock of the SCM cancel-cert operation, built from
// the spec, on a local address:
//
//	go run ./contract/cmd/scm-mock -addr 127.0.0.1:8080
//
// It prints the URL it listens on, answers the documented responses (pick one
// with the header "Prefer: code=NNN"; the default is 200), validates every
// request and its own responses against the spec, and stops cleanly on
// SIGINT or SIGTERM.
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
	defer stop()
	if err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "scm-mock:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down, giving requests in flight
// up to five seconds to finish.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scm-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one)")
	var tokens stringList
	fs.Var(&tokens, "token", "accept this IAM `token` in X-Auth-Token (repeatable; default $SCM_MOCK_TOKENS, comma-separated)")
	ak := fs.String("ak", "", "accept AK/SK signatures with this access `key` (default $SCM_MOCK_AK)")
	sk := fs.String("sk", "", "the secret `key` of -ak (default $SCM_MOCK_SK)")
	noAuth := fs.Bool("no-auth", false, "check only that a credential header is present, whatever the environment says")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	opts, mode, err := authOptions(tokens, *ak, *sk, *noAuth, lookupEnv)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "scm-mock: ", log.LstdFlags)
	mock, err := contract.NewMock(append(opts, contract.WithLogf(logger.Printf))...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: mock, ReadHeaderTimeout: 10 * time.Second, ErrorLog: logger}
	fmt.Fprintf(stdout, "scm-mock listening on http://%s\n", ln.Addr())
	logger.Printf("authentication: %s", mode)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(stdout, "scm-mock stopped")
	return nil
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
