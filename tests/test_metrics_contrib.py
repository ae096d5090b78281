"""The Grafana dashboard and the Prometheus alerts in contrib/: they load, and they name only
metrics opsguard exports (cross-checked against a textfile rendered from a real run).

`promtool` (Debian's `prometheus` package; `.ci/run` installs it) checks the rules and runs
`contrib/prometheus/opsguard-alerts.test.yml`, which proves each alert fires and stays
quiet when it should.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from support import run_opsguard

from opsguard.metrics import track_autorun

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = REPO / "contrib" / "grafana" / "opsguard-dashboard.json"
RULES = REPO / "contrib" / "prometheus" / "opsguard-alerts.yml"
RULES_TEST = REPO / "contrib" / "prometheus" / "opsguard-alerts.test.yml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package `prometheus`; .ci/run installs it)",
)
# node_exporter's own metric the alerts watch (its textfile collector's health).
NODE_EXPORTER = {"node_textfile_scrape_error"}

# PromQL words that are not metric names: keywords, and what follows `by`/`without`/`on`.
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
            "or", "unless", "offset", "inf", "nan"}  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every family in a real textfile: `opsguard run` on the sample, and the tracker's file."""
    out = tmp_path_factory.mktemp("exported")
    proc = run_opsguard(
        ["run", "--results-dir", str(out / "results"), "--set", "fault.trials=2",
         "--textfile", str(out / "opsguard.prom")],
        REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with track_autorun(out / "pipeline-autorun.prom"):
        pass
    names: set[str] = set()
    for file in ("opsguard.prom", "pipeline-autorun.prom"):
        text = (out / file).read_text(encoding="utf-8")
        names |= {family.name for family in text_string_to_metric_families(text)}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (a small lexer: enough for our queries).

    Strings, label matchers and grouping lists are dropped; an identifier followed by
    `(` is a function or an aggregation; the rest, keywords aside, are metric names.
    Names spelled inside a `__name__` regex are read from it.
    """
    names = set(re.findall(r'__name__\s*=~?\s*"([^"]*)"', expr))
    names = {n for alternatives in names for n in alternatives.split("|")}
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    # `max by (check) (x)` -> `max  (x)`: the aggregation is then followed by its "(".
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range selectors: [5m]
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group()
        if text[match.end() :].lstrip().startswith("("):
            continue  # a function or an aggregation
        if word.lower() in KEYWORDS or re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def test_the_lexer_finds_metric_names() -> None:
    assert metric_names(
        'time() - max without (source) (opsguard_a{x="y", z=~"$v"}) > 26 * 3600 or absent(b)'
    ) == {"opsguard_a", "b"}
    assert metric_names("sum by (code) (rate(c_total[5m])) > bool 0") == {"c_total"}
    assert metric_names('label_values({__name__=~"m1|m2"}, instance)') == {"m1", "m2", "instance"}


# --- the dashboard -------------------------------------------------------------------------------


def _dashboard() -> dict[str, Any]:
    data = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def test_the_dashboard_has_a_stable_uid_and_a_datasource_variable() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "opsguard-overview"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    # No data source is hardcoded: every panel, target and query variable uses the variable.
    for item in [*_panels(dashboard["panels"]), *dashboard["templating"]["list"]]:
        for holder in [item, *item.get("targets", [])]:
            if "datasource" in holder and holder is not variables["datasource"]:
                assert holder["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    ids = [p["id"] for p in _panels(dashboard["panels"])]
    assert len(ids) == len(set(ids))


def test_every_dashboard_query_names_only_exported_metrics(exported: set[str]) -> None:
    dashboard = _dashboard()
    queries = [
        (panel["title"], target["expr"])
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]
    assert len(queries) >= 10
    for title, expr in queries:
        names = metric_names(expr)
        assert names, f"{title}: {expr} reads no metric"
        assert names <= exported, f"{title}: {sorted(names - exported)} are not exported"
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            names = metric_names(variable["definition"]) - {"instance"}
            assert names and names <= exported, variable["name"]


def test_the_dashboard_has_the_panels_the_issue_asks_for() -> None:
    exprs = " ".join(
        t["expr"] for p in _panels(_dashboard()["panels"]) for t in p.get("targets", [])
    )
    for metric in (
        "opsguard_check_passed",  # each check's verdict over time
        "opsguard_integrity_failure_ratio",  # against the 1% line
        "opsguard_integrity_band_mismatches",
        "opsguard_privacy_violations",
        "opsguard_retention_deleted_files",
        "opsguard_retention_oldest_kept_file_timestamp_seconds",
        "opsguard_autorun_last_success_timestamp_seconds",  # freshness
        "opsguard_autorun_last_duration_seconds",
    ):
        assert metric in exprs, metric
    ratio = next(p for p in _panels(_dashboard()["panels"]) if "failure ratio" in p["title"])
    steps = ratio["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["value"] for s in steps] == [None, 0.01]
    assert ratio["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] == {"mode": "line"}


# --- the alerts ----------------------------------------------------------------------------------


def _rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"]]


def test_the_alerts_are_the_ones_the_issue_lists() -> None:
    assert {rule["alert"] for rule in _rules()} == {
        "OpsguardAutorunNotSucceeding",  # auto-run not successful for more than 26 h
        "OpsguardAutorunMetricsAbsent",  # ... or never seen at all
        "OpsguardIntegrityFailureRatio",  # ratio >= threshold
        "OpsguardPrivacyViolation",  # any privacy violation
        "OpsguardCheckError",  # any check in error
        "OpsguardRetentionNotHolding",  # oldest file older than max age x 1.1
        "OpsguardTextfileScrapeError",  # node_textfile_scrape_error
    }
    for rule in _rules():
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_every_alert_names_only_exported_metrics(exported: set[str]) -> None:
    for rule in _rules():
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert names <= exported | NODE_EXPORTER, (rule["alert"], sorted(names - exported))


@needs_promtool
def test_promtool_checks_the_rules() -> None:
    assert PROMTOOL is not None
    proc = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in proc.stdout


@needs_promtool
def test_promtool_proves_each_alert_fires_and_stays_quiet() -> None:
    assert PROMTOOL is not None
    proc = subprocess.run(
        [PROMTOOL, "test", "rules", RULES_TEST.name], cwd=RULES_TEST.parent,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Every alert is exercised, both ways, by the test file.
    tests = yaml.safe_load(RULES_TEST.read_text(encoding="utf-8"))["tests"]
    cases = [case for test in tests for case in test["alert_rule_test"]]
    for rule in _rules():
        mine = [case for case in cases if case["alertname"] == rule["alert"]]
        assert any(case["exp_alerts"] for case in mine), f"{rule['alert']} never fires"
        assert any(not case["exp_alerts"] for case in mine), f"{rule['alert']} never quiet"


def test_every_exported_metric_is_documented(exported: set[str], repo: Path) -> None:
    doc = (repo / "docs" / "metrics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(opsguard_[a-z0-9_]+)` \|", doc, flags=re.MULTILINE))
    assert documented == exported
