"""Self-checking file versions for the fault harness.

A crash test is only as good as its oracle: after a kill the harness must tell
"one complete version" from "empty", "truncated", "two versions mixed" and
"a version nobody wrote". Each version is therefore a one-line JSON header
(`trial`, `n`, `len`, `sha256` of the payload), a newline, and the payload.
Truncation breaks `len`, mixing breaks `sha256`, an empty file has no header,
and a version is regenerated from its header and compared byte for byte, so
even a well-formed file the writer never produced is caught.

Payloads come from a small pool built once from the seed (log-uniform sizes
from a few bytes to 1 MiB, random bytes): generating 1 MiB per write would
spend the child's time in the generator rather than in the writer under test.
With `text=True` (the `text` payload mode) the payload is UTF-8 text instead:
base64 characters ending in a few non-ASCII ones, so a writer that encodes
text in anything but UTF-8 is caught by the same digest.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import orjson

__all__ = ["MAX_PAYLOAD", "MIN_PAYLOAD", "VersionPool", "Writer", "fixed_version", "problem_of"]

Writer = Callable[[str, bytes], object]
"""A writer under test: `writer(path, data)` replaces the file at `path` with `data`."""

MIN_PAYLOAD = 4
MAX_PAYLOAD = 1 << 20
_POOL_SIZE = 16
_HEADER_KEYS = ("trial", "n", "len", "sha256")


@dataclass(frozen=True, slots=True)
class _Payload:
    data: bytes
    sha256: str


class VersionPool:
    """Deterministic versions `(trial, n)` of the one target file, for one seed."""

    def __init__(self, seed: int, *, text: bool = False) -> None:
        # S311: not cryptographic, a schedule that `--seed` must reproduce.
        rng = random.Random(f"opsguard-fault-payloads:{seed}")  # noqa: S311
        sizes = [MIN_PAYLOAD, MAX_PAYLOAD]
        low, high = math.log2(MIN_PAYLOAD), math.log2(MAX_PAYLOAD)
        sizes += [int(2 ** rng.uniform(low, high)) for _ in range(_POOL_SIZE - 2)]
        rng.shuffle(sizes)
        make = _text_bytes if text else _random_bytes
        self._payloads = tuple(
            _Payload(data, hashlib.sha256(data).hexdigest())
            for data in (make(rng, size) for size in sizes)
        )

    def version(self, trial: int, n: int) -> bytes:
        """Version `n` written in crash trial `trial` (trial -1 is the seed version)."""
        payload = self._payloads[(trial * 7 + n) % len(self._payloads)]
        header = orjson.dumps(
            {"trial": trial, "n": n, "len": len(payload.data), "sha256": payload.sha256}
        )
        return header + b"\n" + payload.data

    def incomplete(self, content: bytes | None, last_trial: int) -> str | None:
        """Why `content` is not one complete version up to trial `last_trial` (None if it is)."""
        if content is None:
            return "target missing"
        problem = problem_of(content)
        if problem is not None:
            return problem
        header = orjson.loads(content.partition(b"\n")[0])
        trial, n = header["trial"], header["n"]
        if not -1 <= trial <= last_trial or n < 0:
            return f"header names version ({trial}, {n}), which was never written"
        if content != self.version(trial, n):
            return f"bytes differ from version ({trial}, {n}) as written"
        return None


def problem_of(content: bytes) -> str | None:
    """What is wrong with `content` as a self-checking version, or None when it is one.

    Cheap enough for a reader's tight loop: one JSON header and one sha256.
    """
    if not content:
        return "empty file"
    head, newline, payload = content.partition(b"\n")
    if not newline:
        return f"no complete header line ({len(content)} bytes)"
    try:
        header = orjson.loads(head)
    except orjson.JSONDecodeError:
        return f"header is not JSON ({len(head)} bytes before the first newline)"
    if (
        not isinstance(header, dict)
        or tuple(header) != _HEADER_KEYS
        or not all(isinstance(header[k], int) for k in _HEADER_KEYS[:3])
        or not isinstance(header["sha256"], str)
    ):
        return "header is not a version header"
    expected = header["len"]
    if len(payload) < expected:
        return f"truncated: {len(payload)} of {expected} payload bytes"
    if len(payload) > expected:
        return f"{len(payload) - expected} bytes beyond the {expected} the header announces"
    if hashlib.sha256(payload).hexdigest() != header["sha256"]:
        return f"payload sha256 mismatch ({expected} bytes, mixed or damaged)"
    return None


def fixed_version(n: int, size: int, *, text: bool = False) -> bytes:
    """A version with a payload of exactly `size` bytes, numbered `n` in trial -2.

    For the error matrix and the strace runs, which need an old and a new
    content of a known small size rather than the crash trials' pool.
    """
    rng = random.Random(f"opsguard-fault-fixed:{n}:{size}")  # noqa: S311
    data = _text_bytes(rng, size) if text else rng.randbytes(size)
    header = orjson.dumps(
        {"trial": -2, "n": n, "len": size, "sha256": hashlib.sha256(data).hexdigest()}
    )
    return header + b"\n" + data


# Non-ASCII characters of 2 and 3 bytes in UTF-8: a writer must not write text as Latin-1.
_TEXT_TAIL = "é日".encode()


def _random_bytes(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(size)


def _text_bytes(rng: random.Random, size: int) -> bytes:
    """`size` bytes of UTF-8 text: base64 characters, then é and 日 when there is room."""
    tail = _TEXT_TAIL if size >= 2 * len(_TEXT_TAIL) else b""
    ascii_part = base64.b64encode(rng.randbytes(size)).replace(b"/", b"-")[: size - len(tail)]
    return ascii_part + tail
