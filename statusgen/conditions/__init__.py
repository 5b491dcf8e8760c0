"""Conditions in Gatus' syntax (`[STATUS] == 200`, `[BODY].status == UP`, ...): a parser
(`parse_condition`) and a pure evaluator (`failures`) over what a probe saw (`Facts`).

No statusgen imports: the config validates conditions with the parser, the probes judge
them with the evaluator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from statusgen.conditions.parse import PLACEHOLDERS, Condition, ConditionError, parse_condition

if TYPE_CHECKING:
    from statusgen.conditions.evaluate import (
        BODY_CAP_REASON,
        Facts,
        Failure,
        check,
        failures,
        reads_body,
        to_jsonpath,
    )

# The evaluator's names, imported on first use: the config only parses conditions
# (`statusgen check` start-up).
_EVALUATE = frozenset(
    ("BODY_CAP_REASON", "Facts", "Failure", "check", "failures", "reads_body", "to_jsonpath")
)

__all__ = [
    "BODY_CAP_REASON",
    "PLACEHOLDERS",
    "Condition",
    "ConditionError",
    "Facts",
    "Failure",
    "check",
    "failures",
    "parse_condition",
    "reads_body",
    "to_jsonpath",
]


def __getattr__(name: str) -> Any:
    if name not in _EVALUATE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("statusgen.conditions.evaluate"), name)
