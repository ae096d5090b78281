"""Deterministic record generator: N records as JSONL, with defects seeded at a chosen rate.

    python bench/generate.py --records 1000000 --defect-rate 0.01 --seed 7 out.jsonl

The same arguments always give the same bytes. Keys are unique apart from the
seeded duplicates: each day carries up to `VERSIONS_PER_DAY` records of
different schema versions, written in the three spellings a migration leaves
behind (`v2.0.0`, `2.0.0`, `2.0`).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import orjson

from opsguard import atomic_open, map_score_to_band

VERSIONS_PER_DAY = 50
LAST_DAY = date(2025, 8, 14)
DEFECTS = (
    "corrupt-json",
    "missing-field",
    "wrong-type",
    "invalid-date",
    "future-date",
    "invalid-schema-version",
    "score-out-of-range",
    "band-mismatch",
    "duplicate",
)


def generate_lines(n: int, *, defect_rate: float = 0.01, seed: int = 0) -> Iterator[bytes]:
    """Yield `n` JSONL lines (with newline); about `defect_rate * n` carry one seeded defect."""
    rng = random.Random(seed)
    days = -(-n // VERSIONS_PER_DAY)
    first_day = LAST_DAY - timedelta(days=days - 1)
    previous: dict[str, object] | None = None
    for i in range(n):
        day = first_day + timedelta(days=i // VERSIONS_PER_DAY)
        major = i % VERSIONS_PER_DAY + 1
        style = (f"v{major}.0.0", f"{major}.0.0", f"{major}.0")[i % 3]
        score = round(rng.uniform(0.0, 100.0), 1)
        record: dict[str, object] = {
            "date": day.isoformat(),
            "schema_version": style,
            "score": score,
            "band": map_score_to_band(score),
            "components": {"sleep": round(rng.random(), 2), "recovery": round(rng.random(), 2)},
        }
        if rng.random() < defect_rate:
            line = _with_defect(record, rng.choice(DEFECTS), previous)
        else:
            line = orjson.dumps(record)
        previous = record
        yield line + b"\n"


def _with_defect(
    record: dict[str, object], defect: str, previous: dict[str, object] | None
) -> bytes:
    if defect == "corrupt-json":
        return orjson.dumps(record)[:-7]
    if defect == "missing-field":
        del record["band"]
    elif defect == "wrong-type":
        record["score"] = str(record["score"])
    elif defect == "invalid-date":
        record["date"] = str(record["date"])[:8] + "32"
    elif defect == "future-date":
        record["date"] = "2999-01-01"
    elif defect == "invalid-schema-version":
        record["schema_version"] = "latest"
    elif defect == "score-out-of-range":
        record["score"] = 100.5
        record["band"] = "excellent"
    elif defect == "band-mismatch":
        record["band"] = "excellent" if record["band"] == "poor" else "poor"
    elif defect == "duplicate" and previous is not None:
        # The same day and version as the previous record, spelled differently.
        record = {**previous, "schema_version": "v" + str(previous["schema_version"]).lstrip("v")}
    return orjson.dumps(record)


def write_records(path: Path, n: int, *, defect_rate: float, seed: int) -> None:
    with atomic_open(path) as out:
        for line in generate_lines(n, defect_rate=defect_rate, seed=seed):
            out.write(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--defect-rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_records(args.out, args.records, defect_rate=args.defect_rate, seed=args.seed)


if __name__ == "__main__":
    main()
