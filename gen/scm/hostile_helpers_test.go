package scm

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// noLeaks makes the test fail if it leaves a goroutine behind. Call it
// first: its cleanup then runs last, after the servers the test started
// are closed, and it closes the idle connections of http.DefaultTransport,
// which the default CertClient uses, before it looks. Goroutines running
// when it is called are ignored.
func noLeaks(t testing.TB) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		goleak.VerifyNone(t, before)
	})
}

// rawHandler answers one connection of a rawServer, after the request
// (line, headers and body) was read. done is closed when the test ends:
// a handler that stalls waits for it.
type rawHandler func(conn net.Conn, done <-chan struct{})

// rawServer serves each connection on a loopback port with handle, below
// HTTP, so that it can send what no http.Handler can: stalls, broken
// framing, oversized headers. When the test ends it stops listening,
// closes every connection and waits for its goroutines.
func rawServer(t testing.TB, handle rawHandler) string {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return // the listener was closed
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Go(func() {
				defer func() { _ = conn.Close() }()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, req.Body); err != nil {
					return
				}
				handle(conn, done)
			})
		}
	})
	t.Cleanup(func() {
		close(done)
		require.NoError(t, ln.Close())
		mu.Lock()
		for _, c := range conns {
			_ = c.Close() // may be closed already
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// reply returns a rawHandler that writes raw (a status line, headers and
// as much body as it likes) and then closes the connection.
func reply(raw string) rawHandler {
	return func(conn net.Conn, _ <-chan struct{}) {
		_, _ = io.WriteString(conn, raw) // the client may hang up first
	}
}

// replyThenStall returns a rawHandler that writes raw and then holds the
// connection open, sending nothing, until the test ends.
func replyThenStall(raw string) rawHandler {
	return func(conn net.Conn, done <-chan struct{}) {
		_, _ = io.WriteString(conn, raw) // the client may hang up first
		<-done
	}
}

// cancelWithin calls CancelCertificate with a deadline of d and returns
// its answer and how long the call took.
func cancelWithin(t testing.TB, c *CertClient, d time.Duration) (*CancelCertResult, time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	got, err := c.CancelCertificate(ctx, "p", "c")
	return got, time.Since(start), err
}
