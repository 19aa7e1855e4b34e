package contract

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/scmcontract/cancelcert/contract/internal/server"
	"github.com/scmcontract/cancelcert/gen/scm"
)

// The mock fits the generated strict server interface: a spec change that
// adds, removes or retypes a response breaks this build.
var _ server.StrictServerInterface = (*strictMock)(nil)

// strictMock is the Mock as the generated strict server sees it. Its
// method CancelCert reads what ServeHTTP puts in the request's context, so
// it is not part of the Mock's exported surface.
type strictMock Mock

// Mock serves the cancel-cert operation from the spec: the success case and
// every documented error, chosen by the client with the header
// "Prefer: code=NNN" (the convention of the Prism mock server; the default is
// 200). It validates every request with kin-openapi (a bad request gets 400
// in the error schema, naming the problem), validates its own responses
// before sending them, and sets X-Request-Id on every response.
//
// Bodies come from the spec's examples: an error scenario answers the
// example of its status (with request_id set to the request's ID when the
// example has one); the success scenario answers the requested cert_id with
// the example's message.
//
// A test drives it further: WithCertificate makes it answer from the
// certificates' statuses (mock_state.go), Script and ScriptAll queue
// answers and faults (mock_script.go), and Requests returns the journal of
// what it received (mock_journal.go).
type Mock struct {
	validator *Validator
	// route is the operation's route, against which the mock checks its
	// answers to requests that match no operation.
	route    *routers.Route
	examples map[int]json.RawMessage
	statuses []int
	handler  http.Handler
	newID    func() string
	logf     func(format string, args ...any)
	auth     authenticator
	// certs, scripts and journal make the mock drivable from a test:
	// mock_state.go, mock_script.go, mock_journal.go.
	certs   *certStore
	scripts *scriptBook
	journal *journal
}

// MockOption configures a Mock.
type MockOption func(*Mock) error

// WithRequestIDs sets the function that makes each response's request ID.
// The default makes 32 random hex digits, as the API gateway does.
func WithRequestIDs(f func() string) MockOption {
	return func(m *Mock) error {
		if f == nil {
			return errors.New("contract: WithRequestIDs: nil function")
		}
		m.newID = f
		return nil
	}
}

// WithLogf sets where the mock reports its own contract violations (a
// response it made that breaks the spec). The default is the standard logger.
func WithLogf(logf func(format string, args ...any)) MockOption {
	return func(m *Mock) error {
		if logf == nil {
			return errors.New("contract: WithLogf: nil function")
		}
		m.logf = logf
		return nil
	}
}

// NewMock builds a mock from the embedded spec.
func NewMock(opts ...MockOption) (*Mock, error) {
	v, err := NewValidator()
	if err != nil {
		return nil, fmt.Errorf("contract: new mock: %w", err)
	}
	m := &Mock{validator: v, newID: randomID, logf: log.Printf, examples: map[int]json.RawMessage{},
		certs: newCertStore(), scripts: &scriptBook{}, journal: newJournal()}
	for _, opt := range opts {
		if err := opt(m); err != nil {
			return nil, err // the option's error says which option, and why
		}
	}
	// The operationId is what the generated code is named after.
	m.route = v.operationRoute("CancelCert")
	if m.route == nil {
		return nil, errors.New("contract: new mock: the spec has no operation CancelCert")
	}
	op := m.route.Operation
	m.statuses = documentedStatuses(op)
	for _, code := range m.statuses {
		ex, err := jsonExample(op.Responses.Status(code).Value)
		if err != nil {
			return nil, fmt.Errorf("contract: new mock: response %d: %w", code, err)
		}
		m.examples[code] = ex
	}
	m.handler = server.HandlerWithOptions(
		server.NewStrictHandlerWithOptions((*strictMock)(m), nil, server.StrictHTTPServerOptions{
			RequestErrorHandlerFunc:  m.requestError,
			ResponseErrorHandlerFunc: m.responseError,
		}),
		server.StdHTTPServerOptions{ErrorHandlerFunc: m.requestError},
	)
	return m, nil
}

// StartMock starts a mock on a loopback port for the length of a test and
// returns the server; its URL is the endpoint to give the client.
func StartMock(tb testing.TB, opts ...MockOption) *httptest.Server {
	tb.Helper()
	m, err := NewMock(append([]MockOption{WithLogf(tb.Logf)}, opts...)...)
	if err != nil {
		tb.Fatalf("start mock: %v", err)
	}
	srv := httptest.NewServer(m)
	tb.Cleanup(srv.Close)
	return srv
}

// Scenarios returns the statuses a client can ask for with "Prefer: code=NNN":
// those the spec documents explicitly, in ascending order.
func (m *Mock) Scenarios() []int { return slices.Clone(m.statuses) }

func jsonExample(resp *openapi3.Response) (json.RawMessage, error) {
	mt := resp.Content.Get("application/json")
	if mt == nil || mt.Example == nil {
		return nil, errors.New("no application/json example")
	}
	return json.Marshal(mt.Example)
}

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxPrefer
)

