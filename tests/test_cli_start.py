"""Each command loads only what it uses: `statusgen --help` imports neither pydantic,
Jinja2 nor Apprise, and `check` of a page without notification channels loads no renderer
and no notifier (issue 14, start-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from statusgen import importers
from statusgen.cli import COMMANDS, DEFAULT_CONFIG, importing, load_commands
from statusgen.config import DEFAULT_CONFIG as CONFIG_DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pydantic", "jinja2", "apprise", "httpx", "markdown", "jsonpath")
# statusgen's own modules that a command loads only when it needs them.
ON_DEMAND = ("statusgen.notify.channels", "statusgen.conditions", "statusgen.conditions.evaluate")
# Command modules: a command line loads only the one defining its command.
COMMAND_MODULES = tuple(f"statusgen.cli.{module}" for module in sorted(set(COMMANDS.values())))

# Runs the CLI in a fresh interpreter and prints which heavy packages (and which of
# statusgen's on-demand modules) it imported.
PROBE = """
import json, sys
from statusgen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
names = {name.split(".")[0] for name in sys.modules} | set(sys.modules)
loader = sys.modules.get("pydantic.plugin._loader")
plugins = "scanned" if loader and loader._plugins is not None else "not scanned"
names.add(f"pydantic plugins {plugins}")
print(json.dumps({"code": code, "loaded": sorted(names & set(json.loads(sys.stdin.readline())))}))
"""
PLUGINS_SCANNED = "pydantic plugins scanned"


def loaded_by(args: list[str], cwd: Path, names: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """The command's exit code, and which of HEAVY, ON_DEMAND, the command modules and
    `names` it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps((*HEAVY, *ON_DEMAND, *COMMAND_MODULES, PLUGINS_SCANNED, *names)) + "\n",
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], result["loaded"]


@pytest.mark.parametrize(
    ("args", "module"),
    [(["build", "--help"], "site"), (["incident", "new", "--help"], "content")],
)
def test_help_imports_no_validation_rendering_or_notification_library(tmp_path, args, module):
    code, loaded = loaded_by(args, tmp_path)
    assert code == 0
    assert loaded == [f"statusgen.cli.{module}"]


def test_the_command_list_loads_every_command_module_and_nothing_heavy(tmp_path):
    code, loaded = loaded_by(["--help"], tmp_path)
    assert code == 0
    assert loaded == list(COMMAND_MODULES)


def test_each_command_is_found_in_the_module_the_table_names():
    registered = load_commands().commands
    assert set(registered) == set(COMMANDS)
    for name, command in registered.items():
        defined_in = {command.callback.__module__} if command.callback else set()
        if isinstance(command, click.Group):
            defined_in |= {sub.callback.__module__ for sub in command.commands.values()}
        # The named module defines it, or imports the one that does (manage: server's
        # token group, to which it adds the management tokens).
        assert f"statusgen.cli.{COMMANDS[name]}" in defined_in


def test_check_without_channels_loads_neither_jinja2_nor_apprise_nor_httpx(project):
    config = project()
    code, loaded = loaded_by(["check", "-c", str(config)], config.parent.parent)
    assert code == 0
    assert "jinja2" not in loaded and "apprise" not in loaded and "httpx" not in loaded
    # Conditions are parsed to validate them; JSONPath is for judging a body only.
    assert "jsonpath" not in loaded


def test_check_reads_content_without_loading_markdown():
    # The example page (this repository's config/) has an incident, an announcement and
    # a maintenance window: check validates them and renders none. It has no notification
    # channel (no notifier to load) and no node condition (no condition parser to load;
    # the evaluator is for probes only).
    assert any((ROOT / "config" / "incidents").glob("*.md"))
    code, loaded = loaded_by(["check", "-c", "config/statusgen.toml"], ROOT)
    assert code == 0
    assert loaded == ["pydantic", "statusgen.cli.core"]


def test_no_command_looks_for_pydantic_plugins(tmp_path, monkeypatch):
    # Looking for them reads every installed package's entry points; statusgen has none.
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    code, loaded = loaded_by(["check", "-c", str(ROOT / "config/statusgen.toml")], tmp_path)
    assert code == 0 and PLUGINS_SCANNED not in loaded
    # A user's own setting is kept: with plugins enabled, pydantic looks for them.
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")
    code, loaded = loaded_by(["check", "-c", str(ROOT / "config/statusgen.toml")], tmp_path)
    assert code == 0 and PLUGINS_SCANNED in loaded


def test_a_probe_of_http_nodes_loads_no_certificate_parser_dns_renderer_or_notifier(project):
    # An http:// page: no certificate to read, no DNS query to send (about 85 ms of
    # imports a cron pass skips). The replica refuses the connection: the pass still runs.
    config = project()  # conftest's MINIMAL_CONFIG: one http:// replica on port 9
    args = ["probe", "--no-notify", "-c", str(config)]
    code, loaded = loaded_by(args, config.parent.parent, ("cryptography", "dns"))
    assert code == 0 and "httpx" in loaded
    assert "cryptography" not in loaded and "dns" not in loaded
    # `probe` builds no site, and with --no-notify sends nothing: no renderer, no notifier.
    assert "jinja2" not in loaded and "apprise" not in loaded


def test_check_with_a_channel_still_validates_its_url(project):
    config = project(
        """
        [page]
        name = "T"

        [notify]
        channels = [{ url = "nosuchscheme://x" }]

        [[services]]
        id = "web"
        name = "Web"

        [[services.nodes]]
        id = "site"
        label = "Site"
        replicas = ["http://127.0.0.1:9/"]
        """
    )
    done = subprocess.run(
        [sys.executable, "-m", "statusgen", "check", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "notify.channels[0].url: not a URL Apprise understands" in done.stderr


def test_the_cli_default_config_path_is_the_config_packages():
    assert DEFAULT_CONFIG == CONFIG_DEFAULT_CONFIG


def test_the_cli_import_formats_are_the_importers():
    assert importing.FORMATS == importers.FORMATS
