"""What the benchmarks share: the orjson floor, and measuring whole commands.

Each measurement runs in its own child process, so that the peak RSS it
reports is its own and one run's caches and garbage do not favour the next.
`time_command` times a whole command as a user runs it (process start,
imports, output), which is what the ratios in `nox -s bench` compare.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

Child = Callable[[Path], dict[str, float]]


def orjson_baseline(path: Path) -> dict[str, float]:
    """A bare `orjson.loads` loop over the file's lines: the floor no JSONL check can beat."""
    loads = orjson.loads
    started = time.perf_counter()
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            try:  # noqa: SIM105  (contextlib.suppress would slow the baseline we divide by)
                loads(line)
            except orjson.JSONDecodeError:
                pass
            count += 1
    return {"seconds": time.perf_counter() - started, "lines": count}


def run_child(children: Mapping[str, Child], kind: str, path: Path) -> None:
    """In the child: run one measurement and print its figures, with peak RSS, as JSON."""
    figures = children[kind](path)
    figures.setdefault("maxrss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    sys.stdout.write(orjson.dumps(figures).decode())


def best_of(script: str, kind: str, path: Path, repeat: int) -> dict[str, float]:
    """The fastest of `repeat` child runs of `script --child KIND PATH`."""
    runs = []
    for _ in range(repeat):
        completed = subprocess.run(
            [sys.executable, script, "--child", kind, str(path)], check=True, capture_output=True
        )
        runs.append(orjson.loads(completed.stdout))
    best: dict[str, float] = min(runs, key=lambda figures: float(figures["seconds"]))
    return best


# The floor for a JSONL check as a whole command: start Python, import orjson, parse.
ORJSON_COMMAND = (
    "import orjson, sys\n"
    "loads = orjson.loads\n"
    "with open(sys.argv[1], 'rb') as fh:\n"
    "    for line in fh:\n"
    "        try:\n"
    "            loads(line)\n"
    "        except orjson.JSONDecodeError:\n"
    "            pass\n"
)


@dataclass(frozen=True)
class Timing:
    """The median wall time of a whole command over its runs, and its largest peak RSS."""

    seconds: float
    maxrss_mb: float
    runs: tuple[float, ...]


def time_command(
    argv: Sequence[str], *, repeat: int, cwd: Path | None = None, ok: Sequence[int] = (0,)
) -> Timing:
    """Run `argv` `repeat` times (stdout and stderr to a pipe, read as a caller would)."""
    runs: list[float] = []
    peak = 0.0
    # An installed package has its bytecode compiled (pip does it at install); with
    # PYTHONDONTWRITEBYTECODE set, a source checkout would compile every module on every
    # start and the ratio would measure the compiler. The first run writes the cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for _ in range(repeat):
        started = time.perf_counter()
        # One pipe for both streams (read to the end, as a caller would), then wait4 for
        # this child's own peak RSS: Popen.wait would reap it without its rusage.
        child = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        out = child.stdout.read() if child.stdout is not None else b""
        _, status, usage = os.wait4(child.pid, 0)
        runs.append(time.perf_counter() - started)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in ok:
            raise SystemExit(f"{argv[0]} exited {child.returncode}: {out[-300:]!r}")
        peak = max(peak, usage.ru_maxrss / 1024)
    return Timing(statistics.median(runs), peak, tuple(runs))
