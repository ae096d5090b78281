"""Integrity check speed vs. bare parsing of the same lines, in the same run.

    python bench/bench_integrity.py --records 1000000 --repeat 3

Each measurement runs in its own child process so that its peak RSS is its
own. Prints the best-of-N time of the integrity check, of a bare
`orjson.loads` loop over the same JSONL lines (the floor: no check can avoid
parsing), their ratio, records per second and the peak RSS of each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from bench.common import best_of, orjson_baseline, run_child  # noqa: E402  (path above)
from bench.generate import write_records  # noqa: E402  (needs the path above)


def _child_check(path: Path) -> dict[str, float]:
    from opsguard import load_config
    from opsguard.integrity.check import check_integrity

    config = load_config(cwd=path.parent, environ={})
    started = time.perf_counter()
    result = check_integrity([path], config, cwd=path.parent)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "items": result.summary["records"],
        "findings": len(result.findings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--defect-rate", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, path = args.child
        run_child({"check": _child_check, "baseline": orjson_baseline}, kind, Path(path))
        return

    with tempfile.TemporaryDirectory(prefix="opsguard-bench-") as scratch:
        data = Path(scratch) / "records.jsonl"
        write_records(data, args.records, defect_rate=args.defect_rate, seed=7)
        size_mb = data.stat().st_size / 1e6
        baseline = best_of(__file__, "baseline", data, args.repeat)
        check = best_of(__file__, "check", data, args.repeat)

    ratio = check["seconds"] / baseline["seconds"]
    print(
        f"integrity bench: {args.records:,} records, {size_mb:.0f} MB JSONL, "
        f"defect rate {args.defect_rate:.1%}, best of {args.repeat}"
    )
    print(
        f"  orjson.loads baseline : {baseline['seconds']:7.3f} s  "
        f"{args.records / baseline['seconds'] / 1e6:5.2f} M rec/s  "
        f"peak RSS {baseline['maxrss_mb']:6.1f} MB"
    )
    print(
        f"  opsguard integrity    : {check['seconds']:7.3f} s  "
        f"{args.records / check['seconds'] / 1e6:5.2f} M rec/s  "
        f"peak RSS {check['maxrss_mb']:6.1f} MB  ({int(check['findings']):,} findings)"
    )
    print(f"  ratio check/baseline  : {ratio:.2f}x")


if __name__ == "__main__":
    main()
