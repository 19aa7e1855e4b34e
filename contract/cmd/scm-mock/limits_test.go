package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// childEnv makes the test binary run main() instead of the tests, so that
// a test can run the command as a process: signals, exit status.
const childEnv = "SCM_MOCK_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command returns the command itself, run from the test binary, with args.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(context.Background(), exe, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	return cmd
}

// startMock runs the command in process on a free loopback port with args
// and returns its address (host:port); it stops when the test ends.
func startMock(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), noEnv, pw, io.Discard)
		_ = pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "the command prints its address")
	addr := strings.TrimPrefix(lines.Text(), "scm-mock listening on http://")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return addr
}

// dial opens a raw connection to addr, closed when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// closedByServer reads from conn until the server closes it, and reports
// whether it did so within limit (generous: the point is that it closes
// at all, not how fast).
func closedByServer(conn net.Conn, limit time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

const cancelRequestLine = "POST /v2/p1/scm/cert/c1/cancel-cert HTTP/1.1\r\nHost: mock\r\nX-Auth-Token: t\r\n"

// TestSlowClientsAreDropped holds connections open the ways that kept the
// old server's file descriptors busy for good, with short limits set
// through the flags, and checks that the server closes each one.
func TestSlowClientsAreDropped(t *testing.T) {
	addr := startMock(t, "-read-header-timeout", "300ms", "-read-timeout", "600ms", "-idle-timeout", "300ms", "-write-timeout", "2s")
	tests := []struct {
		name  string
		start string // sent at once
		drip  string // then sent one byte at a time, 100 ms apart
		read  bool   // read the response to start before waiting
	}{
		{name: "headers trickled", start: "POST /v2/p1/scm/cert/c1/cancel-cert HTTP/1.1\r\n", drip: strings.Repeat("X-Slow: 1\r\n", 20)},
		{name: "body trickled", start: cancelRequestLine + "Content-Length: 100\r\n\r\n", drip: strings.Repeat("x", 100)},
		{name: "idle keep-alive connection", start: cancelRequestLine + "\r\n", read: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := dial(t, addr)
			_, err := io.WriteString(conn, tt.start)
			require.NoError(t, err)
			if tt.read {
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.False(t, resp.Close, "the connection is kept alive")
			}
			dripped := make(chan int, 1)
			go func() {
				n := 0
				for n < len(tt.drip) {
					if _, err := conn.Write([]byte{tt.drip[n]}); err != nil {
						break // closed by the server
					}
					n++
					time.Sleep(100 * time.Millisecond)
				}
				dripped <- n
			}()
			require.True(t, closedByServer(conn, 20*time.Second), "the server closes the connection")
			_ = conn.Close()
			if len(tt.drip) > 0 {
				require.Less(t, <-dripped, len(tt.drip), "before the client finished trickling")
			}
		})
	}
}

// TestHeaderAbuse sends headers the server must refuse: too large (431),
// malformed (400), and checks that it keeps serving afterwards.
func TestHeaderAbuse(t *testing.T) {
	addr := startMock(t, "-max-header-bytes", "4096")
	tests := []struct {
		name   string
		header string
		status int
	}{
		{"headers over the limit", "X-Big: " + strings.Repeat("a", 64<<10) + "\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"many headers over the limit", strings.Repeat("X-Many: aaaaaaaaaaaaaaaaaaaaaaaa\r\n", 2000), http.StatusRequestHeaderFieldsTooLarge},
		{"a line without a colon", "this is not a header\r\n", http.StatusBadRequest},
		{"a space in a header name", "X Bad: 1\r\n", http.StatusBadRequest},
		{"a NUL in a header value", "X-Nul: a\x00b\r\n", http.StatusBadRequest},
		{"two Content-Length values", "Content-Length: 1\r\nContent-Length: 2\r\n", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := dial(t, addr)
			go func() { _, _ = io.WriteString(conn, cancelRequestLine+tt.header+"\r\n") }()
			_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, tt.status, resp.StatusCode)
		})
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+addr+"/v2/p1/scm/cert/c1/cancel-cert", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", "t")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "the server keeps serving")
}

// TestSIGTERMWithStalledConnection runs the command as a process, holds a
// connection stalled in the middle of a request body, sends SIGTERM, and
// checks that the command closes it after the grace period and exits 0.
func TestSIGTERMWithStalledConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command as a process: skipped in -short mode")
	}
	cmd := command(t, "-addr", "127.0.0.1:0", "-shutdown-grace", "300ms")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "the command prints its address")
	addr := strings.TrimPrefix(lines.Text(), "scm-mock listening on http://")

	stalled := dial(t, addr)
	_, err = io.WriteString(stalled, cancelRequestLine+"Content-Length: 100\r\n\r\nonly a part of the body")
	require.NoError(t, err)
	idle := dial(t, addr)              // and one that never sends a byte
	time.Sleep(200 * time.Millisecond) // let the server start reading both

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	rest, err := io.ReadAll(stdout)
	require.NoError(t, err)
	err = cmd.Wait()
	require.NoError(t, err, "exit status 0; stderr: %s", stderr.String())
	require.Equal(t, "scm-mock stopped\n", string(rest))
	require.Contains(t, stderr.String(), "closing the connections still open after 300ms")
	for _, conn := range []net.Conn{stalled, idle} {
		require.True(t, closedByServer(conn, 20*time.Second), "the command closed the connection")
	}
}

// TestHelpExitsZero checks that -h prints every flag with its default and
// exits with status 0.
func TestHelpExitsZero(t *testing.T) {
	out, err := command(t, "-h").CombinedOutput()
	require.NoError(t, err, "exit status 0: %s", out)
	for _, want := range []string{
		"-read-header-timeout duration", "(default 10s)",
		"-read-timeout duration", "(default 30s)",
		"-write-timeout duration",
		"-idle-timeout duration", "(default 1m0s)",
		"-max-header-bytes bytes", "(default 65536)",
		"-shutdown-grace duration", "(default 5s)",
		"a request must be read within -read-timeout",
	} {
		require.Contains(t, string(out), want)
	}
	out, err = command(t, "-nope").CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "an unknown flag is an error: %s", out)
	require.Equal(t, 1, exit.ExitCode())
}

// TestLimitFlagsMustBePositive checks that a zero or negative limit, which
// would switch the limit off, is refused.
func TestLimitFlagsMustBePositive(t *testing.T) {
	for _, flagName := range []string{"read-header-timeout", "read-timeout", "write-timeout", "idle-timeout", "shutdown-grace", "max-header-bytes"} {
		t.Run(flagName, func(t *testing.T) {
			value := "0s"
			if flagName == "max-header-bytes" {
				value = "0"
			}
			err := run(context.Background(), []string{"-" + flagName, value}, noEnv, io.Discard, io.Discard)
			require.ErrorContains(t, err, fmt.Sprintf("-%s must be positive", flagName))
		})
	}
}
