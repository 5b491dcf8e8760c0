"""Where the files statusgen ships live: the default theme (`site-templates/`) and the
example page that `statusgen init` copies (the scaffold).

Their one source is the top level of the statusgen repository. A wheel carries them
inside the package, under `statusgen/data/` (pyproject.toml maps them there); a checkout
(an editable install) reads them where they are. Both layouts answer the same names.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGED = PACKAGE / "data"
CHECKOUT = PACKAGE.parent

# Path in a page repository -> (path under statusgen/data/ in a wheel, path in a checkout).
SCAFFOLD: dict[str, tuple[str, str]] = {
    "config": ("scaffold/config", "config"),
    ".github/workflows": ("scaffold/workflows", ".github/workflows"),
    "requirements/runtime.txt": ("scaffold/requirements/runtime.txt", "requirements/runtime.txt"),
    ".gitattributes": ("scaffold/gitattributes", ".gitattributes"),
}


def _locate(packaged: str, source: str) -> Path:
    inside = PACKAGED / packaged
    return inside if inside.exists() else CHECKOUT / source


def theme_dir() -> Path:
    """The default theme: every template and static file of the site."""
    return _locate("site-templates", "site-templates")


def template_dirs(project_root: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: the project's own
    `site-templates/` (a documented theme override, file by file), then the default
    theme."""
    default = theme_dir()
    if project_root is None:
        return [default]
    custom = (project_root / "site-templates").resolve()
    return [custom, default] if custom.is_dir() and custom != default.resolve() else [default]


def scaffold_sources() -> dict[str, Path]:
    """The example page, as {path in a page repository: where its source is}."""
    return {dest: _locate(*where) for dest, where in SCAFFOLD.items()}
