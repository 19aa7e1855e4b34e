package coverage

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Markdown renders the report as GitHub-flavoured Markdown, for a README or
// a job summary. level is the heading level of its title (1 to 5); its
// sections are one level below.
func (r *Report) Markdown(level int) []byte {
	level = min(max(level, 1), 5)
	h := func(l int) string { return strings.Repeat("#", l) + " " }
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("%sContract coverage\n\n", h(level))
	t := r.Recordings
	p("%d recordings: %d document, %d live, %d mock, %d crafted.\n\n", t.Total, t.Document, t.Live, t.Mock, t.Crafted)
	p("Each cell counts the recordings that exercise a part of a documented response, as valid / invalid (\"-\": none). ")
	p("*Backed by* names the strongest source with a valid recording: live, then document, then mock; *none* means no valid recording. ")
	p("Rows marked *not documented* show what recordings carry that the response does not document.\n\n")

	for _, o := range r.Operations {
		p("%s%s %s (%s)\n\n", h(level+1), o.Method, cell(o.Path), o.ID)
		p("| response | part | backed by | document | live | mock | crafted | latest live |\n")
		p("|---|---|---|---|---|---|---|---|\n")
		for _, resp := range o.Responses {
			row(&b, "**"+resp.Response+"**", "status", resp.Status)
			for _, it := range resp.MediaTypes {
				name := code(it.Name)
				if it.Name == NoContentType {
					name = "none (no Content-Type)"
				}
				row(&b, "", "media type "+name, it)
			}
			for _, it := range resp.Headers {
				row(&b, "", "header "+code(it.Name), it)
			}
			for _, it := range resp.ErrorCodes {
				row(&b, "", "error "+code(it.Name), it)
			}
		}
		b.WriteString("\n")
	}
	if gaps := r.Gaps(); len(gaps) > 0 {
		p("**Documented statuses without a valid recording** (`-strict` fails): %s.\n\n", strings.Join(gaps, ", "))
	} else {
		p("Every documented status has a valid recording.\n\n")
	}

	p("%sInferred statements\n\n", h(level+1))
	if len(r.Inferred) == 0 {
		p("The spec marks no statement as inferred.\n\n")
	} else {
		p("What the spec states without a source; a live recording that shows what the rule asks for confirms it.\n\n")
		p("| where | statement | marked by | confirmed by a live recording |\n|---|---|---|---|\n")
		for _, s := range r.Inferred {
			where := s.Where
			if len(r.Operations) > 1 {
				where = s.Operation + ": " + where
			}
			p("| %s | %s | %s | %s |\n", cell(where), cell(s.Statement), code(s.Marked), confirmation(s))
		}
		b.WriteString("\n")
	}

	p("%sDrift seen in live recordings\n\n", h(level+1))
	switch {
	case t.Live == 0:
		p("No live recordings yet.\n\n")
	case len(r.Drift) == 0:
		p("No live recording shows anything the spec does not document.\n\n")
	default:
		p("What live recordings show that the spec does not document: the validator tolerates it, and nothing fails for it.")
		if r.BaselineGiven {
			p(" **new**: no live recording of the baseline shows it.")
		}
		newCol, newSep := "", ""
		if r.BaselineGiven {
			newCol, newSep = "| ", "|---"
		}
		p("\n\n%s| kind | subject | statuses | live recordings | since | last seen |\n", newCol)
		p("%s|---|---|---|---|---|---|\n", newSep)
		for _, d := range r.Drift {
			mark := ""
			if r.BaselineGiven {
				mark = "| "
				if d.New {
					mark = "| **new** "
				}
			}
			p("%s| %s | %s | %s | %d | %s | %s |\n", mark, d.Kind, code(d.Subject), joinInts(d.Statuses), d.Count, d.Since, d.Last)
		}
		b.WriteString("\n")
	}

	p("%sLive recordings that break the contract\n\n", h(level+1))
	if len(r.BrokenLive) == 0 {
		p("None.\n\n")
	} else {
		list(&b, r.BrokenLive)
	}

	p("%sRecordings that reach no documented response\n\n", h(level+1))
	if len(r.Unmatched) == 0 {
		p("None.\n")
	} else {
		list(&b, r.Unmatched)
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

func row(b *bytes.Buffer, response, part string, it *Item) {
	if !it.Documented {
		part += " *not documented*"
	}
	latest := it.LatestLive
	if latest == "" {
		latest = "-"
	}
	s := it.Sources
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", response, part, it.BackedBy,
		split(s.Document), split(s.Live), split(s.Mock), split(s.Crafted), latest)
}

func split(s Split) string {
	if s.Total() == 0 {
		return "-"
	}
	return fmt.Sprintf("%d / %d", s.Valid, s.Invalid)
}

func confirmation(s *Inferred) string {
	switch {
	case s.Rule.Empty():
		return "cannot tell: no rule (add an " + code(InferredExtension) + " entry)"
	case s.Confirmed():
		return fmt.Sprintf("**yes**: %s (latest %s)", cell(strings.Join(s.ConfirmedBy, ", ")), s.LatestLive)
	}
	return "no; needs " + cell(s.Rule.String())
}

func list(b *bytes.Buffer, recs []*Recording) {
	for _, rec := range recs {
		validity := "invalid"
		if rec.Valid {
			validity = "valid"
		}
		date := ""
		if rec.Date != "" {
			date = ", " + rec.Date
		}
		fmt.Fprintf(b, "- %s (%s, %s%s): %s\n", code(rec.Name), rec.Source, validity, date, oneLine(rec.Why))
	}
	b.WriteString("\n")
}

// cell makes text safe inside a table cell.
func cell(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", `\|`)
}

// code renders s as inline code, safe inside a table cell.
func code(s string) string {
	s = cell(s)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