// ServeHTTP answers one request. Every response carries X-Request-Id, has
// a documented status and has been validated against the spec before it
// is sent. A path that is not clean (a dot segment, escaped or not, an
// empty segment as in "//" or a trailing "/") is answered as the gateway
// answers an API it does not know, 404 APIGW.0101: a gateway resolves dot
// segments before routing (RFC 3986 §5.2.4), which leaves no cancel-cert
// path, and never redirects.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := m.newID()
	note := m.journal.begin(r, id)
	r = r.WithContext(withNote(r.Context(), note))
	// Cancel-cert has no body: one over the request limit is refused unread.
	body, err := scm.ReadLimited(r.Body, scm.DefaultRequestLimit)
	buf := &bufferedResponse{header: http.Header{}}
	buf.header.Set("X-Request-Id", id)
	route := m.route
	switch {
	case errors.Is(err, scm.ErrBodyTooLarge):
		m.writeError(buf, http.StatusBadRequest, "SCM.0005", fmt.Sprintf("Incorrect request parameter: body over %d bytes", scm.DefaultRequestLimit), "")
	case err != nil:
		m.writeError(buf, http.StatusBadRequest, "SCM.0005", "Incorrect request parameter: reading the body: "+err.Error(), "")
	case !cleanPath(r.URL.EscapedPath()):
		note.problems([]Problem{{KindRoute, "the path is not clean: " + r.URL.EscapedPath()}})
		m.writeError(buf, http.StatusNotFound, "APIGW.0101", apiNotFound, id)
	default:
		if matched := m.serve(buf, r, body, id); matched != nil {
			route = matched
		}
	}
	m.send(w, r, route, buf, id)
}

// apiNotFound is the gateway's message for an API it does not know.
const apiNotFound = "The API does not exist or has not been published in the environment"

// cleanPath reports whether an escaped request path is absolute and has
// no empty segment and no dot segment, escaped or not. Go's ServeMux
// would answer any other path with a redirect.
func cleanPath(escaped string) bool {
	rest, ok := strings.CutPrefix(escaped, "/")
	if !ok {
		return false
	}
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "" {
			return false
		}
		if unescaped, err := url.PathUnescape(seg); err != nil || unescaped == "." || unescaped == ".." {
			return false
		}
	}
	return true
}

// serve validates the request once and answers it; it returns the route
// of the request's operation, or nil when it matches none. The path must
// match an operation as sent: the mock has no base path.
func (m *Mock) serve(w *bufferedResponse, r *http.Request, body []byte, id string) *routers.Route {
	route, problems := m.validator.checkRequest(r.Context(), r, body, false)
	noteOf(r.Context()).problems(problems)
	if len(problems) > 0 {
		ve := &ValidationError{Problems: problems}
		switch {
		case ve.Has(KindRoute, ""):
			// The gateway's answer for an API it does not know.
			m.writeError(w, http.StatusNotFound, "APIGW.0101", apiNotFound, id)
		case ve.Has(KindSecurity, ""):
			m.writeError(w, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+problemText(ve), id)
		default:
			m.writeError(w, http.StatusBadRequest, "SCM.0005", "Incorrect request parameter: "+problemText(ve), "")
		}
		return route
	}
	if m.auth != nil {
		if err := m.auth.authenticate(r, body); err != nil {
			m.writeError(w, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+err.Error(), id)
			return route
		}
	}
	ctx := context.WithValue(r.Context(), ctxRequestID, id)
	ctx = context.WithValue(ctx, ctxPrefer, r.Header.Values("Prefer"))
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	m.handler.ServeHTTP(w, r)
	return route
}

