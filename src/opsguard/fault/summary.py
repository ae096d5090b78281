"""What a fault-harness result says: its typed summary, and its one line for every view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ..core.summary import Summary
from .settings import OWN_WRITERS

__all__ = ["FaultSummary", "NegativeControl", "key_figure"]


@dataclass(frozen=True, eq=False, slots=True)
class NegativeControl(Summary):
    """The deliberately unsafe writer's crash trials: the harness must see it corrupt."""

    trials: int
    corrupt: int
    bad_reads: int
    reads: int


@dataclass(frozen=True, eq=False, slots=True)
class FaultSummary(Summary):
    """The harness's figures (the `summary` of its result file)."""

    nested: ClassVar[Mapping[str, type[Summary]]] = {"negative_control": NegativeControl}

    writer: str
    seed: int
    trials: int
    corrupt: int
    bad_reads: int
    reads: int
    orphans_swept: int
    leftovers_removed: int
    writer_errors: int
    matrix_cases: int
    matrix_failures: int
    syscall_kill_points: int
    syscall_kill_missed: int
    # None when the syscall part was skipped (`skipped` says why).
    syscall_order_ok: bool | None
    negative_control_detected: bool
    negative_control: NegativeControl
    skipped: str | None
    counts: dict[str, int]
    reasons: list[str]
    # Added after the first release: results written before have neither (bytes into a file).
    payload: str = "bytes"
    target: str = "file"


def key_figure(summary: FaultSummary) -> str:
    if summary.syscall_order_ok is None:
        syscalls = f"syscall kills skipped ({summary.skipped or 'not run'})"
    else:
        order = "order ok" if summary.syscall_order_ok else "order VIOLATED"
        syscalls = f"{summary.syscall_kill_points} syscall kill points, {order}"
    return (
        f"{summary.trials} crash trials, {summary.corrupt} corrupt, "
        f"{summary.bad_reads} bad reads; "
        f"matrix {summary.matrix_failures}/{summary.matrix_cases} cases failed; "
        f"{syscalls}; writer {summary.writer}{_writer_note(summary)}"
    )


def _writer_note(summary: FaultSummary) -> str:
    if summary.writer in OWN_WRITERS:
        # A pass of opsguard's own writer says nothing about the repository's writers.
        return " (opsguard's own: configure fault.writer to test yours)"
    shape = [] if summary.payload == "bytes" else [f"{summary.payload} payload"]
    shape += [] if summary.target == "file" else ["factory into a directory"]
    return f" ({', '.join(shape)})" if shape else ""
