package coverage_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/scmcontract/cancelcert/contract"
	"github.com/scmcontract/cancelcert/contract/internal/coverage"
	"github.com/scmcontract/cancelcert/openapi"
)

var update = flag.Bool("update", false, "rewrite testdata/report.md and testdata/report.json")

// The fixture: a small spec and one recording of each source, the live one
// with one drift note (see testdata/spec.yaml and testdata/recordings).
const (
	fixtureSpec       = "testdata/spec.yaml"
	fixtureRecordings = "testdata/recordings"
	goldenMarkdown    = "testdata/report.md"
	goldenJSON        = "testdata/report.json"
)

func loadSpec(tb testing.TB, path string) *openapi3.T {
	tb.Helper()
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	doc, err := openapi.LoadData(data)
	require.NoError(tb, err)
	return doc
}

func readRecordings(tb testing.TB, dir string) []*contract.Recording {
	tb.Helper()
	recs, err := contract.ReadRecordings(dir)
	require.NoError(tb, err)
	require.NotEmpty(tb, recs)
	return recs
}

func fixtureReport(tb testing.TB, opts coverage.Options) *coverage.Report {
	tb.Helper()
	r, err := coverage.Build(loadSpec(tb, fixtureSpec), readRecordings(tb, fixtureRecordings), opts)
	require.NoError(tb, err)
	return r
}

// response returns the coverage of one response of the only operation.
func response(tb testing.TB, r *coverage.Report, key string) *coverage.Response {
	tb.Helper()
	require.Len(tb, r.Operations, 1)
	for _, resp := range r.Operations[0].Responses {
		if resp.Response == key {
			return resp
		}
	}
	tb.Fatalf("no response %s in the report", key)
	return nil
}

func item(tb testing.TB, items []*coverage.Item, name string) *coverage.Item {
	tb.Helper()
	for _, it := range items {
		if it.Name == name {
			return it
		}
	}
	tb.Fatalf("no item %s among %d", name, len(items))
	return nil
}

