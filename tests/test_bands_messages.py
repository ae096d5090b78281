"""The exact words of every band error: a user fixes a band table or a score from them alone.

`test_bands.py` checks which inputs are refused; this module checks what the
refusal says (`BandTableError` surfaces as a configuration error, `ScoreError`
reaches library users of `map_score_to_band`), and what a built table holds.
"""

from __future__ import annotations

import math

import pytest

from opsguard import Band, BandTable, BandTableError, ScoreError, map_score_to_band

THREE = [Band("c", 20, 30), Band("a", 0, 10), Band("b", 10, 20)]


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("50", "score must be a number, got str"),
        (None, "score must be a number, got NoneType"),
        (True, "score must be a number, got bool"),
        ([50], "score must be a number, got list"),
        (10**400, "score is too large to be a number"),
        (-(10**400), "score is too large to be a number"),
        (math.nan, "score must be a finite number, got nan"),
        (math.inf, "score must be a finite number, got inf"),
        (-math.inf, "score must be a finite number, got -inf"),
        (101, "score 101 is outside the range [0, 100]"),
        (-0.25, "score -0.25 is outside the range [0, 100]"),
        (10**300, "score 1e+300 is outside the range [0, 100]"),
    ],
    ids=repr,
)
def test_score_error_messages(score: object, message: str) -> None:
    with pytest.raises(ScoreError) as caught:
        map_score_to_band(score)

    assert str(caught.value) == message


def test_a_custom_range_is_named_in_the_message() -> None:
    table = BandTable.build(THREE, score_min=0, score_max=30)

    with pytest.raises(ScoreError) as caught:
        map_score_to_band(30.5, table)

    assert str(caught.value) == "score 30.5 is outside the range [0, 30]"


@pytest.mark.parametrize(
    ("bands", "score_range", "message"),
    [
        (THREE, (math.nan, 30), "score min must be a finite number, got nan"),
        (THREE, (0, math.inf), "score max must be a finite number, got inf"),
        (THREE, (0, "30"), "score max must be a finite number, got '30'"),
        (THREE, (30, 30), "score min 30 must be below score max 30"),
        ([], (0, 100), "the band table is empty"),
        ([Band("", 0, 100)], (0, 100), "band name must be a non-empty string, got ''"),
        ([Band(None, 0, 100)], (0, 100), "band name must be a non-empty string, got None"),  # type: ignore[arg-type]
        ([Band("a", 0, 50), Band("a", 50, 100)], (0, 100), "band name 'a' is used twice"),
        ([Band("a", 0, math.nan)], (0, 100), "band 'a': bounds must be finite numbers, got nan"),
        (
            [Band("a", -math.inf, 100)],
            (0, 100),
            "band 'a': bounds must be finite numbers, got -inf",
        ),
        ([Band("a", 0, 0)], (0, 100), "band 'a': min 0 must be below max 0"),
        (THREE, (5, 30), "bands start at 0 but the score range starts at 5"),
        (THREE, (0, 100), "bands end at 30 but the score range ends at 100"),
        (
            [Band("a", 0, 15), Band("b", 10, 20), Band("c", 20, 30)],
            (0, 30),
            "bands 'a' and 'b' overlap ('a' ends at 15, 'b' starts at 10)",
        ),
        (
            [Band("a", 0, 10), Band("b", 12, 20), Band("c", 20, 30)],
            (0, 30),
            "gap between bands 'a' and 'b' (from 10 to 12)",
        ),
    ],
)
def test_band_table_error_messages(
    bands: list[Band], score_range: tuple[float, float], message: str
) -> None:
    with pytest.raises(BandTableError) as caught:
        BandTable.build(bands, score_min=score_range[0], score_max=score_range[1])

    assert str(caught.value) == message


def test_a_built_table_holds_its_bands_in_order() -> None:
    table = BandTable.build(THREE, score_min=0, score_max=30)

    assert table.bands == (Band("a", 0, 10), Band("b", 10, 20), Band("c", 20, 30))
    assert table.names == ("a", "b", "c")
    assert (table.score_min, table.score_max) == (0.0, 30.0)
    assert isinstance(table.score_min, float)
    assert isinstance(table.score_max, float)
