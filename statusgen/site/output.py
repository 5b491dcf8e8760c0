"""The one writer of `output/`: a build hands it a whole tree (relative path -> bytes).

`output` is a symbolic link to a versioned folder (`<state>/sites/site-XXXX`, or
`.output.sites/` beside `output` when the state folder is on another file system).
Publishing a tree:

1. writes it into a fresh folder made by `mkdtemp` (unpredictable name, mode 0700 while
   written), or, when `output` shows a version of ours, into an older version (one
   that no request can still be reading: see 3) moved to that fresh name and written into
   (statusgen/site/treewriter.py: an entry of it is kept only when it is the very file
   the new tree would link, everything else is removed): every folder is opened with
   `O_NOFOLLOW` and every file created with `O_CREAT | O_EXCL | O_NOFOLLOW`, so nothing
   planted there (or anywhere) is followed. A file whose bytes equal the current
   version's file of the same path is not written but hard-linked from it (same inode,
   same mtime), once that file is checked to be a regular file of ours (opened with
   `O_NOFOLLOW`, compared byte for byte, and the new link checked to be that same
   inode): `serve`, rsync and `statusgen publish` then see only the files that changed;
2. points a new symlink at it and renames that symlink over `output`: one `rename()`,
   so a reader sees the old site or the new one, never no site or half a site;
3. keeps the version just replaced and the one the build before replaced (a request
   that resolved the link during the last two builds may still be reading it; the
   next build recycles the older of the two), removes every older version and the
   leftovers of a build that was killed part-way (`.output.old-*`, `.output.link-*`,
   the old `output.spare`).

A kill at any step leaves `output` pointing at a complete tree. Anything reading
`output/` as a folder (GitHub Pages' upload, `statusgen serve`, a web server, tests) works
unchanged; a reader that must see one version for several files resolves the link once
(`os.path.realpath`) and reads below the result, as `serve` does per request.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import NamedTuple

from statusgen.errors import fs_error
from statusgen.site.treewriter import write_fresh

__all__ = ["Published", "publish_tree", "remove_leftovers", "sites_folder", "write_fresh"]

KEPT = "output/ still shows the previous site"
PREFIX = "site-"


def sites_folder(output: Path, state_dir: Path) -> Path:
    """Where the versions live: the state folder (kept out of git) when it is on the same
    file system as `output`, else a hidden folder beside `output`."""
    output = Path(os.path.abspath(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    if state_dir.stat().st_dev == output.parent.stat().st_dev:
        return state_dir / "sites"
    return output.parent / f".{output.name}.sites"


class Published(NamedTuple):
    version: Path  # the new version's folder
    kept: int  # files hard-linked from the previous version (unchanged)


def publish_tree(output: Path, files: dict[str, bytes], state_dir: Path) -> Published:
    """Make `output` show exactly `files`, atomically. On any error the previous site
    stays in place, the new folder (with the older version recycled into it) and every
    temporary name are removed, and a file system refusal (full disk, read-only,
    immutable, a file in the way) is a FileSystemError naming the path."""
    output = Path(os.path.abspath(output))
    try:
        sites = sites_folder(output, state_dir)
        _plain_folder(sites)
        previous = _current(output)
        version = Path(tempfile.mkdtemp(dir=sites, prefix=PREFIX))
    except OSError as error:
        raise fs_error(output, "build the site", error, KEPT) from error
    # Only a version of ours (a direct child of the versions folder) lends its files.
    lender = previous if previous is not None and previous.parent == sites.resolve() else None
    older = _older_versions(sites, lender, version) if lender is not None else []
    # The newest published one (0755; a killed build's folder is still 0700) is the one
    # the build before replaced: a request that resolved the link just before that
    # build's switch may still be reading it, so it stays whole until the next build.
    replaced = [path for path in older if _published(path)][:1]
    recycled = _recycle([path for path in older if path not in replaced], version)
    try:
        try:
            kept = write_fresh(version, files, lender, recycled)
        except OSError:
            if not recycled:
                raise
            # Something in the old version would not go (an immutable folder, say): it is
            # set aside for the leftovers' removal, never recycled again, and this build
            # writes a fresh folder, as it would have without recycling.
            version = _set_aside(sites, version)
            kept = write_fresh(version, files, lender)
        os.chmod(version, 0o755)
        _point(output, version)
    except BaseException as error:
        shutil.rmtree(version, ignore_errors=True)
        if isinstance(error, OSError):
            raise fs_error(output, "publish the site", error, KEPT) from error
        raise
    remove_leftovers(output, sites, keep={version, *([previous] if previous else []), *replaced})
    _remove(state_dir / f"{output.name}.spare")  # the tree the two-rename swap reused
    return Published(version, kept)


def _older_versions(sites: Path, previous: Path, version: Path) -> list[Path]:
    """Versions of ours other than `previous` (the one `output` shows) and `version` (the
    empty folder being made), newest first: by their folder's mtime, which writing a
    version sets and nothing of ours changes after."""
    keep = sites.resolve() / previous.name
    older = []
    with contextlib.suppress(OSError), os.scandir(sites) as entries:
        for entry in entries:
            path = Path(entry.path)
            if (
                entry.name.startswith(PREFIX)
                and path != version
                and entry.is_dir(follow_symlinks=False)
                and path.resolve() != keep
            ):
                older.append((entry.stat(follow_symlinks=False).st_mtime_ns, path))
    return [path for _, path in sorted(older, reverse=True)]


def _published(version: Path) -> bool:
    try:
        return stat.S_IMODE(version.lstat().st_mode) == 0o755
    except OSError:
        return False


def _recycle(candidates: list[Path], version: Path) -> bool:
    """Move the first of `candidates` (older versions, newest first: the newest shares
    the most files) that can be moved in place of the empty folder `version`, to be
    written into (statusgen/site/treewriter.py); False when none can (they are removed
    with the leftovers)."""
    for path in candidates:
        try:
            os.rename(path, version)  # over the empty folder: one step, no gap
        except OSError:
            continue
        with contextlib.suppress(OSError):
            os.chmod(version, 0o700)  # as mkdtemp made it, while it is written
        return True
    return False


def _set_aside(sites: Path, spoiled: Path) -> Path:
    """A fresh empty version folder in place of `spoiled`, a recycled one that could not
    be written: removed as far as it goes, what is left renamed out of the versions'
    names (`.spoiled-*`, removed by a later build with the other leftovers)."""
    fresh = Path(tempfile.mkdtemp(dir=sites, prefix=PREFIX))
    shutil.rmtree(spoiled, ignore_errors=True)
    if spoiled.exists():
        with contextlib.suppress(OSError):
            os.rename(spoiled, sites / f".spoiled-{spoiled.name}")
    return fresh


def _plain_folder(path: Path) -> None:
    """`path` as a real folder: a symlink planted in its place is removed, not followed."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    path.mkdir(parents=True, exist_ok=True)


