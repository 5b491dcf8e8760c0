"""The site's content hash, and whether a build needs deploying.

A publishing job that deploys every pass republishes the same page most of the time: the
hash says whether anything a visitor sees changed since the last deploy. It covers every
file of the built site (paths and bytes), with what only says *when* the build ran left
out: the JSON keys `generated_at` (and `next_update_by`, derived from it), `updated_at` and
`checked_at` (the last pass's time), and the "Updated" line of the pages, in every locale.

`deploy_due` never lets a skip leave the published page older than `page.stale_after / 2`
(the page's own stale notice comes at `stale_after`), counting the time until the next
pass may come.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen.site.i18n import available, messages

if TYPE_CHECKING:
    from statusgen.config import Config

# JSON keys that hold only the build's or the last pass's time.
TIME_KEYS = frozenset({"generated_at", "next_update_by", "updated_at", "checked_at"})
RECORD = "deployed.json"


def _updated_line() -> re.Pattern[bytes]:
    labels = sorted({messages(lang).text.updated for lang in available()})
    alternatives = "|".join(re.escape(label) for label in labels)
    return re.compile(
        rf'^<p>(?:{alternatives}) <time datetime="[^"]*">[^<]*</time></p>\n?'.encode(),
        re.MULTILINE,
    )


def _without_times(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k not in TIME_KEYS}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _normalised(path: Path, data: bytes, updated: re.Pattern[bytes]) -> bytes:
    if path.suffix == ".json":
        try:
            document = json.loads(data)
        except ValueError:
            return data
        return json.dumps(_without_times(document), sort_keys=True).encode()
    if path.suffix == ".html":
        return updated.sub(b"", data)
    return data


def content_hash(folder: Path) -> str:
    """The sha256 (hex) of every file under `folder` (a built site; a symlinked `output`
    is followed), its relative path included, with the build's times left out."""
    root = Path(os.path.realpath(folder))
    if not root.is_dir():
        raise FileNotFoundError(f"{folder}: no built site here")
    updated = _updated_line()
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        relative = path.relative_to(root).as_posix().encode()
        body = _normalised(path, path.read_bytes(), updated)
        digest.update(b"%d:%s%d:" % (len(relative), relative, len(body)))
        digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class DeployDecision:
    deploy: bool
    reason: str


def deploy_due(
    site_hash: str,
    record: dict | None,
    now: datetime,
    stale_after: float,
    next_pass_within: float,
) -> DeployDecision:
    """Deploy unless the last deploy (`record`: `{"hash", "deployed_at"}`) published the
    same content and the page will still be younger than `stale_after / 2` when the next
    pass (within `next_pass_within` seconds) decides again."""
    if not record or "hash" not in record or "deployed_at" not in record:
        return DeployDecision(True, "no deploy recorded")
    if record["hash"] != site_hash:
        return DeployDecision(True, "the site changed since the last deploy")
    try:
        deployed = datetime.fromisoformat(str(record["deployed_at"]).replace("Z", "+00:00"))
    except ValueError:
        return DeployDecision(True, "the deploy record's time is unreadable")
    age = now - deployed
    limit = timedelta(seconds=stale_after / 2)
    if age + timedelta(seconds=next_pass_within) >= limit:
        return DeployDecision(
            True,
            f"unchanged, but deployed {int(age.total_seconds())} s ago: redeployed so the "
            f"page never gets older than stale_after / 2 ({int(limit.total_seconds())} s)",
        )
    return DeployDecision(
        False, f"unchanged since the deploy {int(age.total_seconds())} s ago: deploy skipped"
    )


def read_record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def record_text(site_hash: str, now: datetime) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"deployed_at": stamp, "hash": site_hash}, sort_keys=True) + "\n"


def decide_deploy(config: Config, now: datetime, next_pass_within: float) -> DeployDecision:
    """Whether the built site (`output`) needs deploying, by the record of the last
    deploy on the data branch (`deployed.json` at its root). Without `history.branch`
    there is no record: always deploy. A decision to deploy records the hash and `now`
    there (the data push commits it)."""
    from statusgen.files import write_atomic
    from statusgen.history.branch import ensure_worktree

    worktree = ensure_worktree(config)
    if worktree is None:
        return DeployDecision(True, "no history.branch: no deploy record, always deployed")
    site_hash = content_hash(config.output_dir)
    decision = deploy_due(
        site_hash, read_record(worktree / RECORD), now, config.page.stale_after, next_pass_within
    )
    if decision.deploy:
        write_atomic(worktree / RECORD, record_text(site_hash, now))
    return decision
