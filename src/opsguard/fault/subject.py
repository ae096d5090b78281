"""The writer under test as the harness calls it: its shape, its target and its payload.

Two targets (`fault.target`):

- `file`: `writer(path, data)`. The harness names the file; `data` is
  `bytes`, `str` or a record `dict` by the payload mode, so `atomic_write`,
  a `write_text`-style writer and a pipeline's `save_record(path, record)`
  all fit.
- `directory`: the configured function is a *factory*, `factory(directory)`,
  returning the writer: a callable `writer(data)`, or an object whose
  `write(data)` is the writer (a `RecordStore`). The writer chooses its file
  names; the harness watches every file it makes there (for the `json`
  payload, the `.json`/`.jsonl` files; otherwise every file whose name does
  not start with a dot or end like a temp file: `.tmp`, `.part`, `.new`,
  `~`). A factory, and not a store bound to the pipeline's own records
  folder, because the harness kills writes on purpose: it must write into a
  scratch directory of its own.

Whether the writer can be called so is checked before anything runs: the
signature (`inspect.signature(...).bind`) and one ordinary write of the
chosen payload, whose file must then hold what was written. A writer that
fails either is exit 2 with one line (it cannot be judged), not twenty
matrix failures.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.atomic import TEMP_PATTERN, atomic_write
from ..core.errors import OpsguardError
from ..core.files import printable
from .payloads import Payload
from .settings import TARGETS

__all__ = ["TARGETS", "Subject", "one_line", "prepare"]

_TEMP_ENDINGS = (".tmp", ".part", ".partial", ".new", "~")
_TARGET_NAMES = {"bytes": "target.bin", "text": "target.txt", "json": "target.json"}
_MESSAGE_ROOM = 300


@dataclass(frozen=True, slots=True)
class Subject:
    """A writer (or a factory of writers), the payload it is given, and where it writes."""

    function: Callable[..., object]
    payload: Payload
    target: str = "file"

    @property
    def target_name(self) -> str:
        """The file a `file` writer is given (named after the payload, like a real file)."""
        return _TARGET_NAMES.get(self.payload.name, "target.bin")

    def bind(self, directory: Path) -> Callable[[Any], object]:
        """A one-argument write into `directory`: the writer with its path, or the factory's."""
        if self.target == "file":
            path = str(directory / self.target_name)
            function = self.function
            return lambda value: function(path, value)
        return writer_of(self.function(directory))

    def is_output(self, name: str) -> bool:
        """True for a file name the writer produces (what the oracle and the reader judge)."""
        if self.target == "file":
            return name == self.target_name
        if name.startswith(".") or name.endswith(_TEMP_ENDINGS) or TEMP_PATTERN.match(name):
            return False
        suffixes = self.payload.suffixes
        return suffixes is None or name.endswith(suffixes)

    def outputs(self, directory: Path) -> dict[str, bytes]:
        """The writer's files in `directory` and their bytes (a file that vanished is left out)."""
        found: dict[str, bytes] = {}
        for name in sorted(os.listdir(directory)):
            if not self.is_output(name):
                continue
            path = directory / name
            if path.is_symlink() or not path.is_file():
                continue
            try:
                found[name] = path.read_bytes()
            except FileNotFoundError:
                continue
        return found

    def state(self, outputs: dict[str, bytes]) -> object:
        """The writer's files (`outputs`) as the payload compares them: names, canonical content."""
        if self.target == "file":
            return self.payload.canonical(outputs.get(self.target_name))
        return tuple((name, self.payload.canonical(data)) for name, data in outputs.items())

    def seed(self, directory: Path, value: Any) -> None:
        """Give `directory` its first content: written by the harness (file) or the writer."""
        if self.target == "file":
            atomic_write(directory / self.target_name, self.payload.encode(value), durable=False)
        else:
            self.bind(directory)(value)


def writer_of(made: object) -> Callable[[Any], object]:
    """The writer a factory returned: a callable, or an object's `write` method."""
    if callable(made):
        return made
    write = getattr(made, "write", None)
    if callable(write):
        return write  # type: ignore[no-any-return]
    raise OpsguardError(
        f"the factory returned a {type(made).__name__}, which is neither callable nor has a "
        "write method"
    )


