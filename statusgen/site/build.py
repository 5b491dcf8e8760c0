"""`statusgen build`: config + history + content -> every file of `output/`.

A plain pipeline: load content (a broken file fails the build before anything is
written), read the history, compute one Snapshot, render every file into memory, then
hand them to the one writer of `output/` (`statusgen.site.output.publish_tree`), which
swaps a fresh tree in with one rename, so a failed build leaves the previous site in
place and a reader never sees half a site.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment

from statusgen.config import LOCALES, Config
from statusgen.content import load_content
from statusgen.content.cache import kept_content
from statusgen.content.render import remembered
from statusgen.errors import ConfigError
from statusgen.files import locked, private_folder
from statusgen.history import (
    HistoryView,
    RawCache,
    collector_frozen,
    collector_paused,
    open_store,
)
from statusgen.resources import theme_dir
from statusgen.site.cache import FOLDER as CACHE_FOLDER
from statusgen.site.cache import PageCache, build_inputs
from statusgen.site.calendar import maintenance_calendar
from statusgen.site.colors import theme_rules
from statusgen.site.documents import api_documents
from statusgen.site.feeds import feeds
from statusgen.site.fragments import Fragments
from statusgen.site.i18n import messages
from statusgen.site.manifest import ICONS, web_manifest
from statusgen.site.output import publish_tree
from statusgen.site.pages import Assets, PageRenderer, environment
from statusgen.site.problems import asset_problem, check_site_config, is_url
from statusgen.site.reuse import FOLDER as REUSE_FOLDER
from statusgen.site.seriescache import SeriesCache
from statusgen.site.snapshot import Snapshot, build_snapshot
from statusgen.status import Status


@dataclass
class BuildReport:
    """What a build wrote."""

    output: Path
    files: int
    bytes: int
    pages: int
    locales: list[str]
    extra_pages: list[str]
    warnings: list[str] = field(default_factory=list)
    unchanged: int = 0  # files kept as they were (same inode and mtime)
    cached: int = 0  # pages taken from the build cache instead of rendered
    reused: int = 0  # feeds and calendars taken from the build cache (statusgen.site.reuse)
    settled: int = 0  # nodes whose series over the settled days came from the build cache
    charts: int = 0  # nodes whose 24 h chart was extended from the build cache's
    pieces: int = 0  # settled days' bars and daily charts from the build cache
    documents: dict[str, bytes] = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        size = (
            f"{self.bytes / 1024:.0f} KiB"
            if self.bytes < 1 << 20
            else f"{self.bytes / (1 << 20):.1f} MiB"
        )
        return (
            f"built {self.output}: {self.pages} pages, {self.files} files, {size}"
            f" ({self.unchanged} unchanged)"
        )


def build_site(
    config: Config, now: datetime, live: dict[str, Status] | None = None, full: bool = False
) -> BuildReport:
    """Render the whole site for `now` and replace `output/` with it atomically. Pages
    that did not change since the last build come from the build cache (site/cache.py)
    unless `full`; the output is the same byte for byte either way.

    Raises ConfigError / ContentError (nothing written) on bad input."""
    check_site_config(config)
    state = private_folder(config.resolve(config.server.state_dir))
    cache = PageCache(state / CACHE_FOLDER, read=not full)
    kept_files = PageCache(state / CACHE_FOLDER / REUSE_FOLDER, read=not full)
    # `--full` reads the raw files the ordinary way: a second way to the same bytes.
    raw = None if full else RawCache(state / CACHE_FOLDER / "raw")
    kept = SeriesCache(state / CACHE_FOLDER, read=not full)
    with ExitStack() as frozen:
        with collector_paused():
            with remembered(cache.markdown()), kept_content(state / CACHE_FOLDER, read=not full):
                snapshot, warnings = snapshot_at(config, now, live, raw, kept)
            if raw is not None:
                raw.finish()  # the raw and sealed days this build decoded, for the next one
            kept.save()  # the nodes' series over the settled days
            # Collections while rendering walk only what rendering makes: what the history
            # and the snapshot made is frozen before the collector runs again, or its first
            # collection walks all of it (history/gcpause.py).
            frozen.enter_context(collector_frozen())
        # `--full` draws every piece whole and keeps none: keeping them costs a build that
        # finds none about 40 ms at 1,000 nodes (docs/site.md, "Incremental builds").
        folder = state / CACHE_FOLDER
        pieces = None if full else Fragments(folder, kept.base, len(kept.days), kept.entries)
        assets, asset_files = resolve_assets(config)
        documents = api_documents(snapshot)
        files = site_files(
            snapshot, assets, documents=documents, cache=cache, kept=kept_files, pieces=pieces
        )
        files.update(asset_files)
        with locked(state / "build"):
            published = publish_tree(config.output_dir, files, state)
            cache.save()
            kept_files.save()
            if pieces is not None:
                pieces.save()
    locales = [config.page.locale, *(LOCALES if config.page.locale_picker else ())]
    return BuildReport(
        output=config.output_dir,
        files=len(files),
        bytes=sum(len(b) for b in files.values()),
        pages=sum(1 for path in files if path.endswith(".html")),
        locales=list(dict.fromkeys(locales)),
        extra_pages=[p.page.slug for p in snapshot.pages],
        warnings=warnings,
        unchanged=published.kept,
        cached=cache.hits,
        reused=kept_files.hits,
        settled=kept.hits,
        charts=kept.charts.hits,
        pieces=pieces.hits if pieces is not None else 0,
        documents=documents,
    )


def snapshot_at(
    config: Config,
    now: datetime,
    live: dict[str, Status] | None = None,
    raw: RawCache | None = None,
    kept: SeriesCache | None = None,
) -> tuple[Snapshot, list[str]]:
    """The page state at `now` (content, the history as of `now`, live statuses) and the
    history's warnings. A build for an earlier time ignores the passes after it. `raw`:
    the raw files as the build before decoded them (statusgen.history.rawindex); `kept`:
    the nodes' series over the settled days (statusgen.site.seriescache)."""
    content = load_content(config)
    store = open_store(config)
    store.migrate_if_v1()
    with collector_paused():  # a million decoded objects, no cycles (history/gcpause.py)
        view = HistoryView.load(store, until=now, cache=raw)
        if kept is not None:
            kept.start(config, view, now, store.warnings, raw)
        snapshot = build_snapshot(config, view, content, now, live, kept)
    return snapshot, list(store.warnings)