func names(items []*coverage.Item) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// TestFixtureNumbers checks the report of the fixture corpus number by
// number: each recording lands on the parts of the response it exercises,
// under its source, as valid or invalid.
func TestFixtureNumbers(t *testing.T) {
	r := fixtureReport(t, coverage.Options{})
	require.Equal(t, coverage.Tally{Total: 4, Document: 1, Live: 1, Mock: 1, Crafted: 1}, r.Recordings)
	op := r.Operations[0]
	require.Equal(t, "CancelCert", op.ID)
	require.Equal(t, "POST", op.Method)
	require.Equal(t, "/v2/{project_id}/scm/cert/{cert_id}/cancel-cert", op.Path)
	var keys []string
	for _, resp := range op.Responses {
		keys = append(keys, resp.Response)
	}
	require.Equal(t, []string{"200", "400", "403", "500", "default"}, keys, "documented responses, default last")

	type want struct {
		backedBy string
		sources  coverage.Sources
		latest   string
		recs     []string
	}
	none := want{backedBy: coverage.BackedByNone, recs: []string{}}
	check := func(t *testing.T, it *coverage.Item, w want) {
		t.Helper()
		require.Equal(t, w.backedBy, it.BackedBy, "backed by")
		require.Equal(t, w.sources, it.Sources, "sources")
		require.Equal(t, w.latest, it.LatestLive, "latest live")
		require.Equal(t, w.recs, it.Recordings, "recordings")
	}
	v1, i1 := coverage.Split{Valid: 1}, coverage.Split{Invalid: 1}
	docValid := want{backedBy: "document", sources: coverage.Sources{Document: v1}, recs: []string{"document-200-success"}}
	live := want{backedBy: "live", sources: coverage.Sources{Live: v1}, latest: "2026-11-27", recs: []string{"live-400-scm.0008"}}
	mock := want{backedBy: "mock", sources: coverage.Sources{Mock: v1}, recs: []string{"mock-403"}}

	t.Run("200", func(t *testing.T) {
		resp := response(t, r, "200")
		check(t, resp.Status, want{backedBy: "document", sources: coverage.Sources{Document: v1, Crafted: i1},
			recs: []string{"document-200-success", "invalid-200-text-plain"}})
		require.Equal(t, []string{"application/json", "text/plain"}, names(resp.MediaTypes), "documented first, then seen")
		check(t, item(t, resp.MediaTypes, "application/json"), docValid)
		tp := item(t, resp.MediaTypes, "text/plain")
		require.False(t, tp.Documented)
		check(t, tp, want{backedBy: coverage.BackedByNotDocumented, sources: coverage.Sources{Crafted: i1}, recs: []string{"invalid-200-text-plain"}})
		require.Equal(t, []string{"X-Request-Id"}, names(resp.Headers))
		check(t, resp.Headers[0], none)
		require.Empty(t, resp.ErrorCodes, "no code named, none seen")
	})
	t.Run("400", func(t *testing.T) {
		resp := response(t, r, "400")
		check(t, resp.Status, live)
		check(t, item(t, resp.MediaTypes, "application/json"), live)
		check(t, item(t, resp.Headers, "X-Request-Id"), live)
		require.Equal(t, []string{"SCM.0008", "SCM.0010"}, names(resp.ErrorCodes), "named in the description and the example")
		check(t, item(t, resp.ErrorCodes, "SCM.0008"), live)
		check(t, item(t, resp.ErrorCodes, "SCM.0010"), none)
	})
	t.Run("403", func(t *testing.T) {
		resp := response(t, r, "403")
		check(t, resp.Status, mock)
		require.Empty(t, resp.Headers)
		require.Equal(t, []string{"SCM.0003"}, names(resp.ErrorCodes))
		check(t, resp.ErrorCodes[0], mock)
	})
	t.Run("500 and default", func(t *testing.T) {
		for key, code := range map[string]string{"500": "APIGW.0705", "default": "APIG.0308"} {
			resp := response(t, r, key)
			check(t, resp.Status, none)
			require.Equal(t, []string{code}, names(resp.ErrorCodes))
			check(t, resp.ErrorCodes[0], none)
		}
	})
	t.Run("gaps", func(t *testing.T) {
		require.Equal(t, []string{"CancelCert 500"}, r.Gaps(), "500 has no valid recording; default is not a status")
	})
	t.Run("inferred", func(t *testing.T) {
		require.Len(t, r.Inferred, 3)
		s := r.Inferred[0]
		require.Equal(t, "operation", s.Where)
		require.Equal(t, coverage.InferredExtension, s.Marked)
		require.Equal(t, coverage.Rule{MediaType: "application/json"}, s.Rule)
		require.True(t, s.Confirmed())
		require.Equal(t, []string{"live-400-scm.0008"}, s.ConfirmedBy)
		require.Equal(t, "2026-11-27", s.LatestLive)

		s = r.Inferred[1]
		require.Equal(t, "response 403", s.Where)
		require.Equal(t, "description", s.Marked)
		require.Equal(t, "That a 403 carries the error body is inferred.", s.Statement, "the sentence, white space collapsed")
		require.True(t, s.Rule.Empty())
		require.False(t, s.Confirmed())

		s = r.Inferred[2]
		require.Equal(t, "response default", s.Where)
		require.Equal(t, coverage.Rule{Status: 429, ErrorCode: "APIG.0308"}, s.Rule)
		require.False(t, s.Confirmed())
		require.Empty(t, s.ConfirmedBy)
	})
	t.Run("drift", func(t *testing.T) {
		require.Len(t, r.Drift, 1, "the fixture's one drift note")
		d := r.Drift[0]
		require.Equal(t, contract.NoteHeader, d.Kind)
		require.Equal(t, "X-Trace-Id", d.Subject, "Server is a standard header and not drift")
		require.Equal(t, []int{400}, d.Statuses)
		require.Equal(t, 1, d.Count)
		require.Equal(t, "2026-11-27", d.Since)
		require.Equal(t, "2026-11-27", d.Last)
		require.False(t, r.BaselineGiven)
		require.False(t, d.New, "without a baseline nothing is new")
		require.Empty(t, r.NewDrift())
	})
	require.Empty(t, r.BrokenLive)
	require.Empty(t, r.Unmatched)
}

