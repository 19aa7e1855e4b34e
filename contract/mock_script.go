package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault names a failure a scripted answer injects. Every fault breaks the
// contract on purpose: the journal marks the request with it (see
// ReceivedRequest.Fault), and the mock does not report it as its own
// violation.
type Fault string

// The faults a script can inject.
const (
	// FaultResetConnection resets the connection (a TCP RST) before any
	// response is sent. The request is not processed: a certificate's
	// status does not change.
	FaultResetConnection Fault = "reset-connection"
	// FaultCloseMidBody sends the usual answer's status and headers,
	// Content-Length included, and half of its body, then closes the
	// connection. The request is processed as usual: a successful cancel
	// moves the certificate on, as when a real answer is lost on its way.
	FaultCloseMidBody Fault = "close-mid-body"
	// FaultMalformedBody sends the usual answer, processed as usual, with
	// its body cut before its last byte: not well-formed JSON.
	FaultMalformedBody Fault = "malformed-body"
)

// Faults returns every fault a script can inject.
func Faults() []Fault {
	return []Fault{FaultResetConnection, FaultCloseMidBody, FaultMalformedBody}
}

type answerKind int

const (
	answerUsual   answerKind = iota // what the mock answers without a script, maybe delayed
	answerRespond                   // a documented response chosen by the script
	answerFault                     // a fault
)

// Answer is one scripted answer of the mock; see Mock.Script. Build it with
// Respond, Throttle, Delay, ResetConnection, CloseMidBody or MalformedBody.
type Answer struct {
	kind       answerKind
	status     int
	code       string
	message    string
	retryAfter time.Duration
	hasRetry   bool
	delay      time.Duration
	fault      Fault
}

// Respond answers with a status the spec documents: for 200 the result
// (the requested cert_id and the example's message; code must be empty),
// otherwise the error body with error_code code (the example's code of that
// status when code is empty) and, when the kit knows the code, its
// documented message (else the example's). Gateway codes (APIGW.*, APIG.*)
// carry request_id, as the gateway's bodies do; SCM codes do not. The
// certificate's status does not change.
func Respond(status int, code string) Answer {
	return Answer{kind: answerRespond, status: status, code: code}
}

// Throttle answers as the API gateway throttles: 429 APIG.0308 with
// "Retry-After" in whole seconds (rounded up; none when retryAfter is 0).
// HTTP 429 and the header are inferred, as the spec says.
func Throttle(retryAfter time.Duration) Answer {
	return Answer{kind: answerRespond, status: http.StatusTooManyRequests, code: "APIG.0308",
		retryAfter: retryAfter, hasRetry: retryAfter > 0}
}

// Delay waits d (or until the client gives up), then answers as the mock
// would without a script: a slow gateway.
func Delay(d time.Duration) Answer { return Answer{kind: answerUsual, delay: d} }

// ResetConnection resets the connection before any response; see
// FaultResetConnection.
func ResetConnection() Answer { return Answer{kind: answerFault, fault: FaultResetConnection} }

// CloseMidBody closes the connection halfway through the usual answer's
// body; see FaultCloseMidBody.
func CloseMidBody() Answer { return Answer{kind: answerFault, fault: FaultCloseMidBody} }

// MalformedBody sends the usual answer with a body that is not well-formed
// JSON; see FaultMalformedBody.
func MalformedBody() Answer { return Answer{kind: answerFault, fault: FaultMalformedBody} }

// After returns the answer given after a delay of d (or until the client
// gives up), for example Throttle(time.Second).After(2 * time.Second).
func (a Answer) After(d time.Duration) Answer {
	a.delay = d
	return a
}

// WithMessage returns the answer with error_msg set to msg, for an answer
// of Respond or Throttle with a status other than 200.
func (a Answer) WithMessage(msg string) Answer {
	a.message = msg
	return a
}

// String describes the answer, as the journal shows it.
func (a Answer) String() string {
	var s string
	switch a.kind {
	case answerUsual:
		s = "usual answer"
	case answerRespond:
		s = strconv.Itoa(a.status)
		if a.code != "" {
			s += " " + a.code
		}
		if a.hasRetry {
			s += ", Retry-After " + strconv.Itoa(retrySeconds(a.retryAfter))
		}
	case answerFault:
		s = "fault " + string(a.fault)
	}
	if a.delay > 0 {
		s += " after " + a.delay.String()
	}
	return s
}

func retrySeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// scriptBook holds the scripts of a mock: answers by certificate ID, and
// answers for any request. Safe for concurrent use.
type scriptBook struct {
	mu     sync.Mutex
	byCert map[string][]Answer
	all    []Answer
}

// next takes the next scripted answer for certID: its own script first,
// then the script for every request.
func (b *scriptBook) next(certID string) (Answer, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if q := b.byCert[certID]; len(q) > 0 {
		b.byCert[certID] = q[1:]
		if len(q) == 1 {
			delete(b.byCert, certID)
		}
		return q[0], true
	}
	if len(b.all) > 0 {
		a := b.all[0]
		b.all = b.all[1:]
		return a, true
	}
	return Answer{}, false
}

