package panel

import (
	"context"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/shopbridge/shopbridge/internal/check"
)

// defaultCheckTimeout bounds a connection check run from the Overview.
const defaultCheckTimeout = 60 * time.Second

// checkView is a check.Report in the words of the panel.
type checkView struct {
	OK      bool
	Summary string
	Rows    []checkRow
}

// checkRow is one question of the checklist.
type checkRow struct {
	Number   int
	Question string
	Verdict  string
	Level    string // ok, bad, none
	Evidence []string
	Fix      string // only for a "no"
}

// runCheck is the "Run connection check" button of the Overview: it runs
// Config.ConnectionCheck, bounded by ConnectionCheckTimeout, and shows the
// Overview with the report (docs/check.md).
func (h *Handler) runCheck(c echo.Context) error {
	if h.cfg.ConnectionCheck == nil {
		return echo.ErrNotFound
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), h.cfg.ConnectionCheckTimeout)
	defer cancel()
	rep, err := h.cfg.ConnectionCheck(ctx)
	d, derr := h.overviewData(c.Request().Context())
	if derr != nil {
		return derr
	}
	if err != nil {
		h.cfg.Logger.Warn("control panel: connection check failed", zap.Error(err))
		d.CheckError = fmt.Sprintf(h.T("check_failed"), err.Error())
	} else {
		d.Check = h.checkView(rep)
	}
	return h.render(c, "overview.html", "overview", d)
}

// checkView puts a report into the panel's words.
func (h *Handler) checkView(rep check.Report) *checkView {
	v := &checkView{OK: rep.OK}
	n := map[check.Verdict]int{}
	for _, r := range rep.Results {
		n[r.Verdict]++
		row := checkRow{Number: r.Number, Question: r.Question, Verdict: h.T("verdict_" + string(r.Verdict)), Level: "none"}
		switch r.Verdict {
		case check.Yes:
			row.Level = "ok"
		case check.No:
			row.Level = "bad"
			row.Fix = r.Fix
		}
		if r.Reason != "" {
			row.Verdict += " (" + r.Reason + ")"
		}
		for _, e := range r.Evidence {
			mark := "ok"
			if !e.OK {
				mark = "FAIL"
			}
			row.Evidence = append(row.Evidence, fmt.Sprintf("[%s] %s → %s (%d ms)", mark, e.Sent, e.Received, e.Millis))
		}
		v.Rows = append(v.Rows, row)
	}
	v.Summary = fmt.Sprintf(h.T("check_summary"), n[check.Yes], n[check.No], n[check.NotChecked], float64(rep.Millis)/1000) + " "
	if rep.OK {
		v.Summary += h.T("check_ready")
	} else {
		v.Summary += h.T("check_not_ready")
	}
	return v
}
