"""GitHub workflow-command annotations: `::error file=…,line=…,title=…::message`.

GitHub shows at most 10 error and 10 warning annotations per step and drops
the rest silently, so opsguard emits the first 10 of each and then one notice
that says how many more there are and where they are (the job summary).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.result import CheckResult
from .escape import workflow_data, workflow_property

__all__ = ["ANNOTATIONS_PER_LEVEL", "render_annotations"]

ANNOTATIONS_PER_LEVEL = 10


def render_annotations(results: Sequence[CheckResult]) -> str:
    lines: list[str] = []
    shown = {"error": 0, "warning": 0}
    left = {"error": 0, "warning": 0}
    for result in results:
        for finding in result.findings:
            level = finding.severity
            if shown[level] >= ANNOTATIONS_PER_LEVEL:
                left[level] += 1
                continue
            shown[level] += 1
            properties = [f"file={workflow_property(finding.path)}"] if finding.path else []
            if finding.line is not None:
                properties.append(f"line={finding.line}")
            title = f"opsguard {result.check}: {finding.code}"
            properties.append(f"title={workflow_property(title)}")
            where = f" ({finding.pointer})" if finding.pointer else ""
            lines.append(
                f"::{level} {','.join(properties)}::{workflow_data(finding.message + where)}"
            )
    if left["error"] or left["warning"]:
        lines.append(
            "::notice title=opsguard::"
            + workflow_data(
                f"{left['error']} more error(s) and {left['warning']} more warning(s) are not "
                "annotated (GitHub shows 10 of each per step); all are in the job summary."
            )
        )
    return "".join(f"{line}\n" for line in lines)
