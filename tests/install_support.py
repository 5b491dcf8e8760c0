"""A wheel built from this checkout, and fresh venvs holding it with the locked runtime
requirements (tests/test_install.py, tests/test_workflow_e2e.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "runtime.txt"


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


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (it is in the test extra)")
    return found


def build_wheel(out: Path) -> Path:
    # No build isolation: hatchling comes from the test lock, not from the network.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", out, ROOT, cwd=out)  # fmt: skip
    (path,) = out.glob("statusgen-*.whl")
    return path


def fresh_venv(folder: Path, wheel: Path | None, with_pip: bool = False) -> dict[str, str]:
    """A venv (no system site-packages) with the locked runtime requirements (installed by
    uv from its cache) and `wheel`; returns an environment whose PATH starts with it."""
    folder.mkdir(parents=True, exist_ok=True)
    run(sys.executable, "-m", "venv", *([] if with_pip else ["--without-pip"]), folder, cwd=folder)
    python = folder / "bin" / "python"
    run(uv(), "pip", "install", "-q", "--python", python, "--require-hashes", "-r", LOCK,
        cwd=folder)  # fmt: skip
    if wheel is not None:
        run(uv(), "pip", "install", "-q", "--python", python, "--no-deps", wheel, cwd=folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("STATUSGEN_CONFIG", None)
    return env
