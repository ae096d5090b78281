"""core.values: a value reaches a message only in the shape its field expects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.core.values import describe, show, shown

BANDS = ("poor", "fair", "good", "excellent")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("jane.leak@example.org", "a 21-character string"),
        ("", "an empty string"),
        ("x", "a 1-character string"),
        (None, "null"),
        (True, "a boolean"),
        (58.4, "a number"),
        (7, "a number"),
        ({"a": 1}, "an object"),
        ([1], "an array"),
        (b"raw", "a value of type bytes"),
    ],
)
def test_describe_says_the_type_and_size_never_the_content(value: object, said: str) -> None:
    assert describe(value) == said


@pytest.mark.parametrize(
    ("value", "shape", "expected"),
    [
        ("2025-02-30", "date", "'2025-02-30'"),
        ("2025-8-1", "date", "'2025-8-1'"),
        ("2025-08-01T06:00Z", "date", "'2025-08-01T06:00Z'"),
        ("2025-08-01T06:00:00.5+02:00", "date", "'2025-08-01T06:00:00.5+02:00'"),
        ("jane.leak@example.org", "date", None),
        ("01/08/2025", "date", None),
        ("2025-08-01 and more", "date", None),
        ("v1.0.0.0", "version", "'v1.0.0.0'"),
        ("2.0.0-rc1", "version", "'2.0.0-rc1'"),
        ("1.0.post2.dev3", "version", "'1.0.post2.dev3'"),
        (" V1.2 ", "version", "' V1.2 '"),
        ("latest", "version", None),
        ("52.5200417,13.4049583", "version", None),
        ("1.0.0+jane.leak", "version", None),  # a local part may carry free text
        ("1!2.0", "version", None),
        ("good", "word", "'good'"),
        ("restingHeartRate=58.4419", "word", None),
        ("Good", "word", None),
        (38.0, "number", "38.0"),
        (-5, "number", "-5"),
        (10**17, "number", str(10**17)),
        (10**18, "number", None),
        (float("nan"), "number", None),
        (float("inf"), "number", None),
        (True, "number", None),
        ("50", "number", None),
        (5, "date", None),
        ("2025-08-01" + "x" * 40, "date", None),
    ],
)
def test_a_value_is_shown_only_in_its_expected_shape(
    value: object, shape: str, expected: str | None
) -> None:
    assert shown(value, shape, words=BANDS) == expected  # type: ignore[arg-type]
    assert show(value, shape, words=BANDS) == (expected or describe(value))  # type: ignore[arg-type]


def test_a_huge_integer_is_described_not_converted() -> None:
    # Past 4300 digits `str(int)` raises; a message must never try.
    assert show(10**5000, "number") == "a number"


@given(st.text(min_size=3), st.sampled_from(["date", "version", "word", "number"]))
def test_what_is_not_shown_never_appears_in_the_message(text: str, shape: str) -> None:
    said = show(text, shape, words=BANDS)  # type: ignore[arg-type]
    if shown(text, shape, words=BANDS) is None:  # type: ignore[arg-type]
        assert text not in said or text in describe(text)
        assert said == describe(text)
