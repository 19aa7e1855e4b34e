package contract

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// The statuses of an SCM certificate, as the official SDK's
// ListCertificatesRequest documents them (see the facts file,
// "Certificate statuses").
const (
	StatusPaid               = "PAID"               // paid, awaiting an application
	StatusIssued             = "ISSUED"             // issued
	StatusChecking           = "CHECKING"           // application under review
	StatusCancelChecking     = "CANCELCHECKING"     // cancellation of the application under review
	StatusUnpassed           = "UNPASSED"           // application refused
	StatusExpired            = "EXPIRED"            // expired
	StatusRevoking           = "REVOKING"           // being revoked
	StatusRevoked            = "REVOKED"            // revoked
	StatusUpload             = "UPLOAD"             // an uploaded certificate under management
	StatusCheckingOrg        = "CHECKING_ORG"       // awaiting the company's qualification
	StatusIssuing            = "ISSUING"            // awaiting issue
	StatusSupplementChecking = "SUPPLEMENTCHECKING" // additional domain names under review
)

// CertificateStatuses returns every status WithCertificate accepts.
func CertificateStatuses() []string {
	return []string{StatusPaid, StatusIssued, StatusChecking, StatusCancelChecking, StatusUnpassed, StatusExpired,
		StatusRevoking, StatusRevoked, StatusUpload, StatusCheckingOrg, StatusIssuing, StatusSupplementChecking}
}

// cancelTransitions is the inferred state model of cancel-cert (the spec's
// operation description and x-inferred entries say so): an application
// under review can be cancelled and moves to CANCELCHECKING; every other
// status refuses the operation with SCM.0010. The service later moves a
// CANCELCHECKING certificate back to PAID; the mock does not, a test does
// it with SetCertificate.
var cancelTransitions = map[string]string{
	StatusChecking:    StatusCancelChecking,
	StatusCheckingOrg: StatusCancelChecking,
}

// The SCM errors of the state model: code and message as the SCM
// error-code page gives them (all sent with HTTP 400).
const (
	codeWrongState   = "SCM.0010"
	codeUnknownCert  = "SCM.0020"
	codeOtherProject = "SCM.0003"
)

// documentedMessages holds the message of each error code the facts file
// quotes from the SCM and API gateway error-code pages. A scripted answer
// with one of these codes carries its message.
var documentedMessages = map[string]string{
	"SCM.0003":   "Tenant has no privilege.",
	"SCM.0005":   "Incorrect request parameter.",
	"SCM.0008":   "Abnormal certificate ID.",
	"SCM.0010":   "This operation is not allowed by the current certificate type or status.",
	"SCM.0020":   "Incorrect certificate ID.",
	"APIGW.0101": apiNotFound,
	"APIGW.0103": "The backend does not exist",
	"APIGW.0301": "Incorrect IAM authentication information",
	"APIGW.0705": "Backend signature calculation failed",
	"APIG.0308":  "The throttling threshold has been reached",
}

// certKey names a certificate within its project.
type certKey struct{ project, cert string }

// certStore holds the certificates of a stateful mock. Safe for concurrent
// use.
type certStore struct {
	mu     sync.Mutex
	seeds  map[certKey]string // as the options gave them; Reset returns to them
	certs  map[certKey]string
	owners map[string]int // how many projects hold a certificate ID
}

func newCertStore() *certStore {
	return &certStore{seeds: map[certKey]string{}, certs: map[certKey]string{}, owners: map[string]int{}}
}

func checkStatus(status string) error {
	if !slices.Contains(CertificateStatuses(), status) {
		return fmt.Errorf("unknown certificate status %q (known: %s)", status, strings.Join(CertificateStatuses(), ", "))
	}
	return nil
}

func checkCert(projectID, certID, status string) error {
	if projectID == "" || certID == "" {
		return errors.New("empty project ID or certificate ID")
	}
	return checkStatus(status)
}

// set adds or changes a certificate; with seed, Reset returns to it.
func (s *certStore) set(projectID, certID, status string, seed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := certKey{projectID, certID}
	if _, ok := s.certs[k]; !ok {
		s.owners[certID]++
	}
	s.certs[k] = status
	if seed {
		s.seeds[k] = status
	}
}

