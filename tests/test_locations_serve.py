"""`statusgen serve` with locations: its passes are the locations' merge at the moment
(it probes no poll node itself and records no pass of its own for them)."""

from __future__ import annotations

from datetime import timedelta

from statusgen.config import load_config
from statusgen.history import open_store
from statusgen.server.app import create_app
from statusgen.status import Status

from .conftest import MINIMAL_CONFIG, T0, write_project
from .locations_support import locations_toml

LOCATIONS = locations_toml("fra", "par")


def test_the_servers_pass_is_the_locations_merge(tmp_path):
    config = load_config(write_project(tmp_path, MINIMAL_CONFIG + LOCATIONS), env={})
    key = f"web/site/{config.services[0].nodes[0].replicas[0].id}"
    at = T0 - timedelta(minutes=1)
    for writer in ("fra", "par"):
        record = {
            "t": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "r": {key: ["d", None, "timed out"]},
            "n": {"web/site": "d"},
            "s": {"web": "d"},
            "p": "d",
        }
        open_store(config, writer=writer).append(record, at)
    app = create_app(config, lambda: T0, builder=None, notify=False)
    outcome = app.state.scheduler.run_pass()
    assert outcome.evaluation.nodes == {"web/site": Status.DEAD}
    (result,) = outcome.results
    assert result.reason == "timed out from Frankfurt and Paris (2 of 2 locations)"
    assert outcome.last_seen == {"fra": at, "par": at}
    assert not (tmp_path / "history" / "samples" / "main").exists()  # nothing of its own
