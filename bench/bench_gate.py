"""`opsguard gate` start-up vs. the smallest Python that could do its job, in the same run.

    python bench/bench_gate.py [--repeat 21]

`opsguard gate` on the bundled sample's results (written first by `opsguard
run` into a scratch directory) against `python -c 'import orjson'`: the
gate reads a few small JSON files, so its cost is start-up, and start-up is
what this measures (goal: <= 2.5x). Also printed: `opsguard --version`, the
floor of any `opsguard` command.
"""

from __future__ import annotations

import argparse
import statistics
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
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="opsguard-bench-") as scratch:
        results = Path(scratch) / "results"
        subprocess.run(
            [sys.executable, "-m", "opsguard", "run", "--checks", "integrity,privacy,retention",
             "--results-dir", str(results)],
            cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        commands = {
            "baseline": [sys.executable, "-c", "import orjson"],
            "version": [sys.executable, "-m", "opsguard", "--version"],
            "gate": [sys.executable, "-m", "opsguard", "gate", "--results-dir", str(results)],
        }
        # Round-robin, so that a slow spell of a shared machine falls on every command alike.
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, argv in commands.items():
                runs[name] += time_command(argv, repeat=1, cwd=REPO).runs
        baseline, version, ours = (statistics.median(runs[name]) for name in commands)

    print(f"gate bench: whole commands, round-robin, median of {args.repeat}")
    print(f"  python -c 'import orjson' : {baseline:6.3f} s")
    print(f"  opsguard --version        : {version:6.3f} s")
    print(f"  opsguard gate             : {ours:6.3f} s")
    print(f"  ratio gate/baseline       : {ours / baseline:.2f}x (goal <= 2.5)")


if __name__ == "__main__":
    main()
