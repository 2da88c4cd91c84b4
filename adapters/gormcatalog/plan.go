package gormcatalog

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// planNode is the part of a node of PostgreSQL's EXPLAIN (FORMAT JSON)
// that the ordered passes read.
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Parent Relationship"`
	Table    string     `json:"Relation Name"`
	Rows     float64    `json:"Plan Rows"`
	Plans    []planNode `json:"Plans"`
}

// seqRescanRows is the number of outer rows from which a nested loop that
// scans a table sequentially for each of them is avoided
// (docs/catalog.md#no-sequential-scan-per-row).
const seqRescanRows = 1000

// passPlan plans the ordered pass q on conn as PostgreSQL would run it
// (the simple protocol sends the arguments as literals: the plan is the
// custom plan the pass's unnamed statement gets). When that plan scans a
// table sequentially once per row of a large outer side — PostgreSQL's
// choice for a joined table it believes empty, and each scan costs a
// system call — noSeq is set and the plan returned is the one without
// sequential scans, which the pass then runs with
// (docs/catalog.md#no-sequential-scan-per-row).
func passPlan(ctx context.Context, conn *pgx.Conn, q string, args []any) (plan *planNode, noSeq bool, err error) {
	if plan, err = explain(ctx, conn, q, args, false); err != nil || !seqPerRow(plan) {
		return plan, false, err
	}
	plan, err = explain(ctx, conn, q, args, true)
	return plan, true, err
}

// explain returns the plan of q, with sequential scans disabled for it
// when noSeq.
func explain(ctx context.Context, conn *pgx.Conn, q string, args []any, noSeq bool) (*planNode, error) {
	if noSeq {
		if err := beginNoSeq(ctx, conn); err != nil {
			return nil, err
		}
		defer conn.Exec(ctx, "ROLLBACK") //nolint:errcheck // a failed rollback leaves the connection in a transaction, which the pool discards
	}
	var out []byte
	err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+q, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...).Scan(&out)
	if err != nil {
		return nil, fmt.Errorf("gormcatalog: plan of an ordered pass: %w", err)
	}
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		return nil, fmt.Errorf("gormcatalog: plan of an ordered pass: %d plans, %v", len(plans), err)
	}
	return &plans[0].Plan, nil
}

// beginNoSeq starts a read-only transaction on conn in which PostgreSQL
// avoids sequential scans; ROLLBACK ends it and the setting.
func beginNoSeq(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, "BEGIN READ ONLY; SET LOCAL enable_seqscan = off"); err != nil {
		return fmt.Errorf("gormcatalog: ordered pass without sequential scans: %w", err)
	}
	return nil
}

// seqPerRow reports whether a nested loop in n scans a table sequentially
// for each of at least seqRescanRows outer rows.
func seqPerRow(n *planNode) bool {
	if n.Type == "Nested Loop" {
		var outer, inner *planNode
		for i := range n.Plans {
			switch n.Plans[i].Relation {
			case "Outer":
				outer = &n.Plans[i]
			case "Inner":
				inner = &n.Plans[i]
			}
		}
		if outer != nil && inner != nil && inner.Type == "Seq Scan" && outer.Rows >= seqRescanRows {
			return true
		}
	}
	for i := range n.Plans {
		if seqPerRow(&n.Plans[i]) {
			return true
		}
	}
	return false
}

// outerUnsorted reports whether n gives its rows in the order its outer
// path reads them: no node on that path sorts. For an ordered pass that
// means an index gives the order. lookups gets the tables a nested loop
// on that path looks up once per row (its inner side, unless memoized).
func outerUnsorted(n *planNode) (ordered bool, lookups []string) {
	for {
		switch n.Type {
		case "Sort", "Incremental Sort":
			return false, lookups
		}
		if len(n.Plans) == 0 {
			return true, lookups
		}
		next := &n.Plans[0]
		for i := range n.Plans {
			switch n.Plans[i].Relation {
			case "Outer":
				next = &n.Plans[i]
			case "Inner":
				if n.Type == "Nested Loop" {
					lookups = tables(&n.Plans[i], lookups)
				}
			}
		}
		n = next
	}
}

// tables appends the tables n scans, except under a Memoize node (a
// lookup by a value many rows share, e.g. a tax class).
func tables(n *planNode, to []string) []string {
	if n.Type == "Memoize" {
		return to
	}
	if n.Table != "" {
		to = append(to, n.Table)
	}
	for i := range n.Plans {
		to = tables(&n.Plans[i], to)
	}
	return to
}

// foldLookupRows is the largest table (PostgreSQL's estimate of its rows)
// the folded pass may look up once per row
// (docs/catalog.md#parents-and-variants-in-one-pass).
const foldLookupRows = 10000

// foldable reports whether the folded pass q should be read: PostgreSQL
// reads its rows in q's order from an index (for the folded pass an index
// on (COALESCE(parent_id, id), id)), as its ordered pass would run, and
// the tables it looks up once per row are small — a lookup per row into a
// big table (translations a marketplace has) costs more than the merge
// joins of the parents pass in key order. False when the connections are
// not pgx ones. noSeq is passPlan's for q.
func (s *Source) foldable(ctx context.Context, q string, args []any) (fold, noSeq bool, err error) {
	_, err = s.withPGX(ctx, func(c *pgx.Conn) error {
		pq, pargs := rebind(q, args)
		var plan *planNode
		var err error
		if plan, noSeq, err = passPlan(ctx, c, pq, pargs); err != nil {
			return err
		}
		ordered, lookups := outerUnsorted(plan)
		if !ordered {
			return nil
		}
		var rows float64
		// Tables as the pass names them (visible on its search path);
		// never analysed (-1) counts as empty only without pages.
		if err := c.QueryRow(ctx, "SELECT COALESCE(max(CASE WHEN reltuples < 0 AND relpages > 0 THEN 'Infinity' ELSE reltuples END), 0)"+
			" FROM pg_class WHERE relname = ANY($1) AND relkind IN ('r', 'p', 'm') AND pg_table_is_visible(oid)", lookups).Scan(&rows); err != nil {
			return fmt.Errorf("gormcatalog: sizes of the folded pass's tables: %w", err)
		}
		fold = rows <= foldLookupRows
		return nil
	})
	return fold, noSeq, err
}

// noSeqScan reports whether the ordered pass q (no arguments) runs
// without sequential scans (passPlan).
func (s *Source) noSeqScan(ctx context.Context, q string) (noSeq bool, err error) {
	_, err = s.withPGX(ctx, func(c *pgx.Conn) error {
		_, noSeq, err = passPlan(ctx, c, q, nil)
		return err
	})
	return noSeq, err
}

// withPGX runs fn on a pgx connection of the pool; handled is false (and
// fn not run) when the pool's connections are not pgx ones.
func (s *Source) withPGX(ctx context.Context, fn func(c *pgx.Conn) error) (handled bool, err error) {
	conn, err := s.pg.Conn(ctx)
	if err != nil {
		return true, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(pgxConn)
		if !ok {
			return nil
		}
		handled = true
		return fn(pc.Conn())
	})
	return handled, err
}
