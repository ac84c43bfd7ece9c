"""The grader's own TestMain: a verdict the learner's code cannot forge by printing.

Learner code runs in the test process, so anything it prints can imitate `go test` output,
framing markers included. The verdict therefore does not come from the output. A `_test.go`
file generated for each run (a random name, deleted after compiling) holds a TestMain that:

1. resets the flags that choose what runs (`-test.run`, `-test.skip`, `-test.count`, …) after
   every `init` has run, and checks after `m.Run` that nobody changed them since;
2. runs the alloc-limit benchmarks itself with `testing.Benchmark` once the tests passed, so
   allocs/op come from the runtime's counters, not from a printed line;
3. prints one line `gocoach-verdict <status> <allocs> <mac>` where `mac` is SipHash-2-4
   under a random per-run key compiled into the binary.

The key never appears in the output, the generated source is gone before the binary runs, the
binary is not readable by the slot uid (execute-only, so the process is also not dumpable and
its /proc/self/mem is closed), and `//go:embed` / `//go:linkname` are refused. Printing, piping
stdout, `os.Exit` in `init`, a goroutine or `TestMain`, rewriting files: none of these can make
a valid line saying `pass`. What remains is reading the key out of the process's own memory with
`unsafe` — the static check flags `unsafe`, and docs/exercises.md says so.
"""

from __future__ import annotations

import hmac
import re
import secrets
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from string import Template

VERDICT = "gocoach-verdict"
_VERDICT_LINE = re.compile(
    rf"^{VERDICT} (?P<status>\w+) (?P<allocs>\S+) (?P<mac>[0-9a-f]{{1,16}})$"
)
_PACKAGE = re.compile(r"^package\s+(\w+)", re.MULTILINE)

# Flags that select or repeat tests: reset before m.Run, checked after it.
RUN_FLAGS = {
    "test.run": "",
    "test.skip": "",
    "test.list": "",
    "test.count": "1",
    "test.failfast": "false",
    "test.short": "false",
    "test.shuffle": "off",
    "test.bench": "",
    "test.cpu": "",
    "test.v": "test2json",
    "test.paniconexit0": "true",
}


@dataclass(frozen=True)
class Harness:
    """One run's generated TestMain: its file name, source and key."""

    file_name: str
    source: str
    key: bytes


@dataclass(frozen=True)
class Verdict:
    """What the grader's TestMain reported, authenticated."""

    status: str  # pass | fail | tampered
    allocs: dict[str, int]


def package_of(test_sources: Sequence[str]) -> str:
    """The package clause of the exercise's test files."""
    for source in test_sources:
        match = _PACKAGE.search(source)
        if match:
            return match[1]
    raise ValueError("the exercise's test files have no package clause")


# The TestMain compiled into every run: the exercise's own flags are pinned, the tests run,
# the alloc benchmarks are measured by the runtime, and one verdict line is signed (SipHash-2-4,
# which links no crypto/ package) with the run's key. Imports carry a per-run alias (gc<tag>).
_HARNESS = Template("""package ${package}

import (
\tgc${tag}flag "flag"
\tgc${tag}os "os"
\tgc${tag}strconv "strconv"
\tgc${tag}testing "testing"
)

func TestMain(m *gc${tag}testing.M) {
\tk0, k1 := uint64(${k0}), uint64(${k1})
\tsip := func(msg []byte) uint64 { // SipHash-2-4: a MAC without linking crypto/
\t\tv0, v1 := k0^0x736f6d6570736575, k1^0x646f72616e646f6d
\t\tv2, v3 := k0^0x6c7967656e657261, k1^0x7465646279746573
\t\trotl := func(x uint64, b uint) uint64 { return x<<b | x>>(64-b) }
\t\tround := func() {
\t\t\tv0 += v1
\t\t\tv1 = rotl(v1, 13) ^ v0
\t\t\tv0 = rotl(v0, 32)
\t\t\tv2 += v3
\t\t\tv3 = rotl(v3, 16) ^ v2
\t\t\tv0 += v3
\t\t\tv3 = rotl(v3, 21) ^ v0
\t\t\tv2 += v1
\t\t\tv1 = rotl(v1, 17) ^ v2
\t\t\tv2 = rotl(v2, 32)
\t\t}
\t\tn := len(msg)
\t\tfor ; len(msg) >= 8; msg = msg[8:] {
\t\t\tvar m uint64
\t\t\tfor i := 7; i >= 0; i-- {
\t\t\t\tm = m<<8 | uint64(msg[i])
\t\t\t}
\t\t\tv3 ^= m
\t\t\tround()
\t\t\tround()
\t\t\tv0 ^= m
\t\t}
\t\tb := uint64(n) << 56
\t\tfor i, c := range msg {
\t\t\tb |= uint64(c) << (8 * uint(i))
\t\t}
\t\tv3 ^= b
\t\tround()
\t\tround()
\t\tv0 ^= b
\t\tv2 ^= 0xff
\t\tround()
\t\tround()
\t\tround()
\t\tround()
\t\treturn v0 ^ v1 ^ v2 ^ v3
\t}
\twant := map[string]string{
${flag_lines}\t}
\tif !gc${tag}flag.Parsed() {
\t\tgc${tag}flag.Parse()
\t}
\tfor name, value := range want {
\t\t_ = gc${tag}flag.Set(name, value)
\t}
\tcode := m.Run()
\tstatus := "fail"
\tif code == 0 {
\t\tstatus = "pass"
\t}
\tfor name, value := range want {
\t\tif f := gc${tag}flag.Lookup(name); f != nil && f.Value.String() != value {
\t\t\tstatus, code = "tampered", 1
\t\t}
\t}
\tallocs := "-"
\tif status == "pass" {
\t\tallocs = ""
\t\tfor _, b := range []struct {
\t\t\tname string
\t\t\tfn   func(*gc${tag}testing.B)
\t\t}{
${bench_lines}\t\t} {
\t\t\tr := gc${tag}testing.Benchmark(b.fn)
\t\t\tn := int64(-1)
\t\t\tif r.N > 0 {
\t\t\t\tn = r.AllocsPerOp()
\t\t\t}
\t\t\tif allocs != "" {
\t\t\t\tallocs += ","
\t\t\t}
\t\t\tallocs += b.name + "=" + gc${tag}strconv.FormatInt(n, 10)
\t\t}
\t\tif allocs == "" {
\t\t\tallocs = "-"
\t\t}
\t}
\tdigest := gc${tag}strconv.FormatUint(sip([]byte(status+" "+allocs)), 16)
\tline := "\\n${verdict} " + status + " " + allocs + " " + digest + "\\n"
\tgc${tag}os.NewFile(1, "stdout").Write([]byte(line))
\tgc${tag}os.Exit(code)
}
""")


