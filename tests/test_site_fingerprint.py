"""The site's content hash (statusgen site-hash) and the skip-deploy decision
(statusgen data deploy-due): the build's times left out, anything else counted, and a skip
never leaving the published page older than page.stale_after / 2."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

from click.testing import CliRunner

from statusgen.cli import main
from statusgen.config import load_config
from statusgen.history import open_store
from statusgen.site import build_site
from statusgen.site.fingerprint import content_hash, decide_deploy, deploy_due, read_record

from .conftest import MINIMAL_CONFIG, T0, write_project

STATUS = b'{"generated_at": "2026-11-23T12:00:00Z", "next_update_by": "2026-11-23T13:00:00Z", '
PAGE = '<main>\n<p>{label} <time datetime="{t}">{t}</time></p>\n<p>All good</p>\n</main>\n'


def site(folder, t="2026-11-23T12:00:00Z", label="Updated", status=b'"page": "h"}'):
    (folder / "api").mkdir(parents=True, exist_ok=True)
    (folder / "api/status.json").write_bytes(STATUS.replace(b"12:00", t[11:16].encode()) + status)
    (folder / "index.html").write_text(PAGE.format(label=label, t=t), encoding="utf-8")
    return folder


def test_the_hash_leaves_out_the_build_times_and_counts_everything_else(tmp_path):
    first = content_hash(site(tmp_path / "a"))
    assert content_hash(site(tmp_path / "b", t="2026-11-23T12:05:00Z")) == first
    assert content_hash(site(tmp_path / "fr", label="Mis à jour le")) == first
    assert content_hash(site(tmp_path / "c", status=b'"page": "d"}')) != first
    changed = site(tmp_path / "d")
    (changed / "index.html").write_text(PAGE.format(label="Updated", t="x") + "<p>new</p>\n")
    assert content_hash(changed) != first
    renamed = site(tmp_path / "e")
    (renamed / "api/status.json").rename(renamed / "api/v1.json")
    assert content_hash(renamed) != first
    extra = site(tmp_path / "f")
    (extra / "robots.txt").write_text("")
    assert content_hash(extra) != first


def test_two_builds_of_the_same_history_hash_alike(tmp_path):
    config = load_config(write_project(tmp_path, MINIMAL_CONFIG))
    line = {"t": "2026-11-23T12:00:00Z", "r": {"web/site/a": ["d", None, "refused"]},
            "n": {"web/site": "d"}, "s": {"web": "d"}, "p": "d"}  # fmt: skip
    open_store(config).append(line, T0)
    build_site(config, T0 + timedelta(minutes=5))  # both past the downtime warning
    shutil.copytree(config.output_dir, tmp_path / "first", symlinks=False)
    build_site(config, T0 + timedelta(minutes=10))
    first = (tmp_path / "first" / "api/v1/status.json").read_bytes()
    assert first != (config.output_dir / "api/v1/status.json").read_bytes()
    assert content_hash(tmp_path / "first") == content_hash(config.output_dir)
    result = CliRunner().invoke(main, ["site-hash", "-c", str(config.path)])
    assert result.exit_code == 0 and result.output.strip() == content_hash(config.output_dir)


def test_a_skip_never_leaves_the_page_older_than_half_stale_after():
    record = {"hash": "h", "deployed_at": "2026-11-23T12:00:00Z"}
    # stale_after 3600: the page must be redeployed before it is 1800 s old, and the next
    # pass may come 900 s later: skipped until 900 s, deployed from then on.
    for seconds, deploy in ((0, False), (899, False), (900, True), (4000, True)):
        decision = deploy_due("h", record, T0 + timedelta(seconds=seconds), 3600, 900)
        assert decision.deploy is deploy, (seconds, decision.reason)
    assert deploy_due("other", record, T0, 3600, 900).deploy
    assert deploy_due("h", None, T0, 3600, 900).deploy
    assert deploy_due("h", {"hash": "h", "deployed_at": "soon"}, T0, 3600, 900).deploy


def test_deploy_due_records_the_deploy_on_the_data_branch(tmp_path):
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    text = MINIMAL_CONFIG.replace("[page]", '[history]\nbranch = "status-data"\n\n[page]')
    config = load_config(write_project(tmp_path, text))
    build_site(config, T0)
    first = decide_deploy(config, T0, 900)
    assert first.deploy and first.reason == "no deploy recorded"
    record = read_record(config.data_dir / "deployed.json")
    assert record == {
        "hash": content_hash(config.output_dir),
        "deployed_at": "2026-11-23T12:00:00Z",
    }
    build_site(config, T0 + timedelta(minutes=5))
    assert not decide_deploy(config, T0 + timedelta(minutes=5), 900).deploy
    assert decide_deploy(config, T0 + timedelta(minutes=16), 900).deploy
    result = CliRunner().invoke(main, ["data", "deploy-due", "-c", str(config.path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["deploy=true"]  # a line for $GITHUB_OUTPUT
