"""`atomic_write_json`: `default=` as in `json.dump`, and numpy scalars as plain numbers.

numpy is not a dependency: the scalars are recognised by their look (`item()`
and `dtype`, `__index__`, a float subclass), so fakes with numpy's shape stand
in for it, and the real thing is tested where numpy happens to be installed.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard import atomic_write_json


class Float64(float):
    """numpy.float64's shape: a float subclass with `item()` and a `dtype`."""

    dtype = "float64"

    def item(self) -> float:
        return float(self)


class Int64:
    """numpy.int64's shape: not an int subclass, but `__index__`, `item()` and a `dtype`."""

    dtype = "int64"

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def item(self) -> int:
        return self.value


class Float32:
    """numpy.float32's shape: no float subclass, only `item()`, `__float__` and a `dtype`."""

    dtype = "float32"

    def __init__(self, value: float) -> None:
        self.value = value

    def __float__(self) -> float:
        return self.value

    def item(self) -> float:
        return self.value


class Bool:
    """numpy.bool_'s shape: `item()` gives a bool."""

    dtype = "bool"

    def item(self) -> bool:
        return True


class Index:
    """An exact integer of another kind: only `__index__`."""

    def __index__(self) -> int:
        return 12


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_numpy_shaped_scalars_are_written_as_plain_numbers(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    record = {
        "score": Float64(57.3),
        "steps": Int64(9000),
        "hrv": Float32(41.5),
        "flag": Bool(),
        "n": Index(),
    }

    atomic_write_json(target, record)

    assert _read(target) == {"score": 57.3, "steps": 9000, "hrv": 41.5, "flag": True, "n": 12}
    assert target.read_text(encoding="utf-8").endswith("}\n")


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**63), 2**63 - 1))
def test_scalars_round_trip_exactly(value: float, integer: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "x.json"
        atomic_write_json(target, [Float64(value), Int64(integer), Float32(value)])
        assert _read(target) == [value, integer, value]


def test_default_is_called_like_json_dumps_for_what_is_left(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    seen: list[type] = []

    def default(value: Any) -> Any:
        seen.append(type(value))
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, frozenset):
            return sorted(value)
        raise TypeError(f"cannot serialize {type(value).__name__}")

    atomic_write_json(
        target,
        {"tags": frozenset({"b", "a"}), "exact": Decimal("0.1"), "score": Float64(1.5)},
        default=default,
    )

    assert _read(target) == {"tags": ["a", "b"], "exact": "0.1", "score": 1.5}
    # numpy-shaped numbers never reach `default`; the others do, once each.
    assert sorted(t.__name__ for t in seen) == ["Decimal", "frozenset"]
    assert (
        json.dumps({"tags": frozenset({"b", "a"}), "exact": Decimal("0.1")}, default=default)
        == '{"tags": ["a", "b"], "exact": "0.1"}'
    )


@pytest.mark.parametrize("value", [Decimal("0.1"), object(), {1, 2}])
def test_what_nothing_can_serialize_raises_and_writes_nothing(tmp_path: Path, value: Any) -> None:
    target = tmp_path / "r.json"
    target.write_text('{"old": true}\n', encoding="utf-8")

    with pytest.raises(TypeError) as info:
        atomic_write_json(target, {"x": value})

    assert str(info.value).startswith("Type is not JSON serializable: ")
    assert str(info.value).endswith(type(value).__name__)
    assert target.read_text(encoding="utf-8") == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


class _Score(float):
    """A float subclass (numpy's float64 is one): orjson takes exact floats only."""


class _HasItem:
    """An `item()` method without a numpy `dtype`: not a numpy scalar."""

    def item(self) -> int:
        return 5


def test_a_float_subclass_is_written_as_its_number(tmp_path: Path) -> None:
    target = tmp_path / "r.json"

    atomic_write_json(target, {"score": _Score(57.25)})

    assert _read(target) == {"score": 57.25}


def test_an_item_method_alone_does_not_make_a_number(tmp_path: Path) -> None:
    target = tmp_path / "r.json"

    with pytest.raises(TypeError, match="Type is not JSON serializable: _HasItem"):
        atomic_write_json(target, {"x": _HasItem()})
    assert not target.exists()


def test_a_failing_default_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "r.json"

    def default(value: Any) -> Any:
        raise TypeError("no")

    with pytest.raises(TypeError):
        atomic_write_json(target, [object()], default=default)
    assert not target.exists()


def test_real_numpy_scalars_where_numpy_is_installed(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    target = tmp_path / "np.json"

    atomic_write_json(
        target,
        {
            "f64": np.float64(57.3),
            "f32": np.float32(0.5),
            "i64": np.int64(-3),
            "u8": np.uint8(200),
            "b": np.bool_(True),
            "nan": np.float64("nan"),
        },
    )

    data = _read(target)
    assert data["f64"] == 57.3 and data["f32"] == 0.5 and data["i64"] == -3
    assert data["u8"] == 200 and data["b"] is True
    assert data["nan"] is None or math.isnan(data["nan"])