// TestFixtureGolden checks the Markdown and JSON renderings of the fixture
// report byte for byte. go test ./contract/internal/coverage -update
// rewrites them; review the diff.
func TestFixtureGolden(t *testing.T) {
	r := fixtureReport(t, coverage.Options{})
	js, err := r.JSON()
	require.NoError(t, err)
	for _, tc := range []struct {
		path string
		got  []byte
	}{{goldenMarkdown, r.Markdown(2)}, {goldenJSON, js}} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			if *update {
				require.NoError(t, os.WriteFile(tc.path, tc.got, 0o644))
				return
			}
			want, err := os.ReadFile(tc.path)
			require.NoError(t, err, "run go test ./contract/internal/coverage -update")
			require.Equal(t, string(want), string(tc.got))
		})
	}
	t.Run("JSON reads back", func(t *testing.T) {
		var back coverage.Report
		require.NoError(t, json.Unmarshal(js, &back))
		require.Equal(t, r.Recordings, back.Recordings)
		require.Equal(t, r.Gaps(), back.Gaps())
	})
}

// TestFixtureStoredNotes checks that the notes the fixture's live recording
// carries are the ones DriftNotes finds, so that the fixture stays a real
// example of the recording format.
func TestFixtureStoredNotes(t *testing.T) {
	doc := loadSpec(t, fixtureSpec)
	op := doc.Paths.Find("/v2/{project_id}/scm/cert/{cert_id}/cancel-cert").Post
	var seen int
	for _, rec := range readRecordings(t, fixtureRecordings) {
		ex, err := rec.Exchange()
		require.NoError(t, err)
		got := contract.DriftNotes(op, ex.StatusCode, ex.Header, ex.Body)
		if rec.Provenance.Source == contract.SourceLive {
			require.Equal(t, rec.Notes, got, rec.Name)
			seen += len(got)
		}
	}
	require.Equal(t, 1, seen, "one drift note in the fixture")
}

func TestMarkdownLevel(t *testing.T) {
	r := fixtureReport(t, coverage.Options{})
	for _, tc := range []struct {
		level         int
		title, policy string
	}{
		{2, "## Contract coverage\n", "\n### Inferred statements\n"},
		{4, "#### Contract coverage\n", "\n##### Inferred statements\n"},
		{0, "# Contract coverage\n", "\n## Inferred statements\n"},         // raised to 1
		{9, "##### Contract coverage\n", "\n###### Inferred statements\n"}, // lowered to 5
	} {
		md := string(r.Markdown(tc.level))
		require.True(t, strings.HasPrefix(md, tc.title), "level %d: %.40q", tc.level, md)
		require.Contains(t, md, tc.policy, "level %d", tc.level)
	}
}

// TestBaseline checks that drift is new exactly when the baseline's live
// recordings do not show it, and that only then the Markdown says so.
func TestBaseline(t *testing.T) {
	fixture := readRecordings(t, fixtureRecordings)
	var notLive []*contract.Recording
	for _, rec := range fixture {
		if rec.Provenance.Source != contract.SourceLive {
			notLive = append(notLive, rec)
		}
	}
	tests := []struct {
		name     string
		baseline []*contract.Recording
		wantNew  bool
	}{
		{"a baseline without live recordings", notLive, true},
		{"an empty baseline", []*contract.Recording{}, true},
		{"a baseline that holds the live recording", fixture, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fixtureReport(t, coverage.Options{Baseline: tc.baseline})
			require.True(t, r.BaselineGiven)
			require.Len(t, r.Drift, 1)
			require.Equal(t, tc.wantNew, r.Drift[0].New)
			md := string(r.Markdown(2))
			if tc.wantNew {
				require.Len(t, r.NewDrift(), 1)
				require.Contains(t, md, "| **new** | header | `X-Trace-Id` | 400 | 1 | 2026-11-27 | 2026-11-27 |")
			} else {
				require.Empty(t, r.NewDrift())
				require.Contains(t, md, "| | header | `X-Trace-Id` | 400 | 1 | 2026-11-27 | 2026-11-27 |")
			}
		})
	}
}

