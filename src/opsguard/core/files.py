"""Files as every guard reads them: discovery, printable names, the BOM, JSON positions.

- `discover_files` expands the paths a user names into the files to read,
  in sorted order, never following a symlinked directory.
- `printable` and `display_path` are how a file name is shown and stored:
  a name that is not valid UTF-8 keeps its bytes as `\\xNN` escapes.
- `BOM` is the UTF-8 byte order mark that every reader skips.
- `element_lines`/`element_spans` find the line and byte span of each
  element of a JSON array (orjson gives no positions): integrity reports
  lines with them and its remediation cuts records out by span.
- `open_regular` is the one way a guard opens a file to read: it never
  blocks on a FIFO or opens a device, whatever was discovered before.
- `json_problem` says in plain words, at a line and column of the bytes
  given, why orjson refused them; `duplicate_keys` finds the keys an object
  holds more than once (orjson keeps the last and says nothing).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from .errors import OpsguardError

__all__ = [
    "BOM",
    "JSON_TOKEN",
    "NON_SPACE",
    "OTHER_BOMS",
    "Discovery",
    "JsonProblem",
    "NotRegularFile",
    "discover_files",
    "display_path",
    "duplicate_keys",
    "element_lines",
    "element_spans",
    "json_problem",
    "open_regular",
    "pointer_segment",
    "printable",
    "special_kind",
    "unprintable",
]

BOM = b"\xef\xbb\xbf"
# Byte order marks of the encodings JSON is not written in, longest first (UTF-32LE
# starts with UTF-16LE's mark).
OTHER_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


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
    # `\xNN` is kept for the C0 controls and DEL; every other character gets `\uNNNN`
    # (C1 controls included) or `\UNNNNNNNN`, so `\x80`..`\xff` always mean an
    # undecodable byte and `unprintable` can turn every shown name back into the name.
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_ESCAPE = re.compile(r"\\(?:\\|x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8}))")


def unprintable(shown: str) -> str:
    """The name `printable` showed as `shown`: the inverse of `printable`.

    Remediation reads a finding's path back into the file it names, so a file
    whose name needed escaping can still be fixed. Text that `printable` could
    not have produced is returned as it is.
    """
    if "\\" not in shown:
        return shown

    def one(match: re.Match[str]) -> str:
        byte, char = match.group(1), match.group(2) or match.group(3)
        if byte is not None:
            code = int(byte, 16)
            return chr(code) if code < 0x80 else chr(0xDC00 + code)
        if char is not None:
            return chr(int(char, 16))
        return "\\"

    return _ESCAPE.sub(one, shown)


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
    # The skipped files whose names start with a dot (a writer's temp files among them).
    hidden: tuple[Path, ...] = ()


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
        tuple(sorted(path for path in skipped if path.name.startswith("."))),
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


class NotRegularFile(OSError):
    """A path to read that is not a regular file (a FIFO, socket, device or directory)."""


def open_regular(path: Path) -> BinaryIO:
    """Open `path` for reading if it is a regular file (symlinks to one are followed).

    `O_NONBLOCK` makes opening a FIFO return at once instead of waiting for a
    writer; the descriptor is then checked and anything but a regular file is
    closed unread (`NotRegularFile`). Discovery already refuses special files;
    this closes the gap of a file replaced by one in between.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = special_kind(mode) or ("directory" if stat.S_ISDIR(mode) else "unknown kind")
            raise NotRegularFile(errno.EINVAL, f"not a regular file ({kind})", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass(frozen=True, slots=True)
class JsonProblem:
    """Why some bytes are not JSON, and where: a line and column of those bytes.

    `line` and `column` are 1-based (the column counts characters), `offset`
    is the 0-based byte offset; `reason` is plain words and never quotes the data.
    """

    line: int
    column: int
    offset: int
    reason: str

    def at(self, line_base: int = 0, offset_base: int = 0) -> str:
        """`reason at line L, column C (byte B)`, with the bytes starting at line `line_base + 1`
        and byte `offset_base` of their file."""
        return (
            f"{self.reason} at line {line_base + self.line}, column {self.column} "
            f"(byte {offset_base + self.offset})"
        )


def json_problem(data: bytes, exc: orjson.JSONDecodeError) -> JsonProblem:
    """What is wrong with `data`, which orjson refused with `exc`, at the file's own positions.

    orjson reports invalid UTF-8 at the start of the input and counts its
    positions in characters of its own view; this finds the first bad byte,
    and turns the position into a line, a column and a byte offset of `data`.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode("utf-8")
        line, column = _line_column(prefix)
        return JsonProblem(line, column, error.start, "invalid UTF-8")
    pos = min(max(exc.pos, 0), len(text))
    if "end of data" in exc.msg:
        # Where the data stops, not past the whitespace after it: the last line it reached.
        pos = min(pos, len(text.rstrip()))
    prefix = text[:pos]
    line, column = _line_column(prefix)
    return JsonProblem(line, column, len(prefix.encode("utf-8")), _plain(exc.msg, text, pos))


def _line_column(prefix: str) -> tuple[int, int]:
    return prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1


def _plain(message: str, text: str, pos: int) -> str:
    """orjson's message in a user's words (orjson never quotes the input; neither does this)."""
    here = text[pos : pos + 9]
    signed = text[pos - 1 : pos] in ("-", "+")
    if here.startswith("NaN") or (signed and here.startswith("NaN")):
        return "NaN is not JSON"
    if here.startswith("Infinity"):
        return "Infinity is not JSON"
    if here[:1] == "\x00":
        return "a NUL byte"
    if here[:1] == "'":
        return "a single-quoted string (JSON strings use double quotes)"
    plain = (
        ("unexpected end of data", "the data ends inside a value (truncated?)"),
        ("input data is empty", "no JSON value (empty)"),
        ("Input is a zero-length", "no JSON value (empty)"),
        ("unexpected content after document", "more data after the end of the JSON value"),
        ("unexpected control character", "an unescaped control character inside a string"),
        ("trailing comma", "a trailing comma"),
        ("expected a string key", "expected a key in double quotes"),
        ("expected ':'", "expected ':' after a key"),
        ("invalid literal", "an invalid literal (JSON has true, false and null)"),
        ("number is infinity", "a number too large for a double"),
        ("no digit after sign", "a sign without a number"),
        ("leading zero", "a number with a leading zero"),
        ("unexpected character", "an unexpected character where a value was expected"),
    )
    for start, words in plain:
        if start in message:
            return words
    return message


class _Container:
    """An open object or array while `duplicate_keys` scans: where it is, what it has seen."""

    __slots__ = ("index", "is_object", "key", "keys", "pointer")

    def __init__(self, pointer: str, is_object: bool) -> None:
        self.pointer = pointer
        self.is_object = is_object
        self.keys: dict[str, int] = {}
        self.key = ""
        self.index = 0

    def child_pointer(self) -> str:
        segment = self.key if self.is_object else str(self.index)
        return f"{self.pointer}/{pointer_segment(segment)}"


def duplicate_keys(data: bytes) -> list[tuple[str, int]]:
    """Each key that an object of `data` holds more than once: (pointer, occurrences).

    `data` must be a document orjson has parsed (orjson keeps a repeated key's
    last value and says nothing). Pointers are RFC 6901 (`/3/score`); keys
    are decoded, so `"\\u0073core"` and `"score"` are the same key. One token
    scan, the one every position scanner here uses.
    """
    stack: list[_Container] = []
    counts: dict[str, int] = {}
    expect_key = False
    for match in JSON_TOKEN.finditer(data):
        token = match.group()
        first = token[:1]
        if first in (b"{", b"["):
            pointer = stack[-1].child_pointer() if stack else ""
            expect_key = first == b"{"
            stack.append(_Container(pointer, expect_key))
        elif first in (b"}", b"]"):
            if stack:
                stack.pop()
            expect_key = False
        elif first == b"," and stack:
            if stack[-1].is_object:
                expect_key = True
            else:
                stack[-1].index += 1
        elif first == b'"' and expect_key:
            expect_key = False
            container = stack[-1]
            key = orjson.loads(token)
            seen = container.keys[key] = container.keys.get(key, 0) + 1
            container.key = key
            if seen > 1:
                counts[f"{container.pointer}/{pointer_segment(key)}"] = seen
    return list(counts.items())


def pointer_segment(key: str) -> str:
    """A key as one JSON pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`)."""
    return key.replace("~", "~0").replace("/", "~1")
