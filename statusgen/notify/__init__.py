"""Notifications: Apprise channels and the signed health-change web hook.

The pass pipeline calls `notify_pass` after evaluating; `statusgen notify test` calls
`send_test`. Transitions (`transitions`) and messages (`messages`) are pure; sending
(`channels`, `hooks`) is bounded by `notify.deadline` (`dispatch`); what could not be
sent waits in the persisted outbox (`outbox`, `state`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from statusgen.notify.channels import channel_names, validate_channels
    from statusgen.notify.report import Delivery, NotifyReport
    from statusgen.notify.run import notify_pass, send_test
    from statusgen.notify.state import HookState, NotifierState, load_state

# name -> the module it lives in, imported on first use so that importing one module of
# this package does not load them all (`statusgen --help` and `check` stay light).
_EXPORTS = {
    "channel_names": "channels",
    "validate_channels": "channels",
    "Delivery": "report",
    "NotifyReport": "report",
    "notify_pass": "run",
    "send_test": "run",
    "HookState": "state",
    "NotifierState": "state",
    "load_state": "state",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