func problemText(ve *ValidationError) string {
	msgs := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// CancelCert implements server.StrictServerInterface: it answers the
// scenario the request asked for with "Prefer: code=NNN".
func (sm *strictMock) CancelCert(ctx context.Context, req server.CancelCertRequestObject) (server.CancelCertResponseObject, error) {
	m := (*Mock)(sm)
	id, _ := ctx.Value(ctxRequestID).(string)
	prefer, _ := ctx.Value(ctxPrefer).([]string)
	// Scripted answers, then the certificates' statuses (mock_script.go).
	if resp, ok, err := m.answer(ctx, req.ProjectId, req.CertId, id, prefer); ok || err != nil {
		return resp, err
	}
	code, err := m.scenario(prefer)
	if err != nil {
		return server.CancelCert400JSONResponse{Body: server.ErrorBody{ErrorCode: "SCM.0005", ErrorMsg: "Incorrect request parameter: " + err.Error()},
			Headers: server.CancelCert400ResponseHeaders{XRequestId: &id}}, nil
	}
	if code == http.StatusOK {
		var ex server.CancelCertResult
		if err := json.Unmarshal(m.examples[code], &ex); err != nil {
			return nil, fmt.Errorf("example of 200: %w", err)
		}
		return server.CancelCert200JSONResponse{
			Body:    server.CancelCertResult{CertId: req.CertId, Message: ex.Message},
			Headers: server.CancelCert200ResponseHeaders{XRequestId: &id},
		}, nil
	}
	var eb server.ErrorBody
	if err := json.Unmarshal(m.examples[code], &eb); err != nil {
		return nil, fmt.Errorf("example of %d: %w", code, err)
	}
	if eb.RequestId != nil {
		eb.RequestId = &id
	}
	switch code {
	case http.StatusBadRequest:
		return server.CancelCert400JSONResponse{Body: eb, Headers: server.CancelCert400ResponseHeaders{XRequestId: &id}}, nil
	case http.StatusUnauthorized:
		return server.CancelCert401JSONResponse{Body: eb, Headers: server.CancelCert401ResponseHeaders{XRequestId: &id}}, nil
	case http.StatusForbidden:
		return server.CancelCert403JSONResponse{Body: eb, Headers: server.CancelCert403ResponseHeaders{XRequestId: &id}}, nil
	case http.StatusNotFound:
		return server.CancelCert404JSONResponse{Body: eb, Headers: server.CancelCert404ResponseHeaders{XRequestId: &id}}, nil
	case http.StatusTooManyRequests:
		return server.CancelCert429JSONResponse{Body: eb, Headers: server.CancelCert429ResponseHeaders{XRequestId: &id}}, nil
	case http.StatusInternalServerError:
		return server.CancelCert500JSONResponse{Body: eb, Headers: server.CancelCert500ResponseHeaders{XRequestId: &id}}, nil
	}
	// A status the spec documents that this mock has no typed response for
	// yet: answer it through the default response.
	return server.CancelCertdefaultJSONResponse{StatusCode: code, Body: eb, Headers: server.CancelCertdefaultResponseHeaders{XRequestId: &id}}, nil
}

// scenario reads "Prefer: code=NNN". Other preferences are ignored, as the
// Prefer header (RFC 7240) allows.
func (m *Mock) scenario(prefer []string) (int, error) {
	for _, h := range prefer {
		for _, pref := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ';' }) {
			name, value, ok := strings.Cut(strings.TrimSpace(pref), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "code") {
				continue
			}
			value = strings.Trim(strings.TrimSpace(value), `"`)
			code, err := strconv.Atoi(value)
			if err != nil || !slices.Contains(m.statuses, code) {
				//nolint:staticcheck // ST1005: the message reaches the client in a 400 body and names the header as it is written
				return 0, fmt.Errorf("Prefer code=%s names no documented response (documented: %s)", value, joinInts(m.statuses))
			}
			return code, nil
		}
	}
	return http.StatusOK, nil
}

func (m *Mock) writeError(w *bufferedResponse, status int, code, msg, requestID string) {
	eb := scm.ErrorBody{ErrorCode: code, ErrorMsg: msg}
	if requestID != "" {
		eb.RequestId = &requestID
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(eb); err != nil {
		m.logf("mock: encode error body: %v", err)
	}
}

func (m *Mock) requestError(w http.ResponseWriter, _ *http.Request, err error) {
	m.writeError(w.(*bufferedResponse), http.StatusBadRequest, "SCM.0005", "Incorrect request parameter: "+err.Error(), "")
}

func (m *Mock) responseError(w http.ResponseWriter, _ *http.Request, err error) {
	m.writeError(w.(*bufferedResponse), http.StatusInternalServerError, "MOCK.0500", "mock failed to answer: "+err.Error(), "")
}

// send validates the buffered response against the operation of route
// (the request's own, or cancel-cert for a request that matched none) and
// writes it out. The request was validated before; only the response is
// checked here. A response that breaks the contract is a bug of the mock:
// it is logged and replaced by a 500 that says so, never sent as if it
// were right.
func (m *Mock) send(w http.ResponseWriter, r *http.Request, route *routers.Route, buf *bufferedResponse, id string) {
	ex := &Exchange{Request: r, StatusCode: buf.status, Header: buf.header, Body: buf.body.Bytes()}
	var problems []Problem
	if buf.status == 0 {
		problems = []Problem{{KindStatus, "the handler wrote no response"}}
	} else {
		problems = m.validator.checkResponse(r.Context(), route, ex)
	}
	if len(problems) > 0 {
		err := &ValidationError{Method: r.Method, Path: r.URL.EscapedPath(), Status: buf.status, Problems: problems}
		m.logf("mock: own response breaks the contract: %v", err)
		buf = &bufferedResponse{header: http.Header{}}
		buf.header.Set("X-Request-Id", id)
		m.writeError(buf, http.StatusInternalServerError, "MOCK.0500", "mock response breaks the contract: "+err.Error(), id)
	}
	m.journal.add(noteOf(r.Context()).answered(buf, m.hasKeys()))
	if m.writeFault(w, r, buf) {
		return
	}
	for k, vs := range buf.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.Itoa(buf.body.Len()))
	w.WriteHeader(buf.status)
	if _, err := w.Write(buf.body.Bytes()); err != nil {
		m.logf("mock: write response: %v", err)
	}
}

// bufferedResponse holds a response until the mock has validated it.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func randomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; keep IDs unique anyway.
		return strconv.FormatInt(time.Now().UnixNano(), 16)
	}
	return hex.EncodeToString(b[:])
}

// authenticator checks a request's credentials; nil means authentication is off.
type authenticator interface {
	authenticate(r *http.Request, body []byte) error
}
