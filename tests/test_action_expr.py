"""The expression evaluator the end-to-end test of action.yml relies on.

It must agree with GitHub on the subset action.yml uses, and refuse everything
else: a test harness that guessed would let a broken `if:` pass.
"""

from __future__ import annotations

from typing import Any

import pytest
from action_expr import (
    Context,
    ExpressionError,
    evaluate,
    evaluate_condition,
    render,
    to_text,
)


def _context(**overrides: Any) -> Context:
    base: dict[str, Any] = {
        "inputs": {"comment": "true", "fail-on": "violation", "empty": ""},
        "github": {
            "event_name": "pull_request",
            "token": "t0ken",
            "event": {"pull_request": {"number": 7, "head": {"sha": "abc"}}},
        },
        "runner": {"temp": "/tmp/runner", "os": "Linux"},
        "steps": {
            "report": {
                "outputs": {"passed": "false", "report-path": ".opsguard/report.md"},
                "outcome": "success",
                "conclusion": "success",
            }
        },
        "env": {"HOME": "/root"},
        "known_steps": frozenset({"report", "gate"}),
    }
    base.update(overrides)
    return Context(**base)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("inputs.comment == 'true'", True),
        ("inputs.comment == 'TRUE'", True),  # GitHub compares strings ignoring case
        ("inputs.comment != 'true'", False),
        ("'it''s'", "it's"),
        ("github.event_name == 'pull_request' || github.event_name == 'push'", True),
        ("inputs.empty || 'fallback'", "fallback"),  # || returns the first truthy operand
        ("inputs.comment && 'yes'", "yes"),  # && returns the last operand when truthy
        ("inputs.empty && 'yes'", ""),  # ... or the first falsy one
        ("!inputs.empty", True),
        ("!!inputs.comment", True),
        ("steps.report.outputs.report-path", ".opsguard/report.md"),
        ("steps.report.outputs.missing", None),
        ("steps.report.outcome == 'success'", True),
        ("github.event.pull_request.number == 7", True),
        ("github.event.pull_request.number == '7'", True),  # mixed types compare as numbers
        ("github.event.pull_request.nope", None),
        ("env.HOME", "/root"),
        ("env.UNSET", None),
        ("runner.temp", "/tmp/runner"),
        ("null == ''", True),  # both coerce to 0
        ("1 == true", True),
        ("'abc' == 0", False),  # NaN equals nothing
        ("!(inputs.comment == 'true' && false)", True),
        ("false || true && false", False),  # && binds tighter than ||
        ("always()", True),
        ("success()", True),
        ("failure()", False),
        ("cancelled()", False),
    ],
)
def test_the_supported_subset_evaluates_like_github(source: str, expected: Any) -> None:
    assert evaluate(source, _context()) == expected


@pytest.mark.parametrize(
    "source",
    [
        "inputs.nope",  # an undeclared input is a typo
        "steps.nope.outputs.x",  # a step id that the action does not have
        "steps.gate.outputs.exit-code",  # a step that has not run yet
        "steps.report.outputs",  # a whole object
        "github.nope",
        "github",
        "runner.name",
        "matrix.os",  # a context the subset does not know
        "secrets.TOKEN",
        "contains(github.event_name, 'pull')",  # a function outside the subset
        "format('{0}', inputs.comment)",
        "github.event['pull_request']",  # index syntax
        "inputs.comment < 'u'",  # comparison operators
        "inputs.comment ==",
        "(inputs.comment",
        "inputs.comment 'x'",
        "fromJSON('[]')",
    ],
)
def test_anything_outside_the_subset_raises(source: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(source, _context())


def test_render_substitutes_each_expression_as_text() -> None:
    context = _context()
    assert render("${{ runner.temp }}/opsguard-venv", context) == "/tmp/runner/opsguard-venv"
    assert render("a ${{ inputs.comment }} b ${{ 1 == 1 }}", context) == "a true b true"
    assert render("${{ steps.report.outputs.missing }}", context) == ""
    assert render("no expression", context) == "no expression"
    # `}}` inside a string literal does not end the expression.
    assert render("${{ 'x}}y' }}", context) == "x}}y"
    with pytest.raises(ExpressionError):
        render("${{ inputs.comment", context)


def test_text_of_values_matches_the_runner() -> None:
    assert [to_text(v) for v in (None, True, False, 7.0, 0.5, "s")] == [
        "",
        "true",
        "false",
        "7",
        "0.5",
        "s",
    ]
    with pytest.raises(ExpressionError):
        to_text({"an": "object"})


def test_a_condition_without_a_status_function_implies_success() -> None:
    condition = "inputs.comment == 'true'"
    assert evaluate_condition(condition, _context()) is True
    assert evaluate_condition(condition, _context(failed=True)) is False
    assert evaluate_condition(f"${{{{ {condition} }}}}", _context(failed=True)) is False
    assert evaluate_condition(
        "always() && steps.report.outcome == 'success'", _context(failed=True)
    )
    assert evaluate_condition(None, _context()) is True
    assert evaluate_condition(None, _context(failed=True)) is False
    with pytest.raises(ExpressionError):
        evaluate_condition("${{ inputs.comment }} == 'true'", _context())


def test_file_commands_are_read_in_both_forms() -> None:
    from action_runner import parse_file_command

    text = (
        "exit-code=0\n"
        "report-path<<opsguard_ab12\n"
        ".opsguard/report.md\n"
        "opsguard_ab12\n"
        "body<<EOF\n"
        "line one\n"
        "x=y\n"
        "EOF\n"
        "empty=\n"
    )
    assert parse_file_command(text) == {
        "exit-code": "0",
        "report-path": ".opsguard/report.md",
        "body": "line one\nx=y",
        "empty": "",
    }
    assert parse_file_command("") == {}
    with pytest.raises(ValueError, match="no closing delimiter"):
        parse_file_command("name<<EOF\nnever closed\n")
    with pytest.raises(ValueError, match="not a file command"):
        parse_file_command("just text\n")
