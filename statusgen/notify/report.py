"""What a notify pass did, for the CLI to print: no URL or secret ever appears here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from statusgen.notify.state import OutboxItem
from statusgen.notify.transitions import Transition
from statusgen.status import Status


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message for one target (a channel name or a hook label)."""

    kind: Literal["channel", "hook"]
    target: str
    title: str
    body: str
    error: str = ""
    attempts: int = 0

    @classmethod
    def of(cls, item: OutboxItem, error: str = "") -> Delivery:
        return cls(item.kind, item.target, item.title, item.body, error, item.attempts)

    @property
    def where(self) -> str:
        return f"{self.kind} {self.target}"


@dataclass
class NotifyReport:
    """Transitions decided this pass and what became of each message.

    `sent`: delivered now; `queued`: waiting in the outbox (failed, or behind a failed
    one); `dropped`: given up, with the reason in `error`; `would_send`: a dry run's
    messages; `suppressed`: decided but not sent because sending was off.
    """

    transitions: list[Transition] = field(default_factory=list)
    health: Status | None = None
    sent: list[Delivery] = field(default_factory=list)
    queued: list[Delivery] = field(default_factory=list)
    dropped: list[Delivery] = field(default_factory=list)
    would_send: list[Delivery] = field(default_factory=list)
    suppressed: list[Delivery] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed this pass."""
        return not self.queued and not self.dropped

    def lines(self, bodies: bool = False) -> list[str]:
        """Human lines, one per message; with `bodies`, each message's text indented."""
        out: list[str] = []
        groups = (
            ("sent", self.sent),
            ("would send", self.would_send),
            ("not sent (notifications off)", self.suppressed),
            ("queued", self.queued),
            ("dropped", self.dropped),
        )
        for verb, deliveries in groups:
            for d in deliveries:
                line = f"{verb} to {d.where}: {d.title}"
                out.append(f"{line} ({d.error})" if d.error else line)
                if bodies:
                    out += [f"    {text}" for text in d.body.splitlines()]
        return out
