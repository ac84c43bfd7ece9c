// CLI calculator: a reference solution of every stage.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// syntaxError is a malformed expression (exit code 2); other errors exit with 1.
type syntaxError struct{ msg string }

func (e syntaxError) Error() string { return "syntax error: " + e.msg }

var errDivisionByZero = errors.New("division by zero")

var precedence = map[byte]int{'+': 1, '-': 1, '*': 2, '/': 2}

type parser struct {
	src string
	pos int
}

func (p *parser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *parser) peek() byte {
	p.skip()
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) binary(minPrec int) (float64, error) {
	left, err := p.unary()
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		prec, ok := precedence[op]
		if !ok || prec < minPrec {
			return left, nil
		}
		p.pos++
		right, err := p.binary(prec + 1)
		if err != nil {
			return 0, err
		}
		switch op {
		case '+':
			left += right
		case '-':
			left -= right
		case '*':
			left *= right
		case '/':
			if right == 0 {
				return 0, errDivisionByZero
			}
			left /= right
		}
	}
}

func (p *parser) unary() (float64, error) {
	switch p.peek() {
	case '-':
		p.pos++
		v, err := p.unary()
		return -v, err
	case '+':
		p.pos++
		return p.unary()
	}
	return p.primary()
}

func (p *parser) primary() (float64, error) {
	c := p.peek()
	if c == '(' {
		p.pos++
		v, err := p.binary(1)
		if err != nil {
			return 0, err
		}
		if p.peek() != ')' {
			return 0, syntaxError{fmt.Sprintf("expected ')' at position %d", p.pos+1)}
		}
		p.pos++
		return v, nil
	}
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
		p.pos++
	}
	if start == p.pos {
		if c == 0 {
			return 0, syntaxError{"unexpected end of expression"}
		}
		return 0, syntaxError{fmt.Sprintf("unexpected %q at position %d", c, p.pos+1)}
	}
	v, err := strconv.ParseFloat(p.src[start:p.pos], 64)
	if err != nil {
		return 0, syntaxError{fmt.Sprintf("bad number %q", p.src[start:p.pos])}
	}
	return v, nil
}

func evaluate(expr string) (float64, error) {
	p := &parser{src: expr}
	if p.peek() == 0 {
		return 0, syntaxError{"empty expression"}
	}
	v, err := p.binary(1)
	if err != nil {
		return 0, err
	}
	if p.peek() != 0 {
		return 0, syntaxError{fmt.Sprintf("unexpected %q at position %d", p.src[p.pos], p.pos+1)}
	}
	return v, nil
}

func format(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func exitCode(err error) int {
	var syntax syntaxError
	if errors.As(err, &syntax) {
		return 2
	}
	return 1
}

func main() {
	if len(os.Args) > 1 {
		v, err := evaluate(strings.Join(os.Args[1:], " "))
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(exitCode(err))
		}
		fmt.Println(format(v))
		return
	}
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	failed := false
	for line := 1; in.Scan(); line++ {
		text := strings.TrimSpace(in.Text())
		if text == "" {
			continue
		}
		v, err := evaluate(text)
		if err != nil {
			failed = true
			out.Flush()
			fmt.Fprintf(os.Stderr, "error: line %d: %v\n", line, err)
			continue
		}
		fmt.Fprintln(out, format(v))
	}
	if failed {
		out.Flush()
		os.Exit(1)
	}
}
