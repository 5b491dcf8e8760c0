"""api/v1/status.json is described by one JSON Schema, docs/api/status-v1.schema.json:
the built documents of the fixture page (main and extra pages, a page with no data) are
valid against it, so a field added without documenting it fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statusgen.site import build_site

from .conftest import T0
from .site_helpers import make_fixture

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "api" / "status-v1.schema.json"
jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    config = make_fixture(tmp_path_factory.mktemp("schema"))
    build_site(config, T0)
    return config.output_dir


def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("rel", ["api/v1/status.json", "api-only/api/v1/status.json"])
def test_the_built_status_document_matches_its_schema(output, rel):
    document = json.loads((output / rel).read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(document)]
    assert errors == []


def test_the_schema_rejects_an_undocumented_field(output):
    document = json.loads((output / "api/v1/status.json").read_text(encoding="utf-8"))
    document["surprise"] = 1
    assert not validator().is_valid(document)


def test_the_document_says_when_the_next_update_is_due(output):
    document = json.loads((output / "api/v1/status.json").read_text(encoding="utf-8"))
    assert document["stale_after"] == 3600
    assert document["generated_at"] == "2026-11-23T12:00:00Z"
    assert document["next_update_by"] == "2026-11-23T13:00:00Z"
