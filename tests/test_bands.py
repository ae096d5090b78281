"""The one score -> band mapping: default boundaries, custom tables, validation, single source."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard import DEFAULT_BANDS, Band, BandTable, BandTableError, ScoreError, map_score_to_band
from opsguard.core.errors import ConfigError

DEFAULT_NAMES = ("poor", "fair", "good", "excellent")
_QUOTED_NAME = re.compile(r"""(["'])(?:poor|fair|good|excellent)\1""", re.IGNORECASE)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "poor"),
        (0.0, "poor"),
        (-0.0, "poor"),
        (39.999, "poor"),
        (math.nextafter(40.0, 0.0), "poor"),
        (40, "fair"),
        (40.0, "fair"),
        (59.999, "fair"),
        (60, "good"),
        (60.0, "good"),
        (79.999, "good"),
        (80, "excellent"),
        (80.0, "excellent"),
        (99.999, "excellent"),
        (100, "excellent"),
        (100.0, "excellent"),
    ],
)
def test_default_band_boundaries(score: float, expected: str) -> None:
    assert map_score_to_band(score) == expected
    assert map_score_to_band(score, DEFAULT_BANDS) == expected


def test_default_table_shape() -> None:
    assert DEFAULT_BANDS.names == DEFAULT_NAMES
    assert (DEFAULT_BANDS.score_min, DEFAULT_BANDS.score_max) == (0.0, 100.0)


@pytest.mark.parametrize(
    "score",
    [
        -0.001,
        -1,
        100.001,
        101,
        math.nextafter(100.0, math.inf),
        float("nan"),
        float("inf"),
        float("-inf"),
        True,
        False,
        "50",
        None,
        [50],
        10**400,
        -(10**400),
    ],
    ids=repr,
)
def test_invalid_scores_raise_score_error(score: object) -> None:
    with pytest.raises(ScoreError) as exc_info:
        map_score_to_band(score)
    assert isinstance(exc_info.value, ValueError)
    assert "\n" not in str(exc_info.value)


def _three_bands() -> BandTable:
    # Deliberately given out of order: build sorts by lower bound.
    return BandTable.build(
        [Band("high", 7, 10), Band("low", 0, 3), Band("mid", 3, 7)], score_min=0, score_max=10
    )


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "low"), (2.5, "low"), (3, "mid"), (6.99, "mid"), (7, "high"), (9.5, "high"), (10, "high")],
)
def test_custom_table_is_honoured(score: float, expected: str) -> None:
    table = _three_bands()
    assert table.names == ("low", "mid", "high")
    assert map_score_to_band(score, table) == expected


@pytest.mark.parametrize("score", [-0.5, 10.001, 50, 100])
def test_custom_table_range_is_enforced(score: float) -> None:
    with pytest.raises(ScoreError, match="outside the range"):
        map_score_to_band(score, _three_bands())


def test_custom_table_with_offset_range() -> None:
    table = BandTable.build([Band("lo", -5, 5), Band("hi", 5, 15)], score_min=-5, score_max=15)
    assert map_score_to_band(-5, table) == "lo"
    assert map_score_to_band(4.9, table) == "lo"
    assert map_score_to_band(5, table) == "hi"
    assert map_score_to_band(15, table) == "hi"


def test_plain_list_of_bands_is_accepted() -> None:
    bands = [Band("low", 0, 50), Band("high", 50, 100)]
    assert map_score_to_band(0, bands) == "low"
    assert map_score_to_band(49.9, bands) == "low"
    assert map_score_to_band(50, bands) == "high"
    assert map_score_to_band(100, bands) == "high"
    assert map_score_to_band(75, tuple(bands)) == "high"


def test_plain_list_of_bands_is_validated() -> None:
    with pytest.raises(BandTableError, match="gap"):
        map_score_to_band(50, [Band("low", 0, 40), Band("high", 50, 100)])


