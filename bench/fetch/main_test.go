package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestTailWriter: the last 64 bytes survive writes of every size.
func TestTailWriter(t *testing.T) {
	body := strings.Repeat("0123456789abcdefghij", 40) + "</items>"
	for _, chunk := range []int{1, 3, 63, 64, 65, 1000} {
		var w tailWriter
		for i := 0; i < len(body); i += chunk {
			if _, err := w.Write([]byte(body[i:min(i+chunk, len(body))])); err != nil {
				t.Fatal(err)
			}
		}
		if want := body[len(body)-64:]; !bytes.Equal(w.last(), []byte(want)) {
			t.Errorf("chunk %d: tail %q, want %q", chunk, w.last(), want)
		}
	}
	var w tailWriter
	w.Write([]byte("short"))
	if string(w.last()) != "short" {
		t.Errorf("short body: tail %q", w.last())
	}
}
