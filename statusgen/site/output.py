"""The one writer of `output/`: a build hands it a whole tree (relative path -> bytes).

`output` is a symbolic link to a versioned folder (`<state>/sites/site-XXXX`, or
`.output.sites/` beside `output` when the state folder is on another file system).
Publishing a tree:

1. writes it into a fresh folder made by `mkdtemp` (unpredictable name, mode 0700 while
   written): every folder is opened with `O_NOFOLLOW` and every file created with
   `O_CREAT | O_EXCL | O_NOFOLLOW`, so nothing planted there (or anywhere) is followed.
   A file whose bytes equal the current version's file of the same path is not written
   but hard-linked from it (same inode, same mtime), once that file is checked to be a
   regular file of ours (opened with `O_NOFOLLOW`, compared byte for byte, and the new
   link checked to be that same inode): `serve`, rsync and `statusgen publish` then see
   only the files that changed;
2. points a new symlink at it and renames that symlink over `output`: one `rename()`,
   so a reader sees the old site or the new one, never no site or half a site;
3. removes every older version but the one just replaced (a request that resolved the
   link a moment ago may still be reading it) and the leftovers of a build that was
   killed part-way (`.output.old-*`, `.output.link-*`, the old `output.spare`).

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

KEPT = "output/ still shows the previous site"
PREFIX = "site-"
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO planted in the previous version must not hang the build.
OLD_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
FILE_MODE = 0o644
MAX_OPEN_FOLDERS = 256


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
    stays in place, the new folder and every temporary name are removed, and a file
    system refusal (full disk, read-only, immutable, a file in the way) is a
    FileSystemError naming the path."""
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
    try:
        kept = write_fresh(version, files, lender)
        os.chmod(version, 0o755)
        _point(output, version)
    except BaseException as error:
        shutil.rmtree(version, ignore_errors=True)
        if isinstance(error, OSError):
            raise fs_error(output, "publish the site", error, KEPT) from error
        raise
    remove_leftovers(output, sites, keep={version, *([previous] if previous else [])})
    _remove(state_dir / f"{output.name}.spare")  # the tree the two-rename swap reused
    return Published(version, kept)


def write_fresh(root: Path, files: dict[str, bytes], previous: Path | None = None) -> int:
    """Create every file of `files` under the empty folder `root`; never follows a
    symlink and never opens an existing file for writing (FileExistsError instead). A
    file equal to the one at the same path below `previous` (the current version) is
    hard-linked from it instead. Returns how many files were linked."""
    folders: dict[str, int] = {}
    old: dict[str, int | None] = {}
    kept = 0
    try:
        folders[""] = os.open(root, DIR_FLAGS)
        if previous is not None:
            old[""] = _open_folder(previous)
        for rel, data in files.items():
            parent, _, name = rel.rpartition("/")
            if not name or name in (".", "..") or rel.startswith("/"):
                raise ValueError(f"not a relative file path: {rel!r}")
            target = _folder(folders, parent)
            if old.get("") is not None:
                source = _old_folder(old, parent)
                if source is not None and _link_same(source, target, name, data):
                    kept += 1
                    continue
            fd = os.open(name, FILE_FLAGS, FILE_MODE, dir_fd=target)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
    finally:
        for fd in [*folders.values(), *old.values()]:
            if fd is not None:
                os.close(fd)
    return kept


def _open_folder(path: Path) -> int | None:
    try:
        return os.open(path, DIR_FLAGS)
    except OSError:
        return None


def _old_folder(old: dict[str, int | None], rel: str) -> int | None:
    """A descriptor of folder `rel` of the previous version (None when it has none),
    opened without following symlinks and never created."""
    if rel in old:
        return old[rel]
    if len(old) > MAX_OPEN_FOLDERS:
        root = old.pop("")
        for fd in old.values():
            if fd is not None:
                os.close(fd)
        old.clear()
        old[""] = root
    up, _, name = rel.rpartition("/")
    parent = _old_folder(old, up)
    fd = None
    if parent is not None and name not in ("", ".", ".."):
        with contextlib.suppress(OSError):
            fd = os.open(name, DIR_FLAGS, dir_fd=parent)
    old[rel] = fd
    return fd


def _link_same(source: int, target: int, name: str, data: bytes) -> bool:
    """Hard-link `name` from folder `source` into folder `target` when it is a regular
    file of mode 0644 holding exactly `data`; False (nothing linked) otherwise."""
    try:
        fd = os.open(name, OLD_FILE_FLAGS, dir_fd=source)
    except OSError:
        return False
    try:
        found = os.fstat(fd)
        if (
            not stat.S_ISREG(found.st_mode)
            or stat.S_IMODE(found.st_mode) != FILE_MODE
            or found.st_size != len(data)
        ):
            return False
        chunks, left = [], len(data) + 1  # one byte more: a file that grew is not equal
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if b"".join(chunks) != data:
            return False
        try:
            os.link(name, name, src_dir_fd=source, dst_dir_fd=target, follow_symlinks=False)
        except OSError:
            return False
        linked = os.stat(name, dir_fd=target, follow_symlinks=False)
        if (linked.st_dev, linked.st_ino) != (found.st_dev, found.st_ino):
            os.unlink(name, dir_fd=target)  # swapped under us: write it afresh
            return False
        return True
    finally:
        os.close(fd)


def _folder(folders: dict[str, int], rel: str) -> int:
    """A descriptor of folder `rel` below the root (made when missing), opened without
    following symlinks."""
    if rel in folders:
        return folders[rel]
    if len(folders) > MAX_OPEN_FOLDERS:
        root = folders.pop("")
        for fd in folders.values():
            os.close(fd)
        folders.clear()
        folders[""] = root
    up, _, name = rel.rpartition("/")
    if name in ("", ".", ".."):
        raise ValueError(f"not a relative folder path: {rel!r}")
    parent = _folder(folders, up)
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o755, dir_fd=parent)
    folders[rel] = os.open(name, DIR_FLAGS, dir_fd=parent)
    return folders[rel]


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