@pytest.mark.parametrize(
    ("bands", "score_range", "message"),
    [
        pytest.param(
            [Band("a", 0, 40), Band("b", 50, 100)],
            (0, 100),
            r"gap between bands 'a' and 'b'",
            id="gap",
        ),
        pytest.param(
            [Band("a", 0, 60), Band("b", 50, 100)], (0, 100), r"'a' and 'b' overlap", id="overlap"
        ),
        pytest.param(
            [Band("a", 0, 50), Band("a", 50, 100)], (0, 100), r"'a' is used twice", id="duplicate"
        ),
        pytest.param(
            [Band("", 0, 50), Band("b", 50, 100)], (0, 100), r"non-empty string", id="empty-name"
        ),
        pytest.param(
            [Band("   ", 0, 50), Band("b", 50, 100)], (0, 100), r"non-empty", id="blank-name"
        ),
        pytest.param([], (0, 100), r"band table is empty", id="empty-table"),
        pytest.param([Band("a", 10, 50), Band("b", 50, 100)], (0, 100), r"start at 10", id="start"),
        pytest.param([Band("a", 0, 50), Band("b", 50, 90)], (0, 100), r"end at 90", id="end"),
        pytest.param(
            [Band("a", 0, 50), Band("b", 50, 110)], (0, 100), r"end at 110", id="end-beyond"
        ),
        pytest.param(
            [Band("a", 0, 50), Band("b", 50, 50), Band("c", 50, 100)],
            (0, 100),
            r"'b': min 50 must be below max 50",
            id="min-equals-max",
        ),
        pytest.param(
            [Band("a", 0, 50), Band("b", 100, 50)],
            (0, 100),
            r"'b': min 100 must be below max 50",
            id="min-above-max",
        ),
        pytest.param(
            [Band("a", 0, float("nan")), Band("b", 50, 100)], (0, 100), r"finite", id="nan-bound"
        ),
        pytest.param(
            [Band("a", 0, 50), Band("b", 50, float("inf"))], (0, 100), r"finite", id="inf-bound"
        ),
        pytest.param(
            [Band("a", 0, 50), Band("b", 50, 100)],
            (100, 100),
            r"score min 100 must be below score max 100",
            id="score-min-equals-max",
        ),
        pytest.param(
            [Band("a", 0, 50), Band("b", 50, 100)],
            (100, 0),
            r"score min 100 must be below score max 0",
            id="score-min-above-max",
        ),
        pytest.param(
            [Band("a", 0, 50), Band("b", 50, 100)],
            (float("nan"), 100),
            r"score min must be a finite number",
            id="score-min-nan",
        ),
    ],
)
def test_invalid_tables_are_refused(
    bands: list[Band], score_range: tuple[float, float], message: str
) -> None:
    with pytest.raises(BandTableError, match=message) as exc_info:
        BandTable.build(bands, score_min=score_range[0], score_max=score_range[1])
    assert isinstance(exc_info.value, ConfigError)
    assert "\n" not in str(exc_info.value)


# --- properties ------------------------------------------------------------------------------

_scores = st.one_of(
    st.floats(min_value=0.0, max_value=100.0),
    st.integers(min_value=0, max_value=100),
    st.sampled_from([0.0, 40.0, 60.0, 80.0, 100.0]).flatmap(
        lambda b: st.sampled_from(
            [v for v in (math.nextafter(b, -1.0), b, math.nextafter(b, 101.0)) if 0 <= v <= 100]
        )
    ),
)


@given(_scores)
def test_band_is_the_unique_containing_default_band(score: float) -> None:
    containing = [b.name for b in DEFAULT_BANDS.bands if b.min <= score < b.max]
    if score == DEFAULT_BANDS.score_max:
        assert containing == []
        containing = [DEFAULT_BANDS.bands[-1].name]
    assert len(containing) == 1
    assert map_score_to_band(score) == containing[0]


@given(_scores, _scores)
def test_bands_are_monotonic(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert DEFAULT_NAMES.index(map_score_to_band(low)) <= DEFAULT_NAMES.index(
        map_score_to_band(high)
    )


# --- single source ---------------------------------------------------------------------------


def _band_name_literals(source: Path) -> list[tuple[int, str]]:
    """Band names in `source`: as whole string constants, or quoted anywhere in the text."""
    text = source.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(source))
    quoted = [
        (lineno, match.group(0))
        for lineno, line in enumerate(text.splitlines(), start=1)
        for match in _QUOTED_NAME.finditer(line)
    ]
    return quoted + [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip().lower() in DEFAULT_NAMES
    ]


def test_band_names_live_only_in_bands_module(repo: Path) -> None:
    package = repo / "src" / "opsguard"
    bands = package / "integrity" / "bands.py"
    sources = sorted(p for p in package.rglob("*.py") if p != bands)
    assert package / "integrity" / "check.py" in sources
    offenders = {
        str(path.relative_to(repo)): found
        for path in sources
        if (found := _band_name_literals(path))
    }
    assert offenders == {}
    # The checker itself must see the literals where they do belong.
    assert {name.strip("'\"") for _, name in _band_name_literals(bands)} == set(DEFAULT_NAMES)
