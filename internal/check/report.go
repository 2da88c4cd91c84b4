package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ExitCode is the exit status of "shopbridge check": 0 when every checked
// question is yes, 1 otherwise.
func (rep Report) ExitCode() int {
	if rep.OK {
		return 0
	}
	return 1
}

// Counts returns how many questions got each verdict.
func (rep Report) Counts() map[Verdict]int {
	m := map[Verdict]int{Yes: 0, No: 0, NotChecked: 0}
	for _, r := range rep.Results {
		m[r.Verdict]++
	}
	return m
}

// WriteJSON writes the report as indented JSON (schema
// "shopbridge.check/v1", see docs/check.md#json).
func (rep Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// WriteTable writes the report for people: one block per question with
// verdict, evidence and fix hint, then a summary line.
func (rep Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Shopgate connection check of %s\n\n", rep.URL)
	fmt.Fprintf(&b, "%-3s %-70s %s\n", "#", "question", "verdict")
	fmt.Fprintf(&b, "%s\n", strings.Repeat("-", 90))
	for _, r := range rep.Results {
		fmt.Fprintf(&b, "%-3d %-70s %s\n", r.Number, r.Question, verdictText(r))
	}
	b.WriteString("\nEvidence:\n")
	for _, r := range rep.Results {
		fmt.Fprintf(&b, "\n%2d. %s: %s\n", r.Number, r.Question, verdictText(r))
		for _, e := range r.Evidence {
			mark := "ok  "
			if !e.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(&b, "    [%s] %s\n           -> %s (%d ms)\n", mark, e.Sent, e.Received, e.Millis)
		}
		if r.Verdict == No && r.Fix != "" {
			fmt.Fprintf(&b, "    fix: %s\n", r.Fix)
		}
	}
	c := rep.Counts()
	fmt.Fprintf(&b, "\n%d yes, %d no, %d not checked in %.1f s: ", c[Yes], c[No], c[NotChecked], float64(rep.Millis)/1000)
	if rep.OK {
		b.WriteString("every checked question is yes.\n")
	} else {
		b.WriteString("the connection is not ready.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// verdictText is the verdict with the reason for "not checked".
func verdictText(r Result) string {
	if r.Verdict == NotChecked && r.Reason != "" {
		return "not checked (" + r.Reason + ")"
	}
	if r.Verdict == No && r.Reason != "" {
		return "NO (" + r.Reason + ")"
	}
	if r.Verdict == No {
		return "NO"
	}
	return string(r.Verdict)
}
