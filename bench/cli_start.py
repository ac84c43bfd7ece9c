"""CLI start-up: `gocoach --help` and `gocoach today` (with a plan) against `python -c pass`.

Targets (issue «House layout»): `--help` ≤ 0.20 s and `today` ≤ 0.35 s median on this machine.
The commands run interleaved, the order rotating every round, so a noisy moment hits all of them
alike. Bytecode is written first (a checkout's first run compiles every module once).

Each gocoach command is timed twice: as a user runs it (the default: through the CLI server that
the first call starts, cli/launch.py) and with GOCOACH_CLI_SERVER=off, where every call imports
what it needs from scratch (the first call of a session, or a user who turned the server off).
Also printed, as the floor no command that imports the database layer can go below: importing
SQLAlchemy's ORM and the table definitions alone. Prints figures and ratios; no assertions.

    .venv/bin/python bench/cli_start.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGETS = {"gocoach --help": 0.20, "gocoach today": 0.35}


def run(argv: list[str], env: dict[str, str]) -> float:
    """Wall-clock seconds of one run (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def wait_for_server(gocoach: str, env: dict[str, str]) -> None:
    """Let the server the first calls started finish its imports (one-time, not measured)."""
    probe = ("from gocoach.cli.launch import socket_path; import os; "
             "print(socket_path(os.environ))")
    path = Path(subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                               capture_output=True, text=True).stdout.strip())
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"CLI server: {'ready' if path.exists() else 'NOT started'} at {path}")


def stop_servers(runtime: Path) -> None:
    for lock in runtime.glob("gocoach/*.lock"):
        text = lock.read_text().strip()
        if text.isdigit():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(text), signal.SIGTERM)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = max(10, parser.parse_args().rounds)
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(GOCOACH_DATA_DIR=data, GOCOACH_GRADING_WARMUP="false", COLUMNS="120",
                   GOCOACH_CLI_SERVER="on", XDG_RUNTIME_DIR=str(Path(data) / "run"))
        (Path(data) / "run").mkdir(mode=0o700)
        off = dict(env, GOCOACH_CLI_SERVER="off")
        gocoach = str(BIN / "gocoach")
        subprocess.run([gocoach, "plan", "create", "senior-3-months", "--start", "2026-11-30"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            "gocoach --help": ([gocoach, "--help"], env),
            "gocoach today": ([gocoach, "today"], env),
            "gocoach --help (server off)": ([gocoach, "--help"], off),
            "gocoach today (server off)": ([gocoach, "today"], off),
            "floor: import ORM + tables": ([sys.executable, "-c", "import gocoach.store.tables"],
                                           env),
        }
        for argv, argv_env in commands.values():  # write bytecode, warm the page cache
            run(argv, argv_env)
        wait_for_server(gocoach, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        try:
            for round_ in range(rounds):
                shift = round_ % len(names)
                for name in names[shift:] + names[:shift]:
                    times[name].append(run(*commands[name]))
        finally:
            stop_servers(Path(data) / "run")
    base = statistics.median(times["python -c pass"])
    print(f"{rounds} interleaved rounds on {os.cpu_count()} cores\n")
    print(f"{'command':30} {'median':>8} {'p90':>8} {'vs python':>10} {'target':>8}")
    for name, values in times.items():
        values.sort()
        median, p90 = statistics.median(values), values[int(len(values) * 0.9) - 1]
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≤ {target:.2f} " + ("met" if median <= target
                                                                  else "MISSED")
        print(f"{name:30} {median:7.3f}s {p90:7.3f}s {median / base:9.1f}x  {verdict}")


if __name__ == "__main__":
    main()
