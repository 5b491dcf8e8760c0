"""The web app manifest (`manifest.webmanifest`, one per page) that lets a phone add the
status page to its home screen, with its name, colour and icons: the favicon (an SVG in
`page.main_color`) and the theme's fixed PNG fallbacks (`icon-192.png`, `icon-512.png`)
for launchers that take no SVG. No service worker: the page must read the same with
JavaScript off and make no request but to its own site, and an offline copy of a status
page would show a stale status as if it were current.
"""

from __future__ import annotations

import json

from statusgen.site.snapshot import Snapshot

ICONS = ("icon-192.png", "icon-512.png")


def web_manifest(snapshot: Snapshot) -> bytes:
    """The manifest of one page; its URLs are relative to where it is written
    (`<prefix>manifest.webmanifest`), so the site works from any folder."""
    page, config = snapshot.page, snapshot.config.page
    root = "../" * snapshot.page.prefix.count("/")
    icons = [{"src": f"{root}favicon.svg", "sizes": "any", "type": "image/svg+xml"}]
    icons += [
        {"src": root + name, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
        for name, size in zip(ICONS, (192, 512), strict=True)
        for purpose in ("any", "maskable")
    ]
    document = {
        "name": page.name,
        "short_name": page.name if len(page.name) <= 12 else page.name[:12].rstrip(),
        "description": page.description or page.name,
        "lang": config.locale,
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": config.main_color,
        "icons": icons,
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
