"""HTTP details every response of the live server shares: security headers, the methods
a path allows, log fields that cannot forge lines. The Content-Security-Policy is the
site's own (statusgen.site.csp)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\\\s]")


def escape_field(value: str) -> str:
    """A log field that stays one field on one line: control characters, whitespace and
    backslashes as `\\xNN`."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    """The methods the routes answer on this path when the request's own method matches
    none of them (empty when one matches fully, or none has this path)."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return set()
        if match is Match.PARTIAL:
            methods |= set(getattr(route, "methods", None) or ())
    return methods


class SecurityHeaders:
    """`X-Content-Type-Options: nosniff`, `Referrer-Policy` and a Content-Security-Policy
    on every response (a response that set its own keeps it)."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.headers = {
            "x-content-type-options": "nosniff",
            "referrer-policy": "strict-origin-when-cross-origin",
            "content-security-policy": policy + "; frame-ancestors 'self'",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
