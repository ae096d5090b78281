"""`opsguard gate` start-up vs. the smallest Python that could do its job, in the same run.

    python bench/bench_gate.py [--repeat 9]

`opsguard gate` on the bundled sample's results (written first by `opsguard
run` into a scratch directory) against `python -c 'import orjson'`: the
gate reads a few small JSON files, so its cost is start-up, and start-up is
what this measures (goal: <= 2.5x). Also printed: `opsguard --version`, the
floor of any `opsguard` command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(REPO))

from bench.common import time_command  # noqa: E402  (path above)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="opsguard-bench-") as scratch:
        results = Path(scratch) / "results"
        subprocess.run(
            [sys.executable, "-m", "opsguard", "run", "--checks", "integrity,privacy,retention",
             "--results-dir", str(results)],
            cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        gate = [sys.executable, "-m", "opsguard", "gate", "--results-dir", str(results)]
        baseline = time_command([sys.executable, "-c", "import orjson"], repeat=args.repeat)
        version = time_command([sys.executable, "-m", "opsguard", "--version"], repeat=args.repeat)
        ours = time_command(gate, repeat=args.repeat, cwd=REPO)

    print(f"gate bench: whole commands, median of {args.repeat}")
    print(f"  python -c 'import orjson' : {baseline.seconds:6.3f} s")
    print(f"  opsguard --version        : {version.seconds:6.3f} s")
    print(f"  opsguard gate             : {ours.seconds:6.3f} s")
    print(f"  ratio gate/baseline       : {ours.seconds / baseline.seconds:.2f}x (goal <= 2.5)")


if __name__ == "__main__":
    main()
