"""The page and the API with locations: the node page's per-location table (text, not
colour only; translated), per-location detail in api/v1/status.json (valid against its
schema) and the merged status in the Statuspage v2 and Vigil documents."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from statusgen.config import load_config
from statusgen.history import open_store
from statusgen.site import build_site

from .conftest import MINIMAL_CONFIG, T0, write_project
from .locations_support import locations_toml

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "api" / "status-v1.schema.json"
jsonschema = pytest.importorskip("jsonschema")

LOCATIONS = locations_toml("fra", "par", "nyc", external=("par", "nyc"))


def project(tmp_path, locale: str = "en"):
    text = MINIMAL_CONFIG.replace(
        'name = "Test Status"', f'name = "Test Status"\nlocale = "{locale}"'
    )
    config = load_config(write_project(tmp_path, text + LOCATIONS), env={})
    key = f"web/site/{config.services[0].nodes[0].replicas[0].id}"
    at = T0 - timedelta(minutes=2)
    for writer, entry in (("fra", ["h", 40]), ("par", ["d", None, "connection refused"])):
        code = entry[0]
        record = {
            "t": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "r": {key: entry},
            "n": {"web/site": code},
            "s": {"web": code},
            "p": code,
        }
        open_store(config, writer=writer).append(record, at)
    build_site(config, T0)
    return config.output_dir


def test_the_node_page_has_a_row_per_location(tmp_path):
    html = (project(tmp_path) / "nodes" / "web" / "site.html").read_text(encoding="utf-8")
    table = html[html.index("<h2>Locations</h2>") :]
    table = table[: table.index("</section>")]
    rows = table.split("<tr>")[2:]
    assert [row.split("</td>")[0].removeprefix("<td>") for row in rows] == [
        "Frankfurt *",
        "Paris",
        "New York",
    ]
    assert ">Healthy<" in rows[0] and "40 ms" in rows[0]
    assert ">Dead<" in rows[1]
    assert "Not reporting" in rows[2]  # it never reported
    assert "A GitHub-hosted runner: an independent machine, not a chosen place." in table


def test_the_api_gives_each_location_and_the_merged_status(tmp_path):
    output = project(tmp_path)
    document = json.loads((output / "api" / "v1" / "status.json").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert errors == []
    node = document["services"][0]["nodes"][0]
    assert node["probe"] == "sick"  # Paris alone says dead: a minority
    assert node["locations"] == [
        {
            "id": "fra",
            "name": "Frankfurt",
            "health": "healthy",
            "latency_ms": 40,
            "checked_at": "2026-11-23T11:58:00Z",
        },
        {
            "id": "par",
            "name": "Paris",
            "health": "dead",
            "latency_ms": None,
            "checked_at": "2026-11-23T11:58:00Z",
        },
        {"id": "nyc", "name": "New York", "health": None, "latency_ms": None, "checked_at": None},
    ]
    summary = json.loads((output / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
    assert [c["status"] for c in summary["components"] if c["name"] == "Site"] == [
        "degraded_performance"
    ]
    assert "location" not in json.dumps(summary)  # v2 keeps its shape
    vigil = json.loads((output / "status" / "report").read_text(encoding="utf-8"))
    assert "Frankfurt" not in json.dumps(vigil)  # Vigil keeps its shape, merged
    assert "sick" in json.dumps(vigil) and "dead" not in json.dumps(vigil)


def test_the_table_is_translated(tmp_path):
    html = (project(tmp_path, "fr") / "nodes" / "web" / "site.html").read_text(encoding="utf-8")
    assert "<h2>Emplacements de sonde</h2>" in html
    assert "Aucun rapport récent" in html
    assert "une machine indépendante, pas un lieu choisi" in html
