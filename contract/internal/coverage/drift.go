package coverage

import (
	"fmt"
	"slices"

	"github.com/scmcontract/cancelcert/contract"
)

// noteKey identifies a drift note across recordings.
func noteKey(n contract.Note) string { return string(n.Kind) + "\x00" + n.Subject }

func addDrift(drift map[string]*Drift, n contract.Note, rec *contract.Recording) {
	k := noteKey(n)
	d := drift[k]
	if d == nil {
		d = &Drift{Kind: n.Kind, Subject: n.Subject, Since: rec.Provenance.Date}
		drift[k] = d
	}
	d.Count++
	d.Recordings = append(d.Recordings, rec.Name)
	if !slices.Contains(d.Statuses, rec.Response.Status) {
		d.Statuses = append(d.Statuses, rec.Response.Status)
	}
	if rec.Provenance.Date < d.Since {
		d.Since = rec.Provenance.Date
	}
	if rec.Provenance.Date >= d.Last {
		d.Last, d.Message = rec.Provenance.Date, n.Message
	}
}

// knownNotes returns the keys of the notes the live recordings of a
// baseline show.
func (c *corpus) knownNotes(baseline []*contract.Recording) (map[string]bool, error) {
	known := map[string]bool{}
	for _, rec := range baseline {
		if rec.Provenance.Source != contract.SourceLive {
			continue
		}
		m, _, err := c.match(rec)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		if m == nil {
			continue
		}
		for _, n := range contract.DriftNotes(m.op.op, m.ex.StatusCode, m.ex.Header, m.ex.Body) {
			known[noteKey(n)] = true
		}
	}
	return known, nil
}
