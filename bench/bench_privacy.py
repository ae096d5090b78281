"""Privacy as a user runs it vs. a bare parse of the same file, in the same run.

    python bench/bench_privacy.py --size-mb 200 --repeat 3

Generates about SIZE_MB of telemetry JSONL (pipeline events with nested
objects and arrays, a few error messages in free text, and 1% leaking lines:
nested Garmin metric keys, coordinates, emails, tokens, `rhr=52` text), then
times two whole commands, from process start to exit with their output read
through a pipe, medians of `--repeat` runs:

- the floor: `python -c` running a bare `orjson.loads` loop over the lines;
- `opsguard privacy FILE` (denylist mode: start-up, the scan, the terminal
  view, the result file);

and prints both, their ratio (goal <= 2.0; stretch < 1.0, by never parsing
a line the prefilter proves clean), MB/s and peak RSS. `--data FILE` reuses
a generated file (`--keep FILE` writes one). If `detect-secrets` is
installed (on PATH), its time is printed beside ours on the first
COMPARE_MB of the same file (it needs about 36 s for 15 MB).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from opsguard import atomic_open

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ORJSON_COMMAND, Timing, time_command

_EVENTS = ("auto_run", "fetch", "ingest", "score", "write", "upload")
_ENDPOINTS = (
    "/wellness-service/wellness/dailySummary",
    "/hrv-service/hrv",
    "/wellness-service/wellness/dailySleepData",
    "/userstats-service/wellness/daily",
)
_ERRORS = (
    "read timed out after 30 s",
    "HTTP 429 Too Many Requests: retry after 60 s",
    "connection reset by peer",
)
_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.YmVuY2gtc2lnbmF0dXJl"


def _leak(rng: random.Random, event: dict[str, object]) -> None:
    kind = rng.randrange(8)
    if kind == 0:
        event["payload"] = {"endpoint": _ENDPOINTS[0], "restingHeartRate": rng.randint(45, 70)}
    elif kind == 1:
        event["metrics"] = {"hrv_ms": rng.randint(20, 90), "sleep_ms": 0}
    elif kind == 2:
        event["activity"] = {"startLatitude": 52.3731, "startLongitude": 4.8922}
    elif kind == 3:
        event["msg"] = "synced for runner.person@example.org"
    elif kind == 4:
        event["msg"] = f"fetched rhr={rng.randint(45, 70)} spo2={rng.randint(90, 99)}"
    elif kind == 5:
        event["auth"] = {"oauth_token": "bench0123456789abcdef"}
    elif kind == 6:
        event["hrvSummary"] = {"weeklyAvg": 44, "lastNightAvg": rng.randint(20, 90)}
    else:
        event["headers"] = {"x-trace": f"Bearer {_JWT}"}


def generate_lines(size_bytes: int, *, leak_rate: float = 0.01, seed: int = 7) -> Iterator[bytes]:
    """JSONL telemetry lines (with newline) until about `size_bytes`; `leak_rate` of them leak."""
    rng = random.Random(seed)
    written = 0
    second = 0
    while written < size_bytes:
        second += rng.randint(1, 30)
        event_name = _EVENTS[second % len(_EVENTS)]
        event: dict[str, object] = {
            "ts": f"2025-08-{1 + second // 86400 % 28:02d}T{second // 3600 % 24:02d}:"
            f"{second // 60 % 60:02d}:{second % 60:02d}Z",
            "event": event_name,
            "status": "ok" if rng.random() < 0.95 else "retry",
            "duration_ms": rng.randint(5, 5000),
            "records_written": rng.randint(0, 3),
            "steps_completed": rng.randint(1, 6),
            "retry": {"attempts": rng.randint(1, 3), "sleep_ms": rng.choice((0, 100, 200, 400))},
            "run_id": f"{rng.getrandbits(48):012x}",
            "host": f"worker-{rng.randint(1, 4)}",
            "version": "1.4.2",
        }
        if event_name == "fetch":
            event["payload"] = {
                "endpoint": rng.choice(_ENDPOINTS),
                "http_status": 200,
                "bytes": rng.randint(200, 90_000),
            }
        elif event_name == "write":
            event["files"] = [
                {"name": f"2025-08-{d:02d}.json", "bytes": rng.randint(100, 400)}
                for d in range(1, rng.randint(2, 4))
            ]
        if rng.random() < 0.02:
            event["error"] = {"type": "TimeoutError", "message": rng.choice(_ERRORS)}
        if rng.random() < leak_rate:
            _leak(rng, event)
        line = orjson.dumps(event) + b"\n"
        written += len(line)
        yield line


def write_telemetry(path: Path, size_mb: float, *, leak_rate: float, seed: int) -> None:
    with atomic_open(path, durable=False) as out:
        out.writelines(generate_lines(int(size_mb * 1e6), leak_rate=leak_rate, seed=seed))


def _opsguard() -> list[str]:
    """The command a user runs: the `opsguard` script beside this Python, else `-m opsguard`."""
    script = Path(sys.executable).parent / "opsguard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "opsguard"]


def _detect_secrets(path: Path) -> tuple[float, int, int]:
    """detect-secrets on `path`: seconds, secrets found, lines they are on."""
    executable = shutil.which("detect-secrets") or "detect-secrets"
    started = time.perf_counter()
    completed = subprocess.run(
        [executable, "scan", "--all-files", str(path)],
        check=True,
        capture_output=True,
        cwd=path.parent,
    )
    seconds = time.perf_counter() - started
    report = orjson.loads(completed.stdout)
    found = sum(len(v) for v in report.get("results", {}).values())
    lines = len({(f, s["line_number"]) for f, v in report.get("results", {}).items() for s in v})
    return seconds, found, lines


def _prefix(source: Path, target: Path, size_mb: float) -> None:
    budget = int(size_mb * 1e6)
    with source.open("rb") as fh, atomic_open(target, durable=False) as out:
        for line in fh:
            if budget <= 0:
                break
            out.write(line)
            budget -= len(line)


def _scan(data: Path, scratch: Path, repeat: int) -> tuple[Timing, dict[str, Any]]:
    """`opsguard privacy DATA` timed as a whole command, and the summary it wrote."""
    results = scratch / "results"
    command = [*_opsguard(), "privacy", str(data), "--results-dir", str(results)]
    timing = time_command(command, repeat=repeat, cwd=scratch, ok=(0, 1))
    summary: dict[str, Any] = orjson.loads((results / "privacy.json").read_bytes())["summary"]
    return timing, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200.0)
    parser.add_argument("--leak-rate", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare-mb", type=float, default=15.0)
    parser.add_argument("--data", type=Path, help="reuse this telemetry file (no generation)")
    parser.add_argument("--keep", type=Path, help="also keep the generated file here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="opsguard-bench-") as name:
        scratch = Path(name)
        data = args.data or scratch / "telemetry.jsonl"
        if args.data is None:
            write_telemetry(data, args.size_mb, leak_rate=args.leak_rate, seed=7)
            if args.keep:
                shutil.copyfile(data, args.keep)
        size_mb = data.stat().st_size / 1e6
        baseline = time_command(
            [sys.executable, "-c", ORJSON_COMMAND, str(data)], repeat=args.repeat
        )
        check, summary = _scan(data, scratch, args.repeat)
        comparison = None
        if shutil.which("detect-secrets"):
            part = scratch / "prefix" / "telemetry.jsonl"
            part.parent.mkdir()
            _prefix(data, part, args.compare_mb)
            ours, part_summary = _scan(part, scratch, args.repeat)
            comparison = (part.stat().st_size / 1e6, _detect_secrets(part), ours, part_summary)

    ratio = check.seconds / baseline.seconds
    print(
        f"privacy bench: {summary['lines']:,} lines, {size_mb:.0f} MB JSONL, leak rate "
        f"{args.leak_rate:.1%}; whole commands, median of {args.repeat}"
    )
    print(
        f"  python -c orjson.loads loop : {baseline.seconds:7.3f} s  "
        f"{size_mb / baseline.seconds:6.1f} MB/s  peak RSS {baseline.maxrss_mb:6.1f} MB"
    )
    print(
        f"  opsguard privacy FILE       : {check.seconds:7.3f} s  "
        f"{size_mb / check.seconds:6.1f} MB/s  peak RSS {check.maxrss_mb:6.1f} MB  "
        f"({summary['violations']:,} violations on {summary['violating_lines']:,} lines)"
    )
    print(f"  ratio privacy/baseline      : {ratio:.2f}x (goal <= 2.00, stretch < 1.00)")
    if comparison is None:
        print("  detect-secrets              : not installed (pip install detect-secrets)")
    else:
        part_mb, (seconds, found, lines), ours, part_summary = comparison
        print(
            f"  on the first {part_mb:.0f} MB: detect-secrets {seconds:.2f} s "
            f"({found} secrets on {lines} lines), opsguard privacy {ours.seconds:.2f} s "
            f"({part_summary['violations']} violations on {part_summary['violating_lines']} lines)"
        )


if __name__ == "__main__":
    main()
