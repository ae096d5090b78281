"""A strict evaluator for the GitHub Actions expressions that action.yml uses.

It implements exactly this subset of the expression language, with GitHub's
semantics, and raises `ExpressionError` on anything else, so that a test can
never silently mis-evaluate an expression it does not understand:

- literals: `'single-quoted'` strings (`''` escapes a quote), numbers, `true`,
  `false`, `null`;
- contexts: `inputs`, `github`, `runner`, `steps`, `env`, read with `.name`
  property access (names may contain `-`, as in `steps.report.outputs.report-path`);
- operators: `!`, `==`, `!=`, `&&`, `||` and parentheses, with GitHub's precedence
  (`!` > `==`/`!=` > `&&` > `||`), loose equality (strings compared ignoring case,
  mixed types compared as numbers) and value-returning `&&`/`||`;
- functions: `always()`, `success()`, `failure()`, `cancelled()`.

Strictness beyond GitHub's (GitHub yields null for these; a test wants to know):
an undeclared input, an unknown `github`/`runner` property, a step id that has not
run yet, or an unknown context or function raises. A missing step output, a
missing `github.event` property or an unset `env` variable is null, as on GitHub.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Context",
    "ExpressionError",
    "evaluate",
    "evaluate_condition",
    "render",
    "to_text",
    "truthy",
]


class ExpressionError(ValueError):
    """An expression outside the supported subset, or one that reads something unknown."""


STATUS_FUNCTIONS = ("always", "success", "failure", "cancelled")


@dataclass
class Context:
    """What an expression can read.

    `steps` maps a step id to `{"outputs": {...}, "outcome": ..., "conclusion": ...}`
    for the steps that have run (or were skipped) so far; `known_steps` names every
    step id of the action, so that a typo is told apart from a step not reached yet.
    """

    inputs: Mapping[str, str] = field(default_factory=dict)
    github: Mapping[str, Any] = field(default_factory=dict)
    runner: Mapping[str, Any] = field(default_factory=dict)
    steps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    known_steps: frozenset[str] = frozenset()
    failed: bool = False  # an earlier step failed (for success() and failure())


# --- tokens ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<op>==|!=|&&|\|\||!|\(|\)|\.)
  | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, op, name, end
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup
        assert kind is not None
        text = match.group()
        if kind == "ws":
            continue
        if kind == "bad":
            raise ExpressionError(
                f"unsupported character {text!r} at {match.start()} in {source!r}"
            )
        tokens.append(_Token(kind, text, match.start()))
    tokens.append(_Token("end", "", len(source)))
    return tokens


# --- values ------------------------------------------------------------------------------


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, -0, '', null and NaN are falsy."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def _to_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan  # objects and arrays


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def _equal(left: Any, right: Any) -> bool:
    kinds = (_kind(left), _kind(right))
    if kinds[0] == kinds[1]:
        if kinds[0] == "string":
            return bool(left.casefold() == right.casefold())
        if kinds[0] == "number":
            return bool(float(left) == float(right))
        if kinds[0] == "object":
            return left is right
        return bool(left == right)
    if "object" in kinds:
        return False
    a, b = _to_number(left), _to_number(right)
    return not (math.isnan(a) or math.isnan(b)) and a == b


def to_text(value: Any) -> str:
    """A value as the runner puts it into `env:`, `with:` or an output."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        if math.isnan(value):
            return "NaN"
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, str):
        return value
    raise ExpressionError(f"cannot turn {type(value).__name__} into text (not in the subset)")


# --- parser and evaluator ----------------------------------------------------------------


