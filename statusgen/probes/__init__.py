"""The probe engine: HTTP(S), TCP and ICMP probes and the pass that runs them.

Callers want `probe_pass` (sync) or `run_probes` (async) for a whole pass, and
`probe_replica` for one replica; `make_client` / `ClientFactory` to customise the
HTTP client (a trust store, say).
"""

from statusgen.probes.http import ClientFactory, ClientPool, make_client
from statusgen.probes.runner import (
    DEADLINE_EXCEEDED,
    Shard,
    default_deadline,
    in_shard,
    probe_pass,
    probe_replica,
    run_probes,
    targets,
)

__all__ = [
    "DEADLINE_EXCEEDED",
    "ClientFactory",
    "ClientPool",
    "Shard",
    "default_deadline",
    "in_shard",
    "make_client",
    "probe_pass",
    "probe_replica",
    "run_probes",
    "targets",
]
