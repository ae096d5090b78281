"""Typed summaries: frozen dataclasses whose fields are the summary's JSON keys, in order.

A check builds its summary as a `Summary` subclass (`IntegritySummary`, ...)
and every renderer reads it by attribute; the result file stays the same JSON
object, key for key, because `to_dict` walks the fields in declaration order.
A summary is also a read-only `Mapping` (`summary["failure_rate"]`), so code
that reads a result file's plain dict and code that reads a typed summary look
the same, and a typed summary equals the dict it serializes to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Self

__all__ = ["Summary"]


class Summary(Mapping[str, Any]):
    """Base of every typed summary (subclasses are `@dataclass(frozen=True, eq=False)`).

    `nested` names the fields holding another summary type (or a list of them),
    so that `from_dict` can rebuild them from a result file.
    """

    __slots__ = ()
    nested: ClassVar[Mapping[str, type[Summary]]] = {}

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from a result file's summary; a `KeyError`/`TypeError` if it does not fit."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            if field.name not in data:
                if field.default is not dataclasses.MISSING:
                    continue
                raise KeyError(field.name)
            value = data[field.name]
            kind = cls.nested.get(field.name)
            if kind is not None:
                value = (
                    [kind.from_dict(item) for item in value]
                    if isinstance(value, list)
                    else kind.from_dict(value)
                )
            values[field.name] = value
        return cls(**values)

    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return _plain(getattr(self, key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    if isinstance(value, Summary):
        return value.to_dict()
    if isinstance(value, list | tuple) and value and isinstance(value[0], Summary):
        return [_plain(item) for item in value]
    return value
