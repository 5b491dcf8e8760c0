"""One formatter that turns pydantic errors into `file: key.path: problem; expected ...` lines.

Used for the config and for content front matter, so every message reads the same.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError


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
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def describe_error(error: dict[str, Any], data: Any, model: type[BaseModel] | None) -> str:
    """`key.path: what is wrong; expected what` for one pydantic error."""
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
        if value is not None and not isinstance(value, dict | list):
            message += f", got {value!r}"
    return f"{key_path(loc) or '(top level)'}: {message}"


def format_validation_errors(
    exc: ValidationError, data: Any, source: str, model: type[BaseModel] | None
) -> list[str]:
    """Every problem of a ValidationError as `source: key.path: message`."""
    lines = []
    for error in exc.errors(include_url=False):
        line = f"{source}: {describe_error(error, data, model)}"
        if line not in lines:
            lines.append(line)
    return lines
