"""Privacy scan speed vs. bare parsing of the same lines, in the same run.

    python bench/bench_privacy.py --size-mb 200 --repeat 3

Generates about SIZE_MB of telemetry JSONL (pipeline events with nested
objects and arrays, a few error messages in free text, and 1% leaking lines:
nested Garmin metric keys, coordinates, emails, tokens, `rhr=52` text), then
measures, each in its own child process so that peak RSS is its own:

- the floor: a bare `orjson.loads` loop over the file's lines;
- `opsguard privacy` (the check, denylist mode) on the same file;

and prints the best-of-N times, their ratio (target <= 2.0), MB/s and peak
RSS of each. If `detect-secrets` is installed (on PATH), its time is printed
beside ours on the first COMPARE_MB of the same file (it needs about 36 s for
15 MB; on 200 MB it would run for minutes), with what each tool found.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson

from opsguard import atomic_open

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import best_of, orjson_baseline, run_child

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


def write_telemetry(path: Path, size_mb: float, *, leak_rate: float, seed: int) -> int:
    lines = 0
    with atomic_open(path, durable=False) as out:
        for line in generate_lines(int(size_mb * 1e6), leak_rate=leak_rate, seed=seed):
            out.write(line)
            lines += 1
    return lines


def _child_check(path: Path) -> dict[str, float]:
    from opsguard import load_config
    from opsguard.privacy.check import check_privacy

    config = load_config(cwd=path.parent, environ={})
    started = time.perf_counter()
    result = check_privacy([path], config, cwd=path.parent)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "lines": result.summary["lines"],
        "violations": result.summary["violations"],
        "violating_lines": result.summary["violating_lines"],
    }


def _child_detect_secrets(path: Path) -> dict[str, float]:
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
    # Its own peak RSS, not this wrapper's: detect-secrets ran as a child of this process.
    maxrss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "violations": found,
        "violating_lines": lines,
        "maxrss_mb": maxrss_mb,
    }


_CHILDREN = {
    "baseline": orjson_baseline,
    "check": _child_check,
    "detect-secrets": _child_detect_secrets,
}


def _prefix(source: Path, target: Path, size_mb: float) -> None:
    budget = int(size_mb * 1e6)
    with source.open("rb") as fh, atomic_open(target, durable=False) as out:
        for line in fh:
            if budget <= 0:
                break
            out.write(line)
            budget -= len(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200.0)
    parser.add_argument("--leak-rate", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare-mb", type=float, default=15.0)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, path = args.child
        run_child(_CHILDREN, kind, Path(path))
        return

    with tempfile.TemporaryDirectory(prefix="opsguard-bench-") as scratch:
        data = Path(scratch) / "telemetry.jsonl"
        lines = write_telemetry(data, args.size_mb, leak_rate=args.leak_rate, seed=7)
        size_mb = data.stat().st_size / 1e6
        baseline = best_of(__file__, "baseline", data, args.repeat)
        check = best_of(__file__, "check", data, args.repeat)
        comparison = None
        if shutil.which("detect-secrets"):
            part = Path(scratch) / "prefix" / "telemetry.jsonl"
            part.parent.mkdir()
            _prefix(data, part, args.compare_mb)
            comparison = (
                part.stat().st_size / 1e6,
                best_of(__file__, "detect-secrets", part, 1),
                best_of(__file__, "check", part, args.repeat),
            )

    ratio = check["seconds"] / baseline["seconds"]
    print(
        f"privacy bench: {lines:,} lines, {size_mb:.0f} MB JSONL, "
        f"leak rate {args.leak_rate:.1%}, best of {args.repeat}"
    )
    print(
        f"  orjson.loads baseline : {baseline['seconds']:7.3f} s  "
        f"{size_mb / baseline['seconds']:6.1f} MB/s  peak RSS {baseline['maxrss_mb']:6.1f} MB"
    )
    print(
        f"  opsguard privacy      : {check['seconds']:7.3f} s  "
        f"{size_mb / check['seconds']:6.1f} MB/s  peak RSS {check['maxrss_mb']:6.1f} MB  "
        f"({int(check['violations']):,} violations on {int(check['violating_lines']):,} lines)"
    )
    print(f"  ratio check/baseline  : {ratio:.2f}x (target <= 2.00)")
    if comparison is None:
        print("  detect-secrets        : not installed (pip install detect-secrets to compare)")
    else:
        part_mb, theirs, ours = comparison
        print(
            f"  on the first {part_mb:.0f} MB: detect-secrets {theirs['seconds']:.2f} s "
            f"({int(theirs['violations'])} secrets on {int(theirs['violating_lines'])} lines), "
            f"opsguard privacy {ours['seconds']:.2f} s "
            f"({int(ours['violations'])} violations on {int(ours['violating_lines'])} lines)"
        )


if __name__ == "__main__":
    main()
