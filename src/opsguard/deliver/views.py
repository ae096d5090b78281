"""Writing every view of a run into the report directory, and choosing what to print."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..core.atomic import atomic_write, make_dirs_durable
from ..core.errors import OpsguardError
from ..core.result import CheckResult, RunContext
from ..report.views import VIEWS, RenderOptions

__all__ = ["render_views", "view_files", "write_views"]


def view_files() -> dict[str, str]:
    """View name -> its file in the report directory, for the views that have one."""
    return {name: v.file for name, v in VIEWS.items() if v.file is not None}


def render_views(
    results: Sequence[CheckResult], context: RunContext, options: RenderOptions
) -> dict[str, str]:
    """Every view's text."""
    return {name: v.render(results, context, options) for name, v in VIEWS.items()}


def write_views(rendered: Mapping[str, str], out_dir: Path) -> dict[str, Path]:
    """Write each view that has a file into `out_dir`, atomically; their paths by view name."""
    written: dict[str, Path] = {}
    try:
        make_dirs_durable(out_dir)
        for name, file in view_files().items():
            atomic_write(out_dir / file, rendered[name])
            written[name] = out_dir / file
    except OSError as exc:
        raise OpsguardError(f"cannot write the report to {out_dir}: {exc.strerror}") from None
    return written
