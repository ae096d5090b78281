"""The privacy gate: a scan of the telemetry turned into a `CheckResult`.

Verdict: any error-severity finding fails — a deny-list match confirmed by
its value (`raw-metric`, `pii`, `location`, `secret`), an `unknown-field` in
allowlist mode, an `expired-suppression`, and what the scan could not see: a
file it could not read or decode or a directory it could not list
(`unreadable`, error) and nothing to scan at all (`no-files`). An
`unreadable` line that was still scanned as text and a `special-file` are
warnings. Suppressed matches are counted in the summary, not listed. No
finding, summary field or reason carries a matched value: the scanner only
ever describes a match by its kind, key name, value shape and place.

`check_privacy_self_test` runs the canary (`opsguard.privacy.selftest`) and
fails unless every planted leak is caught and no clean line or look-alike
value is flagged.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ..core.config import Config
from ..core.files import display_path, printable
from ..core.result import CheckResult, Finding
from ..core.runs import RunOptions
from .codes import PRIVACY_CODES
from .collect import BLIND_CODES, DEFAULT_LIMIT, Collector
from .policy import build_policy
from .scan import Scanner
from .settings import PRIVACY
from .summary import PrivacySummary, SelfTestSummary
from .suppress import Suppressor, describe

__all__ = ["CHECK", "SELF_TEST_CHECK", "check_privacy", "check_privacy_self_test"]

CHECK = "privacy"
SELF_TEST_CHECK = "privacy-self-test"


def check_privacy(
    paths: Sequence[Path],
    config: Config,
    *,
    as_of: date | None = None,
    cwd: Path | None = None,
    limit: int = DEFAULT_LIMIT,
    explain: bool = False,
) -> CheckResult:
    """Scan telemetry files and directories; gate on any error-severity finding.

    `as_of` is "today" for suppression expiry (default: the local date).
    `limit` caps the findings kept in the result; counts stay exact.
    `explain` (`--explain`) adds to each finding's message the key class and
    deny entry that proposed it and the value shape that confirmed it.
    """
    started = time.perf_counter()
    cwd = (cwd or Path.cwd()).resolve()
    privacy = PRIVACY.of(config)
    suppressor = Suppressor(
        privacy.suppressions, as_of=as_of or date.today(), root=config.root, cwd=cwd
    )
    collector = Collector(suppressor, limit)
    scanner = Scanner(build_policy(privacy), collector, explain=explain or privacy.explain)
    stats = scanner.scan(paths, cwd)

    source = display_path(config.source, cwd) if config.source else "configuration"
    expired = [
        Finding(
            "expired-suppression",
            "error",
            source,
            None,
            "",
            printable(
                f"privacy suppression #{index + 1} ({describe(s)}) expired on {s.expires}: "
                f"{s.reason}"
            ),
        )
        for index, s in ((i, privacy.suppressions[i]) for i in suppressor.expired)
    ]
    counts = Counter(collector.counts)
    counts["expired-suppression"] += len(expired)

    reasons: list[str] = []
    if collector.violations:
        gated = ", ".join(
            f"{code} {counts[code]}"
            for code in PRIVACY_CODES
            if counts[code] and code not in ("expired-suppression", "special-file", *BLIND_CODES)
        )
        reasons.append(
            f"{collector.violations} privacy violation(s) in {collector.violating_files} "
            f"file(s) / {collector.violating_lines} line(s): {gated}"
        )
    if collector.unseen:
        reasons.append(
            f"{collector.unseen} input(s) could not be seen (unreadable, no-files): a guard "
            "that cannot see cannot pass"
        )
    if expired:
        reasons.append(
            f"{len(expired)} expired suppression(s): renew with a fresh review date or remove"
        )
    summary = PrivacySummary(
        mode=privacy.mode,
        files=stats.files,
        lines=stats.lines,
        skipped_files=stats.skipped_files,
        violations=collector.violations,
        violating_files=collector.violating_files,
        violating_lines=collector.violating_lines,
        counts={code: counts[code] for code in PRIVACY_CODES if counts[code]},
        suppressed=collector.suppressed,
        suppressions=len(privacy.suppressions),
        suppressions_used=sum(1 for used in suppressor.used if used),
        expired_suppressions=len(expired),
        findings_omitted=collector.omitted,
        reasons=reasons,
        look_alikes=scanner.look_alikes,
        unseen=collector.unseen,
    )
    return CheckResult(
        check=CHECK,
        status="fail" if reasons else "pass",
        summary=summary,
        findings=(*expired, *collector.findings),
        duration_s=round(time.perf_counter() - started, 6),
    )


def check_privacy_self_test(config: Config) -> CheckResult:
    """The canary: every planted leak caught, every clean line and look-alike passed, or fail."""
    from .selftest import run_self_test  # the canary's cases load only when it runs

    started = time.perf_counter()
    report = run_self_test(PRIVACY.of(config))
    findings = [
        Finding(
            "canary-missed",
            "error",
            case.file,
            case.line or None,
            case.pointer or "",
            f"missed: {case.description} (expected {case.code})",
        )
        for case in report.missed
    ]
    findings += [
        Finding(
            "canary-false-positive",
            "error",
            case.file,
            case.line or None,
            finding.pointer,
            f"{'look-alike' if case.look_alike else 'clean line'} flagged: "
            f"{case.description} ({finding.code}: {finding.message})",
        )
        for case, finding in report.false_positives
    ]
    reasons: list[str] = []
    if report.missed:
        reasons.append(f"{len(report.missed)} planted leak(s) not caught")
    if report.clean_lines_flagged:
        reasons.append(f"{report.clean_lines_flagged} false positive(s) on clean lines")
    if report.look_alikes_flagged:
        reasons.append(f"{report.look_alikes_flagged} look-alike value(s) flagged")
    counts = Counter(f.code for f in findings)
    return CheckResult(
        check=SELF_TEST_CHECK,
        status="pass" if report.passed else "fail",
        summary=SelfTestSummary(
            leaks=report.leaks,
            caught=report.caught,
            missed=len(report.missed),
            clean_lines=report.clean_lines,
            false_positives=report.clean_lines_flagged,
            counts=dict(sorted(counts.items())),
            reasons=reasons,
            look_alikes=report.look_alikes,
            look_alikes_flagged=report.look_alikes_flagged,
        ),
        findings=tuple(findings),
        duration_s=round(time.perf_counter() - started, 6),
    )


def run_configured(config: Config, options: RunOptions) -> CheckResult:
    """The scan as a whole run does it: the configured telemetry."""
    return check_privacy(list(config.paths.telemetry), config, cwd=Path.cwd())


def run_self_test_configured(config: Config, options: RunOptions) -> CheckResult:
    """The canary as a whole run does it."""
    return check_privacy_self_test(config)
