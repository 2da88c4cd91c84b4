package gormcatalog

import (
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// TestNumericMatchesPGX checks the fast binary numeric decoder against
// pgx's: same value and exponent (the writers format by both).
func TestNumericMatchesPGX(t *testing.T) {
	m := pgtype.NewMap()
	for _, s := range []string{"0", "1", "-1", "12.3400", "0.0001", "-0.5", "10000", "123456789012.3456",
		"9999999999999999", "100000000000000000000", "1200", "0.00000012", "99.99", "-1234.5678", "1234567890123456789.5"} {
		var n pgtype.Numeric
		if err := n.Scan(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		buf, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, n, nil)
		if err != nil {
			t.Fatalf("%s: encode: %v", s, err)
		}
		var want pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, buf, &want); err != nil {
			t.Fatalf("%s: pgx scan: %v", s, err)
		}
		wd := decimal.NewFromBigInt(want.Int, want.Exp)
		got, ok := numeric(buf)
		if !ok {
			if len(wd.Coefficient().String()) <= 16 {
				t.Errorf("%s: fast decoder declined a short value", s)
			}
			continue
		}
		if got.Coefficient().Cmp(wd.Coefficient()) != 0 || got.Exponent() != wd.Exponent() {
			t.Errorf("%s: got %s (exp %d), pgx %s (exp %d)", s, got, got.Exponent(), wd, wd.Exponent())
		}
	}
	if _, ok := numeric([]byte{0, 1}); ok {
		t.Error("short input accepted")
	}
}