func (b *scriptBook) add(certID string, answers []Answer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if certID == "" {
		b.all = append(b.all, answers...)
		return
	}
	if b.byCert == nil {
		b.byCert = map[string][]Answer{}
	}
	b.byCert[certID] = append(b.byCert[certID], answers...)
}

func (b *scriptBook) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.byCert, b.all = nil, nil
}

// pending counts the answers not yet given.
func (b *scriptBook) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.all)
	for _, q := range b.byCert {
		n += len(q)
	}
	return n
}

// Script queues answers for the certificate certID (in any project): each
// valid, authenticated cancel-cert request for it takes the next one, in
// order; once they are used up the mock answers as before. Calling Script
// again appends. A request the mock refuses before reaching the operation
// (a broken request, bad credentials) takes no answer: a script never hides
// a client's bug. Scripts win over "Prefer: code=NNN" and the certificates'
// statuses.
//
// Every answer that is a response is built from the spec and checked
// against it here: an undocumented status, a code on a 200, or a response
// that would break the spec is refused with an error naming the answer,
// and nothing is queued. Faults break the contract on purpose (see Fault).
func (m *Mock) Script(certID string, answers ...Answer) error {
	if certID == "" {
		return errors.New("contract: script: empty certificate ID (use ScriptAll for every request)")
	}
	if err := m.checkAnswers(answers); err != nil {
		return fmt.Errorf("contract: script %s: %w", certID, err)
	}
	m.scripts.add(certID, answers)
	return nil
}

// ScriptAll queues answers for any request that no certificate script
// answers; see Script.
func (m *Mock) ScriptAll(answers ...Answer) error {
	if err := m.checkAnswers(answers); err != nil {
		return fmt.Errorf("contract: script: %w", err)
	}
	m.scripts.add("", answers)
	return nil
}

// PendingAnswers returns how many scripted answers no request has taken
// yet: a test can check that its code made every call it scripted for.
func (m *Mock) PendingAnswers() int { return m.scripts.pending() }

func (m *Mock) checkAnswers(answers []Answer) error {
	if len(answers) == 0 {
		return errors.New("no answers")
	}
	for i, a := range answers {
		if err := m.checkAnswer(a); err != nil {
			return fmt.Errorf("answer %d (%s): %w", i+1, a, err)
		}
	}
	return nil
}

// checkAnswer builds a response answer for a sample request, as it would
// be sent, and validates it against the spec.
func (m *Mock) checkAnswer(a Answer) error {
	if a.delay < 0 {
		return errors.New("negative delay")
	}
	switch a.kind {
	case answerUsual:
		return nil
	case answerFault:
		if !slices.Contains(Faults(), a.fault) {
			return fmt.Errorf("unknown fault %q", a.fault)
		}
		return nil
	}
	if !slices.Contains(m.statuses, a.status) {
		return fmt.Errorf("status %d is not documented (documented: %s)", a.status, joinInts(m.statuses))
	}
	if a.status == http.StatusOK && (a.code != "" || a.message != "") {
		return errors.New("a 200 carries no error code or message")
	}
	const sampleID = "0123456789abcdef0123456789abcdef"
	resp, err := m.scriptedResponse(a, "scs1481110651012", sampleID)
	if err != nil {
		return err
	}
	rec := httptest.NewRecorder()
	if err := resp.VisitCancelCertResponse(rec); err != nil {
		return err
	}
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost,
		"/v2/77b6a44cba5143ab91d13ab9a8ff44fd/scm/cert/scs1481110651012/cancel-cert", nil)
	ex := &Exchange{Request: req, StatusCode: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if problems := m.validator.checkResponse(context.Background(), m.route, ex); len(problems) > 0 {
		return &ValidationError{Method: req.Method, Path: req.URL.Path, Status: rec.Code, Problems: problems}
	}
	return nil
}

// rawResponse is a response the mock built itself from the spec's
// examples; it fits the generated strict server interface, and the mock
// validates it before sending, as any other.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r rawResponse) VisitCancelCertResponse(w http.ResponseWriter) error {
	for k, vs := range r.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	_, err := w.Write(r.body)
	return err
}

// errorJSON is the error body the mock writes.
type errorJSON struct {
	ErrorCode string  `json:"error_code"`
	ErrorMsg  string  `json:"error_msg"`
	RequestID *string `json:"request_id,omitempty"`
}

