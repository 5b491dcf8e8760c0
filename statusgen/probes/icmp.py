"""ICMP probes with icmplib: one echo request, healthy when the reply comes in time.

Raw ICMP sockets need root (or CAP_NET_RAW); unprivileged ICMP sockets need the OS to
allow them (Linux `net.ipv4.ping_group_range`). Many CI runners allow neither, which is
a result with a clear reason, not a crash.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random

from icmplib import ICMPLibError, NameLookupError, SocketPermissionError, async_ping

from statusgen.probes.base import SOURCE_ADDRESS, Outcome, failed, timed_out

NOT_PERMITTED = "ICMP is not permitted on this runner"

# Raw sockets see every echo reply on the host and icmplib matches replies by id alone,
# so concurrent pings need distinct ids.
_ids = itertools.count(random.randrange(1, 0xFFFF))


def _next_id() -> int:
    return next(_ids) % 0xFFFF + 1


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


async def probe_icmp(host: str, timeout: float) -> Outcome:
    """Send one echo request to `host` and wait up to `timeout` seconds for the reply.
    Uses raw sockets when running as root (falling back to unprivileged ICMP sockets when
    a container withholds them), unprivileged ICMP sockets otherwise."""
    outcome = failed(NOT_PERMITTED, retryable=False)
    for privileged in (True, False) if _is_root() else (False,):
        outcome = await _ping(host, timeout, privileged)
        if outcome.reason != NOT_PERMITTED:
            break
    return outcome


async def _ping(host: str, timeout: float, privileged: bool) -> Outcome:
    try:
        async with asyncio.timeout(timeout):
            reply = await async_ping(
                host,
                count=1,
                timeout=timeout,
                id=_next_id(),
                privileged=privileged,
                source=SOURCE_ADDRESS.get(),
            )
    except TimeoutError:
        return failed(timed_out(timeout))
    except (SocketPermissionError, PermissionError):  # the socket was refused
        return failed(NOT_PERMITTED, retryable=False)
    except NameLookupError:
        return failed("DNS: name not found")
    except (ICMPLibError, OSError) as exc:
        return failed(f"ICMP error: {type(exc).__name__}")
    if not reply.is_alive:
        return failed(timed_out(timeout))
    return Outcome(True, reply.avg_rtt / 1000, "echo reply")
