"""A page's announcement over HTTP: resolve, save, delete; one file per page."""

from __future__ import annotations

import pytest

from statusgen.content import load_content
from statusgen.server.app import site_builder
from tests.manage_support import Client, make_app, make_project, new_token

T = "2026-11-23T12:00:00Z"


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def api(config, clock):
    return Client(make_app(config, clock), new_token(config, clock))


@pytest.fixture
def page(api):
    return api.create_page("acme")


def url(page: dict) -> str:
    return f"/status-pages/{page['id']}/announcement"


def test_put_saves_a_page_announcement_file(api, config, page):
    response = api.put(
        url(page),
        json={
            "title": "Upgrade",
            "message": "We *upgrade* tonight.",
            "expire_at": "2026-12-01T00:00Z",
        },
    )
    assert response.status_code == 200
    expected = {
        "title": "Upgrade",
        "message": "We *upgrade* tonight.",
        "created_at": T,
        "updated_at": T,
        "expire_at": "2026-12-01T00:00:00Z",
    }
    assert response.json() == {
        "message": "Announcement saved",
        "announcement": expected,
        "timestamp": T,
    }
    (item,) = load_content(api.config).announcements
    assert item.path == config.root / "config/announcements/page-acme.md"
    assert (item.page, item.title) == ("acme", "Upgrade")
    assert "<em>upgrade</em>" in item.html
    got = api.get(url(page))
    assert got.status_code == 200
    assert got.json() == {"announcement": expected, "timestamp": T}


def test_expire_at_may_be_crisp_milliseconds_or_absent(api, page):
    saved = api.put(url(page), json={"title": "A", "message": "B", "expire_at": 1796083200000})
    assert saved.json()["announcement"]["expire_at"] == "2026-12-01T00:00:00Z"
    saved = api.put(url(page), json={"title": "A", "message": "B"})
    assert saved.json()["announcement"]["expire_at"] is None


def test_an_early_year_is_written_with_four_digits_and_reads_back(api, page):
    # strftime wrote year 334 as '334-07-23...', which the file's reader then refused.
    body = {"title": "A", "message": "B", "expire_at": "0334-07-23T12:10:23-07:44"}
    saved = api.put(url(page), json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["announcement"]["expire_at"] == "0334-07-23T19:54:23Z"
    assert api.get(url(page)).json()["announcement"]["expire_at"] == "0334-07-23T19:54:23Z"


@pytest.mark.parametrize("when", ["2026-12-01", "2026-12-01 00:00 UTC", "2026-12-01T00:00"])
def test_expire_at_is_an_rfc_3339_time_as_the_document_says(api, page, when):
    body = {"title": "A", "message": "B", "expire_at": when}
    refused = api.put(url(page), json=body)
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("expire_at: expected a time like")


def test_put_replaces_the_previous_announcement(api, config, page, clock):
    api.put(url(page), json={"title": "First", "message": "One"})
    clock.advance(hours=1)
    api.put(url(page), json={"title": "Second", "message": "Two"})
    items = load_content(api.config).announcements
    assert [(a.title, a.message) for a in items] == [("Second", "Two")]
    assert api.get(url(page)).json()["announcement"]["created_at"] == "2026-11-23T13:00:00Z"


def test_the_main_page_has_its_own_announcement(api, config, page):
    api.put("/status-pages/main/announcement", json={"title": "Main", "message": "All"})
    api.put(url(page), json={"title": "Acme only", "message": "Acme"})
    by_page = {a.page: a.title for a in load_content(api.config).announcements}
    assert by_page == {"main": "Main", "acme": "Acme only"}


def test_a_page_announcement_shows_on_that_page_only(tmp_path, clock):
    config = make_project(tmp_path)
    app = make_app(config, clock, schedule=True, builder=site_builder)
    api = Client(app, new_token(config, clock))
    page = api.create_page("acme")
    api.put(url(page), json={"title": "Acme maintenance tonight", "message": "Short."})
    app.state.scheduler.rebuild()
    assert "Acme maintenance tonight" in (config.output_dir / "acme/index.html").read_text()
    assert "Acme maintenance tonight" not in (config.output_dir / "index.html").read_text()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "no title"}, "title and message are required"),
        ({"title": "No message"}, "title and message are required"),
        ({"title": "T", "message": "M", "expire_at": "next week"}, "expire_at: expected"),
        ({"title": "T", "message": "M", "expire_at": True}, "expire_at: "),
    ],
)
def test_put_refuses_bad_bodies_with_400(api, config, page, body, message):
    response = api.put(url(page), json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert load_content(api.config).announcements == []


def test_delete_removes_it_and_then_there_is_none(api, config, page):
    api.put(url(page), json={"title": "T", "message": "M"})
    response = api.delete(url(page))
    assert response.status_code == 200
    assert response.json() == {"message": "Announcement deleted", "timestamp": T}
    assert load_content(api.config).announcements == []
    for again in (api.get(url(page)), api.delete(url(page))):
        assert again.status_code == 404
        assert again.json()["error"] == "Announcement not found"


def test_deleting_a_page_deletes_its_announcement(api, config, page):
    api.put(url(page), json={"title": "T", "message": "M"})
    assert api.delete(f"/status-pages/{page['id']}").status_code == 200
    assert load_content(api.config).announcements == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_unknown_page_is_404(api, method):
    kwargs = {"json": {"title": "T", "message": "M"}} if method == "PUT" else {}
    response = api.request(method, "/status-pages/nope/announcement", **kwargs)
    assert response.status_code == 404
    assert response.json()["error"] == "Status page not found"
