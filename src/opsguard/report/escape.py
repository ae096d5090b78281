"""Escaping of user-controlled text (paths, keys, messages) for each output format.

A file name is data the PR author controls. Rendered raw into a PR comment it
could break the table (`|`), inject HTML (`<script>`, `<details>`), close the
hidden state marker (`-->`), or notify a team (`@org/team`). Every string a
finding carries goes through these functions before it reaches markdown or a
workflow command; none of them can fail.
"""

from __future__ import annotations

import re

__all__ = ["md_code", "md_text", "visible", "workflow_data", "workflow_property"]

# Inline markdown syntax, escaped with a backslash. `-` and `.` only matter at the start
# of a line, which one-line text inside a sentence or a table cell never is.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_WHITESPACE = re.compile(r"\s+")
# Inside <code>: markdown syntax and `@`, as numeric entities (`&` `<` `>` are done first).
_CODE_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+!|~@]")


def visible(text: str) -> str:
    """`text` with every control character but whitespace shown as an escape (`\\x1b`).

    Names reach the views through `core.files.printable` already; this is the
    last line of defence for any other text (a message, a key figure), so that
    no view can carry an ESC sequence to a terminal or a NUL into a file.
    Backslashes are left alone: a message may quote an escaped name.
    """
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() or char in " \t\n\r" else _escaped(char) for char in text
    )


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def md_text(text: str) -> str:
    """Plain text safe in a markdown sentence or table cell: one line, no markup, tag or mention."""
    one_line = visible(_WHITESPACE.sub(" ", text).strip())
    html_safe = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # `&gt;` above already defused blockquotes and comment ends. GitHub decodes `&#64;`
    # before it looks for mentions, so a zero-width space is what keeps `@org/team` quiet.
    return _MD_SPECIAL.sub(r"\\\1", html_safe).replace("@", "@\u200b")


def md_code(text: str) -> str:
    """Text shown as code (a path, a key): HTML `<code>` with entities, never a broken span.

    A markdown code span cannot hold an unbalanced backtick and still breaks a
    table on `|`; `<code>` with escaped content has neither problem. GitHub
    still parses markdown between raw `<code>` tags, so every character with a
    markdown meaning (a link, emphasis, a backslash before `</code>`) becomes
    an entity too; mentions are not looked for inside code.
    """
    one_line = visible(_WHITESPACE.sub(" ", text).strip())
    escaped = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _CODE_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", escaped)
    return f"<code>{escaped}</code>"


def workflow_data(text: str) -> str:
    """The message part of a GitHub workflow command (`::error ...::MESSAGE`)."""
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A property value of a workflow command (`file=`, `title=`): data escapes plus `:` and `,`."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")
