package sqlvalue

import (
	"testing"
	"time"
)

func TestString(t *testing.T) {
	ts := time.Date(2026, 12, 2, 15, 4, 5, 600, time.UTC)
	tests := []struct {
		in     any
		layout string
		want   string
	}{
		{nil, time.RFC3339, ""},
		{"abc", time.RFC3339, "abc"},
		{[]byte("x"), time.RFC3339, "x"},
		{int64(-42), time.RFC3339, "-42"},
		{1.5, time.RFC3339, "1.5"},
		{true, time.RFC3339, "1"},
		{false, time.RFC3339, "0"},
		{ts, time.RFC3339, "2026-12-02T15:04:05Z"},
		{ts, time.RFC3339Nano, "2026-12-02T15:04:05.0000006Z"},
		{int32(7), time.RFC3339, "7"},
	}
	for _, tt := range tests {
		if got := String(tt.in, tt.layout); got != tt.want {
			t.Errorf("String(%#v, %q) = %q, want %q", tt.in, tt.layout, got, tt.want)
		}
	}
}