def site_files(
    snapshot: Snapshot,
    assets: Assets,
    env: Environment | None = None,
    documents: dict[str, bytes] | None = None,
    cache: PageCache | None = None,
    kept: PageCache | None = None,
    pieces: Fragments | None = None,
) -> dict[str, bytes]:
    """Every file of the site but copied assets, keyed by output-relative path
    (`documents`: the snapshot's API documents, when the caller has them already;
    `cache`: pages of earlier builds; `kept`: their feeds and calendars; `pieces`: the
    nodes' settled days' markup)."""
    env = env or environment(snapshot.config.root)
    config = snapshot.config
    inputs = build_inputs(config.model_dump_json(), (assets,)) if cache or pieces else ""
    if pieces is not None:
        pieces.start(inputs)
    out: dict[str, bytes] = {}
    default = config.page.locale
    dirs = [(default, "")]
    if config.page.locale_picker:
        dirs += [(lang, f"{lang}/") for lang in LOCALES]
    for page in snapshot.all_pages():
        for lang, lang_dir in dirs:
            renderer = PageRenderer(
                env, page, lang, lang_dir, assets, config.page.locale_picker, cache, inputs, pieces
            )
            out.update((path, html.encode()) for path, html in renderer.pages())
        out.update((path, text.encode()) for path, text in feeds(env, page, kept).items())
        out[f"{page.page.prefix}maintenance.ics"] = maintenance_calendar(page, kept)
        out[f"{page.page.prefix}manifest.webmanifest"] = web_manifest(page)
    path, html = PageRenderer(env, snapshot, default, "", assets, False).not_found()
    out[path] = html.encode()
    out.update(static_files(env, config, assets.banner))
    out.update(api_documents(snapshot) if documents is None else documents)
    return dict(sorted(out.items()))


def static_files(env: Environment, config: Config, banner: str | None = None) -> dict[str, bytes]:
    # The banner image is a rule here, not an inline style=, so the pages' CSP holds.
    page = config.page
    strings = {
        lang: {
            "dead": messages(lang)("widget_dead"),
            "critical": messages(lang)("widget_critical"),
            "more": messages(lang)("widget_more"),
            "dismiss": messages(lang)("widget_dismiss"),
        }
        for lang in LOCALES
    }
    example = page.url.rstrip("/") + "/" if page.url else "https://status.example.com/"
    out = {
        "style.css": env.get_template("style.css").render(
            theme_rules=theme_rules(page.main_color), banner=banner
        ),
        "favicon.svg": env.get_template("favicon.svg").render(main_color=page.main_color),
        "widget.js": env.get_template("widget.js").render(
            strings=strings, example_src=example + "widget.js"
        ),
        "robots.txt": "User-agent: *\n"
        + ("Disallow: /\n" if page.forbid_indexing else "Allow: /\n"),
        # GitHub Pages would otherwise run Jekyll, which hides files starting with "_".
        ".nojekyll": "",
    }
    if page.custom_domain:
        out["CNAME"] = page.custom_domain + "\n"
    files = {path: text.encode() for path, text in out.items()}
    from rjsmin import jsmin  # only for builds: keeps start-up light

    # Not a template. The default theme's is minified; a project's own is served as written.
    source, filename, _ = env.loader.get_source(env, "site.js")
    default = Path(filename or "").resolve().parent == theme_dir().resolve()
    files["site.js"] = (jsmin(source) if default else source).encode()
    for name in ICONS:  # binary files of the theme, copied as they are
        files[name] = theme_file(env, name)
    return files


def theme_file(env: Environment, name: str) -> bytes:
    """A file of the theme (the project's `site-templates/` first, then the default)."""
    for folder in env.loader.searchpath:  # type: ignore[union-attr]
        path = Path(folder) / name
        if path.is_file():
            return path.read_bytes()
    raise ConfigError(f"the site theme has no {name}")


def resolve_assets(config: Config) -> tuple[Assets, dict[str, bytes]]:
    """Logos and banner: URLs are used as they are; paths are files of the project copied
    to `output/assets/` (`site_problems` has checked they exist)."""
    files: dict[str, bytes] = {}

    def one(value: str | None, css: bool = False) -> str | None:
        if value is None:
            return None
        target = value
        if not is_url(value):
            problem = asset_problem(config, value)
            if problem:  # the file changed since the check
                raise ConfigError(f"{config.path}: {problem}")
            source = config.resolve(value)
            target = f"assets/{source.name}"
            files[target] = source.read_bytes()
        return _css_safe(target) if css else target

    logos = config.page.logos
    assets = Assets(
        logo=one(logos.header),
        footer_logo=one(logos.footer),
        banner=one(logos.banner, css=True),
        page_logos=tuple((p.slug, one(p.logo)) for p in config.pages),
    )
    return assets, files


def _css_safe(url: str) -> str:
    """A URL safe inside CSS `url('...')`: quotes, brackets and spaces percent-encoded."""
    return quote(url, safe=":/?#[]@!$&*+,;=%~._-")
