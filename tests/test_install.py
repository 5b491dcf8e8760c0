"""The wheel is a real package: built from this checkout, installed with the locked
runtime requirements into a fresh venv outside it, it scaffolds, checks, builds and runs
the demo with no checkout anywhere on its path."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from statusgen import __version__
from tests.install_support import ROOT, build_wheel, fresh_venv, run

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> dict[str, str]:
    return fresh_venv(tmp_path_factory.mktemp("venv"), wheel)


def test_the_wheel_carries_the_theme_the_scaffold_and_the_locales(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "site-templates").iterdir():
        assert f"statusgen/data/site-templates/{template.name}" in names
    for required in (
        "statusgen/data/scaffold/config/statusgen.toml",
        "statusgen/data/scaffold/workflows/status.yml",
        "statusgen/data/scaffold/workflows/check.yml",
        "statusgen/data/scaffold/requirements/runtime.txt",
        "statusgen/locales/en.json",
        "statusgen/py.typed",
    ):
        assert required in names
    assert wheel.name == f"statusgen-{__version__}-py3-none-any.whl"


def test_init_check_build_and_demo_run_from_the_installed_wheel(installed, wheel, tmp_path):
    where = run("python", "-c", "import statusgen; print(statusgen.__file__)",
                cwd=tmp_path, env=installed).stdout  # fmt: skip
    assert not where.startswith(str(ROOT)) and "site-packages" in where
    assert run("statusgen", "--version", cwd=tmp_path, env=installed).stdout.strip() == (
        f"statusgen, version {__version__}"
    )

    done = run("statusgen", "init", "site", "--pin", wheel, cwd=tmp_path, env=installed)
    assert "Look at the page:" in done.stdout and "open output/index.html" in done.stdout
    site = tmp_path / "site"
    assert (site / ".git").is_dir()
    assert f"statusgen @ {wheel.as_uri()}" in (site / "requirements" / "statusgen.txt").read_text()
    assert (site / "requirements" / "runtime.txt").read_bytes() == (
        ROOT / "requirements" / "runtime.txt"
    ).read_bytes()
    run("statusgen", "check", cwd=site, env=installed)
    done = run("statusgen", "build", cwd=site, env=installed)
    assert "built" in done.stdout
    for name in ("index.html", "site.js", "style.css", "api/v1/status.json"):
        assert (site / "output" / name).is_file(), name

    done = run("statusgen", "demo", "--no-serve", "--passes", "1", "--dir", tmp_path / "demo",
               cwd=tmp_path, env=installed)  # fmt: skip
    assert (tmp_path / "demo" / "output" / "index.html").is_file()
