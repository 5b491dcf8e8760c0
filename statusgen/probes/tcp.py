"""TCP probes: a connection that opens in time is healthy; it is closed at once."""

from __future__ import annotations

import asyncio
import contextlib
from time import perf_counter

from statusgen.conditions import Facts
from statusgen.probes.base import Outcome, describe_error, failed, timed_out

# Closing is courtesy, not part of the measurement: never let it hold a pass up.
_CLOSE_GRACE = 1.0


async def probe_tcp(host: str, port: int, timeout: float) -> Outcome:
    """Open a TCP connection to `host:port` within `timeout` seconds, then close it."""
    started = perf_counter()
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return failed(timed_out(timeout))
    except OSError as exc:
        return failed(describe_error(exc))
    latency = perf_counter() - started
    peer = writer.get_extra_info("peername")
    facts = Facts(connected=True, response_time=latency, ip=peer[0] if peer else None)
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(_CLOSE_GRACE):
            await writer.wait_closed()
    return Outcome(True, latency, "connected", facts=facts)
