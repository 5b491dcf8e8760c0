"""Conditions in Gatus' syntax (`[STATUS] == 200`, `[BODY].status == UP`, ...): a parser
(`parse_condition`) and a pure evaluator (`failures`) over what a probe saw (`Facts`).

No statusgen imports: the config validates conditions with the parser, the probes judge
them with the evaluator.
"""

from statusgen.conditions.evaluate import (
    BODY_CAP_REASON,
    Facts,
    Failure,
    check,
    failures,
    reads_body,
    to_jsonpath,
)
from statusgen.conditions.parse import PLACEHOLDERS, Condition, ConditionError, parse_condition

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
