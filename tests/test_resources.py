"""The theme: the default one ships with statusgen; a project's own `site-templates/`
overrides it file by file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from statusgen.cli import main
from statusgen.resources import scaffold_sources, template_dirs, theme_dir

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_reads_the_theme_and_the_scaffold_at_the_top_level():
    assert theme_dir() == ROOT / "site-templates"
    assert scaffold_sources()["config"] == ROOT / "config"
    assert template_dirs(None) == [theme_dir()]
    assert template_dirs(ROOT) == [theme_dir()]  # this repository's theme is the default


def test_a_project_template_overrides_the_default_one_of_the_same_name(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path), "--pin", "statusgen==0"]).exit_code == 0
    custom = tmp_path / "site-templates"
    custom.mkdir()
    (custom / "site.js").write_text("/* custom */\n")
    base = (theme_dir() / "_base.html").read_text()
    (custom / "_base.html").write_text(base.replace("<body", "<body data-custom-theme", 1))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "output"
    assert (out / "site.js").read_text() == "/* custom */\n"
    assert "data-custom-theme" in (out / "index.html").read_text()
    # Everything not overridden comes from the default theme.
    assert (out / "style.css").read_text().strip()
    assert (out / "widget.js").read_text().strip()
