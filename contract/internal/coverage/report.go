// Package coverage builds the coverage report of the contract kit: for each
// documented response of each operation of the spec (its status, media
// types, documented headers and the error codes its description and
// examples name), the recordings that exercise it, counted by source and
// split into valid and invalid; the statements the spec marks as inferred,
// with the live recordings that confirm them; and the drift (see
// contract.DriftNotes) seen in live recordings.
//
// Everything is read from the spec and the recordings at run time: a new
// response, header, error code, inferred statement or recording shows up
// in the report without a change here. The command contract/cmd/scm-coverage
// prints the report as Markdown or JSON.
package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/scmcontract/cancelcert/contract"
)

// ErrorCodeMember is the body member that holds the error code, in SCM's
// error body and in the API gateway's.
const ErrorCodeMember = "error_code"

// NoContentType names, in the report, a response sent without Content-Type.
const NoContentType = "(no Content-Type)"

// The values of Item.BackedBy besides the sources live, document and mock.
const (
	BackedByNone          = "none"           // no valid recording
	BackedByNotDocumented = "not documented" // the item is seen, not documented
)

// codePattern finds error codes such as SCM.0010, APIGW.0301 or APIG.0308
// in the prose of a description.
var codePattern = regexp.MustCompile(`\b[A-Z][A-Z0-9]*\.[0-9]{4}\b`)

// Report is the coverage of a spec by a corpus of recordings. Every list is
// sorted, so that the same inputs give the same report byte for byte.
type Report struct {
	// Recordings counts the recordings read, by source.
	Recordings Tally `json:"recordings"`
	// Operations lists each operation of the spec with its responses.
	Operations []*Operation `json:"operations"`
	// Inferred lists the statements the spec marks as inferred.
	Inferred []*Inferred `json:"inferred"`
	// Drift lists what live recordings show that the spec does not
	// document, one entry per note kind and subject.
	Drift []*Drift `json:"drift"`
	// BaselineGiven says whether Drift[i].New compares with a baseline.
	BaselineGiven bool `json:"baseline_given"`
	// BrokenLive lists the live recordings that break the contract.
	BrokenLive []*Recording `json:"broken_live"`
	// Unmatched lists the recordings that reach no documented response: no
	// operation has their method and path, or their status has neither a
	// response nor a default one.
	Unmatched []*Recording `json:"unmatched"`
}

// Tally counts recordings by source.
type Tally struct {
	Total    int `json:"total"`
	Document int `json:"document"`
	Live     int `json:"live"`
	Mock     int `json:"mock"`
	Crafted  int `json:"crafted"`
}

