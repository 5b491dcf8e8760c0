"""What a `${NAME}` that is not set does, key by key: the one rule every command follows.

Where secrets may be missing (`run`, `serve`, `probe`, `build`, ..., and `check
--allow-missing-secrets` for pull requests from forks), a key that holds an unset
`${NAME}` disables what it belongs to, and everything else goes on:

- `notify.channels[i].*`: that channel is left out (one warning per pass; its waiting
  messages stay in the outbox);
- `notify.hooks[i].*`: that hook is left out (never sent unsigned);
- a node's `replicas[i]` URL, `http.headers.*` or `http.body`: the node is not probed and
  shows "No data" with the reason "secret NAME is not set";
- any other key (`page.url`, a page setting, a path, a label, ...): a config error, as
  it is everywhere with plain `check`, which reports every unset `${NAME}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from statusgen.secrets import SHORTEST, mask

Kind = Literal["channel", "hook", "node"]

_CHANNEL = re.compile(r"^notify\.channels\[(\d+)\]")
_HOOK = re.compile(r"^notify\.hooks\[(\d+)\]")
_NODE = re.compile(
    r"^services\[(\d+)\]\.nodes\[(\d+)\]\.(?:replicas\[\d+\](?:\.url)?$|http\.headers\.|http\.body$)"
)
ONLY = (
    "only a notify channel or hook, or a node's replica URL, http.headers or http.body "
    "can go without its secret"
)


def unset_reason(names: tuple[str, ...]) -> str:
    """What the public and the logs are told about unset variables: never a value."""
    if len(names) == 1:
        return f"secret {names[0]} is not set"
    return f"secrets {', '.join(names)} are not set"


@dataclass(frozen=True, slots=True)
class Disabled:
    """A channel, hook or node left out because `${NAME}`s it uses are not set. `key` is
    its config key (`notify.channels[0]`), `keys` the keys that hold the unset names,
    `name` the channel's name, hook's label or node's `service/node` (what the outbox and
    the notifier state know it by)."""

    kind: Kind
    key: str
    name: str
    secrets: tuple[str, ...]
    keys: tuple[str, ...]
    label: str = ""  # `name` as shown: masked, should a substituted secret be part of it

    @property
    def reason(self) -> str:
        return unset_reason(self.secrets)

    def warning(self, path: object) -> str:
        """One line naming the file, the keys, the variables and what is disabled."""
        names = ", ".join(self.secrets)
        variables = "environment variable" + (f" {names} is" if len(self.secrets) == 1 else "s")
        if len(self.secrets) > 1:
            variables += f" {names} are"
        label = self.label or self.name
        what = {
            "channel": f"channel {label!r} is disabled (its waiting messages are kept)",
            "hook": f"hook {label!r} is disabled (nothing is sent unsigned)",
            "node": f"node {label} is not probed and shows No data",
        }[self.kind]
        return f"{path}: {', '.join(self.keys)}: {variables} not set; {what}"


@dataclass
class Plan:
    """What `plan_missing` decided: config errors, and what to disable."""

    problems: list[str]
    disabled: list[Disabled]
    channel_positions: list[int]  # file position of each channel that is kept
    nodes: dict[tuple[int, int], tuple[str, ...]]  # (service, node) index -> unset names


def plan_missing(
    data: Any, missing: list[tuple[str, str]], allow: bool, secrets: Iterable[str] = ()
) -> Plan:
    """Apply the rule to the substituted config `data` (channels and hooks to leave out
    are removed from it) given the `(key path, NAME)` of every unset variable. Without
    `allow` every unset variable is an error. Names shown are masked with `secrets` (the
    values substituted: a name may be one)."""
    problems: list[str] = []
    found: dict[tuple[Kind, tuple[int, ...]], dict[str, list[str]]] = {}
    for path, name in missing:
        where = _classify(path) if allow else None
        if where is None:
            hint = f" ({ONLY})" if allow else ""
            problems.append(f"{path}: environment variable {name} is not set{hint}")
            continue
        names = found.setdefault(where, {})
        names.setdefault(name, [])
        if path not in names[name]:
            names[name].append(path)
    notify = data.get("notify") if isinstance(data, dict) else None
    channels = _items(notify, "channels")
    hooks = _items(notify, "hooks")
    shown = [s for s in secrets if len(s) >= SHORTEST]
    disabled: list[Disabled] = []
    nodes: dict[tuple[int, int], tuple[str, ...]] = {}
    gone: dict[str, set[int]] = {"channel": set(), "hook": set()}
    for (kind, index), names in found.items():
        unset = tuple(sorted(names))
        keys = tuple(dict.fromkeys(p for paths in names.values() for p in paths))
        if kind == "node":
            service, node = index
            nodes[(service, node)] = unset
            name = _node_name(data, service, node)
            key = f"services[{service}].nodes[{node}]"
        elif kind == "channel":
            name = _channel_name(channels[index[0]], index[0])
            key = f"notify.channels[{index[0]}]"
        else:
            label = hooks[index[0]].get("label") if isinstance(hooks[index[0]], dict) else None
            name = label if isinstance(label, str) and label else f"hooks[{index[0]}]"
            key = f"notify.hooks[{index[0]}]"
        if kind != "node":
            gone[kind].add(index[0])
        disabled.append(Disabled(kind, key, name, unset, keys, mask(name, shown)))
    if gone["channel"] or gone["hook"]:
        assert isinstance(notify, dict)
        notify["channels"] = [c for i, c in enumerate(channels) if i not in gone["channel"]]
        notify["hooks"] = [h for i, h in enumerate(hooks) if i not in gone["hook"]]
    positions = [i for i in range(len(channels)) if i not in gone["channel"]]
    order = {"channel": 0, "hook": 1, "node": 2}
    disabled.sort(key=lambda d: (order[d.kind], d.key))
    return Plan(problems, disabled, positions, nodes)


def _classify(path: str) -> tuple[Kind, tuple[int, ...]] | None:
    if match := _CHANNEL.match(path):
        return "channel", (int(match[1]),)
    if match := _HOOK.match(path):
        return "hook", (int(match[1]),)
    if match := _NODE.match(path):
        return "node", (int(match[1]), int(match[2]))
    return None


def _items(notify: Any, key: str) -> list[Any]:
    value = notify.get(key) if isinstance(notify, dict) else None
    return value if isinstance(value, list) else []


def channel_name(name: object, url: object, position: int) -> str:
    """A channel's display name: its `name`, else `<scheme>-<position + 1>` (the URL's
    scheme); `notify.channel_names` makes duplicates unique."""
    if isinstance(name, str) and name:
        return name
    try:
        scheme = urlsplit(url).scheme if isinstance(url, str) else ""
    except ValueError:
        scheme = ""
    return f"{scheme or 'channel'}-{position + 1}"


def _channel_name(item: Any, position: int) -> str:
    item = item if isinstance(item, dict) else {}
    return channel_name(item.get("name"), item.get("url"), position)


def _node_name(data: Any, service: int, node: int) -> str:
    try:
        svc = data["services"][service]
        return f"{svc['id']}/{svc['nodes'][node]['id']}"
    except (KeyError, IndexError, TypeError):
        return f"services[{service}].nodes[{node}]"
