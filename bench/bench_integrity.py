"""Integrity as a user runs it vs. a bare parse of the same file, in the same run.

    python bench/bench_integrity.py --records 700000 --repeat 3

Both sides are whole commands, timed from process start to exit with their
output read through a pipe: `opsguard integrity FILE` over the whole window
(start-up, the check, the remediation plan it prints when there are
findings, the terminal view, the result file) against `python -c` running
a bare `orjson.loads` loop over the same JSONL lines (the floor: no check
can avoid starting Python and parsing). Medians of `--repeat` runs; the
printed ratio is the figure `nox -s bench` reports (goal: <= 2.0, peak RSS
<= 150 MiB at 1M records).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from bench.common import ORJSON_COMMAND, time_command  # noqa: E402  (path above)
from bench.generate import write_records  # noqa: E402  (needs the path above)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=700_000)
    parser.add_argument("--defect-rate", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="opsguard-bench-") as scratch:
        data = Path(scratch) / "records.jsonl"
        write_records(data, args.records, defect_rate=args.defect_rate, seed=7)
        size_mb = data.stat().st_size / 1e6
        # The whole window: the generated days reach back decades (50 versions a day).
        command = [
            sys.executable, "-m", "opsguard", "integrity", str(data),
            "--window-days", "36500", "--results-dir", str(Path(scratch) / "results"),
        ]  # fmt: skip
        baseline = time_command(
            [sys.executable, "-c", ORJSON_COMMAND, str(data)], repeat=args.repeat
        )
        check = time_command(command, repeat=args.repeat, cwd=Path(scratch), ok=(0, 1))

    ratio = check.seconds / baseline.seconds
    print(
        f"integrity bench: {args.records:,} records, {size_mb:.0f} MB JSONL, "
        f"defect rate {args.defect_rate:.1%}, whole commands, median of {args.repeat}"
    )
    print(
        f"  python -c orjson.loads loop : {baseline.seconds:7.3f} s  "
        f"peak RSS {baseline.maxrss_mb:6.1f} MiB"
    )
    print(
        f"  opsguard integrity          : {check.seconds:7.3f} s  "
        f"peak RSS {check.maxrss_mb:6.1f} MiB"
    )
    print(f"  ratio                       : {ratio:.2f}x (goal <= 2.0)")


if __name__ == "__main__":
    main()
