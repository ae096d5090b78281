"""Cost of opsguard's crash-safe writes against a minimal hand-rolled one, in the same run.

    python bench/bench_atomic.py [--rounds N] [--dir DIR]

For a 1 KiB and a 1 MiB payload, per write (median over interleaved rounds):
- `atomic_write` (durable) vs. the bare protocol written inline (mkstemp-free
  temp + write + fsync + os.replace + directory fsync): the ratio is
  opsguard's overhead (target <= 1.15);
- a plain `open(path, "wb").write(data)` without fsync: what durability costs;
- 100 files written with `atomic_write_many` vs. 100 single `atomic_write`
  calls: what batching the directory fsyncs saves.
The runs are interleaved so that disk-cache drift hits every variant alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from opsguard.core.atomic import atomic_write, atomic_write_many

Writer = Callable[[Path, bytes], None]


def bare_protocol(path: Path, data: bytes) -> None:
    """The minimal durable replace, for comparison: no mode copy, no short-write loop."""
    temp = path.with_name(f".{path.name}.bench.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def plain_write(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)


def _median_per_write(
    writers: dict[str, Writer], directory: Path, data: bytes, rounds: int
) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in writers}
    for _ in range(rounds):
        for name, writer in writers.items():
            target = directory / f"{name}.bin"
            started = time.perf_counter()
            writer(target, data)
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def _batch_vs_single(directory: Path, rounds: int) -> tuple[float, float]:
    data = b"x" * 1024
    batch_dir, single_dir = directory / "batch", directory / "single"
    batch_dir.mkdir()
    single_dir.mkdir()
    batch, single = [], []
    for _ in range(rounds):
        items = [(batch_dir / f"{i}.json", data) for i in range(100)]
        started = time.perf_counter()
        atomic_write_many(items)
        batch.append(time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(100):
            atomic_write(single_dir / f"{i}.json", data)
        single.append(time.perf_counter() - started)
    return statistics.median(batch), statistics.median(single)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: cwd)")
    args = parser.parse_args()
    base = args.dir or Path.cwd()
    writers: dict[str, Writer] = {
        "atomic_write": atomic_write,
        "bare_protocol": bare_protocol,
        "plain_write": plain_write,
    }
    with tempfile.TemporaryDirectory(prefix=".opsguard-bench-", dir=base) as scratch:
        directory = Path(scratch)
        print(f"atomic-write bench in {base} ({args.rounds} interleaved rounds, medians)")
        for label, size in (("1 KiB", 1024), ("1 MiB", 1024 * 1024)):
            rounds = args.rounds if size <= 1024 else max(args.rounds // 4, 10)
            medians = _median_per_write(writers, directory, os.urandom(size), rounds)
            ours, bare, plain = (
                medians["atomic_write"],
                medians["bare_protocol"],
                medians["plain_write"],
            )
            print(
                f"  {label}: atomic_write {ours * 1e3:7.3f} ms | bare protocol {bare * 1e3:7.3f} ms"
                f" | plain write {plain * 1e3:7.3f} ms"
            )
            print(
                f"         ratio atomic_write/bare = {ours / bare:.2f}x (target <= 1.15); "
                f"durability costs {ours / plain:.1f}x a plain write"
            )
        batch, single = _batch_vs_single(directory, max(args.rounds // 20, 5))
        print(
            f"  100 x 1 KiB: atomic_write_many {batch * 1e3:7.1f} ms | 100 x atomic_write "
            f"{single * 1e3:7.1f} ms | batch/single = {batch / single:.2f}x"
        )


if __name__ == "__main__":
    main()
