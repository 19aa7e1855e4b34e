package contract

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scmcontract/cancelcert/gen/scm"
)

// ReceivedRequest is one request the mock received, as its journal keeps
// it (see Mock.Requests).
type ReceivedRequest struct {
	// Seq numbers the requests in the order they arrived: 1 for the first
	// one after NewMock or Reset. A gap means the journal dropped older
	// requests (see WithJournalLimit).
	Seq int
	// Time is when the request arrived.
	Time time.Time
	// Method, Path (escaped, as sent) and Query (raw) of the request.
	Method, Path, Query string
	// Header holds the request's headers, with every credential header
	// (Authorization, X-Auth-Token, X-Security-Token ...; see
	// IsCredentialHeader) reading Redacted, as RedactHeaders leaves them.
	Header http.Header
	// ProjectID and CertID are the path's IDs, unescaped, when the request
	// reached the operation (it was valid and authenticated).
	ProjectID, CertID string
	// Problems says how the request breaks the contract; none when it keeps
	// it.
	Problems []Problem
	// Signed reports whether the request carried an AK/SK signature
	// (Authorization: SDK-HMAC-SHA256 ...).
	Signed bool
	// SignatureVerified reports whether the mock verified that signature
	// with a key pair given by WithKeyPair; SignatureNote says why not,
	// for a signed request.
	SignatureVerified bool
	SignatureNote     string
	// Status is the status of the mock's answer, and ErrorCode the
	// error_code of its body. With a fault they are those of the answer
	// that was cut or never sent.
	Status    int
	ErrorCode string
	// RequestID is the X-Request-Id of the answer.
	RequestID string
	// Scripted describes the scripted answer the request took (see
	// Mock.Script), empty when it took none.
	Scripted string
	// Fault is the fault injected on the answer, empty when none: the
	// exchange broke the contract on purpose.
	Fault Fault
}

// Valid reports whether the request kept the contract.
func (r ReceivedRequest) Valid() bool { return len(r.Problems) == 0 }

// defaultJournalLimit is how many requests the journal keeps by default.
const defaultJournalLimit = 10000

// WithJournalLimit sets how many requests the journal keeps, the latest;
// the default is 10000, so that a long-running mock does not grow without
// end.
func WithJournalLimit(n int) MockOption {
	return func(m *Mock) error {
		if n < 1 {
			return errors.New("contract: WithJournalLimit: the limit must be at least 1")
		}
		m.journal.limit = n
		return nil
	}
}

// journal keeps the requests a mock received. Safe for concurrent use.
type journal struct {
	mu      sync.Mutex
	limit   int
	gen     int // bumped by reset: requests in flight then are not kept
	seq     int
	entries []ReceivedRequest // unordered when requests overlap; sorted on read
}

func newJournal() *journal { return &journal{limit: defaultJournalLimit} }

// begin numbers a request as it arrives and starts its note.
func (j *journal) begin(r *http.Request, requestID string) *exchangeNote {
	j.mu.Lock()
	j.seq++
	seq, gen := j.seq, j.gen
	j.mu.Unlock()
	return &exchangeNote{gen: gen, rec: ReceivedRequest{
		Seq: seq, Time: time.Now(), Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: RedactHeaders(r.Header), RequestID: requestID,
		Signed: strings.HasPrefix(r.Header.Get("Authorization"), scm.Algorithm),
	}}
}

func (j *journal) add(n *exchangeNote) {
	if n == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if n.gen != j.gen {
		return
	}
	j.entries = append(j.entries, n.rec)
	if len(j.entries) >= 2*j.limit {
		j.entries = slices.Clone(j.latest())
	}
}

// latest returns the limit entries of highest Seq, sorted; j.mu is held.
func (j *journal) latest() []ReceivedRequest {
	slices.SortFunc(j.entries, func(a, b ReceivedRequest) int { return a.Seq - b.Seq })
	return j.entries[max(len(j.entries)-j.limit, 0):]
}

func (j *journal) requests() []ReceivedRequest {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := slices.Clone(j.latest())
	for i := range out {
		out[i].Header = out[i].Header.Clone()
		out[i].Problems = slices.Clone(out[i].Problems)
	}
	return out
}

func (j *journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.gen++
	j.seq = 0
	j.entries = nil
}

// Requests returns the requests the mock received, in the order they
// arrived (the latest ones, up to WithJournalLimit), each with its
// validation result, whether its signature verified, and the answer. A
// request appears once the mock has built its answer, before sending it:
// a client that got an answer (or a fault) finds its request there. Safe
// for concurrent use.
func (m *Mock) Requests() []ReceivedRequest { return m.journal.requests() }

// Reset returns the mock to how NewMock built it: it empties the journal
// (numbering starts again at 1, and requests in flight are not kept),
// drops every scripted answer not yet given, and returns the certificates
// to those given with WithCertificate.
func (m *Mock) Reset() {
	m.journal.reset()
	m.scripts.reset()
	m.certs.reset()
}

// exchangeNote collects what the mock learns of one request as it answers
// it. It is used by the goroutine serving the request only. Its methods do
// nothing on a nil note (a context without one).
type exchangeNote struct {
	gen      int
	rec      ReceivedRequest
	sigCheck bool // the credential check verified the signature
}

const ctxNote ctxKey = -1

func withNote(ctx context.Context, n *exchangeNote) context.Context {
	return context.WithValue(ctx, ctxNote, n)
}

func noteOf(ctx context.Context) *exchangeNote {
	n, _ := ctx.Value(ctxNote).(*exchangeNote)
	return n
}

func (n *exchangeNote) problems(ps []Problem) {
	if n != nil {
		n.rec.Problems = append(n.rec.Problems, ps...)
	}
}

// signature records the credential check's verdict on the request's
// AK/SK signature.
func (n *exchangeNote) signature(err error) {
	if n == nil {
		return
	}
	n.sigCheck = true
	n.rec.SignatureVerified = err == nil
	if err != nil {
		n.rec.SignatureNote = err.Error()
	}
}

func (n *exchangeNote) setIDs(projectID, certID string) {
	if n != nil {
		n.rec.ProjectID, n.rec.CertID = projectID, certID
	}
}

func (n *exchangeNote) setScripted(a Answer) {
	if n == nil {
		return
	}
	n.rec.Scripted = a.String()
	if a.kind == answerFault {
		n.rec.Fault = a.fault
	}
}

func (n *exchangeNote) faultOf() Fault {
	if n == nil {
		return ""
	}
	return n.rec.Fault
}

// answered records the answer the mock built, before any fault, and
// returns the note, complete.
func (n *exchangeNote) answered(buf *bufferedResponse, keys bool) *exchangeNote {
	if n == nil {
		return nil
	}
	n.rec.Status = buf.status
	if buf.status != http.StatusOK {
		var eb errorJSON
		if json.Unmarshal(buf.body.Bytes(), &eb) == nil {
			n.rec.ErrorCode = eb.ErrorCode
		}
	}
	if n.rec.Signed && !n.sigCheck {
		switch {
		case !keys:
			n.rec.SignatureNote = "not verified: the mock has no key pair (WithKeyPair)"
		default:
			n.rec.SignatureNote = "not verified: the request was refused before authentication, or authenticated by its X-Auth-Token"
		}
	}
	return n
}
