"""`statusgen publish DEST` moves only what changed, removes what the build no longer
makes, and never writes through a symlink."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.errors import StatusgenError
from statusgen.publish import publish_site


def site(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def output(tmp_path):
    return site(
        tmp_path / "output",
        {"index.html": "home", "style.css": "css", "api/v1/status.json": "{}", ".nojekyll": ""},
    )


def test_the_first_publish_copies_everything_then_only_what_changed(output, tmp_path):
    dest = tmp_path / "www"
    report = publish_site(output, dest)
    assert sorted(report.copied) == [".nojekyll", "api/v1/status.json", "index.html", "style.css"]
    assert (dest / "api/v1/status.json").read_text() == "{}"
    untouched = (dest / "style.css").stat().st_ino

    assert publish_site(output, dest).copied == []

    (output / "index.html").write_text("home, updated")
    (output / "api/v1/status.json").unlink()
    report = publish_site(output, dest)
    assert report.copied == ["index.html"] and report.removed == ["api/v1/status.json"]
    assert report.unchanged == 2
    assert (dest / "index.html").read_text() == "home, updated"
    assert (dest / "style.css").stat().st_ino == untouched  # not rewritten
    assert not (dest / "api").exists()  # empty folders go too


def test_assets_are_written_before_pages_and_the_home_page_last(output, tmp_path, monkeypatch):
    import statusgen.publish as publish

    order: list[str] = []
    write = publish._write
    monkeypatch.setattr(publish, "_write", lambda t, d: (order.append(t.name), write(t, d)))
    (output / "incident.html").write_text("x")
    publish_site(output, tmp_path / "www")
    assert order[-1] == "index.html" and order.index("style.css") < order.index("incident.html")


def test_keep_extra_leaves_files_only_the_destination_has(output, tmp_path):
    dest = site(tmp_path / "www", {"mine.txt": "keep"})
    publish_site(output, dest, delete=False)
    assert (dest / "mine.txt").read_text() == "keep"
    publish_site(output, dest)
    assert not (dest / "mine.txt").exists()


def test_a_symlink_in_the_destination_is_replaced_not_written_through(output, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "style.css").write_text("theirs")
    dest = tmp_path / "www"
    (dest / "api").mkdir(parents=True)
    os.symlink(outside / "style.css", dest / "style.css")
    (dest / "api").rmdir()
    os.symlink(outside, dest / "api")
    publish_site(output, dest)
    assert (outside / "style.css").read_text() == "theirs"
    assert not (outside / "v1").exists()
    assert not (dest / "style.css").is_symlink() and (dest / "style.css").read_text() == "css"
    assert not (dest / "api").is_symlink() and (dest / "api/v1/status.json").is_file()


@pytest.mark.parametrize("where", ["output", "output/www", "."])
def test_the_destination_must_be_outside_the_build(output, tmp_path, where):
    with pytest.raises(StatusgenError, match="must be outside"):
        publish_site(output, tmp_path / where if where != "." else tmp_path)


def test_publish_needs_a_built_site(tmp_path):
    with pytest.raises(StatusgenError, match="run statusgen build first"):
        publish_site(tmp_path / "output", tmp_path / "www")


def test_the_command_publishes_the_configs_output(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path), "--pin", "statusgen==0"]).exit_code == 0
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["build"]).exit_code == 0
    result = runner.invoke(main, ["publish", str(tmp_path / "www")])
    assert result.exit_code == 0, result.output
    assert "copied, 0 unchanged, 0 removed" in result.output
    assert (tmp_path / "www" / "index.html").is_file()
    result = runner.invoke(main, ["publish", str(tmp_path / "www")])
    assert " 0 copied" in result.output
