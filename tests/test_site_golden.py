"""Golden files: a few files of the fixture site compared byte for byte with checked-in
copies, so a template or API change shows up as a reviewable diff.

After an intended change, refresh them with `STATUSGEN_UPDATE_GOLDEN=1 python -m pytest
tests/test_site_golden.py` and review `git diff tests/golden/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from statusgen.site import build_site

from .conftest import T0
from .site_helpers import make_fixture

GOLDEN = Path(__file__).resolve().parent / "golden" / "site"
FILES = [
    "index.html",
    "nodes/web/site.html",
    "incidents/2026-11-23-rest-down.html",
    "history.html",
    "api/v1/status.json",
    "api/v2/summary.json",
    "status/report",
    "status/api-only.json",
    "badges/status.svg",
    "badges/nodes/web/site/uptime.json",
    "rss.xml",
    "atom.xml",
]


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    config = make_fixture(tmp_path_factory.mktemp("golden"))
    build_site(config, T0)
    return config.output_dir


@pytest.mark.parametrize("rel", FILES)
def test_built_file_matches_its_golden_copy(output, rel):
    built = (output / rel).read_bytes()
    golden = GOLDEN / rel
    if os.environ.get("STATUSGEN_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(built)
    assert golden.is_file(), f"no golden copy of {rel}; see this module's docstring"
    assert built.decode() == golden.read_text(encoding="utf-8")
