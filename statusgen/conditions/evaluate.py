"""Judging parsed conditions against what one probe saw (pure functions).

Values compare as Gatus compares them: as numbers when both sides read as numbers
(durations such as `48h` read as milliseconds, like [RESPONSE_TIME] and
[CERTIFICATE_EXPIRATION]), else as text; JSON values at a [BODY] path compare by their
text (`true`, `1`, minified JSON for objects and arrays).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from statusgen.conditions.parse import (
    AnyOf,
    Condition,
    Function,
    Literal,
    Pattern,
    Placeholder,
    Right,
)

# Conditions only on these make a replica sick when they fail; any other makes it dead.
SICK_PLACEHOLDERS = frozenset({"RESPONSE_TIME", "CERTIFICATE_EXPIRATION"})
BODY_CAP_REASON = "body is larger than 1 MiB"

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


@dataclass(frozen=True, slots=True)
class Facts:
    """What a probe saw, as conditions read it. None means the probe has no such thing
    (no HTTP status on a TCP replica, no certificate over plain HTTP)."""

    connected: bool = False
    response_time: float | None = None  # seconds
    status: int | None = None
    body: str | None = None
    body_truncated: bool = False
    ip: str | None = None
    certificate_expiration: float | None = None  # seconds until notAfter
    certificate_expires: datetime | None = None  # notAfter itself
    dns_rcode: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """A condition that did not hold: its text, why, and whether it only makes the
    replica sick ([RESPONSE_TIME] and [CERTIFICATE_EXPIRATION]) rather than dead."""

    condition: str
    reason: str
    sick: bool


class _Missing(Exception):
    """A value the facts do not have; its message is the reason."""


def failures(conditions: Iterable[Condition], facts: Facts) -> list[Failure]:
    """The conditions that do not hold for `facts`, in order."""
    body = _Body(facts)
    out = []
    for condition in conditions:
        reason = check(condition, facts, body)
        if reason is not None:
            sick = bool(condition.placeholders()) and condition.placeholders() <= SICK_PLACEHOLDERS
            out.append(Failure(condition.text, reason, sick))
    return out


def reads_body(conditions: Iterable[Condition]) -> bool:
    return any("BODY" in c.placeholders() for c in conditions)


def check(condition: Condition, facts: Facts, body: _Body | None = None) -> str | None:
    """None when `condition` holds, else the reason it does not, named by its left side
    (`[BODY].status: expected UP, got DOWN`)."""
    body = body or _Body(facts)
    subject = str(condition.left)
    try:
        got = _resolve(condition.left, facts, body)
        if isinstance(condition.right, Pattern | AnyOf):
            return _match(subject, condition.op, got, condition.right)
        want = _resolve(condition.right, facts, body)
    except _Missing as missing:
        return f"{subject}: {missing}"
    if _compare(got, condition.op, want):
        return None
    expected = _show(want)
    if isinstance(condition.right, Placeholder | Function):
        expected = f"{condition.right} ({expected})"
    if condition.op == "==":
        return f"{subject}: expected {expected}, got {_show(got)}"
    if condition.op == "!=":
        return f"{subject}: expected not {expected}, got {_show(got)}"
    return f"{subject}: expected {condition.op} {expected}, got {_show(got)}"


def _match(subject: str, op: str, got: Any, right: Pattern | AnyOf) -> str | None:
    text = _text(got)
    if isinstance(right, Pattern):
        hit = _glob(right.text).fullmatch(text) is not None
        wanted = f"pattern {right.text}"
    else:
        hit = any(_compare(got, "==", value) for value in right.values)
        wanted = f"any of {', '.join(right.values)}"
    if hit == (op == "=="):
        return None
    negation = "" if op == "==" else "not "
    return f"{subject}: expected {negation}{wanted}, got {_show(got)}"


# --- values ---------------------------------------------------------------------------


class _Body:
    """The body parsed as JSON at most once per evaluation."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._parsed: Any = _Body
        self._error: str | None = None

    def text(self) -> str:
        if self.facts.body_truncated:
            raise _Missing(BODY_CAP_REASON)
        if self.facts.body is None:
            raise _Missing("no body to check")
        return self.facts.body

    def json(self) -> Any:
        if self._parsed is _Body:
            try:
                self._parsed = json.loads(self.text())
            except ValueError:
                self._parsed, self._error = None, "body is not JSON"
        if self._error:
            raise _Missing(self._error)
        return self._parsed

    def at(self, path: tuple[str | int, ...]) -> list[Any]:
        if not path:
            return [self.json()]
        import jsonpath  # here: the config validates conditions without it (`check` start-up)

        return jsonpath.findall(to_jsonpath(path), self.json())


def to_jsonpath(path: tuple[str | int, ...]) -> str:
    """Gatus' `[BODY].a.b[0]` path as JSONPath: `$['a']['b'][0]` (bracketed keys, so a
    key with a dash or a space needs no escaping rules of its own)."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else "[" + json.dumps(part) + "]"
    return out


def _resolve(operand: Right, facts: Facts, body: _Body) -> Any:
    if isinstance(operand, Literal):
        return operand.text
    if isinstance(operand, Function):
        if operand.name == "has":
            return bool(body.at(operand.arg.path))
        found = body.at(operand.arg.path)
        if not found:
            raise _Missing("no such path in the body")
        value = found[0]
        return len(value) if isinstance(value, list) else len(_text(value))
    assert isinstance(operand, Placeholder)
    return _placeholder(operand, facts, body)


def _placeholder(operand: Placeholder, facts: Facts, body: _Body) -> Any:
    name = operand.name
    if name == "BODY":
        if not operand.path:
            return body.text().strip()
        found = body.at(operand.path)
        if not found:
            raise _Missing("no such path in the body")
        return found[0]
    if name == "CONNECTED":
        return facts.connected
    value = {
        "STATUS": facts.status,
        "RESPONSE_TIME": None if facts.response_time is None else round(facts.response_time * 1000),
        "IP": facts.ip,
        "CERTIFICATE_EXPIRATION": None
        if facts.certificate_expiration is None
        else _Duration(round(facts.certificate_expiration * 1000)),
        "DNS_RCODE": facts.dns_rcode,
    }[name]
    if value is None:
        raise _Missing(_ABSENT[name])
    return value


_ABSENT = {
    "STATUS": "no HTTP status (not an HTTP answer)",
    "RESPONSE_TIME": "no response time (nothing answered)",
    "IP": "no IP address",
    "CERTIFICATE_EXPIRATION": "no certificate (not a TLS connection)",
    "DNS_RCODE": "no DNS answer",
}


class _Duration(int):
    """Milliseconds, shown in hours when reasons print them."""


def _compare(got: Any, op: str, want: Any) -> bool:
    a, b = _number(got), _number(want)
    if op in ("==", "!="):
        same = a == b if a is not None and b is not None else _text(got) == _text(want)
        return same if op == "==" else not same
    if a is None or b is None:
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        return float(value)
    except ValueError:
        pass
    return _duration_ms(value)


def _duration_ms(text: str) -> float | None:
    """`48h`, `1h30m`, `500ms`, `2d` as milliseconds (None if it is not a duration)."""
    text = text.strip()
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_MS[match.group(2)]
        pos = match.end()
    return total if text and pos == len(text) else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _show(value: Any) -> str:
    if isinstance(value, _Duration):
        hours = int(value) / 3_600_000
        return f"{hours:.0f}h" if abs(hours) >= 1 else f"{int(value) // 1000}s"
    text = _text(value)
    return text if len(text) <= 80 else text[:79] + "…"


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    """Gatus' patterns: `*` matches any run of characters, everything else is itself."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
