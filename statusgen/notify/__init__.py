"""Notifications: Apprise channels and the signed health-change web hook.

The pass pipeline calls `notify_pass` after evaluating; `statusgen notify test` calls
`send_test`. Transitions (`transitions`) and messages (`messages`) are pure; sending
(`channels`, `hooks`) is bounded by `notify.deadline` (`dispatch`); what could not be
sent waits in the persisted outbox (`outbox`, `state`).
"""

from statusgen.notify.channels import channel_names, validate_channels
from statusgen.notify.report import Delivery, NotifyReport
from statusgen.notify.run import notify_pass, send_test
from statusgen.notify.state import HookState, NotifierState, load_state

__all__ = [
    "Delivery",
    "HookState",
    "NotifierState",
    "NotifyReport",
    "channel_names",
    "load_state",
    "notify_pass",
    "send_test",
    "validate_channels",
]
