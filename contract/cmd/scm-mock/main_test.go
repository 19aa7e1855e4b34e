package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutine
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRun starts the command on a free port, calls it, and stops it as
// SIGINT would.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-addr", "127.0.0.1:0"}, noEnv, pw, stderr)
		_ = pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "the command prints its address; stderr: %s", stderr.String())
	first := lines.Text()
	require.True(t, strings.HasPrefix(first, "scm-mock listening on http://127.0.0.1:"), first)
	url := strings.TrimPrefix(first, "scm-mock listening on ")

	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url+"/v2/p/scm/cert/c/cancel-cert", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "t")
	req.Header.Set("Prefer", "code=404")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Contains(t, string(body), "APIGW.0101")

	cancel()
	require.True(t, lines.Scan())
	require.Equal(t, "scm-mock stopped", lines.Text())
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop")
	}
}

func TestRunBadArguments(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "256.0.0.1:99999"}, "listen"},
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-ak", "AK"}, "needs its secret key"},
		{[]string{"-no-auth", "-token", "t"}, "-no-auth cannot be combined"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, noEnv, &stdout, &stderr)
			require.ErrorContains(t, err, tt.want)
			require.Empty(t, stdout.String(), "nothing is served")
		})
	}
}

func noEnv(string) (string, bool) { return "", false }

func TestAuthOptions(t *testing.T) {
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	tests := []struct {
		name   string
		tokens []string
		ak, sk string
		noAuth bool
		env    map[string]string
		mode   string
	}{
		{"nothing", nil, "", "", false, nil, "off"},
		{"flags", []string{"t1", "t2"}, "AK", "secret-value", false, nil, "on: 2 token(s) and one AK/SK key pair"},
		{"environment", nil, "", "", false, map[string]string{"SCM_MOCK_TOKENS": "a, b,,c", "SCM_MOCK_AK": "AK", "SCM_MOCK_SK": "secret-value"}, "on: 3 token(s) and one AK/SK key pair"},
		{"flags win", []string{"t"}, "", "", false, map[string]string{"SCM_MOCK_TOKENS": "a,b"}, "on: 1 token(s)"},
		{"no-auth ignores the environment", nil, "", "", true, map[string]string{"SCM_MOCK_TOKENS": "a"}, "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, mode, err := authOptions(tt.tokens, tt.ak, tt.sk, tt.noAuth, env(tt.env))
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(mode, tt.mode), mode)
			require.NotContains(t, mode, "secret-value", "the mode never names a secret")
		})
	}
}

// TestRunWithAuth checks that the command refuses a wrong token and accepts
// a configured one.
func TestRunWithAuth(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-addr", "127.0.0.1:0", "-token", "good-token"}, noEnv, pw, io.Discard)
		_ = pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan())
	url := strings.TrimPrefix(lines.Text(), "scm-mock listening on ")
	for tok, want := range map[string]int{"good-token": 200, "bad-token": 401} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url+"/v2/p/scm/cert/c/cancel-cert", nil)
		require.NoError(t, err)
		req.Header.Set("X-Auth-Token", tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, want, resp.StatusCode, tok)
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NoError(t, <-done)
}
