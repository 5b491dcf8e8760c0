"""Colours of the theme, checked against WCAG 2.2 at build time.

The status colours are fixed (chosen to pass AA in both themes); only `main_color` is the
user's. Links, the focus ring and chart lines are shades of it, darkened for the light
theme and lightened for the dark one until they reach 4.5:1 against every background they
sit on, so any configured colour stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT_RATIO = 4.5  # WCAG 1.4.3, normal text
GRAPHIC_RATIO = 3.0  # WCAG 1.4.11, non-text (bar cells, dots, focus ring)


@dataclass(frozen=True)
class Theme:
    """One theme's colours (CSS custom properties, without the leading `--`)."""

    bg: str
    fg: str
    muted: str
    card: str
    line: str
    ok: str
    warn: str
    bad: str
    maint: str
    none: str
    on: str  # text on a status fill (pills, the banner)

    def backgrounds(self) -> tuple[str, str]:
        return self.bg, self.card


LIGHT = Theme(
    bg="#ffffff",
    fg="#1c2230",
    muted="#596170",
    card="#f5f7fa",
    line="#e1e5eb",
    ok="#167a47",
    warn="#a45c00",
    bad="#c22f2f",
    maint="#3358c4",
    none="#858c98",
    on="#ffffff",
)
DARK = Theme(
    bg="#10141b",
    fg="#e6e9ef",
    muted="#a2a9b6",
    card="#181e28",
    line="#2a3240",
    ok="#3fcf7f",
    warn="#f0b14a",
    bad="#ff8080",
    maint="#91adf7",
    none="#6f7888",
    on="#10141b",
)
STATUS_KEYS = ("ok", "warn", "bad", "maint")


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(color: str) -> float:
    """Relative luminance of `#rrggbb` (WCAG 2.2 definition)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(color: str, backgrounds: tuple[str, ...], ratio: float = TEXT_RATIO) -> str:
    """`color`, or the closest shade of it (mixed toward black on light backgrounds, toward
    white on dark ones) that reaches `ratio` against every one of `backgrounds`."""
    if all(contrast(color, bg) >= ratio for bg in backgrounds):
        return color
    dark_bg = luminance(backgrounds[0]) < 0.2
    target = (255, 255, 255) if dark_bg else (0, 0, 0)
    start = _rgb(color)
    for step in range(1, 101):
        share = step / 100
        mixed = _hex(tuple(c + (t - c) * share for c, t in zip(start, target, strict=True)))
        if all(contrast(mixed, bg) >= ratio for bg in backgrounds):
            return mixed
    return _hex(target)


def accents(main_color: str) -> dict[str, str]:
    """The link / accent shade of `main_color` for each theme: {"light": ..., "dark": ...}."""
    return {
        "light": readable(main_color, LIGHT.backgrounds()),
        "dark": readable(main_color, DARK.backgrounds()),
    }


def css_variables(theme: Theme, accent: str) -> str:
    """`--bg:#fff;--fg:...` for one theme, with `--link` the theme's accent."""
    fields = {name: getattr(theme, name) for name in Theme.__dataclass_fields__}
    fields["link"] = accent
    return ";".join(f"--{name}:{value}" for name, value in fields.items())


def theme_rules(main_color: str) -> str:
    """The stylesheet's colour rules: light by default, dark by `data-theme` or, for
    `auto`, by the visitor's colour scheme."""
    shade = accents(main_color)
    light = css_variables(LIGHT, shade["light"]) + f";--main:{main_color}"
    dark = css_variables(DARK, shade["dark"])
    return (
        f":root{{{light}}}\n[data-theme=dark]{{{dark}}}\n"
        f"@media (prefers-color-scheme:dark){{[data-theme=auto]{{{dark}}}}}"
    )