func (s *certStore) get(projectID, certID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.certs[certKey{projectID, certID}]
	return st, ok
}

// stateful reports whether any certificate is known.
func (s *certStore) stateful() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.certs) > 0
}

func (s *certStore) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.certs = maps.Clone(s.seeds)
	clear(s.owners)
	for k := range s.certs {
		s.owners[k.cert]++
	}
}

// cancel applies cancel-cert to a certificate, atomically, and returns the
// HTTP status and, for an error, the SCM code.
func (s *certStore) cancel(projectID, certID string) (status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := certKey{projectID, certID}
	st, ok := s.certs[k]
	switch {
	case !ok && s.owners[certID] > 0:
		// Another project's certificate. SCM.0003's own text is
		// "租户无法操作不属于自己的证书", the tenant cannot operate on a
		// certificate that is not its own: this case exactly (inferred:
		// the SCM error-code page does not say which operation sends it).
		return 400, codeOtherProject
	case !ok:
		// SCM.0020, "Incorrect certificate ID" (证书ID错误): an ID that
		// names no certificate. SCM.0008, "Abnormal certificate ID"
		// (证书编号异常), reads as an ID that is malformed rather than
		// unknown, and the mock accepts any ID the spec accepts. Inferred;
		// the client's errors.Is(err, scm.ErrNotFound) matches both.
		return 400, codeUnknownCert
	}
	next, allowed := cancelTransitions[st]
	if !allowed {
		return 400, codeWrongState
	}
	s.certs[k] = next
	return 200, ""
}

// WithCertificate seeds the mock with a certificate of a project in one of
// the SCM statuses (see CertificateStatuses); repeat it for more. Once any
// certificate is known the mock is stateful: cancel-cert answers from the
// certificates' statuses instead of the permissive default (200 for any
// ID). The model is inferred, as the spec's operation description says:
//
//   - CHECKING or CHECKING_ORG: 200, and the certificate moves to
//     CANCELCHECKING (the service later returns it to PAID; the mock leaves
//     that to SetCertificate);
//   - any other status, CANCELCHECKING included (a second cancel): 400
//     SCM.0010;
//   - a certificate ID the mock does not know: 400 SCM.0020, "Incorrect
//     certificate ID";
//   - a certificate of another project: 400 SCM.0003, "Tenant has no
//     privilege".
//
// A "Prefer: code=NNN" header and scripted answers (see Mock.Script) win
// over the model.
func WithCertificate(projectID, certID, status string) MockOption {
	return func(m *Mock) error {
		if err := checkCert(projectID, certID, status); err != nil {
			return fmt.Errorf("contract: WithCertificate: %w", err)
		}
		m.certs.set(projectID, certID, status, true)
		return nil
	}
}

// SetCertificate adds a certificate, or changes its status, while the mock
// serves, and makes the mock stateful (see WithCertificate). Reset forgets
// what it set and returns to the certificates given with WithCertificate.
func (m *Mock) SetCertificate(projectID, certID, status string) error {
	if err := checkCert(projectID, certID, status); err != nil {
		return fmt.Errorf("contract: set certificate: %w", err)
	}
	m.certs.set(projectID, certID, status, false)
	return nil
}

// Certificate returns the status of a project's certificate, and whether
// the mock knows it.
func (m *Mock) Certificate(projectID, certID string) (status string, ok bool) {
	return m.certs.get(projectID, certID)
}

// Certificates returns every certificate the mock knows, sorted by
// project and certificate ID.
func (m *Mock) Certificates() []Certificate {
	m.certs.mu.Lock()
	defer m.certs.mu.Unlock()
	out := make([]Certificate, 0, len(m.certs.certs))
	for k, st := range m.certs.certs {
		out = append(out, Certificate{ProjectID: k.project, CertID: k.cert, Status: st})
	}
	slices.SortFunc(out, func(a, b Certificate) int {
		return strings.Compare(a.ProjectID+"\x00"+a.CertID, b.ProjectID+"\x00"+b.CertID)
	})
	return out
}

// Certificate is one certificate of a stateful mock.
type Certificate struct {
	ProjectID string `json:"project_id" yaml:"project_id"`
	CertID    string `json:"cert_id" yaml:"cert_id"`
	Status    string `json:"status" yaml:"status"`
}
