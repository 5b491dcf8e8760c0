"""The documentation site's text, for tests that check something is documented."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def doc_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def docs_text() -> str:
    """Every page of `docs/`, one after the other."""
    return "\n".join(page.read_text(encoding="utf-8") for page in doc_pages())


def doc_page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")
