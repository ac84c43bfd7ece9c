package lines

import (
	"bufio"
	"io"
)

// Stats counts what ProcessLines did.
type Stats struct{ Lines, Kept, Bytes int }

// ProcessLines feeds every line of r to fn and writes the kept results to w.
func ProcessLines(r io.Reader, w io.Writer, fn func(line []byte) ([]byte, bool)) (Stats, error) {
	var st Stats
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		st.Lines++
		out, keep := fn(sc.Bytes())
		if !keep {
			continue
		}
		// TODO: запись не буферизована, ошибки теряются.
		w.Write(append(out, '\n'))
		st.Kept++
		st.Bytes += len(out) + 1
	}
	return st, nil
}
