package jsonenc

import "encoding/json"

// Event is the record being encoded.
type Event struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Tags   []string `json:"tags"`
	Score  float64  `json:"score"`
	Active bool     `json:"active"`
}

// AppendEvent appends the JSON encoding of e to dst.
func AppendEvent(dst []byte, e *Event) []byte {
	// TODO: json.Marshal аллоцирует на каждый вызов.
	b, _ := json.Marshal(e)
	return append(dst, b...)
}
