"""The grader's own TestMain: a verdict the learner's code cannot forge by printing.

Learner code runs in the test process, so anything it prints can imitate `go test` output,
framing markers included. The verdict therefore does not come from the output. Each run adds
two generated files to the job folder:

- `zz_gocoach_harness_test.go`, a TestMain in the exercise's package that hands the run to
- `zzgocoach/verdict.go`, a package of the exercise's module (`<module>/zzgocoach`), which
  1. refuses to run unless the test binary's own `main` called TestMain (a solution's `init`
     calling `TestMain` with a fake `testing.M` gets a signed "tampered");
  2. resets the flags that choose what runs (`-test.run`, `-test.skip`, `-test.count`, …) after
     every `init` has run, and checks after `m.Run` that nobody changed them since;
  3. runs the alloc-limit benchmarks itself with `testing.Benchmark` once the tests passed, so
     allocs/op come from the runtime's counters, not from a printed line;
  4. prints one line `gocoach-verdict <status> <allocs> <mac>` where `mac` is SipHash-2-4 under
     a random per-run key.

The key is in neither file: the linker writes it into the package's unexported `key` variable
(`-ldflags=-X <module>/zzgocoach.key=…`), so both files are the same on every run. That keeps
the build cheap: the verdict package is compiled once into the build cache, and the exercise
package's export data does not change with the key, so `go test` reuses the compiled test
main too (a key in the source cost ~65–150 ms a submission). With `-trimpath` the linker flags
are not recorded in the binary's build info, and a solution may not import the verdict package
(submission.py refuses it).

The key never appears in the output, the binary is not readable by the slot uid (execute-only,
so the process is also not dumpable and its /proc/self/mem is closed), and `//go:embed` /
`//go:linkname` are refused. Printing, piping stdout, `os.Exit` in `init`, a goroutine or
`TestMain`, calling TestMain with a fake `testing.M`, rewriting files: none of these can make a
valid line saying `pass`. What remains is reading the key out of the process's own memory with
`unsafe` — the static check flags `unsafe`, and docs/exercises.md says so.
"""

from __future__ import annotations

import hmac
import re
import secrets
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

VERDICT = "gocoach-verdict"
VERDICT_PACKAGE = "zzgocoach"  # a folder of the job's module; solutions may not import it
HARNESS_FILE = "zz_gocoach_harness_test.go"
BENCHTIME = "500x"
_VERDICT_LINE = re.compile(
    rf"^{VERDICT} (?P<status>\w+) (?P<allocs>\S+) (?P<mac>[0-9a-f]{{1,16}})$"
)
_PACKAGE = re.compile(r"^package\s+(\w+)", re.MULTILINE)
_MODULE = re.compile(r"^module\s+(\S+)", re.MULTILINE)

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
    "test.benchtime": BENCHTIME,
}


@dataclass(frozen=True)
class Harness:
    """One run's generated files (the same every run), its key and the linker flag with it."""

    files: dict[str, str] = field(compare=False)
    key: bytes
    import_path: str  # of the verdict package, whose `key` the linker sets

    @property
    def file_name(self) -> str:
        """The TestMain file (in the exercise's package)."""
        return HARNESS_FILE

    @property
    def source(self) -> str:
        """The TestMain file's source."""
        return self.files[HARNESS_FILE]

    @property
    def link_flag(self) -> str:
        """`-X path.key=value`: the key goes into the binary at link time, not into a source."""
        k0, k1 = struct.unpack("<QQ", self.key)
        return f"-X={self.import_path}.key={k0:016x}{k1:016x}"


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


def module_of(go_mod: str) -> str:
    """The module path declared in a go.mod."""
    match = _MODULE.search(go_mod)
    if match is None:
        raise ValueError("the exercise's go.mod declares no module")
    return match[1].strip('"')


