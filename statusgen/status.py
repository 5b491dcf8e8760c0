"""The shared vocabulary: a Status and the ProbeResult that carries one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """Replica, node, service and page health, the seeds' three words, best first."""

    HEALTHY = "healthy"
    SICK = "sick"
    DEAD = "dead"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def code(self) -> str:
        """One letter, as stored in the history."""
        return self.value[0]

    @classmethod
    def from_code(cls, code: str) -> Status:
        return _BY_CODE[code]

    @classmethod
    def worst(cls, statuses: list[Status] | tuple[Status, ...]) -> Status:
        return max(statuses, key=_RANK.__getitem__, default=cls.HEALTHY)


_RANK = {Status.HEALTHY: 0, Status.SICK: 1, Status.DEAD: 2}
_BY_CODE = {s.value[0]: s for s in Status}


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe of one replica found. A down target is a result, never an exception.

    `latency` is seconds for the last attempt (None when nothing answered); `reason` is a
    human sentence (`HTTP 503 (healthy 200-399)`, `connection refused`); `ok` says whether
    the target answered correctly at all, before speed is judged.
    """

    service: str
    node: str
    replica: str
    label: str
    at: datetime
    ok: bool
    latency: float | None
    reason: str
    attempts: int = 1
    status: Status = Status.DEAD
    certificate_expires: datetime | None = None  # https:// and tls:// replicas
    connect: float | None = None  # seconds to open the connection (when one was opened)
    tls: float | None = None  # seconds of its TLS handshake (https:// and tls://)

    @property
    def key(self) -> str:
        return replica_key(self.service, self.node, self.replica)


def replica_key(service: str, node: str, replica: str) -> str:
    return f"{service}/{node}/{replica}"


def node_key(service: str, node: str) -> str:
    return f"{service}/{node}"
