"""Files as every guard reads them: discovery, printable names, the BOM, JSON positions.

- `discover_files` expands the paths a user names into the files to read,
  in sorted order, never following a symlinked directory.
- `printable` and `display_path` are how a file name is shown and stored:
  a name that is not valid UTF-8 keeps its bytes as `\\xNN` escapes.
- `BOM` is the UTF-8 byte order mark that every reader skips.
- `element_lines`/`element_spans` find the line and byte span of each
  element of a JSON array (orjson gives no positions): integrity reports
  lines with them and its remediation cuts records out by span.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import OpsguardError

__all__ = [
    "BOM",
    "JSON_TOKEN",
    "NON_SPACE",
    "Discovery",
    "discover_files",
    "display_path",
    "element_lines",
    "element_spans",
    "printable",
    "special_kind",
]

BOM = b"\xef\xbb\xbf"


def printable(text: str) -> str:
    """A name as opsguard shows and stores it: one line, no terminal or workflow commands.

    Bytes that are not UTF-8 (surrogate escapes in a file name) become `\\xNN`;
    control characters (newline, ESC, DEL, C1, ...) become `\\xNN` or `\\uNNNN`, so
    a name can never start a new output line (a `::warning::` workflow command),
    move the cursor or clear a terminal; a literal backslash is doubled, so the
    escape is unambiguous. Every name printed or stored anywhere goes through here.
    """
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if char == "\\":
        return "\\\\"
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogate escape of an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    if char.isprintable():
        return char
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def display_path(path: Path, cwd: Path) -> str:
    """`path` as shown and stored: relative to `cwd` when it lies below it, else absolute."""
    absolute = Path(os.path.abspath(cwd / path))
    try:
        text = absolute.relative_to(cwd).as_posix() if absolute != cwd else "."
    except ValueError:
        text = absolute.as_posix()
    return printable(text)


@dataclass(frozen=True, slots=True)
class Discovery:
    """The files to read (sorted, unique), how many others were passed over, the special
    files that were refused (FIFOs, sockets, devices: never opened), and the directories
    that could not be listed (only when the caller asked to be told)."""

    files: tuple[Path, ...]
    skipped: int
    unlisted: tuple[tuple[Path, str], ...] = ()
    special: tuple[tuple[Path, str], ...] = ()


def special_kind(mode: int) -> str | None:
    """`FIFO`, `socket`, `character device`, `block device`, or None for a file or directory.

    A special file is never opened: opening a FIFO blocks until a writer comes,
    and reading a device never ends (or has effects).
    """
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return None


def discover_files(
    paths: Sequence[Path],
    suffixes: Sequence[str],
    *,
    exclude: Sequence[Path] = (),
    kind: str = "record",
    report_unlisted: bool = False,
) -> Discovery:
    """Expand files and directories (recursively) into a sorted list of files to read.

    A named path that does not exist, a named special file (FIFO, socket,
    device) or a named file with another suffix is an `OpsguardError` (exit 2).
    Inside directories, other files and hidden files are counted as skipped,
    special files are refused and returned in `special` (for the caller to
    warn about: they are never opened), and symlinked directories are not
    followed (no loops, no leaving the tree). Directories in `exclude` are not
    entered. A directory that cannot be listed is an `OpsguardError`, or,
    with `report_unlisted`, returned in `unlisted` for the caller to report:
    either way it is never passed over in silence.
    """
    excluded = {Path(os.path.abspath(e)) for e in exclude}
    endings = tuple(suffixes)
    found: dict[Path, None] = {}
    skipped: set[Path] = set()
    unlisted: list[tuple[Path, str]] = []
    special: dict[Path, str] = {}

    def walk(top: Path) -> None:
        # A stack, not recursion: a tree 10,000 directories deep is data, not a crash.
        stack = [top]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as listing:
                    entries = list(listing)
            except OSError as error:
                if not report_unlisted:
                    shown = printable(str(directory))
                    raise OpsguardError(
                        f"cannot list directory {shown}: {error.strerror}"
                    ) from None
                unlisted.append((directory, error.strerror or "cannot list"))
                continue
            for entry in entries:
                path = Path(entry.path)
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if path not in excluded:
                            stack.append(path)
                        continue
                    is_file = entry.is_file()  # follows a symlink to a file
                    mode = 0 if is_file else entry.stat().st_mode
                except OSError:
                    mode = 0  # a broken link: read it, and report why it fails
                if entry.is_symlink() and stat.S_ISDIR(mode):
                    skipped.add(path)
                elif (kind_of := special_kind(mode)) is not None:
                    special[path] = kind_of
                elif entry.name.lower().endswith(endings) and not entry.name.startswith("."):
                    found[path] = None
                else:
                    skipped.add(path)

    for given in paths:
        path = Path(os.path.abspath(given))
        shown = printable(str(given))
        try:
            info = path.stat()
        except FileNotFoundError:
            raise OpsguardError(f"path not found: {shown}") from None
        except OSError as exc:
            raise OpsguardError(f"cannot access {shown}: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            walk(path)
        elif (kind_of := special_kind(info.st_mode)) is not None:
            raise OpsguardError(f"not a regular file ({kind_of}): {shown}")
        elif path.name.lower().endswith(endings):
            found[path] = None
        else:
            raise OpsguardError(f"not a {kind} file ({', '.join(endings)}): {shown}")
    return Discovery(
        tuple(sorted(found)),
        len(skipped),
        tuple(sorted(unlisted)),
        tuple(sorted(special.items())),
    )


# A JSON string (escapes included) or one structural character: the one token pattern of
# every scanner that needs positions orjson does not give.
JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+"|[\[\]{},:]', re.DOTALL)
NON_SPACE = re.compile(rb"\S")


def element_lines(data: bytes) -> list[int]:
    """The 1-based line on which each element of a top-level JSON array starts.

    orjson gives no positions, so this small scanner walks the already
    validated document once; it only tracks nesting and skips strings.
    """
    lines: list[int] = []
    depth = 0
    line = 1
    counted_to = 0
    for match in JSON_TOKEN.finditer(data):
        token = match.group()
        first = token[:1]
        if first in (b"[", b"{"):
            depth += 1
            expect_element = depth == 1 and first == b"["
        elif first in (b"]", b"}"):
            depth -= 1
            expect_element = False
        else:
            expect_element = depth == 1 and first == b","
        if expect_element:
            nxt = NON_SPACE.search(data, match.end())
            if nxt is not None and nxt.group() != b"]":
                line += data.count(b"\n", counted_to, nxt.start())
                counted_to = nxt.start()
                lines.append(line)
    return lines


def element_spans(data: bytes) -> list[tuple[int, int]]:
    """The byte span `[start, end)` of each element of a top-level JSON array.

    `data[start:end]` is the element exactly as written, without the
    whitespace and commas around it, so a caller can cut an element out (or
    edit it) and leave every other byte as it was. The same scanner as
    `element_lines`, with the same precondition: `data` is a document orjson
    has already parsed. Offsets index `data` as given; a leading byte order
    mark is skipped over. A document that is not an array has no elements.
    """
    spans: list[tuple[int, int]] = []

    def close(start: int, stop: int) -> None:
        # The element is what lies between two separators, without the whitespace around it.
        while start < stop and data[start] in b" \t\n\r":
            start += 1
        while stop > start and data[stop - 1] in b" \t\n\r":
            stop -= 1
        if stop > start:
            spans.append((start, stop))

    depth = 0
    start = 0  # just after the separator ("[" or ",") that opened the current element
    for match in JSON_TOKEN.finditer(data):
        first = match.group()[:1]
        if first in (b"[", b"{"):
            if depth == 0 and first != b"[":
                return []  # a top-level object
            depth += 1
            if depth == 1:
                start = match.end()
        elif first in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                close(start, match.start())
                return spans
        elif first == b"," and depth == 1:
            close(start, match.start())
            start = match.end()
        elif depth == 0:
            return []  # a top-level string
    return spans
