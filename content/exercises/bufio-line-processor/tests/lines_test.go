package lines

import (
	"bytes"
	"strings"
	"testing"
)

func upper(line []byte) ([]byte, bool) { return bytes.ToUpper(line), true }

func TestProcessesEveryLine(t *testing.T) {
	var out bytes.Buffer
	st, err := ProcessLines(strings.NewReader("a\r\nbb\n\nccc"), &out, upper)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "A\nBB\n\nCCC\n" {
		t.Fatalf("output = %q, want %q", out.String(), "A\nBB\n\nCCC\n")
	}
	if st != (Stats{Lines: 4, Kept: 4, Bytes: 10}) {
		t.Fatalf("stats = %+v, want {Lines:4 Kept:4 Bytes:10}", st)
	}
}

func TestFilterDropsLines(t *testing.T) {
	var out bytes.Buffer
	keepLong := func(line []byte) ([]byte, bool) { return line, len(line) > 1 }
	st, _ := ProcessLines(strings.NewReader("x\nyy\nz\n"), &out, keepLong)
	if out.String() != "yy\n" || st.Kept != 1 || st.Lines != 3 {
		t.Fatalf("output %q, stats %+v; want \"yy\\n\", Lines 3, Kept 1", out.String(), st)
	}
}

func TestVeryLongLine(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	var out bytes.Buffer
	st, err := ProcessLines(strings.NewReader("short\n"+long+"\nend\n"), &out, func(l []byte) ([]byte, bool) {
		return []byte{byte('0' + len(l)%10)}, true
	})
	if err != nil {
		t.Fatalf("a 3 MB line failed: %v", err)
	}
	if st.Lines != 3 {
		t.Fatalf("read %d lines, want 3 (one of them 3 MB long)", st.Lines)
	}
}
