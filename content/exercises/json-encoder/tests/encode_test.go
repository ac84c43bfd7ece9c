package jsonenc

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestMatchesEncodingJSONForTrickyStrings(t *testing.T) {
	names := []string{"plain", `quote " and \ backslash`, "line\nbreak\ttab\r", "<b>&amp;</b>",
		"ctrl \x01\x1f", "юникод ✓", "bad \xff utf8", "sep \u2028 \u2029"}
	for _, name := range names {
		e := &Event{ID: 7, Name: name, Tags: []string{name}, Score: 1.5, Active: true}
		want, _ := json.Marshal(e)
		if got := AppendEvent(nil, e); string(got) != string(want) {
			t.Errorf("name %q:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestAppendsToTheBuffer(t *testing.T) {
	got := AppendEvent([]byte("prefix:"), &Event{ID: 1, Tags: []string{}})
	want := `prefix:{"id":1,"name":"","tags":[],"score":0,"active":false}`
	if string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	in := Event{ID: -42, Name: "x", Tags: []string{"a", "b"}, Score: 3.14159e-7, Active: true}
	var out Event
	if err := json.Unmarshal(AppendEvent(nil, &in), &out); err != nil {
		t.Fatalf("output is not valid JSON: %v", err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

var sink []byte

func BenchmarkAppendEvent(b *testing.B) {
	e := &Event{ID: 123456, Name: "user <signup> & \"welcome\"", Tags: []string{"new", "web", "ру"}, Score: 99.5, Active: true}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendEvent(buf[:0], e)
	}
	sink = buf
}