// Operation is the coverage of one operation.
type Operation struct {
	ID        string      `json:"id"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Responses []*Response `json:"responses"`
}

// Response is the coverage of one documented response: "200", "4XX" or
// "default" (which any status the operation does not list reaches).
type Response struct {
	Response string `json:"response"`
	// Status counts every recording that reaches the response.
	Status *Item `json:"status"`
	// MediaTypes lists the documented media types, then the undocumented
	// ones recordings were sent with (Documented false).
	MediaTypes []*Item `json:"media_types"`
	// Headers lists the documented headers, each with the recordings that
	// carry it.
	Headers []*Item `json:"headers"`
	// ErrorCodes lists the codes the response's description or examples
	// name, then the other codes recordings carry (Documented false).
	ErrorCodes []*Item `json:"error_codes"`
}

// Item is one documented (or seen) part of a response and the recordings
// that exercise it.
type Item struct {
	Name       string `json:"name"`
	Documented bool   `json:"documented"`
	// BackedBy is the strongest source with a valid recording: "live",
	// else "document", else "mock"; BackedByNone when no recording is
	// valid, BackedByNotDocumented for an item that is not documented.
	BackedBy string  `json:"backed_by"`
	Sources  Sources `json:"sources"`
	// LatestLive is the date of the latest live recording, if any.
	LatestLive string `json:"latest_live,omitempty"`
	// Recordings names the recordings, sorted.
	Recordings []string `json:"recordings"`
}

// Sources splits the recordings of an item by source.
type Sources struct {
	Document Split `json:"document"`
	Live     Split `json:"live"`
	Mock     Split `json:"mock"`
	Crafted  Split `json:"crafted"`
}

// Split counts recordings that keep the contract (valid) and that break it
// (invalid), as their expectation says.
type Split struct {
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

// Total is Valid + Invalid.
func (s Split) Total() int { return s.Valid + s.Invalid }

// Valid counts the valid recordings of every source.
func (s Sources) Valid() int {
	return s.Document.Valid + s.Live.Valid + s.Mock.Valid + s.Crafted.Valid
}

func (s *Sources) of(source string) *Split {
	switch source {
	case contract.SourceDocument:
		return &s.Document
	case contract.SourceLive:
		return &s.Live
	case contract.SourceMock:
		return &s.Mock
	default:
		return &s.Crafted
	}
}

// Drift is one note kind and subject seen in live recordings.
type Drift struct {
	Kind    contract.NoteKind `json:"kind"`
	Subject string            `json:"subject"`
	// Message is the note's message in the latest live recording showing it.
	Message string `json:"message"`
	// Statuses are the statuses of the recordings showing it.
	Statuses []int `json:"statuses"`
	// Count is how many live recordings show it.
	Count int `json:"count"`
	// Since and Last are the dates of the first and last of them.
	Since string `json:"since"`
	Last  string `json:"last"`
	// New is true when the baseline's live recordings do not show it.
	New        bool     `json:"new"`
	Recordings []string `json:"recordings"`
}

// Recording names one recording in a list of the report.
type Recording struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Valid  bool   `json:"valid"`
	Date   string `json:"date,omitempty"`
	// Why says why it is listed: the reason it breaks the contract, or why
	// it reaches no documented response.
	Why string `json:"why"`
}

// Options adjusts Build.
type Options struct {
	// Baseline holds the recordings to compare drift with, such as the
	// committed corpus before a live run: a note no live recording of the
	// baseline shows is new. Nil means no comparison.
	Baseline []*contract.Recording
}

// Gaps names each documented status (not the default response) that no
// valid recording reaches, as "<operationId> <status>".
func (r *Report) Gaps() []string {
	var out []string
	for _, o := range r.Operations {
		for _, resp := range o.Responses {
			if resp.Response != "default" && resp.Status.Sources.Valid() == 0 {
				out = append(out, o.ID+" "+resp.Response)
			}
		}
	}
	return out
}

// NewDrift returns the drift entries that the baseline does not show.
func (r *Report) NewDrift() []*Drift {
	var out []*Drift
	for _, d := range r.Drift {
		if d.New {
			out = append(out, d)
		}
	}
	return out
}

// JSON renders the report as indented JSON with a final newline.
func (r *Report) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("render coverage report: %w", err)
	}
	return buf.Bytes(), nil
}

func (t *Tally) add(source string) {
	t.Total++
	switch source {
	case contract.SourceDocument:
		t.Document++
	case contract.SourceLive:
		t.Live++
	case contract.SourceMock:
		t.Mock++
	case contract.SourceCrafted:
		t.Crafted++
	}
}

func (it *Item) add(rec *contract.Recording) {
	split := it.Sources.of(rec.Provenance.Source)
	if rec.Expect.Valid {
		split.Valid++
	} else {
		split.Invalid++
	}
	it.Recordings = append(it.Recordings, rec.Name)
	if rec.Provenance.Source == contract.SourceLive && rec.Provenance.Date > it.LatestLive {
		it.LatestLive = rec.Provenance.Date
	}
}

func (it *Item) finish() {
	sort.Strings(it.Recordings)
	switch {
	case !it.Documented:
		it.BackedBy = BackedByNotDocumented
	case it.Sources.Live.Valid > 0:
		it.BackedBy = contract.SourceLive
	case it.Sources.Document.Valid > 0:
		it.BackedBy = contract.SourceDocument
	case it.Sources.Mock.Valid > 0:
		it.BackedBy = contract.SourceMock
	default:
		it.BackedBy = BackedByNone
	}
}

// finish sorts the lists of the report.
func (r *Report) finish() {
	sort.Slice(r.Drift, func(i, j int) bool {
		a, b := r.Drift[i], r.Drift[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Subject < b.Subject
	})
	for _, d := range r.Drift {
		slices.Sort(d.Statuses)
		sort.Strings(d.Recordings)
	}
	for _, s := range r.Inferred {
		sort.Strings(s.ConfirmedBy)
	}
	byName := func(l []*Recording) {
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
	byName(r.BrokenLive)
	byName(r.Unmatched)
}

// items returns the items of m, documented ones first, each group sorted
// by name.
func items(m map[string]*Item) []*Item {
	out := make([]*Item, 0, len(m))
	for _, it := range m {
		it.finish()
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Documented != out[j].Documented {
			return out[i].Documented
		}
		return out[i].Name < out[j].Name
	})
	return out
}