// scriptedResponse builds a Respond or Throttle answer from the example of
// its status.
func (m *Mock) scriptedResponse(a Answer, certID, requestID string) (rawResponse, error) {
	if a.status == http.StatusOK {
		return m.successResponse(certID, requestID)
	}
	var ex errorJSON
	if err := json.Unmarshal(m.examples[a.status], &ex); err != nil {
		return rawResponse{}, fmt.Errorf("example of %d: %w", a.status, err)
	}
	code, msg := a.code, a.message
	if code == "" {
		code = ex.ErrorCode
	}
	if msg == "" {
		msg = documentedMessages[code]
	}
	if msg == "" {
		msg = ex.ErrorMsg
	}
	r, err := m.errorResponse(a.status, code, msg, requestID)
	if err != nil {
		return rawResponse{}, err
	}
	if a.hasRetry {
		r.header.Set("Retry-After", strconv.Itoa(retrySeconds(a.retryAfter)))
	}
	return r, nil
}

// errorResponse builds an error answer; gateway codes carry request_id.
func (m *Mock) errorResponse(status int, code, msg, requestID string) (rawResponse, error) {
	body := errorJSON{ErrorCode: code, ErrorMsg: msg}
	if strings.HasPrefix(code, "APIG") {
		body.RequestID = &requestID
	}
	data, err := json.Marshal(body)
	if err != nil {
		return rawResponse{}, fmt.Errorf("encode error body: %w", err)
	}
	return rawResponse{status: status, header: http.Header{"X-Request-Id": {requestID}}, body: data}, nil
}

// successResponse builds the 200 answer: the requested cert_id and the
// example's message.
func (m *Mock) successResponse(certID, requestID string) (rawResponse, error) {
	var ex struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(m.examples[http.StatusOK], &ex); err != nil {
		return rawResponse{}, fmt.Errorf("example of 200: %w", err)
	}
	data, err := json.Marshal(map[string]string{"cert_id": certID, "message": ex.Message})
	if err != nil {
		return rawResponse{}, fmt.Errorf("encode result: %w", err)
	}
	return rawResponse{status: http.StatusOK, header: http.Header{"X-Request-Id": {requestID}}, body: data}, nil
}

// answer is the hook of the operation: it notes the request's IDs, takes
// the next scripted answer, waits its delay, and answers from the script or
// the certificates' statuses. It returns false when the mock answers as it
// always has: from "Prefer: code=NNN", else with the example's 200.
func (m *Mock) answer(ctx context.Context, projectID, certID, requestID string, prefer []string) (rawResponse, bool, error) {
	n := noteOf(ctx)
	n.setIDs(projectID, certID)
	a, scripted := m.scripts.next(certID)
	if scripted {
		n.setScripted(a)
		if a.delay > 0 {
			t := time.NewTimer(a.delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		switch {
		case a.kind == answerRespond:
			r, err := m.scriptedResponse(a, certID, requestID)
			return r, true, err
		case a.kind == answerFault && a.fault == FaultResetConnection:
			// Not processed: the response is never sent, but it is
			// built and checked as any other.
			r, err := m.successResponse(certID, requestID)
			return r, true, err
		}
	}
	if preferCode(prefer) || !m.certs.stateful() {
		return rawResponse{}, false, nil
	}
	status, code := m.certs.cancel(projectID, certID)
	if status == http.StatusOK {
		r, err := m.successResponse(certID, requestID)
		return r, true, err
	}
	r, err := m.errorResponse(status, code, documentedMessages[code], requestID)
	return r, true, err
}

// preferCode reports whether a Prefer header asks for a code.
func preferCode(prefer []string) bool {
	for _, h := range prefer {
		for _, pref := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ';' }) {
			name, _, ok := strings.Cut(strings.TrimSpace(pref), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "code") {
				return true
			}
		}
	}
	return false
}

// writeFault injects the request's fault, if it has one, instead of
// writing buf; it reports whether it did. buf is the usual answer,
// already validated.
func (m *Mock) writeFault(w http.ResponseWriter, r *http.Request, buf *bufferedResponse) bool {
	n := noteOf(r.Context())
	f := n.faultOf()
	if f == "" {
		return false
	}
	body := buf.body.Bytes()
	switch f {
	case FaultMalformedBody:
		body = body[:max(len(body)-1, 0)]
		for k, vs := range buf.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(buf.status)
		if _, err := w.Write(body); err != nil {
			m.logf("mock: write response: %v", err)
		}
		return true
	case FaultResetConnection, FaultCloseMidBody:
	default:
		return false
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a ResponseWriter that cannot be hijacked: abort the
		// handler, which resets the stream or closes the connection.
		panic(http.ErrAbortHandler)
	}
	defer func() { _ = conn.Close() }() // the fault ends the connection either way
	if f == FaultResetConnection {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with RST rather than FIN
		}
		return true
	}
	if _, err := fmt.Fprintf(rw, "HTTP/1.1 %d %s\r\n", buf.status, http.StatusText(buf.status)); err != nil {
		m.logf("mock: write status line: %v", err)
	}
	h := buf.header.Clone()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	if err := h.Write(rw); err != nil {
		m.logf("mock: write headers: %v", err)
	}
	_, _ = rw.WriteString("\r\n")
	_, _ = rw.Write(body[:len(body)/2])
	if err := rw.Flush(); err != nil {
		m.logf("mock: write response: %v", err)
	}
	return true
}
