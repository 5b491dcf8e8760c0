"""Writing one version of the site into its folder (statusgen/site/output.py picks the
folder and flips `output` to it).

The folder is either empty (made by `mkdtemp`) or an older version of ours recycled: the
one before the version `output` shows, which nothing serves any more. Recycling it saves
making and removing some twelve hundred folders and linking again the files that did
not change over the last two builds (on ext4 here a mkdir costs 50 to 170 us, removing
a whole tree 0.1 to 0.2 s). Nothing of a recycled folder is trusted:

- an entry is kept only when it is the very inode (device and inode number, checked with
  `lstat`) of the current version's file at the same path, once that file passed the
  checks a lent file passes (below);
- every other entry is removed (a changed file, a folder where a file goes, a file where
  a folder goes, a symlink, a FIFO, a file linked from elsewhere, a name the new tree
  does not have) and its file linked or written afresh; folders get mode 0755 back;

so a recycled folder gives the same tree a fresh one would. No file is ever written
over: its bytes never change once written, so a reader that opened it (a slow download,
a web server's cache of open files) reads it whole whatever builds run meanwhile.
Writing changed files over in place (when no other name shares them) would save 100 to
200 us a file on ext4 here (about 0.2 s of publishing at 1,000 nodes) and was measured
and dropped for that reason (docs/site.md, Writing the output).

Every folder is opened with `O_NOFOLLOW` and every new file created with
`O_CREAT | O_EXCL | O_NOFOLLOW`, so nothing planted is followed or written through. A file
whose bytes equal the current version's file of the same path is not written but
hard-linked from it (same inode, same mtime), once that file is checked to be a regular
file of mode 0644 (opened with `O_NOFOLLOW` and `O_NONBLOCK`, compared byte for byte,
and the new link checked to be that same inode).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from pathlib import Path

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO planted in the previous version must not hang the build.
OLD_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
FILE_MODE = 0o644
FOLDER_MODE = 0o755
MAX_OPEN_FOLDERS = 256
FILE, FOLDER, OTHER = 0, 1, 2


def write_fresh(
    root: Path, files: dict[str, bytes], previous: Path | None = None, recycled: bool = False
) -> int:
    """Make the folder `root` hold exactly `files` (`recycled`: `root` holds an older
    version to write over; else it is empty); never follows a symlink and never opens
    an existing file for writing. A file equal to the one at the same path below `previous`
    (the current version) is that file, hard-linked. Returns how many files are."""
    writer = _Writer(root, previous, _children(files) if recycled else None)
    try:
        for rel, data in files.items():
            writer.put(rel, data)
    finally:
        writer.close()
    return writer.kept


def _children(files: dict[str, bytes]) -> dict[str, set[str]]:
    """Folder -> the names the new tree has in it (files and folders)."""
    children: dict[str, set[str]] = {"": set()}
    for rel in files:
        while rel:
            parent, _, name = rel.rpartition("/")
            known = parent in children
            children.setdefault(parent, set()).add(name)
            if known:
                break
            rel = parent
    return children


class _Writer:
    def __init__(self, root: Path, previous: Path | None, wanted: dict[str, set[str]] | None):
        self.wanted = wanted  # None: a fresh, empty folder
        self.folders: dict[str, int] = {}
        self.old: dict[str, int | None] = {}
        # What a recycled folder held when first opened: name -> (inode, FILE/FOLDER/OTHER).
        self.found: dict[str, dict[str, tuple[int, int]]] = {}
        self.kept = 0
        self.folders[""] = os.open(root, DIR_FLAGS)
        if wanted is not None:
            self._sweep("", self.folders[""])
        if previous is not None:
            self.old[""] = _open_folder(previous)

    def close(self) -> None:
        for fd in [*self.folders.values(), *self.old.values()]:
            if fd is not None:
                os.close(fd)
        self.folders.clear()
        self.old.clear()

    def put(self, rel: str, data: bytes) -> None:
        parent, _, name = rel.rpartition("/")
        if not name or name in (".", "..") or rel.startswith("/"):
            raise ValueError(f"not a relative file path: {rel!r}")
        target = self.folders.get(parent)
        if target is None:
            target = self._folder(parent)
        had = self.found[parent].pop(name, None) if self.wanted is not None else None
        source = self._old_folder(parent) if self.old.get("") is not None else None
        lent = _same_file(source, name, data) if source is not None else None
        if lent is not None and had is not None and had == (lent.st_ino, FILE):
            here = os.stat(name, dir_fd=target, follow_symlinks=False)
            if (here.st_dev, here.st_ino) == (lent.st_dev, lent.st_ino):
                self.kept += 1  # already that very file: nothing to do
                return
        if had is not None:
            _drop(target, name, had[1] == FOLDER)
        if lent is not None and source is not None and _link(source, target, name, lent):
            self.kept += 1
            return
        fd = os.open(name, FILE_FLAGS, FILE_MODE, dir_fd=target)
        try:
            _write(fd, data)
        finally:
            os.close(fd)

    def _folder(self, rel: str) -> int:
        """A descriptor of folder `rel` below the root (made when missing), opened
        without following symlinks."""
        if rel in self.folders:
            return self.folders[rel]
        _trim(self.folders)
        up, _, name = rel.rpartition("/")
        if name in ("", ".", ".."):
            raise ValueError(f"not a relative folder path: {rel!r}")
        parent = self._folder(up)
        if self.wanted is None:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, FOLDER_MODE, dir_fd=parent)
        elif rel not in self.found:
            had = self.found[up].pop(name, None)
            if had is not None and had[1] != FOLDER:
                _drop(parent, name, False)
            if had is None or had[1] != FOLDER:
                os.mkdir(name, FOLDER_MODE, dir_fd=parent)
                self.found[rel] = {}
        fd = os.open(name, DIR_FLAGS, dir_fd=parent)
        self.folders[rel] = fd
        if self.wanted is not None and rel not in self.found:
            self._sweep(rel, fd)
        return fd

    def _sweep(self, rel: str, fd: int) -> None:
        """Remove what recycled folder `rel` holds that the new tree has not there, note
        the rest, and give the folder its mode back."""
        wanted = self.wanted.get(rel, set()) if self.wanted is not None else set()
        found: dict[str, tuple[int, int]] = {}
        with os.scandir(fd) as entries:
            for entry in entries:
                folder = entry.is_dir(follow_symlinks=False)
                if entry.name not in wanted:
                    _drop(fd, entry.name, folder)
                    continue
                kind = FOLDER if folder else FILE if entry.is_file(follow_symlinks=False) else OTHER
                found[entry.name] = (entry.inode(), kind)
        self.found[rel] = found
        if stat.S_IMODE(os.fstat(fd).st_mode) != FOLDER_MODE:
            os.fchmod(fd, FOLDER_MODE)

    def _old_folder(self, rel: str) -> int | None:
        """A descriptor of folder `rel` of the previous version (None when it has none),
        opened without following symlinks and never created."""
        if rel in self.old:
            return self.old[rel]
        _trim(self.old)
        up, _, name = rel.rpartition("/")
        parent = self._old_folder(up)
        fd = None
        if parent is not None and name not in ("", ".", ".."):
            with contextlib.suppress(OSError):
                fd = os.open(name, DIR_FLAGS, dir_fd=parent)
        self.old[rel] = fd
        return fd


def _trim(folders: dict) -> None:
    """Close every open folder but the root once more than `MAX_OPEN_FOLDERS` are open
    (they are opened again when needed)."""
    if len(folders) > MAX_OPEN_FOLDERS:
        root = folders.pop("")
        for fd in folders.values():
            if fd is not None:
                os.close(fd)
        folders.clear()
        folders[""] = root


def _open_folder(path: Path) -> int | None:
    try:
        return os.open(path, DIR_FLAGS)
    except OSError:
        return None


def _drop(folder: int, name: str, is_folder: bool) -> None:
    """Remove entry `name` of `folder` (a folder with all it holds) without following
    any symlink."""
    with contextlib.suppress(FileNotFoundError):
        if is_folder:
            shutil.rmtree(name, dir_fd=folder)
        else:
            os.unlink(name, dir_fd=folder)


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _same_file(source: int, name: str, data: bytes) -> os.stat_result | None:
    """The status of `name` in folder `source` when it is a regular file of mode 0644
    holding exactly `data`; None otherwise."""
    try:
        fd = os.open(name, OLD_FILE_FLAGS, dir_fd=source)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if (
            not stat.S_ISREG(found.st_mode)
            or stat.S_IMODE(found.st_mode) != FILE_MODE
            or found.st_size != len(data)
        ):
            return None
        # One byte more than the size: a file that grew since is not equal. A regular
        # file's read stops short only at its end, so having read the size is enough.
        chunk = os.read(fd, len(data) + 1)
        if len(chunk) < len(data) and chunk:
            chunks, left = [chunk], len(data) + 1 - len(chunk)
            while left > 0 and (chunk := os.read(fd, left)):
                chunks.append(chunk)
                left -= len(chunk)
            chunk = b"".join(chunks)
        return found if chunk == data else None
    finally:
        os.close(fd)


def _link(source: int, target: int, name: str, found: os.stat_result) -> bool:
    """Hard-link `name` from folder `source` into folder `target` when it is still the
    file `found`; False (nothing linked) otherwise."""
    try:
        os.link(name, name, src_dir_fd=source, dst_dir_fd=target, follow_symlinks=False)
    except OSError:
        return False
    linked = os.stat(name, dir_fd=target, follow_symlinks=False)
    if (linked.st_dev, linked.st_ino) != (found.st_dev, found.st_ino):
        os.unlink(name, dir_fd=target)  # swapped under us: write it afresh
        return False
    return True
