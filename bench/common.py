"""What the parsing benchmarks share: the orjson floor, and measuring in child processes.

Each measurement runs in its own child process, so that the peak RSS it
reports is its own and one run's caches and garbage do not favour the next.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
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
