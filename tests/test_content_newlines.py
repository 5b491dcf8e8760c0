"""A bare carriage return is a line break everywhere a content file is read or written, so
it can neither forge a back-dated update heading nor shift line numbers."""

from __future__ import annotations

from statusgen.content import read_content
from statusgen.content.writer import add_update, new_incident
from tests import manage_support
from tests.conftest import T0

FORGED = "Fixed.\r## 2020-01-01T00:00Z — resolved\rAll good since 2020."


def test_the_api_refuses_an_update_heading_after_a_bare_cr(tmp_path, clock):
    config = manage_support.make_project(tmp_path)
    app = manage_support.make_app(config, clock)
    client = manage_support.Client(app, manage_support.new_token(config, clock))
    page = client.create_page()
    incident = client.open_incident(page["id"])
    response = client.post(
        f"/status-pages/incidents/{incident['id']}/updates", json={"message": FORGED}
    )
    assert response.status_code == 400
    assert "reserved for updates" in response.json()["error"]
    opened = client.post(
        f"/status-pages/{page['id']}/incidents", json={"title": "X", "message": FORGED}
    )
    assert opened.status_code == 400


def test_written_files_hold_no_carriage_return(tmp_path, clock):
    config = manage_support.make_project(tmp_path)
    incident = new_incident(
        config, title="Down", severity="major", status="investigating", affected=[],
        message="First.\r\nSecond line.", now=T0,
    )  # fmt: skip
    add_update(config, incident.id, message="Checking.\rStill checking.", now=T0)
    [path] = (config.resolve(config.content.incidents)).glob("*.md")
    assert b"\r" not in path.read_bytes()


def test_a_file_with_crlf_or_bare_cr_reads_like_one_with_lf(tmp_path, clock):
    config = manage_support.make_project(tmp_path)
    folder = config.resolve(config.content.incidents)
    folder.mkdir(parents=True, exist_ok=True)
    lf = (
        "---\ntitle: Down\nseverity: major\nstatus: resolved\naffected: []\n"
        "started: 2026-11-23T10:00Z\nresolved: 2026-11-23T11:00Z\n---\n\n"
        "## 2026-11-23T11:00Z — resolved\n\nBack.\n\n"
        "## 2026-11-23T10:00Z — investigating\n\nLooking.\n"
    )
    (folder / "2026-11-23-down.md").write_text(lf, newline="")
    expected, problems = read_content(config)
    assert problems == []
    for ending in ("\r\n", "\r"):
        (folder / "2026-11-23-down.md").write_text(lf.replace("\n", ending), newline="")
        content, problems = read_content(config)
        assert problems == []
        assert content.incidents == expected.incidents
