"""One formatter that turns pydantic errors into `file: key.path: problem; expected ...` lines.

Used for the config and for content front matter, so every message reads the same.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

# Longest value a message echoes: a 5 MB value must not become a 5 MB error message.
ECHO_LIMIT = 200
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/?#@\s'\"]*@")


def shown(value: Any, limit: int = ECHO_LIMIT) -> str:
    """`repr(value)` for an error message: URL user info masked, cut to `limit` characters."""
    text = redact_userinfo(repr(value))
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters)"
    return text


def redact_userinfo(text: str) -> str:
    """Every `scheme://user:password@` in `text` as `scheme://***@`."""
    return _USERINFO.sub(r"\1***@", text)


def key_path(loc: tuple[int | str, ...]) -> str:
    """('services', 1, 'nodes', 0) -> 'services[1].nodes[0]'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _lookup(data: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns the mapping at `loc`, for key suggestions."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return None
        current = _inner_model(field.annotation)
        if current is None:
            return None
    from pydantic import BaseModel  # here: `statusgen --help` must not load pydantic

    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def describe_error(
    error: dict[str, Any],
    data: Any,
    model: type[BaseModel] | None,
    hidden: dict[str, set[str]] | None = None,
) -> str:
    """`key.path: what is wrong; expected what` for one pydantic error.

    `hidden` maps key paths whose value came from `${VAR}` to the substituted values:
    their value is never echoed, and those values are masked in the message."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        owner = _model_at(model, loc[:-1]) if model else None
        valid = sorted(owner.model_fields) if owner else []
        hint = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
        message = f"unknown key {key!r}"
        if hint:
            message += f"; did you mean {hint[0]!r}?"
        elif valid:
            message += f"; expected one of: {', '.join(valid)}"
        return f"{key_path(loc)}: {message}"
    if kind == "missing":
        return f"{key_path(loc)}: required key is missing"
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    # A replica given as a plain string reports its error on the string itself.
    if loc and loc[-1] == "url" and isinstance(_lookup(data, loc[:-1]), str):
        loc = loc[:-1]
    if kind != "value_error":
        message = message[0].lower() + message[1:]
        message = message.replace("input should be", "expected")
        value = _lookup(data, loc)
        if _secret_values(loc, hidden):
            message += " (its value comes from an environment variable and is not shown)"
        elif value is not None and not isinstance(value, dict | list):
            message += f", got {_toml(value)}"
    else:
        message = _cap(message)
    for secret in sorted(_secret_values(loc, hidden), key=len, reverse=True):
        message = message.replace(secret, "***")
    return f"{key_path(loc) or '(top level)'}: {redact_userinfo(message)}"


def _toml(value: Any) -> str:
    """How the value reads in the file: `true`, not `True`."""
    return ("true" if value else "false") if isinstance(value, bool) else shown(value)


def _secret_values(loc: tuple[int | str, ...], hidden: dict[str, set[str]] | None) -> set[str]:
    """The `${VAR}` values substituted at `loc`, inside it or around it."""
    if not hidden:
        return set()
    here = key_path(loc)
    found: set[str] = set()
    for path, values in hidden.items():
        inside = path.startswith((here + ".", here + "["))
        around = here.startswith((path + ".", path + "["))
        if not here or path == here or inside or around:
            found |= values
    return {v for v in found if v}


def _cap(message: str, limit: int = 2 * ECHO_LIMIT) -> str:
    return message if len(message) <= limit else f"{message[:limit]}... (cut)"


def mask_all(lines: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """`lines` with every secret of at least 4 characters masked (shorter ones would mask
    ordinary words), and URL user info redacted."""
    ordered = sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True)
    out = []
    for line in lines:
        for secret in ordered:
            line = line.replace(secret, "***")
        out.append(redact_userinfo(line))
    return out


def format_validation_errors(
    exc: ValidationError,
    data: Any,
    source: str,
    model: type[BaseModel] | None,
    hidden: dict[str, set[str]] | None = None,
) -> list[str]:
    """Every problem of a ValidationError as `source: key.path: message` (`hidden`: see
    `describe_error`)."""
    lines = []
    for error in exc.errors(include_url=False):
        line = f"{source}: {describe_error(error, data, model, hidden)}"
        if line not in lines:
            lines.append(line)
    return lines
