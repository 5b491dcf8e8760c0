"""Several location writers at once, plus a merge job reading all the while: every record
lands once, in its own writer's file, and the merge sees every location."""

from __future__ import annotations

import json
import subprocess
import sys

from statusgen.config import load_config
from statusgen.history import open_store

from .conftest import MINIMAL_CONFIG, write_project

WRITERS = ("fra", "par", "nyc", "tok")
PASSES = 15
LOCATIONS = "".join(f'[[locations]]\nid = "{w}"\nname = "{w.upper()}"\n' for w in WRITERS)

WRITE = """
import sys
from datetime import UTC, datetime, timedelta
from statusgen.config import load_config
from statusgen.history import open_store
config = load_config(sys.argv[1], env={})
writer = sys.argv[2]
store = open_store(config, writer=writer)
key = "web/site/" + config.services[0].nodes[0].replicas[0].id
start = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
for n in range(int(sys.argv[3])):
    at = start + timedelta(seconds=n)
    code = "d" if writer == "par" else "h"
    entry = [code, None, "refused"] if code == "d" else [code, n]
    t = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.append({"t": t, "r": {key: entry}, "n": {"web/site": code}, "s": {"web": code},
                  "p": code}, at)
"""

MERGE = """
import sys
from statusgen.config import load_config
from statusgen.history import open_store
config = load_config(sys.argv[1], env={})
rounds = 0
for _ in range(15):
    store = open_store(config)
    rounds = max(rounds, len(store.read_days(store.raw_day_names())))
print(rounds)
"""


def test_location_writers_and_the_merge_at_once(tmp_path):
    path = write_project(tmp_path, MINIMAL_CONFIG + LOCATIONS)
    run = [sys.executable, "-c"]
    writers = [
        subprocess.Popen([*run, WRITE, str(path), w, str(PASSES)], stderr=subprocess.PIPE)
        for w in WRITERS
    ]
    merge = subprocess.Popen(
        [*run, MERGE, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for process in writers:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    out, err = merge.communicate(timeout=120)
    assert merge.returncode == 0, err

    samples = tmp_path / "history" / "samples"
    assert sorted(p.name for p in samples.iterdir()) == sorted(WRITERS)
    for writer in WRITERS:
        lines = (samples / writer / "2026-11-23.jsonl").read_text().splitlines()
        times = [json.loads(line)["t"] for line in lines]
        assert len(times) == PASSES and len(set(times)) == PASSES, writer  # none lost or twice
    config = load_config(path, env={})
    merged = open_store(config).read_days(["2026-11-23"])
    assert len(merged) == PASSES  # one round per second: each writer once in it
    assert {line["r"][next(iter(line["r"]))][0] for line in merged} == {"s"}  # Paris alone
    assert not list((tmp_path / "history").glob("corrupt/*"))
    assert int(out) <= PASSES
