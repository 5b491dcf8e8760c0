"""Conditions in Gatus' syntax, parsed into a small tree (no eval).

A condition is `LEFT OP RIGHT` with OP one of `== != <= >= < >`. Each side is a
placeholder (`[STATUS]`, `[BODY].data[0].id`), a function of a placeholder (`len(...)`,
`has(...)`), on the right of `==`/`!=` a `pat(...)` or `any(...)`, or else literal text
(`200`, `UP`, `48h`). Errors carry the 1-based column of the part that is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = (
    "STATUS",
    "RESPONSE_TIME",
    "BODY",
    "CONNECTED",
    "IP",
    "CERTIFICATE_EXPIRATION",
    "DNS_RCODE",
)
# Only [BODY] takes a path; len() and has() read a [BODY] path too.
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")

_FUNCTION = re.compile(r"^(len|has|pat|any)\s*\(")
_KEY = re.compile(r"[^.\[\]]+")


class ConditionError(ValueError):
    """A condition that cannot be parsed; `column` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"at column {column}: {message}")
        self.message = message
        self.column = column


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str  # STATUS, BODY, ...
    path: tuple[str | int, ...] = ()  # [BODY].a.b[0] -> ("a", "b", 0)

    def __str__(self) -> str:
        out = f"[{self.name}]"
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out


@dataclass(frozen=True, slots=True)
class Function:
    name: str  # len or has
    arg: Placeholder

    def __str__(self) -> str:
        return f"{self.name}({self.arg})"


@dataclass(frozen=True, slots=True)
class Literal:
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str  # `*` matches any run of characters

    def __str__(self) -> str:
        return f"pat({self.text})"


@dataclass(frozen=True, slots=True)
class AnyOf:
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"any({', '.join(self.values)})"


Operand = Placeholder | Function | Literal
Right = Operand | Pattern | AnyOf


@dataclass(frozen=True, slots=True)
class Condition:
    text: str
    left: Operand
    op: str
    right: Right

    def placeholders(self) -> set[str]:
        names = set()
        for side in (self.left, self.right):
            if isinstance(side, Placeholder):
                names.add(side.name)
            elif isinstance(side, Function):
                names.add(side.arg.name)
        return names


def parse_condition(text: str) -> Condition:
    """Parse one condition, or raise ConditionError naming the column."""
    op, at = _find_operator(text)
    left_text, right_text = text[:at], text[at + len(op) :]
    left = _operand(left_text, 0, right_side=False)
    right = _operand(right_text, at + len(op), right_side=True)
    if isinstance(right, Pattern | AnyOf) and op not in ("==", "!="):
        column = at + len(op) + _lead(right_text) + 1
        raise ConditionError(f"{str(right).split('(')[0]}() works only with == and !=", column)
    if isinstance(left, Literal) and isinstance(right, Literal | Pattern | AnyOf):
        raise ConditionError(
            f"no placeholder to check (expected one of {_known()})", _lead(text) + 1
        )
    return Condition(text.strip(), left, op, right)


def _find_operator(text: str) -> tuple[str, int]:
    """The first operator outside brackets and parentheses."""
    depth = opened = 0
    for i, char in enumerate(text):
        if char in "[(":
            opened = i if depth == 0 else opened
            depth += 1
        elif char in "])":
            depth = max(0, depth - 1)
        elif depth == 0:
            for op in OPERATORS:
                if text.startswith(op, i):
                    return op, i
    if depth:
        raise ConditionError(f"{text[opened]} is not closed", opened + 1)
    raise ConditionError(f"no operator (expected one of {' '.join(OPERATORS)})", len(text) + 1)


def _lead(text: str) -> int:
    return len(text) - len(text.lstrip())


def _operand(raw: str, offset: int, right_side: bool) -> Operand | Pattern | AnyOf:
    text = raw.strip()
    column = offset + _lead(raw) + 1
    if not text:
        side = "right" if right_side else "left"
        raise ConditionError(f"nothing on the {side} of the operator", column)
    if text.startswith("["):
        return _placeholder(text, column)
    match = _FUNCTION.match(text)
    if match is None:
        return Literal(text)
    name = match.group(1)
    if not text.endswith(")"):
        raise ConditionError(f"{name}( is not closed with )", column + len(text))
    inner = text[match.end() : -1]
    inner_column = column + match.end()
    if name in ("pat", "any"):
        if not right_side:
            raise ConditionError(f"{name}() belongs on the right of == or !=", column)
        if name == "pat":
            return Pattern(inner.strip())
        return AnyOf(tuple(v.strip() for v in inner.split(",")))
    arg = _placeholder(inner.strip(), inner_column + _lead(inner))
    if arg.name != "BODY":
        raise ConditionError(f"{name}() works only with [BODY], got [{arg.name}]", inner_column)
    return Function(name, arg)


def _placeholder(text: str, column: int) -> Placeholder:
    end = text.find("]")
    if end < 0:
        raise ConditionError("[ is not closed with ]", column)
    name = text[1:end]
    if name not in PLACEHOLDERS:
        raise ConditionError(f"unknown placeholder [{name}] (expected one of {_known()})", column)
    rest = text[end + 1 :]
    if rest and name != "BODY":
        raise ConditionError(f"only [BODY] takes a path, got [{name}]{rest}", column + end + 1)
    return Placeholder(name, _path(rest, column + end + 1))


def _path(rest: str, column: int) -> tuple[str | int, ...]:
    """`.a.b[0]` -> ("a", "b", 0), Gatus' JSONPath subset."""
    parts: list[str | int] = []
    i = 0
    while i < len(rest):
        if rest[i] == ".":
            match = _KEY.match(rest, i + 1)
            if match is None:
                raise ConditionError("expected a key after '.'", column + i + 1)
            parts.append(match.group(0))
            i = match.end()
        elif rest[i] == "[":
            end = rest.find("]", i)
            index = rest[i + 1 : end] if end > 0 else ""
            if not index.isdigit():
                raise ConditionError(
                    f"expected [number] in a [BODY] path, got {rest[i:]}", column + i
                )
            parts.append(int(index))
            i = end + 1
        else:
            raise ConditionError(f"unexpected {rest[i]!r} in a [BODY] path", column + i)
    return tuple(parts)


def _known() -> str:
    return ", ".join(f"[{p}]" for p in PLACEHOLDERS)
