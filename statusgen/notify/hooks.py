"""The signed health-change web hook.

The body is the exact JSON stored in the outbox, so a retry sends (and signs) the same
bytes. The signature is `sha256=<hex HMAC-SHA256 of the body keyed with the secret>` in
`X-Statusgen-Signature`; `X-Statusgen-Timestamp` repeats the payload's timestamp (ms) so
a receiver can refuse old deliveries.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging

import httpx

from statusgen import USER_AGENT
from statusgen.config import Hook
from statusgen.notify.messages import HEALTH_EVENT
from statusgen.notify.redact import guarded, url_secrets

log = logging.getLogger("statusgen.notify")

SIGNATURE_HEADER = "X-Statusgen-Signature"
TIMESTAMP_HEADER = "X-Statusgen-Timestamp"
EVENT_HEADER = "X-Statusgen-Event"
MAX_TIMEOUT = 10.0


def encode(payload: dict[str, object]) -> str:
    """The wire form of a payload: compact JSON, keys in the seeds' order."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def sign(body: bytes, secret: str) -> str:
    """The signature header value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), signature)


def post_hook(hook: Hook, body: str, timeout: float) -> str | None:
    """POST one payload; None when the target answered 2xx, else the reason (secrets
    masked). Never raises for a delivery failure; redirects are not followed."""
    data = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: HEALTH_EVENT,
    }
    with contextlib.suppress(ValueError, KeyError, TypeError):
        headers[TIMESTAMP_HEADER] = str(json.loads(body)["timestamp"])
    if hook.secret:
        headers[SIGNATURE_HEADER] = sign(data, hook.secret)
    secrets = url_secrets(hook.target) | ({hook.secret} if hook.secret else set())
    with guarded(secrets):
        try:
            with httpx.Client(timeout=min(timeout, MAX_TIMEOUT), follow_redirects=False) as client:
                response = client.post(hook.target, content=data, headers=headers)
        except httpx.TimeoutException:
            return "timed out"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: could not reach the target"
        except Exception as exc:  # a bad target must not stop the pass
            log.debug("hook %s raised", hook.label, exc_info=True)
            return f"{type(exc).__name__} while sending"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"
