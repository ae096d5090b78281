"""The README and the docs must stay true: CI runs the README's commands, and
every configuration key and environment variable is documented."""

from __future__ import annotations

import re
from pathlib import Path

from opsguard.catalog import SETTINGS
from opsguard.core.config import env_names, settings_table
from opsguard.integrity.codes import INTEGRITY_CODES


def _shell_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)]


def test_readme_commands_are_what_ci_runs(repo: Path) -> None:
    blocks = _shell_blocks((repo / "README.md").read_text(encoding="utf-8"))
    main_job, test_job = blocks[0], blocks[1]
    assert main_job.endswith(".venv/bin/nox")
    assert test_job.endswith(".venv/bin/nox -s tests")
    ci = (repo / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_job in ci, "the README's test command must appear verbatim in .ci/run"
    assert ".venv/bin/nox" in ci, "CI must run the README's main job"


def test_every_config_key_and_variable_is_documented(repo: Path) -> None:
    doc = (repo / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.key}`" in doc, f"{setting.key} is not documented"
    for name in env_names(SETTINGS):
        assert f"`{name}`" in doc, f"{name} is not documented"


def test_every_integrity_code_is_documented(repo: Path) -> None:
    doc = (repo / "docs" / "integrity.md").read_text(encoding="utf-8")
    for code in INTEGRITY_CODES:
        assert f"| `{code}` |" in doc, f"{code} is not documented"


def test_the_settings_table_is_generated_from_the_settings(repo: Path) -> None:
    doc = (repo / "docs" / "configuration.md").read_text(encoding="utf-8")
    start = doc.index("-->\n", doc.index("<!-- settings table")) + len("-->\n")
    end = doc.index("<!-- end of settings table -->")
    assert doc[start:end] == settings_table(SETTINGS), (
        "docs/configuration.md is stale: replace the table with the output of "
        "python -c 'from opsguard.catalog import SETTINGS; from opsguard.core.config import "
        'settings_table; print(settings_table(SETTINGS), end="")\''
    )