// TestListedRecordings checks the two lists of the report: live recordings
// that break the contract, and recordings that reach no response.
func TestListedRecordings(t *testing.T) {
	fixture := readRecordings(t, fixtureRecordings)
	var liveRec *contract.Recording
	for _, rec := range fixture {
		if rec.Provenance.Source == contract.SourceLive {
			liveRec = rec
		}
	}
	require.NotNil(t, liveRec)

	broken := *liveRec
	broken.Name = "live-400-broken"
	broken.Expect = contract.Expectation{Reason: "the service broke the contract when this was recorded: response-body: error_msg missing", Kind: contract.KindResponseBody, Contains: "error_msg"}

	wrongPath := *liveRec
	wrongPath.Name = "live-404-wrong-path"
	wrongPath.Request.URL = "https://scm.cn-north-4.myhuaweicloud.com/v2/PROJECT_ID/scm/cert/x/cancel"

	r, err := coverage.Build(loadSpec(t, fixtureSpec), append(fixture, &broken, &wrongPath), coverage.Options{})
	require.NoError(t, err)
	require.Len(t, r.BrokenLive, 1)
	require.Equal(t, "live-400-broken", r.BrokenLive[0].Name)
	require.Equal(t, broken.Expect.Reason, r.BrokenLive[0].Why)
	require.Len(t, r.Unmatched, 1)
	require.Equal(t, "live-404-wrong-path", r.Unmatched[0].Name)
	require.Contains(t, r.Unmatched[0].Why, "no operation has this method and path")
	require.Equal(t, coverage.Split{Valid: 1, Invalid: 1}, response(t, r, "400").Status.Sources.Live, "the broken one still counts, as invalid")
	require.Equal(t, 2, r.Drift[0].Count, "both live 400s carry X-Trace-Id; the unmatched one is not compared")

	md := string(r.Markdown(2))
	require.Contains(t, md, "- `live-400-broken` (live, invalid, 2026-11-27): the service broke the contract")
	require.Contains(t, md, "- `live-404-wrong-path` (live, valid, 2026-11-27): POST /v2/PROJECT_ID/scm/cert/x/cancel: no operation")
}

// TestTodaysCorpus runs the report on the spec and the recordings as they
// are: every recording is counted once, under the response it reaches or
// as unmatched, and every documented status has a valid recording (the
// mock's recordings cover each one).
func TestTodaysCorpus(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	recs := readRecordings(t, "../../testdata/recordings")
	r, err := coverage.Build(doc, recs, coverage.Options{})
	require.NoError(t, err)
	require.Equal(t, len(recs), r.Recordings.Total)

	counted := map[string]int{}
	for _, o := range r.Operations {
		for _, resp := range o.Responses {
			for _, name := range resp.Status.Recordings {
				counted[name]++
			}
		}
	}
	for _, u := range r.Unmatched {
		counted[u.Name]++
	}
	for _, rec := range recs {
		require.Equal(t, 1, counted[rec.Name], "%s is counted once", rec.Name)
	}
	require.Empty(t, r.Gaps())

	var marked int
	for _, s := range r.Inferred {
		if s.Marked == coverage.InferredExtension {
			marked++
			require.False(t, s.Rule.Empty(), "%s: %q has a rule", s.Where, s.Statement)
		}
	}
	require.Positive(t, marked, "the spec marks statements with %s", coverage.InferredExtension)
}
