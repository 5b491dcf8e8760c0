"""A node's conditions applied to one attempt's outcome.

Conditions are judged on every answer (an outcome with `facts`) on top of the scheme's
own judgement, except where a condition takes that judgement over: a `[STATUS]`
condition replaces `healthy_above`/`healthy_below` on HTTP, a `[DNS_RCODE]` or `[BODY]`
condition replaces `expect` and the NOERROR rule on DNS. Failing [RESPONSE_TIME] or
[CERTIFICATE_EXPIRATION] conditions make the replica sick, any other dead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from statusgen.conditions import Condition, failures
from statusgen.probes.base import Outcome

# Per scheme: the placeholders whose conditions replace the scheme's own verdict.
_TAKES_OVER = {"dns": {"DNS_RCODE", "BODY"}}


def apply_conditions(scheme: str, conditions: Sequence[Condition], outcome: Outcome) -> Outcome:
    """`outcome` judged again by `conditions` (unchanged when there are none, or when
    nothing answered: then the scheme's reason, such as a refused connection, stands)."""
    if not conditions or outcome.facts is None:
        return outcome
    over = _TAKES_OVER.get(scheme, set())
    replaced = any(c.placeholders() & over for c in conditions)
    if not outcome.ok and not replaced:
        return outcome
    found = failures(conditions, outcome.facts)
    if not found:
        return replace(outcome, ok=True)
    reason = "; ".join(f.reason for f in found)
    if all(f.sick for f in found):
        return replace(outcome, ok=True, sick=True, reason=reason)
    return replace(outcome, ok=False, sick=False, reason=reason)


def judge_certificate(outcome: Outcome, sick_days: int) -> Outcome:
    """A certificate that expires within `sick_days` days makes a healthy answer sick:
    `certificate expires in 2 days (2026-12-11)`."""
    facts = outcome.facts
    if not outcome.ok or facts is None or facts.certificate_expires is None:
        return outcome
    left = facts.certificate_expiration or 0.0
    if left > sick_days * 86400:
        return outcome
    reason = expiry_words(left, facts.certificate_expires)
    if outcome.sick:  # conditions already said why it is sick
        reason = f"{outcome.reason}; {reason}"
    return replace(outcome, sick=True, reason=reason)


def expiry_words(seconds_left: float, expires: datetime) -> str:
    days = int(seconds_left // 86400)
    when = f"in {days} day{'s' if days != 1 else ''}" if days >= 1 else "today"
    return f"certificate expires {when} ({expires.date().isoformat()})"
