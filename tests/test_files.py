"""`statusgen.files`: atomic writes that never expose a secret file, and the private
state folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from statusgen import files
from statusgen.clock import system_clock
from statusgen.server.auth import ManageTokens
from statusgen.server.tokens import ReporterToken


@pytest.fixture
def modes_at_rename(monkeypatch) -> list[tuple[str, int]]:
    """Every (final name, mode of the temporary file) as write_atomic renames it."""
    seen: list[tuple[str, int]] = []
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        seen.append((Path(dst).name, stat.S_IMODE(os.stat(src).st_mode)))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(files.os, "replace", replace)
    return seen


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_secret_file_is_0600_before_it_takes_its_name(tmp_path, modes_at_rename, umask_022):
    ReporterToken(tmp_path / "state").roll()
    ManageTokens(tmp_path / "state").new("manage", system_clock())
    assert modes_at_rename == [("reporter-token", 0o600), ("manage-tokens.json", 0o600)]
    for name in ("reporter-token", "manage-tokens.json"):
        assert stat.S_IMODE((tmp_path / "state" / name).stat().st_mode) == 0o600


def test_write_atomic_gives_the_file_its_mode_before_writing_it(tmp_path, monkeypatch):
    # No moment with the data in a file of a wider mode: the mode is set on the empty file.
    order: list[str] = []
    monkeypatch.setattr(files.os, "fchmod", lambda fd, mode: order.append(f"fchmod {mode:o}"))
    monkeypatch.setattr(files.os, "fsync", lambda fd: order.append("fsync"))
    files.write_atomic(tmp_path / "secret", "x", mode=0o600)
    assert order == ["fchmod 600", "fsync"]


def test_the_state_folder_is_created_private(tmp_path, umask_022):
    ReporterToken(tmp_path / "state").roll()
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


def test_an_existing_wide_state_folder_is_narrowed(tmp_path, umask_022):
    (tmp_path / "state").mkdir(mode=0o755)
    ManageTokens(tmp_path / "state").new("manage", system_clock())
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
