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
		err := run(ctx, []string{"-addr", "127.0.0.1:0"}, pw, stderr)
		_ = pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "the command prints its address; stderr: %s", stderr.String())
	first := lines.Text()
	require.True(t, strings.HasPrefix(first, "scm-mock listening on http://127.0.0.1:"), first)
	url := strings.TrimPrefix(first, "scm-mock listening on ")

	req, err := http.NewRequest(http.MethodPost, url+"/v2/p/scm/cert/c/cancel-cert", nil)
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
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			require.ErrorContains(t, err, tt.want)
			require.Empty(t, stdout.String(), "nothing is served")
		})
	}
}
