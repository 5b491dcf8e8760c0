"""Probing as a location: stable shards, the source address on every kind of
connection, and clear errors for a wrong --location or --shard."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from statusgen.cli import main
from statusgen.probes import in_shard
from statusgen.probes.base import SOURCE_ADDRESS
from statusgen.probes.tcp import probe_tcp

from .conftest import MINIMAL_CONFIG, write_project
from .locations_support import locations_toml
from .test_data_branch import BRANCH_CONFIG, git

KEYS = [f"svc/node{i}/r{j}" for i in range(200) for j in range(5)]


def test_every_replica_is_in_exactly_one_shard_and_stays_there():
    for count in (2, 4, 7):
        owners = [[k for k in range(1, count + 1) if in_shard(key, (k, count))] for key in KEYS]
        assert all(len(found) == 1 for found in owners)
        sizes = [sum(1 for found in owners if found == [k]) for k in range(1, count + 1)]
        assert min(sizes) > len(KEYS) / count * 0.7  # about 1/N each
    before = {key: in_shard(key, (1, 4)) for key in KEYS}
    # a shard depends on the key alone: a fleet that grows moves no replica
    grown = KEYS + [f"new/n{i}/r" for i in range(100)]
    assert all(in_shard(key, (1, 4)) == before[key] for key in grown if key in before)
    assert in_shard("any/key/x", None)


def test_tcp_probes_leave_from_the_source_address():
    async def go() -> tuple[str, bool]:
        peers: list[str] = []
        accepted = asyncio.Event()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peers.append(writer.get_extra_info("peername")[0])
            accepted.set()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        SOURCE_ADDRESS.set("127.0.0.5")
        outcome = await probe_tcp("127.0.0.1", port, 5)
        # The probe may be done (connected and closed) before the server accepts.
        await asyncio.wait_for(accepted.wait(), 5)
        server.close()
        await server.wait_closed()
        return peers[0], outcome.ok

    assert asyncio.run(go()) == ("127.0.0.5", True)


LOCATIONS = locations_toml("fra", "par")


def test_an_unknown_location_is_a_config_error(project):
    path = project(MINIMAL_CONFIG + LOCATIONS)
    result = CliRunner().invoke(main, ["probe", "-c", str(path), "--location", "tok"])
    assert result.exit_code == 2
    assert "locations: no location 'tok'; expected one of the [[locations]] ids (fra, par)" in (
        result.output
    )
    assert not (path.parent.parent / "history").exists()


def test_shard_needs_a_location_and_a_k_of_n(project):
    path = str(project(MINIMAL_CONFIG + LOCATIONS))
    result = CliRunner().invoke(main, ["probe", "-c", path, "--shard", "1/2"])
    assert result.exit_code == 2 and "--shard needs --location" in result.output
    result = CliRunner().invoke(main, ["probe", "-c", path, "--location", "fra", "--shard", "3/2"])
    assert result.exit_code == 2 and "expected K/N with 1 <= K <= N <= 1000" in result.output


def test_push_commits_each_locations_pass_to_the_data_branch(tmp_path):
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    first = tmp_path / "first"
    git(tmp_path, "init", "-q", "-b", "main", str(first))
    write_project(first, BRANCH_CONFIG + LOCATIONS)
    git(first, "add", "-A")
    git(first, "commit", "-q", "-m", "page")
    git(first, "remote", "add", "origin", str(bare))
    git(first, "push", "-q", "origin", "main")
    for ident in ("fra", "par"):  # two hosts, each its own clone
        git(tmp_path, "clone", "-q", str(bare), str(tmp_path / ident))
        config = tmp_path / ident / "config" / "statusgen.toml"
        args = ["probe", "-c", str(config), "--location", ident, "--push"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "pushed to status-data" in result.output
    files = git(bare, "ls-tree", "-r", "--name-only", "status-data").splitlines()
    assert {f.split("/")[2] for f in files if f.startswith("history/samples/")} == {"fra", "par"}


def test_push_needs_a_data_branch(project):
    path = str(project(MINIMAL_CONFIG + LOCATIONS))
    result = CliRunner().invoke(main, ["probe", "-c", path, "--location", "fra", "--push"])
    assert result.exit_code == 2 and "--push needs history.branch" in result.output
