"""The connector: the first process in a project's sandbox, and the harness's hands inside it.

A project binary runs in a network namespace that has loopback only, so nothing outside can
reach its port — the harness included. Instead of opening the namespace (setns needs
CAP_SYS_ADMIN in both namespaces' user namespaces: root only, and not from a threaded process
without a helper), a tiny Go program starts inside the sandbox, as the slot uid, and answers
requests over an inherited SOCK_SEQPACKET socket:

- `sockets N`: N fresh TCP sockets made *inside* the namespace, handed back with SCM_RIGHTS. A
  socket keeps the namespace it was made in, so the harness connects (or binds and listens)
  with them from its own process: its HTTP client reaches the program, and a site it serves
  on such a socket is reachable from the program — and nothing else is.
- `start`: run the learner's program with the stdin/stdout/stderr the harness sends (so every
  run has streams of its own) in the same sandbox, which keeps its /box between runs (a
  restart finds the data file the previous run wrote).
- `signal` and `wait`: SIGTERM the program, learn how it ended.

Measured here (bench/projects.py, docs/projects.md): opening a box up to the connector's first
reply ~9 ms, a request for 1 or 16 sockets 0.1–0.3 ms, a command run start to exit ~2 ms,
closing a box ~4 ms.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from pathlib import Path

from gocoach.practice.grading.runner import GradingSettings, build_env
from gocoach.practice.grading.sandbox import run_limited

CONNECTOR_IN_BOX = "/opt/gocoach/connector"
MAX_SOCKETS = 64

CONNECTOR_SOURCE = r"""// gocoach connector: see gocoach/projects/connector.py.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

type request struct {
	Op     string   `json:"op"`
	Count  int      `json:"count"`
	Argv   []string `json:"argv"`
	Env    []string `json:"env"`
	Signal int      `json:"signal"`
	WaitMS int      `json:"wait_ms"`
}

type reply struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	Exited bool   `json:"exited"`
	Code   int    `json:"code"`
	Signal int    `json:"signal"`
	Pid    int    `json:"pid"`
}

type child struct {
	cmd    *exec.Cmd
	done   chan struct{}
	status syscall.WaitStatus
}

func send(ctl int, r reply, fds []int) {
	data, _ := json.Marshal(r)
	var rights []byte
	if len(fds) > 0 {
		rights = syscall.UnixRights(fds...)
	}
	for {
		if err := syscall.Sendmsg(ctl, data, rights, nil, 0); err != syscall.EINTR {
			return
		}
	}
}

