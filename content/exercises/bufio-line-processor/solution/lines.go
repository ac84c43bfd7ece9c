package lines

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Stats counts what ProcessLines did.
type Stats struct{ Lines, Kept, Bytes int }

// ProcessLines feeds every line of r to fn and writes the kept results to w.
func ProcessLines(r io.Reader, w io.Writer, fn func(line []byte) ([]byte, bool)) (Stats, error) {
	var st Stats
	br := bufio.NewReaderSize(r, 64*1024)
	bw := bufio.NewWriterSize(w, 64*1024)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return st, err
		}
		line := chunk
		if len(long) > 0 {
			long = append(long, chunk...)
			line = long
		}
		if len(line) > 0 {
			st.Lines++
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if out, keep := fn(line); keep {
				bw.Write(out)
				if werr := bw.WriteByte('\n'); werr != nil {
					return st, werr
				}
				st.Kept++
				st.Bytes += len(out) + 1
			}
		}
		long = long[:0]
		if err != nil {
			return st, bw.Flush()
		}
	}
}
