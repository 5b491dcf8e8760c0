"""Human reasons for a peer that broke HTTP: h11 and httpcore describe the parser's state
(`illegal status line: bytearray(b'...')`); a status page says what the server did."""

from __future__ import annotations

import ast
import re

from statusgen.probes.base import lower_first, short

_BYTES = re.compile(r"bytearray\((b(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"))\)")
_TRUNCATED = re.compile(r"received (\d+) bytes, expected (\d+)")
_SHOWN = 40  # characters of a bad line worth quoting


def protocol_reason(message: str) -> str:
    """The reason for an `httpx.RemoteProtocolError` carrying `message`."""
    lowered = message.lower()
    if lowered.startswith("illegal status line"):
        line = _quoted_bytes(message)
        if line is None or not line.startswith(b"HTTP/"):
            return "not an HTTP response"
        return f"bad status line {printable(line)!r}"
    if lowered.startswith("illegal chunk header"):
        return "bad chunked encoding"
    if lowered.startswith("illegal header line"):
        return "bad header line"
    if "receive buffer too long" in lowered or "header too large" in lowered:
        return "response headers too large"
    if "without sending complete message body" in lowered:
        sizes = _TRUNCATED.search(message)
        if sizes:
            return f"body truncated: {sizes[1]} of {sizes[2]} bytes"
        return "body truncated"
    text = _BYTES.sub(lambda m: repr(printable(_literal(m[1]))), message)
    return f"HTTP protocol error: {short(lower_first(text)) or 'bad response'}"


def printable(data: bytes) -> str:
    """`data` as text a reason can quote: control bytes as '?', at most a few words."""
    text = "".join(c if c.isprintable() else "?" for c in data.decode("latin-1"))
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _quoted_bytes(message: str) -> bytes | None:
    match = _BYTES.search(message)
    return _literal(match[1]) if match else None


def _literal(text: str) -> bytes:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.encode("latin-1", "replace")
    return value if isinstance(value, bytes) else b""