func received(oob []byte) []int {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, m := range msgs {
		if got, err := syscall.ParseUnixRights(&m); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

func sockets(count int) ([]int, error) {
	if count < 1 || count > 64 {
		return nil, fmt.Errorf("count %d out of 1..64", count)
	}
	var fds []int
	for i := 0; i < count; i++ {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			closeAll(fds)
			return nil, err
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

func start(req request, fds []int) (*child, error) {
	if len(fds) != 3 || len(req.Argv) == 0 {
		return nil, fmt.Errorf("start needs argv and 3 descriptors, got %d", len(fds))
	}
	cmd := exec.Command(req.Argv[0], req.Argv[1:]...)
	cmd.Env = req.Env
	cmd.Stdin = os.NewFile(uintptr(fds[0]), "stdin")
	cmd.Stdout = os.NewFile(uintptr(fds[1]), "stdout")
	cmd.Stderr = os.NewFile(uintptr(fds[2]), "stderr")
	err := cmd.Start()
	closeAll(fds)
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			c.status = ws
		}
		close(c.done)
	}()
	return c, nil
}

func ended(c *child) reply {
	r := reply{OK: true, Exited: true, Code: c.status.ExitStatus()}
	if c.status.Signaled() {
		r.Signal = int(c.status.Signal())
	}
	return r
}

func running(c *child) bool {
	if c == nil {
		return false
	}
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

func main() {
	ctl, err := strconv.Atoi(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	var current *child
	buf := make([]byte, 1<<16)
	oob := make([]byte, syscall.CmsgSpace(8*4))
	for {
		n, oobn, _, _, err := syscall.Recvmsg(ctl, buf, oob, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n == 0 {
			if running(current) {
				current.cmd.Process.Kill()
			}
			return
		}
		fds := received(oob[:oobn])
		var req request
		if err := json.Unmarshal(buf[:n], &req); err != nil {
			closeAll(fds)
			send(ctl, reply{Error: "bad request: " + err.Error()}, nil)
			continue
		}
		switch req.Op {
		case "sockets":
			closeAll(fds)
			made, err := sockets(req.Count)
			if err != nil {
				send(ctl, reply{Error: err.Error()}, nil)
				continue
			}
			send(ctl, reply{OK: true}, made)
			closeAll(made)
		case "start":
			if running(current) {
				closeAll(fds)
				send(ctl, reply{Error: "the program is still running"}, nil)
				continue
			}
			c, err := start(req, fds)
			if err != nil {
				send(ctl, reply{Error: err.Error()}, nil)
				continue
			}
			current = c
			send(ctl, reply{OK: true, Pid: c.cmd.Process.Pid}, nil)
		case "signal":
			closeAll(fds)
			if !running(current) {
				send(ctl, reply{Error: "the program is not running"}, nil)
				continue
			}
			current.cmd.Process.Signal(syscall.Signal(req.Signal))
			send(ctl, reply{OK: true}, nil)
		case "wait":
			closeAll(fds)
			if current == nil {
				send(ctl, reply{Error: "the program was never started"}, nil)
				continue
			}
			select {
			case <-current.done:
				send(ctl, ended(current), nil)
			case <-time.After(time.Duration(req.WaitMS) * time.Millisecond):
				send(ctl, reply{OK: true, Pid: current.cmd.Process.Pid}, nil)
			}
		default:
			closeAll(fds)
			send(ctl, reply{Error: "unknown op " + req.Op}, nil)
		}
	}
}
"""

_locks: dict[Path, threading.Lock] = {}
_guard = threading.Lock()


def connector_path(settings: GradingSettings) -> Path:
    """Where the connector binary for this source lives in the cache folder."""
    digest = hashlib.sha256(CONNECTOR_SOURCE.encode()).hexdigest()[:12]
    return settings.cache_dir / "bin" / f"gocoach-connector-{digest}"


def ensure_connector(settings: GradingSettings) -> Path:
    """Build the connector once per cache folder (trusted code: built outside the sandbox).

    Raises RuntimeError when the build fails.
    """
    target = connector_path(settings)
    with _guard:
        lock = _locks.setdefault(target, threading.Lock())
    with lock:
        if target.is_file():
            return target
        source = settings.cache_dir / "src" / f"connector-{uuid.uuid4().hex}"
        source.mkdir(parents=True)
        try:
            (source / "go.mod").write_text("module gocoach/connector\n\ngo 1.22\n")
            (source / "main.go").write_text(CONNECTOR_SOURCE)
            partial = target.with_suffix(f".{uuid.uuid4().hex}")
            target.parent.mkdir(parents=True, exist_ok=True)
            built = run_limited(
                [str(settings.go_root / "bin" / "go"), "build", "-trimpath",
                 "-ldflags=-s -w", "-o", str(partial), "."],
                env=build_env(settings, cgo=False), wall_seconds=settings.limits.build_seconds,
                output_bytes=settings.limits.output_bytes, cwd=source,
            )  # fmt: skip
            if built.returncode != 0 or not partial.is_file():
                partial.unlink(missing_ok=True)
                text = "stopped" if built.timed_out else built.output.decode(errors="replace")
                raise RuntimeError(f"building the project connector failed: {text[:2000]}")
            partial.chmod(0o755)
            os.replace(partial, target)
        finally:
            for path in sorted(source.rglob("*"), reverse=True):
                path.unlink(missing_ok=True)
            source.rmdir()
    return target
