"""The one mapping from a readiness score to its band.

Every part of opsguard (and of a pipeline using it) that needs a band calls
`map_score_to_band`; no other module holds band thresholds, so a band can
never drift from its score. A band includes its lower bound and excludes its
upper bound, except the top band, which also includes the top of the range.
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TypeGuard, cast

from ..core.errors import BandTableError, ScoreError

__all__ = ["DEFAULT_BANDS", "Band", "BandTable", "as_real", "is_real", "map_score_to_band"]


def _is_number(value: object) -> TypeGuard[int | float]:
    # bool is an int subclass, but True is never a score.
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Band:
    """A named half-open score interval `[min, max)`."""

    name: str
    min: float
    max: float


@dataclass(frozen=True, slots=True)
class BandTable:
    """A validated, contiguous set of bands covering `[score_min, score_max]`.

    Build it with `BandTable.build`, which refuses gaps, overlaps, empty or
    duplicate names and bands that do not cover the score range.
    """

    bands: tuple[Band, ...]
    score_min: float
    score_max: float
    _lower_bounds: tuple[float, ...]
    _names: tuple[str, ...]

    @classmethod
    def build(
        cls, bands: Sequence[Band], score_min: float = 0.0, score_max: float = 100.0
    ) -> BandTable:
        for bound, label in ((score_min, "score min"), (score_max, "score max")):
            if not _is_number(bound) or not math.isfinite(bound):
                raise BandTableError(f"{label} must be a finite number, got {bound!r}")
        if score_min >= score_max:
            raise BandTableError(f"score min {score_min} must be below score max {score_max}")
        if not bands:
            raise BandTableError("the band table is empty")
        names: set[str] = set()
        for band in bands:
            if not isinstance(band.name, str) or not band.name.strip():
                raise BandTableError(f"band name must be a non-empty string, got {band.name!r}")
            if band.name in names:
                raise BandTableError(f"band name {band.name!r} is used twice")
            names.add(band.name)
            for bound in (band.min, band.max):
                if not _is_number(bound) or not math.isfinite(bound):
                    raise BandTableError(
                        f"band {band.name!r}: bounds must be finite numbers, got {bound!r}"
                    )
            if band.min >= band.max:
                raise BandTableError(
                    f"band {band.name!r}: min {band.min} must be below max {band.max}"
                )
        ordered = sorted(bands, key=lambda b: b.min)
        if ordered[0].min != score_min:
            raise BandTableError(
                f"bands start at {ordered[0].min} but the score range starts at {score_min}"
            )
        for lower, upper in pairwise(ordered):
            if lower.max > upper.min:
                raise BandTableError(
                    f"bands {lower.name!r} and {upper.name!r} overlap "
                    f"({lower.name!r} ends at {lower.max}, {upper.name!r} starts at {upper.min})"
                )
            if lower.max < upper.min:
                raise BandTableError(
                    f"gap between bands {lower.name!r} and {upper.name!r} "
                    f"(from {lower.max} to {upper.min})"
                )
        if ordered[-1].max != score_max:
            raise BandTableError(
                f"bands end at {ordered[-1].max} but the score range ends at {score_max}"
            )
        return cls(
            bands=tuple(ordered),
            score_min=float(score_min),
            score_max=float(score_max),
            _lower_bounds=tuple(float(b.min) for b in ordered),
            _names=tuple(b.name for b in ordered),
        )

    @property
    def names(self) -> tuple[str, ...]:
        return self._names


DEFAULT_BANDS = BandTable.build(
    (
        Band("poor", 0.0, 40.0),
        Band("fair", 40.0, 60.0),
        Band("good", 60.0, 80.0),
        Band("excellent", 80.0, 100.0),
    ),
    score_min=0.0,
    score_max=100.0,
)


def map_score_to_band(score: object, bands: BandTable | Sequence[Band] | None = None) -> str:
    """Return the name of the band that `score` falls in.

    `bands` is a `BandTable` (as held by the configuration), a sequence of
    `Band` over the default 0-100 range (validated on every call; build a
    `BandTable` once for hot loops), or `None` for the default bands.

    A score is any real number that is not a bool: `int`, `float`, their
    subclasses, and other numbers such as numpy's `float64`, `float32` or
    `int64` (anything registered as `numbers.Real`, or integer-like through
    `__index__`). Raises `ScoreError`, saying which, for booleans, strings and
    other non-numbers, NaN, infinities and scores outside the table's range.
    """
    if bands is None:
        table = DEFAULT_BANDS
    elif isinstance(bands, BandTable):
        table = bands
    else:
        table = BandTable.build(bands)
    kind = type(score)
    # Hot path (integrity runs it per record): exact int/float types only, so
    # bool never passes; NaN fails both comparisons and infinities are out of range.
    value = cast(float, score) if kind is float or kind is int else as_real(score)
    if table.score_min <= value <= table.score_max:
        return table._names[bisect_right(table._lower_bounds, value) - 1]
    raise _score_error(value, table)


def as_real(score: object) -> float:
    """`score` as a float if it is a real number (not a bool), else a `ScoreError` saying why.

    The slow path of `map_score_to_band`, and what any code that accepts a score
    from Python (not JSON) uses: numpy scalars and other `numbers.Real` count.
    """
    if not is_real(score):
        raise ScoreError(f"score must be a number, got {type(score).__name__}")
    try:
        return float(score)  # type: ignore[arg-type]  # Real or __index__, checked above
    except OverflowError:
        raise ScoreError("score is too large to be a number") from None


def is_real(score: object) -> bool:
    """Whether `score` is a real number that is not a bool (what a score may be)."""
    return not isinstance(score, bool) and (
        isinstance(score, numbers.Real) or hasattr(type(score), "__index__")
    )


def _score_error(value: float, table: BandTable) -> ScoreError:
    try:
        value = float(value)  # an int past the float range is not a score either
    except OverflowError:
        return ScoreError("score is too large to be a number")
    if math.isnan(value) or math.isinf(value):
        return ScoreError(f"score must be a finite number, got {value}")
    return ScoreError(
        f"score {value:g} is outside the range [{table.score_min:g}, {table.score_max:g}]"
    )
