// CLI-калькулятор — стартовый код.
// Условия всех стадий — в PROJECT.md рядом; проверка: `gocoach project test`.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	expr := strings.Join(os.Args[1:], " ")
	// TODO (стадия 1): вычислить выражение и напечатать результат.
	fmt.Fprintf(os.Stderr, "not implemented: %q\n", expr)
	os.Exit(1)
}
