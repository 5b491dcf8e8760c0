"""Status pages over HTTP: list, create, get, update, delete; written into [[pages]]."""

from __future__ import annotations

import uuid

import pytest

from statusgen.config import load_config
from tests.manage_support import Client, make_app, make_project, new_token

T = "2026-11-23T12:00:00Z"


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def api(config, clock):
    return Client(make_app(config, clock), new_token(config, clock))


def test_list_is_empty_with_a_timestamp(api):
    response = api.get("/status-pages")
    assert response.status_code == 200
    assert response.json() == {"status_pages": [], "timestamp": T}


def test_create_returns_201_with_the_seed_fields_and_defaults(api, config):
    response = api.post(
        "/status-pages",
        json={"slug": "status-acme", "name": "Acme Status", "servers": ["web", "rest"]},
    )
    assert response.status_code == 201
    body = response.json()
    page = body["status_page"]
    assert body["timestamp"] == T
    assert uuid.UUID(page["id"]).version == 4
    assert page == {
        "id": page["id"],
        "slug": "status-acme",
        "name": "Acme Status",
        "description": "",
        "logo_url": None,
        "servers": ["web", "rest"],
        "theme": "dark",
        "custom_domain": None,
        "enabled": True,
        "created_at": T,
    }
    written = load_config(config.path).pages
    assert [(p.id, p.slug, p.services, p.theme) for p in written] == [
        (page["id"], "status-acme", ["web", "rest"], "dark")
    ]


def test_create_keeps_the_config_comments_and_layout(api, config):
    before = config.path.read_text()
    api.create_page("acme", description="Production health", logo_url="https://a.example/l.png")
    after = config.path.read_text()
    assert after.startswith(before)  # appended, nothing above touched
    assert "# The page for the management API tests." in after
    assert 'replicas = ["tcp://127.0.0.1:9"]   # nothing listens here' in after
    assert '\n[[pages]]\nid = "' in after
    assert 'logo = "https://a.example/l.png"' in after


def test_list_and_get_show_created_pages(api):
    first = api.create_page("acme")
    second = api.create_page("beta", theme="light")
    listed = api.get("/status-pages").json()["status_pages"]
    assert [p["slug"] for p in listed] == ["acme", "beta"]
    got = api.get(f"/status-pages/{second['id']}")
    assert got.status_code == 200
    assert got.json()["status_page"] == second
    assert got.json()["status_page"]["theme"] == "light"
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "No slug"}, "slug and name are required"),
        ({"slug": "acme"}, "slug and name are required"),
        ({"slug": "acme", "name": "  "}, "slug and name are required"),
        ({"slug": "Acme Status", "name": "A"}, "Invalid slug format"),
        ({"slug": "acme-", "name": "A"}, "Invalid slug format"),
        ({"slug": "acme", "name": "A", "servers": ["web", "nope"]}, "Unknown servers: nope"),
        ({"slug": "acme", "name": "A", "theme": "pink"}, "theme: "),
        ({"slug": "acme", "name": "A", "servers": [12]}, "servers[0]: "),
        ({"slug": "acme", "name": "A", "logo_url": "logo.png"}, "logo_url: must be an absolute"),
        ({"slug": "acme", "name": "${API_TOKEN}"}, "name: must not contain '${'"),
        ({"slug": "acme", "name": "A", "colour": "red"}, "colour: unknown field"),
    ],
)
def test_create_refuses_bad_bodies_with_400(api, config, body, message):
    before = config.path.read_text()
    response = api.post("/status-pages", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert response.json()["timestamp"] == T
    assert config.path.read_text() == before


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"slug"'])
def test_a_body_that_is_not_a_json_object_is_400(api, raw):
    response = api.post("/status-pages", content=raw)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_a_taken_slug_is_409_slug_already_taken(api):
    # 409, not the seed's 400: the request is valid by the document, the conflict is
    # with the server's state (schemathesis holds the server to its document).
    api.create_page("acme")
    response = api.post("/status-pages", json={"slug": "acme", "name": "Again"})
    assert response.status_code == 409
    assert response.json()["error"] == "Slug already taken"
    # The main page's id names status/<id>.json: an extra page may not take it.
    response = api.post("/status-pages", json={"slug": "main", "name": "Again"})
    assert response.status_code == 409
    assert response.json()["error"] == "Slug already taken"


def test_patch_changes_any_subset_and_says_so(api, config):
    page = api.create_page("acme", description="Old", logo_url="https://a.example/l.png")
    response = api.patch(
        f"/status-pages/{page['id']}",
        json={"name": "Acme v2", "servers": ["web", "api"], "enabled": False, "logo_url": None},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Status page updated"
    assert body["status_page"]["name"] == "Acme v2"
    assert body["status_page"]["servers"] == ["web", "api"]
    assert body["status_page"]["enabled"] is False
    assert body["status_page"]["logo_url"] is None
    assert body["status_page"]["description"] == "Old"
    (written,) = load_config(config.path).pages
    assert (written.name, written.enabled, written.logo) == ("Acme v2", False, None)
    assert api.get(f"/status-pages/{page['id']}").json()["status_page"] == body["status_page"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "No fields to update"),
        ({"servers": ["ghost"]}, "Unknown servers: ghost"),
        ({"name": None}, "name: must not be null"),
        ({"slug": "other"}, "slug: unknown field"),
    ],
)
def test_patch_errors_are_400(api, body, message):
    page = api.create_page("acme")
    response = api.patch(f"/status-pages/{page['id']}", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_delete_removes_the_page_from_the_config(api, config):
    page = api.create_page("acme")
    response = api.delete(f"/status-pages/{page['id']}")
    assert response.status_code == 200
    assert response.json() == {"message": "Status page deleted", "timestamp": T}
    assert load_config(config.path).pages == []
    assert "[[pages]]" not in config.path.read_text()
    assert "# The page for the management API tests." in config.path.read_text()


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_page_ids_are_404(api, method):
    kwargs = {"json": {"name": "X"}} if method == "PATCH" else {}
    response = api.request(method, "/status-pages/8a3e9c2f-1d6b-4e7a-9c8f-2b5a0d4e6f12", **kwargs)
    assert response.status_code == 404
    assert response.json() == {"error": "Status page not found", "timestamp": T}


def test_a_hand_written_page_without_id_gets_a_stable_derived_id(tmp_path, clock):
    from tests.manage_support import MANAGE_CONFIG

    config = make_project(tmp_path, MANAGE_CONFIG + '\n[[pages]]\nslug = "ops"\nname = "Ops"\n')
    api = Client(make_app(config, clock), new_token(config, clock))
    (listed,) = api.get("/status-pages").json()["status_pages"]
    again = Client(make_app(config, clock), api.token).get("/status-pages").json()
    assert again["status_pages"][0]["id"] == listed["id"]
    assert uuid.UUID(listed["id"]).version == 5
    patched = api.patch(f"/status-pages/{listed['id']}", json={"theme": "light"})
    assert patched.status_code == 200
    assert patched.json()["status_page"]["id"] == listed["id"]


def test_the_running_server_serves_the_new_pages_without_a_restart(api):
    page = api.create_page("acme")
    app_config = api.app.state.ctx.config
    assert [p.slug for p in app_config.pages] == ["acme"]
    api.delete(f"/status-pages/{page['id']}")
    assert api.app.state.ctx.config.pages == []
