"""Stable finding codes of the atomic-write fault harness, each with its one-line help.

Codes are kebab-case and never change meaning: SARIF rule ids, configuration
and users' suppressions refer to them.
"""

from __future__ import annotations

FAULT_CODES: dict[str, str] = {
    "matrix-failure": "An injected OSError (errno at open, write, fsync, replace or directory "
    "fsync) changed the target, left a file or fd behind, did not reach the caller, or the "
    "writer never made that call.",
    "corrupt-after-crash": "After a SIGKILL the target was missing, empty, truncated, mixed "
    "or not one complete version.",
    "torn-read": "A concurrent reader saw a target that was not one complete version.",
    "writer-error": "The writer raised on an ordinary crash-trial write, so it cannot be judged.",
    "syscall-kill-corruption": "Killing the writer before one of its system calls left the "
    "target neither the old nor the new bytes.",
    "syscall-order": "The traced system calls break the protocol: O_EXCL temp, write, "
    "fsync(temp), rename onto the target, fsync(directory).",
    "syscall-kill-missed": "A strace kill did not land on the intended call (warning: that "
    "kill point was not tested).",
    "negative-control-undetected": "The deliberately unsafe naive_write passed the crash "
    "trials: the harness could not detect corruption, so its pass proves nothing.",
}
