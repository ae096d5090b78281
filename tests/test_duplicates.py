"""The duplicate guard: migration safety and the three scopes."""

from __future__ import annotations

import pytest

from opsguard import DuplicateGuard, InvalidSchemaVersion, Origin
from opsguard.integrity.duplicates import DUPLICATE_SCOPES

DAY = "2025-08-01"
OTHER_DAY = "2025-08-02"


def test_scopes() -> None:
    assert set(DUPLICATE_SCOPES) == {"version", "major", "date"}
    assert DuplicateGuard().scope == "version"


def test_migration_respelling_is_caught_with_default_scope() -> None:
    guard = DuplicateGuard()
    first = Origin("data/records/2025-08-01.json", 1)
    assert guard.add(DAY, "v1.0.0", first) is None
    for line, spelling in enumerate(["1.0.0", "1.0", "1", " V1.0.0 "], start=2):
        found = guard.add(DAY, spelling, Origin("data/records/migrated.jsonl", line))
        assert found is first, spelling
        assert str(found) == "data/records/2025-08-01.json:1"
    assert len(guard) == 1


def test_origin_str() -> None:
    assert str(Origin("a.json", 3)) == "a.json:3"
    assert str(Origin("a.json", None)) == "a.json"


def test_distinct_versions_are_not_duplicates_with_version_scope() -> None:
    guard = DuplicateGuard("version")
    assert guard.add(DAY, "v1.0.0", Origin("a.json", 1)) is None
    assert guard.add(DAY, "2.0.0", Origin("b.json", 1)) is None
    assert guard.add(DAY, "1.0.1", Origin("c.json", 1)) is None
    assert guard.add(DAY, "1.0.0rc1", Origin("d.json", 1)) is None
    assert len(guard) == 4


def test_date_scope_ignores_the_version() -> None:
    guard = DuplicateGuard("date")
    first = Origin("a.json", 1)
    assert guard.add(DAY, "v1.0.0", first) is None
    found = guard.add(DAY, "2.0.0", Origin("b.json", 7))
    assert found is first
    assert str(found) == "a.json:1"


def test_major_scope() -> None:
    guard = DuplicateGuard("major")
    first = Origin("a.json", 1)
    assert guard.add(DAY, "1.0.0", first) is None
    assert guard.add(DAY, "1.4.2", Origin("b.json", 2)) is first
    assert guard.add(DAY, "v1", Origin("c.json", 3)) is first
    assert guard.add(DAY, "2.0.0", Origin("d.json", 4)) is None
    assert len(guard) == 2


@pytest.mark.parametrize("scope", DUPLICATE_SCOPES)
def test_different_dates_never_collide(scope: str) -> None:
    guard = DuplicateGuard(scope)  # type: ignore[arg-type]
    assert guard.add(DAY, "1.0.0", Origin("a.json", 1)) is None
    assert guard.add(OTHER_DAY, "1.0.0", Origin("a.json", 2)) is None
    assert guard.add("2024-08-01", "v1", Origin("a.json", 3)) is None
    assert len(guard) == 3


def test_find_does_not_remember() -> None:
    guard = DuplicateGuard()
    assert guard.find(DAY, "1.0.0") is None
    assert guard.find(DAY, "1.0.0") is None
    assert len(guard) == 0
    first = Origin("a.json", 1)
    assert guard.add(DAY, "1.0.0", first) is None
    assert guard.find(DAY, "v1") is first
    assert guard.find(DAY, "2.0.0") is None
    assert guard.find(OTHER_DAY, "1.0.0") is None
    assert len(guard) == 1


def test_add_key_matches_add() -> None:
    guard = DuplicateGuard()
    first = Origin("a.json", 1)
    assert guard.add_key(guard.key(DAY, "v1.0"), first) is None
    assert guard.add(DAY, "1", Origin("b.json", 1)) is first


@pytest.mark.parametrize("scope", ["version", "major"])
@pytest.mark.parametrize("version", ["latest", "", "1.0.0.0", None, 1])
def test_invalid_version_raises_when_scope_needs_it(scope: str, version: object) -> None:
    guard = DuplicateGuard(scope)  # type: ignore[arg-type]
    with pytest.raises(InvalidSchemaVersion):
        guard.add(DAY, version, Origin("a.json", 1))
    with pytest.raises(InvalidSchemaVersion):
        guard.find(DAY, version)
    assert len(guard) == 0


@pytest.mark.parametrize("version", ["latest", "", "1.0.0.0", None, 1])
def test_invalid_version_is_fine_with_date_scope(version: object) -> None:
    guard = DuplicateGuard("date")
    first = Origin("a.json", 1)
    assert guard.add(DAY, version, first) is None
    assert guard.add(DAY, "1.0.0", Origin("b.json", 1)) is first
    assert len(guard) == 1


@pytest.mark.parametrize("scope", ["", "Version", "day", "minor", "all"])
def test_unknown_scope_raises_value_error(scope: str) -> None:
    with pytest.raises(ValueError, match="duplicate scope must be one of"):
        DuplicateGuard(scope)  # type: ignore[arg-type]


def test_len_counts_distinct_keys() -> None:
    guard = DuplicateGuard()
    assert len(guard) == 0
    guard.add(DAY, "1.0.0", Origin("a.json", 1))
    guard.add(DAY, "v1", Origin("a.json", 2))
    assert len(guard) == 1
    guard.add(DAY, "2.0.0", Origin("a.json", 3))
    guard.add(OTHER_DAY, "1.0.0", Origin("a.json", 4))
    guard.add(OTHER_DAY, "1.0", Origin("a.json", 5))
    assert len(guard) == 3


def test_the_same_origin_object_added_twice_is_still_a_duplicate() -> None:
    guard = DuplicateGuard()
    origin = Origin("a.json", 1)

    assert guard.add("2025-08-01", "1.0.0", origin) is None
    assert guard.add("2025-08-01", "v1", origin) == origin


@pytest.mark.parametrize("scope", ["version", "major"])
def test_a_key_without_a_version_is_refused_where_the_scope_needs_one(scope: str) -> None:
    guard = DuplicateGuard(scope)  # type: ignore[arg-type]

    with pytest.raises(ValueError) as caught:
        guard.key_of_normalized(DAY, None)

    assert str(caught.value) == f"scope {scope!r} needs a schema version"
    assert DuplicateGuard("date").key_of_normalized(DAY, None) == (DAY, None)
