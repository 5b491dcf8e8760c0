"""The probe engine: HTTP(S), TCP and ICMP probes and the pass that runs them.

Callers want `probe_pass` (sync) or `run_probes` (async) for a whole pass, and
`probe_replica` for one replica; `make_client` / `ClientFactory` to customise the
HTTP client (a trust store, say).
"""

from statusgen.probes.http import ClientFactory, ClientPool, make_client
from statusgen.probes.runner import (
    DEADLINE_EXCEEDED,
    default_deadline,
    probe_pass,
    probe_replica,
    run_probes,
    targets,
)

__all__ = [
    "DEADLINE_EXCEEDED",
    "ClientFactory",
    "ClientPool",
    "default_deadline",
    "make_client",
    "probe_pass",
    "probe_replica",
    "run_probes",
    "targets",
]
