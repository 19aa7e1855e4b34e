package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/scmcontract/cancelcert/contract"
)

// adminPrefix is where the admin API lives, beside the mocked operation.
const adminPrefix = "/__mock/"

// adminUsage documents the admin API in -h and the README.
const adminUsage = `Admin API (under /__mock/, on by default only when listening on loopback;
see -admin):

  GET  /__mock/requests       the journal: every request received, in order, as JSON
  POST /__mock/reset          empty the journal, drop the scripts, restore the -certs certificates
  GET  /__mock/certificates   the certificates and their statuses, as JSON
  POST /__mock/certificates   add or change certificates: a body in the -certs format
  POST /__mock/script         queue answers: a body in the -script format

Bodies are YAML or JSON. A refused body gets 400 with {"error": "..."}.
`

// adminEnabled decides -admin: "on", "off", or "auto" (on when the
// listener's address is a loopback one).
func adminEnabled(mode string, addr net.Addr) (bool, error) {
	switch mode {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto":
		tcp, ok := addr.(*net.TCPAddr)
		return ok && tcp.IP.IsLoopback(), nil
	}
	return false, fmt.Errorf("-admin must be auto, on or off, not %q", mode)
}

// withAdmin serves the admin API under adminPrefix and the mock elsewhere.
func withAdmin(m *contract.Mock) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+adminPrefix+"requests", func(w http.ResponseWriter, _ *http.Request) {
		reqs := m.Requests()
		out := make([]requestView, len(reqs))
		for i, r := range reqs {
			out[i] = viewOf(r)
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST "+adminPrefix+"reset", func(w http.ResponseWriter, _ *http.Request) {
		m.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+adminPrefix+"certificates", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, m.Certificates())
	})
	mux.HandleFunc("POST "+adminPrefix+"certificates", func(w http.ResponseWriter, r *http.Request) {
		entries, err := parseCerts(r.Body) // checks every entry before any is set
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		for _, e := range entries {
			if err := m.SetCertificate(e.ProjectID, e.CertID, e.Status); err != nil {
				adminError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+adminPrefix+"script", func(w http.ResponseWriter, r *http.Request) {
		s, err := parseScript(r.Body)
		if err == nil {
			err = s.apply(m)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc(adminPrefix, func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, adminPrefix) {
			mux.ServeHTTP(w, r)
			return
		}
		m.ServeHTTP(w, r)
	})
}

// requestView is a journal entry as the admin API shows it.
type requestView struct {
	Seq               int           `json:"seq"`
	Time              time.Time     `json:"time"`
	Method            string        `json:"method"`
	Path              string        `json:"path"`
	Query             string        `json:"query,omitempty"`
	Header            http.Header   `json:"header"`
	ProjectID         string        `json:"project_id,omitempty"`
	CertID            string        `json:"cert_id,omitempty"`
	Valid             bool          `json:"valid"`
	Problems          []problemView `json:"problems,omitempty"`
	Signed            bool          `json:"signed"`
	SignatureVerified bool          `json:"signature_verified"`
	SignatureNote     string        `json:"signature_note,omitempty"`
	Status            int           `json:"status"`
	ErrorCode         string        `json:"error_code,omitempty"`
	RequestID         string        `json:"request_id"`
	Scripted          string        `json:"scripted,omitempty"`
	Fault             string        `json:"fault,omitempty"`
}

type problemView struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func viewOf(r contract.ReceivedRequest) requestView {
	v := requestView{Seq: r.Seq, Time: r.Time, Method: r.Method, Path: r.Path, Query: r.Query, Header: r.Header,
		ProjectID: r.ProjectID, CertID: r.CertID, Valid: r.Valid(), Signed: r.Signed, SignatureVerified: r.SignatureVerified,
		SignatureNote: r.SignatureNote, Status: r.Status, ErrorCode: r.ErrorCode, RequestID: r.RequestID,
		Scripted: r.Scripted, Fault: string(r.Fault)}
	for _, p := range r.Problems {
		v.Problems = append(v.Problems, problemView{Kind: string(p.Kind), Message: p.Message})
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
