"""The Content-Security-Policy of the site: what its own pages need, nothing more.

The pages load their stylesheet and `site.js` from the site, images from the site, `data:`
and any https host (logos may be URLs), and read the live API of the same origin; nothing
inline runs (the banner's image is a rule in `style.css`, the page's strings a JSON data
block). The static pages carry it in a `<meta>`, `statusgen serve` as a header (plus
`frame-ancestors`, which a `<meta>` cannot carry).

`page.include_html` is trusted raw HTML (analytics, a chat widget): with it the policy
allows inline and https scripts and styles, and connections and images anywhere, since
such snippets need them. Documented in docs/site.md.
"""

from __future__ import annotations

STRICT = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
LOOSE = (
    "default-src 'self'; img-src * data:; style-src 'self' 'unsafe-inline' https:; "
    "script-src 'self' 'unsafe-inline' https:; connect-src *; frame-src https:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)


def content_security_policy(include_html: str | None) -> str:
    """The policy for a page with this `include_html` (None or empty: the strict one)."""
    return LOOSE if include_html else STRICT
