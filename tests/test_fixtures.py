"""The committed sample fixtures are exactly what fixtures/make_sample.py produces."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def test_sample_fixtures_are_reproducible(repo: Path, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_sample", repo / "fixtures/make_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    module.main(tmp_path)

    committed = repo / "fixtures" / "sample"
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    for relative in made:
        assert (tmp_path / relative).read_bytes() == (committed / relative).read_bytes(), relative
