"""The JSON view: every result of the run in one document (`report.json`), for other tools."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from ..core.result import CheckResult, overall_status

__all__ = ["REPORT_SCHEMA", "report_document"]

REPORT_SCHEMA = "opsguard.report/1"


def report_document(results: Sequence[CheckResult]) -> bytes:
    """`{"schema": "opsguard.report/1", "status", "results": [...]}`."""
    return orjson.dumps(
        {
            "schema": REPORT_SCHEMA,
            "status": overall_status(results),
            "results": [r.to_dict() for r in results],
        },
        option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE,
    )
