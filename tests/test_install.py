"""The wheel is a real package: built from this checkout, installed with the locked
runtime requirements into a fresh venv outside it, it scaffolds, checks, builds and runs
the demo with no checkout anywhere on its path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from statusgen import __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(600)


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def uv() -> list[str]:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (it is in the test extra)")
    return [found]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # No build isolation: hatchling comes from the test lock, not from the network.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", out, ROOT, cwd=out)  # fmt: skip
    (path,) = out.glob("statusgen-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> dict[str, str]:
    """A fresh venv (no system site-packages) holding the locked runtime requirements and
    the wheel; returns the environment to run its `statusgen` in."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv)
    python = venv / "bin" / "python"
    lock = ROOT / "requirements" / "runtime.txt"
    run(*uv(), "pip", "install", "-q", "--python", python, "--require-hashes", "-r", lock,
        cwd=venv)  # fmt: skip
    run(*uv(), "pip", "install", "-q", "--python", python, "--no-deps", wheel, cwd=venv)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("STATUSGEN_CONFIG", None)
    return env


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
