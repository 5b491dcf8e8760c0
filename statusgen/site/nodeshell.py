"""A node page put together: its per-pass part, then the shell around it.

The per-pass part (`_node_pass.html`) of the default theme is its six sections
(`statusgen.site.nodepage`) joined in Python, without a Jinja render a node; the
template itself renders it when the project overrides it or the node has locations
(the table the template writes). The shell (`node.html` around `node_pass`: the layout,
the crumbs, the listed incidents and maintenance) is shared by the nodes that list the
same items in the same service: the default one shows of the node its label alone
(`node.label`, escaped by Jinja), so it is rendered once with LABEL standing for the
label, and each node's escaped label is written in (a default shell that reads more of
the node is rendered for each node). A rebuild takes the shared shells from the build
cache while nothing they show changed (a maintenance window's state changes with time;
an incident's with its file). A project's own `node.html` is rendered whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from jinja2 import Environment, UndefinedError
from markupsafe import Markup

from statusgen.site.cache import PageCache, page_key
from statusgen.site.escaped import escaped
from statusgen.site.nodepage import NodeHelpers

if TYPE_CHECKING:
    from statusgen.site.snapshot import NodeState, ServiceState

# Where a node page's shell takes its per-pass part: no template writes this.
SPLICE = Markup("\x00statusgen:node-pass\x00")
# What stands for a node's label in a shared shell.
LABEL = "\x00statusgen:node-label\x00"


class _LabelOnly:
    """The node a shared shell is rendered with: its label is LABEL, anything else of it
    is undefined (StrictUndefined: the shell then fails and is rendered per node)."""

    __slots__ = ()
    label = LABEL


class NodePages:
    """Node pages of one renderer (one page, one locale): `cache` and `key` (what every
    shell's key shares), as PageRenderer has them; `own_shell` and `own_pass`: whether
    the project overrides `node.html` or `_node_pass.html` (or what they reach)."""

    def __init__(
        self,
        env: Environment,
        helpers: NodeHelpers,
        cache: PageCache | None,
        key: str,
        own_shell: bool,
        own_pass: bool,
    ) -> None:
        self.env, self.helpers, self.cache, self.key = env, helpers, cache, key
        self.own_shell, self.own_pass = own_shell, own_pass
        self._shells: dict[tuple, str | Literal[False]] = {}

    def page(self, node: NodeState, context: dict[str, Any], shown: tuple, folder: tuple) -> str:
        """The page of `node` (`context` as node.html sees it; `shown`: its listed items
        with each one's state; `folder`: what its context shares with its folder's)."""
        fragment = self.node_pass(node, context)
        if self.own_shell:  # a project's own (it may show anything)
            return self.env.get_template("node.html").render(context, node_pass=Markup(fragment))
        shell = self._shell(node, context, shown, folder)
        before, found, after = shell.partition(SPLICE)
        return "".join((before, fragment, after)) if found else shell

    def node_pass(self, node: NodeState, context: dict[str, Any]) -> str:
        """`_node_pass.html` for `node`: the default one's sections joined in Python."""
        if node.locations or self.own_pass:
            return self.env.get_template("_node_pass.html").render(context)
        h, base = self.helpers, context["base"]
        return "".join(
            (
                h.node_head(node),
                h.replica_card(node),
                h.uptime_card(node),
                h.latency_card(node),
                h.notable_card(node, base),
                h.changes_card(node),
            )
        )

    def _shell(self, node: NodeState, context: dict[str, Any], shown: tuple, folder: tuple) -> str:
        service: ServiceState = context["service"]
        label = node.label
        if "\x00" not in label:  # else it cannot hold LABEL's place
            ids = tuple((i.kind, i.id, id(i.value), state) for i, state in shown)
            memo = (folder, service.id, service.name, ids)
            shell = self._shells.get(memo)
            if shell is None:
                shell = self._shells[memo] = self._shared(context, shown, folder)
            if shell is not False:
                return shell.replace(LABEL, escaped(label))
        return self.env.get_template("node.html").render(context, node_pass=SPLICE)

    def _shared(self, context: dict[str, Any], shown: tuple, folder: tuple) -> str | Literal[False]:
        cache, service = self.cache, context["service"]
        kept = cache is not None and cache.read  # `--full` renders shells, keeps none
        key = page_key(self.key, folder, service.id, service.name, shown) if kept else ""
        found = cache.get(key) if kept and cache is not None else None
        if found is not None:
            return found
        try:
            shell = self.env.get_template("node.html").render(
                context, node=_LabelOnly(), node_pass=SPLICE
            )
        except UndefinedError:  # the shell reads more of the node than its label
            return False
        if kept and cache is not None:
            cache.put(key, shell)
        return shell