def _current(output: Path) -> Path | None:
    """The version `output` points at now (None when it is no symlink of ours)."""
    if not output.is_symlink():
        return None
    return Path(os.path.realpath(output))


def _point(output: Path, version: Path) -> None:
    """Make `output` a symlink to `version` with one rename (an old-style real folder
    is exchanged with the link atomically where the kernel can, then removed)."""
    if output.exists() and not output.is_symlink() and not output.is_dir():
        raise OSError(errno.EEXIST, "a file is in the way", str(output))
    link = Path(tempfile.mktemp(dir=output.parent, prefix=f".{output.name}.link-"))
    os.symlink(os.path.relpath(version, output.parent), link)
    try:
        if output.is_symlink() or not output.exists():
            os.replace(link, output)
            return
        # The first build after upgrading from a real `output/` folder.
        if _exchange(link, output):
            shutil.rmtree(link, ignore_errors=True)  # now the old folder
            return
        parked = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.old-"))
        try:
            os.replace(output, parked / output.name)
        except OSError:
            parked.rmdir()
            raise
        try:
            os.replace(link, output)
        except OSError:
            os.replace(parked / output.name, output)  # put the old site back
            parked.rmdir()
            raise
        shutil.rmtree(parked, ignore_errors=True)
    finally:
        # A refused step leaves no temporary name behind to pile up build after build.
        with contextlib.suppress(FileNotFoundError):
            if link.is_symlink():
                link.unlink()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names atomically (Linux renameat2 RENAME_EXCHANGE); False when the
    system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def remove_leftovers(output: Path, sites: Path, keep: set[Path]) -> None:
    """Remove versions not in `keep` and what killed builds left beside `output`."""
    keep = {Path(os.path.realpath(k)) for k in keep}
    for entry in sites.iterdir():
        if Path(os.path.realpath(entry)) not in keep or entry.is_symlink():
            _remove(entry)
    killed = (f".{output.name}.old-", f".{output.name}.link-")
    for entry in output.parent.iterdir():
        if entry.name.startswith(killed) or entry.name == f".{output.name}.spare":
            _remove(entry)


def _remove(path: Path) -> None:
    """Delete a file, symlink or folder without following any symlink."""
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
