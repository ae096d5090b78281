"""map_score_to_band accepts every real number a pipeline computes, and says why it refuses.

Pipelines compute scores with numpy: `np.float64` is a float subclass,
`np.float32` and `np.int64` are not, and none of them may be turned away as
"not a number" or filed as out of range.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from opsguard import map_score_to_band
from opsguard.core.errors import ScoreError
from opsguard.integrity.bands import as_real


class Score(float):
    """A float subclass, as numpy's float64 is."""


class Count(int):
    """An int subclass."""


class IntLike:
    """Integer-like through __index__ only, as numpy's int64 is."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (Score(57.3), "fair"),
        (Count(80), "excellent"),
        (IntLike(39), "poor"),
        (Fraction(161, 2), "excellent"),
        (Score(100.0), "excellent"),
    ],
)
def test_real_numbers_of_any_type_map_to_their_band(score: object, band: str) -> None:
    assert map_score_to_band(score) == band


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (True, "score must be a number, got bool"),
        ("57.3", "score must be a number, got str"),
        (Decimal("57.3"), "score must be a number, got Decimal"),
        (Score("nan"), "score must be a finite number, got nan"),
        (Score("inf"), "score must be a finite number, got inf"),
        (Score(100.5), "score 100.5 is outside the range [0, 100]"),
        (IntLike(-1), "score -1 is outside the range [0, 100]"),
        (IntLike(10**400), "score is too large to be a number"),
    ],
)
def test_a_refused_score_gets_its_true_reason(score: object, message: str) -> None:
    with pytest.raises(ScoreError) as info:
        map_score_to_band(score)
    assert str(info.value) == message


def test_as_real_gives_a_float() -> None:
    value = as_real(IntLike(7))
    assert value == 7.0 and type(value) is float


def test_numpy_scalars() -> None:
    np = pytest.importorskip("numpy", reason="numpy is installed by the test dependency group")

    assert map_score_to_band(np.float64(57.3)) == "fair"
    assert map_score_to_band(np.float32(57.3)) == "fair"
    assert map_score_to_band(np.int64(85)) == "excellent"
    assert map_score_to_band(np.uint8(12)) == "poor"
    with pytest.raises(ScoreError, match="must be a number, got bool"):
        map_score_to_band(np.bool_(True))
    with pytest.raises(ScoreError, match=r"score 104\.5 is outside the range \[0, 100\]"):
        map_score_to_band(np.float64(104.5))