def prepare(function: Callable[..., object], payload: Payload, target: str, shown: str) -> Subject:
    """The subject, once its signature fits and one ordinary write of `payload` worked.

    Raises `OpsguardError` (exit 2, one line) when the writer cannot be called
    with the chosen shape, raises on an ordinary write, or writes something
    other than what it was given.
    """
    if target not in TARGETS:
        raise OpsguardError(f"unknown fault target {target!r}; choose from {', '.join(TARGETS)}")
    sample = payload.version(-1, 0)
    if target == "directory" and inspect.ismethod(function) and function.__name__ == "write":
        # `mymodule:store.write`: a store made for the pipeline's own records folder, where a
        # harness that kills writes on purpose must never write.
        raise OpsguardError(
            f"writer {shown} is the write method of an object made for its own directory; "
            "name a factory(directory) that makes one, e.g. "
            "def open_store(directory): return RecordStore(directory, load_config())"
        )
    if target == "file":
        _check_call(function, ("PATH", sample), "writer(path, data)", shown, _file_hint)
    else:
        _check_call(function, (Path("DIRECTORY"),), "factory(directory)", shown, _factory_hint)
    subject = Subject(function, payload, target)
    _probe(subject, sample, shown)
    return subject


def _probe(subject: Subject, sample: Any, shown: str) -> None:
    import tempfile  # only here: the probe is the one place that needs a scratch of its own

    with tempfile.TemporaryDirectory(prefix="opsguard-fault-probe-") as scratch:
        directory = Path(scratch)
        if subject.target == "directory":
            try:
                made = subject.function(directory)
            except Exception as exc:
                raise OpsguardError(
                    f"writer {shown}: the factory raised {one_line(exc)} when given a directory"
                ) from None
            write = writer_of(made)
            _check_call(write, (sample,), "writer(data)", shown, _writer_hint)
        else:
            write = subject.bind(directory)
        try:
            write(sample)
        except Exception as exc:
            raise OpsguardError(
                f"writer {shown} failed on an ordinary write of a {subject.payload.name} payload: "
                f"{one_line(exc)}{_payload_hint(subject.payload.name, exc)}"
            ) from None
        outputs = subject.outputs(directory)
        if subject.target == "file":
            if not subject.payload.holds(outputs.get(subject.target_name), sample):
                raise OpsguardError(
                    f"writer {shown} returned, but the file it was given does not hold the "
                    f"{subject.payload.name} payload it was asked to write"
                )
            return
        if not outputs:
            kind = "a .json file" if subject.payload.suffixes else "a file"
            raise OpsguardError(f"writer {shown} returned without writing {kind} in its directory")
        if any(subject.payload.problem(data) is not None for data in outputs.values()):
            raise OpsguardError(
                f"writer {shown} returned, but a file it wrote does not hold the "
                f"{subject.payload.name} payload it was asked to write"
            )


def _check_call(
    function: Callable[..., object],
    args: tuple[object, ...],
    shape: str,
    shown: str,
    hint: Callable[[inspect.Signature], str],
) -> None:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return  # a builtin without a signature: the probe write will tell
    try:
        signature.bind(*args)
    except TypeError as exc:
        raise OpsguardError(
            f"writer {shown} cannot be called as {shape}: {exc}{hint(signature)}"
        ) from None


def _takes(signature: inspect.Signature, count: int) -> bool:
    try:
        signature.bind(*range(count))
    except TypeError:
        return False
    return True


def _file_hint(signature: inspect.Signature) -> str:
    if _takes(signature, 1):
        return (
            "; for a writer of one argument that names its own files (RecordStore.write), set "
            "fault.target = 'directory' and name a factory(directory) that returns it"
        )
    return ""


def _factory_hint(signature: inspect.Signature) -> str:
    if _takes(signature, 2):
        return "; a writer(path, data) is tested with fault.target = 'file'"
    return ""


def _writer_hint(signature: inspect.Signature) -> str:
    return "; the factory must return writer(data), or an object with write(data)"


def _payload_hint(mode: str, exc: BaseException) -> str:
    if not isinstance(exc, TypeError | AttributeError | UnicodeError | ValueError):
        return ""
    others = {"bytes": "text or json", "text": "bytes or json", "json": "bytes or text"}[mode]
    return f" (does it take another payload? --payload {others.replace(' or ', ' or --payload ')})"


def one_line(exc: BaseException) -> str:
    """`Type: message` on one printable line, cut to a few hundred characters."""
    text = printable(" ".join(f"{type(exc).__name__}: {exc}".split()))
    return text if len(text) <= _MESSAGE_ROOM else text[: _MESSAGE_ROOM - 3] + "..."