# The verdict package: the same source for every exercise and run (so it is compiled once per
# module into the build cache). SipHash-2-4 links no crypto/ package.
_VERDICT_SOURCE = """// Package zzgocoach runs the tests and prints a signed verdict.
package zzgocoach

import (
\t"flag"
\t"os"
\t"runtime"
\t"strconv"
\t"strings"
\t"testing"
)

// key is set per run by the linker (-X); 32 hex digits: k0 then k1.
var key string

var entered bool

// Benchmark is one alloc-limit benchmark of the exercise.
type Benchmark struct {
\tName string
\tF    func(*testing.B)
}

var want = map[string]string{
@FLAGS@}

// Main runs the tests of m, then the benchmarks, prints the verdict and exits.
func Main(m *testing.M, benchmarks []Benchmark) {
\tif len(key) != 32 {
\t\tos.Exit(3) // built without the key: no verdict at all
\t}
\tk0, err0 := strconv.ParseUint(key[:16], 16, 64)
\tk1, err1 := strconv.ParseUint(key[16:], 16, 64)
\tif err0 != nil || err1 != nil {
\t\tos.Exit(3)
\t}
\tif entered || !calledByTestMain() {
\t\tverdict(k0, k1, "tampered", "-")
\t\tos.Exit(1)
\t}
\tentered = true
\tif !flag.Parsed() {
\t\tflag.Parse()
\t}
\tfor name, value := range want {
\t\t_ = flag.Set(name, value)
\t}
\tcode := m.Run()
\tstatus := "fail"
\tif code == 0 {
\t\tstatus = "pass"
\t}
\tfor name, value := range want {
\t\tif f := flag.Lookup(name); f != nil && f.Value.String() != value {
\t\t\tstatus, code = "tampered", 1
\t\t}
\t}
\tallocs := "-"
\tif status == "pass" && len(benchmarks) > 0 {
\t\tparts := make([]string, 0, len(benchmarks))
\t\tfor _, b := range benchmarks {
\t\t\tr := testing.Benchmark(b.F)
\t\t\tn := int64(-1)
\t\t\tif r.N > 0 {
\t\t\t\tn = r.AllocsPerOp()
\t\t\t}
\t\t\tparts = append(parts, b.Name+"="+strconv.FormatInt(n, 10))
\t\t}
\t\tallocs = strings.Join(parts, ",")
\t}
\tverdict(k0, k1, status, allocs)
\tos.Exit(code)
}

// calledByTestMain: Main's caller is a TestMain that the test binary's main called.
func calledByTestMain() bool {
\tpcs := make([]uintptr, 2)
\tframes := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
\tcaller, more := frames.Next()
\tif !more || !strings.HasSuffix(caller.Function, ".TestMain") {
\t\treturn false
\t}
\tmain, _ := frames.Next()
\treturn main.Function == "main.main"
}

func verdict(k0, k1 uint64, status, allocs string) {
\tdigest := strconv.FormatUint(sip(k0, k1, []byte(status+" "+allocs)), 16)
\tline := "\\n@VERDICT@ " + status + " " + allocs + " " + digest + "\\n"
\tos.NewFile(1, "stdout").Write([]byte(line))
}

func rotl(x uint64, b uint) uint64 { return x<<b | x>>(64-b) }

// sip is SipHash-2-4: a MAC without linking crypto/.
func sip(k0, k1 uint64, msg []byte) uint64 {
\tv0, v1 := k0^0x736f6d6570736575, k1^0x646f72616e646f6d
\tv2, v3 := k0^0x6c7967656e657261, k1^0x7465646279746573
\tround := func() {
\t\tv0 += v1
\t\tv1 = rotl(v1, 13) ^ v0
\t\tv0 = rotl(v0, 32)
\t\tv2 += v3
\t\tv3 = rotl(v3, 16) ^ v2
\t\tv0 += v3
\t\tv3 = rotl(v3, 21) ^ v0
\t\tv2 += v1
\t\tv1 = rotl(v1, 17) ^ v2
\t\tv2 = rotl(v2, 32)
\t}
\tn := len(msg)
\tfor ; len(msg) >= 8; msg = msg[8:] {
\t\tvar m uint64
\t\tfor i := 7; i >= 0; i-- {
\t\t\tm = m<<8 | uint64(msg[i])
\t\t}
\t\tv3 ^= m
\t\tround()
\t\tround()
\t\tv0 ^= m
\t}
\tb := uint64(n) << 56
\tfor i, c := range msg {
\t\tb |= uint64(c) << (8 * uint(i))
\t}
\tv3 ^= b
\tround()
\tround()
\tv0 ^= b
\tv2 ^= 0xff
\tround()
\tround()
\tround()
\tround()
\treturn v0 ^ v1 ^ v2 ^ v3
}
"""

# The TestMain: the exercise's package hands the run to the verdict package. File-scope
# import names that a solution is unlikely to declare at package level.
_TEST_MAIN = """package @PACKAGE@

import (
\tzzgocoachtesting "testing"

\tzzgocoachverdict "@IMPORT@"
)

func TestMain(m *zzgocoachtesting.M) {
\tzzgocoachverdict.Main(m, []zzgocoachverdict.Benchmark{
@BENCHMARKS@\t})
}
"""


def make_harness(*, package: str, module: str, benchmarks: Sequence[str]) -> Harness:
    """The generated files for one run (the same for the same exercise) and a fresh key."""
    import_path = f"{module}/{VERDICT_PACKAGE}"
    flags = "".join(f"\t{_go(k)}: {_go(v)},\n" for k, v in sorted(RUN_FLAGS.items()))
    verdict = _VERDICT_SOURCE.replace("@FLAGS@", flags).replace("@VERDICT@", VERDICT)
    bench_lines = "".join(f"\t\t{{Name: {_go(b)}, F: {b}}},\n" for b in benchmarks)
    test_main = (_TEST_MAIN.replace("@PACKAGE@", package).replace("@IMPORT@", import_path)
                 .replace("@BENCHMARKS@", bench_lines))  # fmt: skip
    files = {HARNESS_FILE: test_main, f"{VERDICT_PACKAGE}/verdict.go": verdict}
    return Harness(files, secrets.token_bytes(16), import_path)


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
