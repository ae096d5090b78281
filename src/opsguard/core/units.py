"""Quantities for people: byte counts, counted nouns."""

from __future__ import annotations

__all__ = ["human_bytes", "plural"]


def human_bytes(size: int) -> str:
    """A byte count for people: `512 B`, `7.8 KiB`, `1.2 GiB`."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def plural(n: int, noun: str) -> str:
    """`1 file`, `2 files`: a count with its noun (regular plurals only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