def make_harness(
    *, package: str, benchmarks: Sequence[str], benchtime: str, timeout: str
) -> Harness:
    """Generate the TestMain file for one run, with a fresh key and file name."""
    key = secrets.token_bytes(16)
    k0, k1 = struct.unpack("<QQ", key)
    tag = secrets.token_hex(6)
    flags = {**RUN_FLAGS, "test.benchtime": benchtime}
    flag_lines = "".join(f"\t\t{_go(k)}: {_go(v)},\n" for k, v in sorted(flags.items()))
    bench_lines = "".join(f"\t\t{{{_go(b)}, {b}}},\n" for b in benchmarks)
    source = _HARNESS.substitute(
        package=package, tag=tag, k0=f"{k0:#x}", k1=f"{k1:#x}", verdict=VERDICT,
        flag_lines=flag_lines, bench_lines=bench_lines,
    )
    return Harness(f"zz_gocoach_{tag}_test.go", source, key)


def _go(value: str) -> str:
    """A Go string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sign(key: bytes, status: str, allocs: str) -> str:
    """The MAC the harness prints for a status and an allocs field (SipHash-2-4, hex)."""
    return format(siphash24(key, f"{status} {allocs}".encode()), "x")


_MASK = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def siphash24(key: bytes, message: bytes) -> int:
    """SipHash-2-4 of `message` under a 16-byte key (a PRF: a MAC for short messages).

    The harness uses it instead of HMAC-SHA256 because linking crypto/ into every test
    binary cost ~0.2 s per submission.
    """
    k0, k1 = struct.unpack("<QQ", key)
    v: list[int] = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]  # fmt: skip

    def rounds(count: int) -> None:
        for _ in range(count):
            v[0] = (v[0] + v[1]) & _MASK
            v[1] = _rotl(v[1], 13) ^ v[0]
            v[0] = _rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & _MASK
            v[3] = _rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & _MASK
            v[3] = _rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & _MASK
            v[1] = _rotl(v[1], 17) ^ v[2]
            v[2] = _rotl(v[2], 32)

    whole = len(message) - len(message) % 8
    for offset in range(0, whole, 8):
        (m,) = struct.unpack_from("<Q", message, offset)
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    b = (len(message) & 0xFF) << 56
    for index, byte in enumerate(message[whole:]):
        b |= byte << (8 * index)
    v[3] ^= b
    rounds(2)
    v[0] ^= b
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def read_verdict(output: str, key: bytes) -> Verdict | None:
    """The authenticated verdict line in the run's output, or None (no valid line)."""
    found: Verdict | None = None
    for line in output.splitlines():
        match = _VERDICT_LINE.match(line.strip())
        if match is None:
            continue
        expected = sign(key, match["status"], match["allocs"])
        if not hmac.compare_digest(expected, match["mac"]):
            continue
        found = Verdict(match["status"], _allocs(match["allocs"]))
    return found


def _allocs(field: str) -> dict[str, int]:
    if field == "-":
        return {}
    pairs = (item.split("=", 1) for item in field.split(",") if "=" in item)
    return {name: int(value) for name, value in pairs}


def is_verdict_line(line: str) -> bool:
    """True for the harness's line (it is dropped from what the learner sees)."""
    return _VERDICT_LINE.match(line.strip()) is not None
