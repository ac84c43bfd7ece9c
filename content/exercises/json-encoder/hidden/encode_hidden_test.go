package jsonenc

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNilTagsEncodeAsEmptyArray(t *testing.T) {
	got := string(AppendEvent(nil, &Event{}))
	want := `{"id":0,"name":"","tags":[],"score":0,"active":false}`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestExtremeNumbers(t *testing.T) {
	for _, score := range []float64{math.MaxFloat64, math.SmallestNonzeroFloat64, -0.1, 1e21, 123456789} {
		e := &Event{ID: math.MinInt64, Score: score}
		var out Event
		if err := json.Unmarshal(AppendEvent(nil, e), &out); err != nil {
			t.Fatalf("score %v: invalid JSON: %v", score, err)
		}
		if out.Score != score || out.ID != math.MinInt64 {
			t.Fatalf("round trip of %v/%d gave %v/%d", score, e.ID, out.Score, out.ID)
		}
	}
}

func TestEveryControlCharacterMatchesEncodingJSON(t *testing.T) {
	for c := 0; c < 0x80; c++ {
		e := &Event{Name: string(rune(c)), Tags: []string{}}
		want, _ := json.Marshal(e)
		if got := AppendEvent(nil, e); string(got) != string(want) {
			t.Fatalf("byte %#x: got %s, want %s", c, got, want)
		}
	}
}
