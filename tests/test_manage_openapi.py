"""`/openapi.json` describes what the server does: schemathesis generates requests for every
operation from it and checks that no response is a 5xx and every response conforms."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from statusgen.server.manage import operations
from tests.docs_support import doc_page, docs_text
from tests.manage_support import Client, make_app, make_project, new_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Env:
    client: Client
    ids: list[str]  # path ids worth hitting: a page, the main page, an incident


@pytest.fixture
def env(tmp_path, clock):
    config = make_project(tmp_path)
    client = Client(make_app(config, clock), new_token(config, clock))
    page = client.create_page("acme", servers=["web"])
    incident = client.open_incident(page["id"])
    return Env(client, [page["id"], "main", incident["id"]])


@pytest.mark.parametrize("op", operations(), ids=lambda op: f"{op.method} {op.path}")
def test_every_operation_conforms_to_its_schema(op, env):
    # schemathesis' programmatic API (no pytest plugin: its from_fixture broke with pytest 9).
    loaded = schemathesis.openapi.from_asgi("/openapi.json", env.client.app)
    operation = loaded[op.path][op.method]
    cases = st.one_of([operation.as_strategy(mode) for mode in schemathesis.GenerationMode])

    @given(case=cases)
    @settings(
        max_examples=10,  # bounded: a few valid and invalid requests per operation
        deadline=2000,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def conforms(case):
        params = case.path_parameters or {}
        if "id" in params:
            # Generated ids would only ever find nothing: mostly aim at ones that exist.
            choices = [*env.ids, params["id"]]
            params["id"] = choices[len(params["id"]) % len(choices)]
        if "slug" in params:
            params["slug"] = ["acme", "main", params["slug"]][len(params["slug"]) % 3]
        headers = {"Authorization": f"Bearer {env.client.token}"}
        case.call_and_validate(headers=headers, checks=CHECKS)

    conforms()


def test_the_document_lists_every_operation_with_its_models(env):
    document = env.client.get("/openapi.json", token=None).json()
    listed = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert listed == {(op.method, op.path) for op in operations()}
    create = document["paths"]["/status-pages"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PageCreate"
    }
    assert set(create["responses"]) == {"201", "400", "401", "409", "413", "500", "503"}
    page_create = document["components"]["schemas"]["PageCreate"]
    assert page_create["required"] == ["slug", "name"]
    assert page_create["properties"]["theme"] == {
        "default": "dark",
        "enum": ["dark", "light", "auto"],
        "type": "string",
    }
    assert document["paths"]["/status/{slug}"]["get"]["security"] == []


def test_the_docs_document_every_route_and_token_command():
    text = docs_text()
    section = doc_page("manage-api.md")
    for op in operations():
        assert f"`{op.method} {op.path}" in section, op.path
    for command in ("token new --scope manage", "token list", "token revoke ID"):
        assert f"`statusgen {command}`" in text
    assert "`statusgen serve --git-commit`" in text