class _Evaluator:
    def __init__(self, source: str, context: Context) -> None:
        self.source = source
        self.context = context
        self.tokens = _tokenize(source)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, text: str | None = None) -> _Token:
        token = self.take()
        if token.kind != kind or (text is not None and token.text != text):
            wanted = text or kind
            raise ExpressionError(
                f"expected {wanted!r} at {token.position} in {self.source!r}, got {token.text!r}"
            )
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.peek().kind != "end":
            token = self.peek()
            raise ExpressionError(
                f"unexpected {token.text!r} at {token.position} in {self.source!r}"
            )
        return value

    # Short-circuiting is by evaluation order; both operands are always parsed (and so
    # checked), as GitHub validates the whole expression before it runs it.
    def or_(self) -> Any:
        value = self.and_()
        while self.peek().text == "||":
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.equality()
        while self.peek().text == "&&":
            self.take()
            right = self.equality()
            value = right if truthy(value) else value
        return value

    def equality(self) -> Any:
        value = self.unary()
        while self.peek().text in ("==", "!="):
            operator = self.take().text
            right = self.unary()
            same = _equal(value, right)
            value = same if operator == "==" else not same
        return value

    def unary(self) -> Any:
        if self.peek().text == "!":
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "op" and token.text == "(":
            value = self.or_()
            self.expect("op", ")")
            return value
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number":
            text = token.text
            if text.lstrip("-").lower().startswith("0x"):
                return float(int(text, 16))
            return float(text)
        if token.kind == "name":
            if token.text in ("true", "false"):
                return token.text == "true"
            if token.text == "null":
                return None
            if self.peek().text == "(":
                return self.call(token)
            return self.context_path(token)
        raise ExpressionError(
            f"unexpected {token.text or 'end'!r} at {token.position} in {self.source!r}"
        )

    def call(self, name: _Token) -> Any:
        self.expect("op", "(")
        self.expect("op", ")")
        functions: dict[str, Callable[[], bool]] = {
            "always": lambda: True,
            "success": lambda: not self.context.failed,
            "failure": lambda: self.context.failed,
            "cancelled": lambda: False,
        }
        if name.text not in functions:
            raise ExpressionError(f"unsupported function {name.text}() in {self.source!r}")
        return functions[name.text]()

    def names(self) -> list[str]:
        path: list[str] = []
        while self.peek().text == ".":
            self.take()
            path.append(self.expect("name").text)
        if self.peek().text in ("[", "*"):
            raise ExpressionError(f"index and filter syntax is not supported: {self.source!r}")
        return path

    def context_path(self, root: _Token) -> Any:
        path = self.names()
        where = ".".join([root.text, *path])
        ctx = self.context
        if root.text == "inputs":
            if len(path) != 1:
                raise ExpressionError(f"{where}: expected inputs.<name>")
            if path[0] not in ctx.inputs:
                raise ExpressionError(f"{where}: no such input")
            return ctx.inputs[path[0]]
        if root.text == "env":
            if len(path) != 1:
                raise ExpressionError(f"{where}: expected env.<NAME>")
            return ctx.env.get(path[0])
        if root.text == "runner":
            if len(path) != 1 or path[0] not in ctx.runner:
                raise ExpressionError(f"{where}: unknown runner property")
            return ctx.runner[path[0]]
        if root.text == "github":
            if not path:
                raise ExpressionError(f"{where}: the whole github context is not supported")
            if path[0] not in ctx.github:
                raise ExpressionError(f"{where}: unknown github property")
            value: Any = ctx.github[path[0]]
            for name in path[1:]:  # inside github.event: GitHub's null for what is absent
                value = value.get(name) if isinstance(value, Mapping) else None
            return value
        if root.text == "steps":
            return self.step_property(where, path)
        raise ExpressionError(f"unsupported context {root.text!r} in {self.source!r}")

    def step_property(self, where: str, path: list[str]) -> Any:
        ctx = self.context
        if not path or path[0] not in ctx.known_steps:
            raise ExpressionError(f"{where}: no step with that id in the action")
        if path[0] not in ctx.steps:
            raise ExpressionError(f"{where}: that step has not run yet at this point")
        step = ctx.steps[path[0]]
        if len(path) == 3 and path[1] == "outputs":
            return step["outputs"].get(path[2])
        if len(path) == 2 and path[1] in ("outcome", "conclusion"):
            return step[path[1]]
        raise ExpressionError(
            f"{where}: expected steps.<id>.outputs.<name>, .outcome or .conclusion"
        )


def evaluate(source: str, context: Context) -> Any:
    """The value of one expression (without the `${{ }}`)."""
    return _Evaluator(source, context).parse()


def _split_template(text: str) -> list[tuple[bool, str]]:
    """`text` as (is_expression, part) pairs; `}}` inside a quoted string does not end one."""
    parts: list[tuple[bool, str]] = []
    position = 0
    while True:
        start = text.find("${{", position)
        if start < 0:
            parts.append((False, text[position:]))
            return parts
        parts.append((False, text[position:start]))
        cursor, quoted = start + 3, False
        while True:
            if cursor >= len(text):
                raise ExpressionError(f"unterminated ${{{{ in {text!r}")
            if text[cursor] == "'":
                quoted = not quoted  # '' inside a string toggles twice: still right
            elif not quoted and text.startswith("}}", cursor):
                break
            cursor += 1
        parts.append((True, text[start + 3 : cursor]))
        position = cursor + 2


def render(text: str, context: Context) -> str:
    """A value from action.yml with every `${{ }}` replaced by its text, as the runner does."""
    return "".join(
        to_text(evaluate(part, context)) if is_expression else part
        for is_expression, part in _split_template(text)
    )


def evaluate_condition(condition: str | bool | None, context: Context) -> bool:
    """A step's `if:`: `${{ }}` optional, and `success() &&` implied without a status function."""
    if condition is None:
        condition = "success()"
    if isinstance(condition, bool):
        return condition
    text = condition.strip()
    parts = _split_template(text)
    if len(parts) == 3 and parts[0] == (False, "") and parts[2] == (False, "") and parts[1][0]:
        text = parts[1][1]
    elif "${{" in text:
        raise ExpressionError(f"an if: must be one expression: {condition!r}")
    names = {t.text for t in _tokenize(text) if t.kind == "name"}
    if not names & set(STATUS_FUNCTIONS):
        text = f"success() && ({text})"
    return truthy(evaluate(text, context))
