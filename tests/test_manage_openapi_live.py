"""schemathesis from outside, against `statusgen serve` as a real process: every operation
of `/openapi.json`, positive and negative requests (50 examples per operation, seeded),
with a valid management token and every check schemathesis has (status codes, content
types, headers, response schemas, refused invalid data, accepted valid data, missing
auth, unsupported methods and their Allow header, ...). Zero failures means the document
tells the truth about the server: its slug, text and time rules, 409 for a taken slug,
413, 401, 405."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks

from statusgen.server.manage import operations
from tests.manage_support import MANAGE_CONFIG, make_project
from tests.test_server_sigterm import Serve

EXAMPLES = 50
# Site rebuilds are not what this test is about: with the default debounce every write
# would rebuild the whole site while the next request waits.
CONFIG = MANAGE_CONFIG.replace("rebuild_debounce = 0", "rebuild_debounce = 600")


@dataclass
class Live:
    url: str
    token: str
    ids: list[str]  # path ids that exist: a page, the main page, an incident
    schema: object = field(repr=False)


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("live-api")
    config = make_project(root, CONFIG)
    command = ["token", "new", "--scope", "manage", "-c", str(config.path)]
    made = subprocess.run(
        [sys.executable, "-m", "statusgen", *command], capture_output=True, text=True, check=True
    )
    token = made.stdout.strip()
    server = Serve(config.path)
    try:
        url = server.url()
        auth = {"Authorization": f"Bearer {token}"}
        body = {"slug": "acme", "name": "Acme", "servers": ["web"]}
        page = httpx.post(f"{url}/status-pages", json=body, headers=auth).json()["status_page"]
        body = {"title": "Down", "message": "Looking."}
        opened = httpx.post(f"{url}/status-pages/{page['id']}/incidents", json=body, headers=auth)
        load_all_checks()
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        yield Live(url, token, [page["id"], "main", opened.json()["incident"]["id"]], schema)
    finally:
        server.process.terminate()
        server.process.wait(30)


@pytest.mark.parametrize("op", operations(), ids=lambda op: f"{op.method} {op.path}")
def test_the_live_server_does_what_its_document_says(op, live):
    operation = live.schema[op.path][op.method]  # type: ignore[index]
    cases = st.one_of([operation.as_strategy(mode) for mode in schemathesis.GenerationMode])
    failures: list[str] = []

    @seed(12)
    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def conforms(case):
        params = case.path_parameters or {}
        if "id" in params:  # generated ids would only ever find nothing
            choices = [*live.ids, params["id"]]
            params["id"] = choices[len(params["id"]) % len(choices)]
        if "slug" in params:
            params["slug"] = ["acme", "main", params["slug"]][len(params["slug"]) % 3]
        try:
            case.call_and_validate(
                base_url=live.url,
                headers={"Authorization": f"Bearer {live.token}"},
                checks=CHECKS.get_all(),
                timeout=30,
            )
        except (AssertionError, BaseExceptionGroup) as failure:  # every one, not the first
            failures.append(str(failure)[:2000])

    conforms()
    assert not failures, "\n\n".join(dict.fromkeys(failures))
