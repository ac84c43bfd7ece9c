package lines

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

type countingWriter struct {
	writes int
	buf    bytes.Buffer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.buf.Write(p)
}

func TestWritesAreBuffered(t *testing.T) {
	w := &countingWriter{}
	ProcessLines(strings.NewReader(strings.Repeat("line\n", 1000)), w, upper)
	if w.writes > 10 {
		t.Fatalf("%d Write calls for 1000 short lines; buffer the output", w.writes)
	}
	if w.buf.Len() != 5000 {
		t.Fatalf("wrote %d bytes, want 5000 (was the buffer flushed?)", w.buf.Len())
	}
}

var errDisk = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errDisk }

func TestWriteErrorIsReturned(t *testing.T) {
	_, err := ProcessLines(strings.NewReader("a\nb\n"), failingWriter{}, upper)
	if !errors.Is(err, errDisk) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

var errNet = errors.New("connection reset")

func TestReadErrorIsReturned(t *testing.T) {
	r := io.MultiReader(strings.NewReader("a\n"), iotestErr{errNet})
	_, err := ProcessLines(r, io.Discard, upper)
	if !errors.Is(err, errNet) {
		t.Fatalf("err = %v, want the reader's error", err)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

func TestEmptyInput(t *testing.T) {
	st, err := ProcessLines(strings.NewReader(""), io.Discard, upper)
	if err != nil || st != (Stats{}) {
		t.Fatalf("empty input: %+v, %v; want zero stats", st, err)
	}
}
