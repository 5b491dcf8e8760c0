"""Files that many writers share: atomic replacement, a cross-process lock, and the
checksummed entries of caches written without fsync.

Everything statusgen writes into the repo (history, content, config, notifier and server
state) goes through `write_atomic`, and read-modify-write cycles hold `locked`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from statusgen.errors import LockError, fs_error


def seal(data: bytes) -> bytes:
    """A cache entry, `<crc32 hex> <length>` on a line, then `data`: a file written
    without fsync (`write_atomic(sync=False)`) may be torn by a crash, `unseal` says so."""
    return b"%08x %d\n" % (zlib.crc32(data), len(data)) + data


def unseal(entry: bytes) -> bytes | None:
    """The data of a cache entry, or None when it is not whole (empty, torn, other)."""
    head, newline, data = entry.partition(b"\n")
    crc, _, size = head.partition(b" ")
    if not newline or size != b"%d" % len(data) or crc != b"%08x" % zlib.crc32(data):
        return None
    return data


def read_entry(path: Path) -> bytes | None:
    """The data of the cache entry (`seal`) at `path`, or None when it is missing,
    unreadable or not whole."""
    try:
        return unseal(path.read_bytes())
    except OSError:
        return None


def write_entry(path: Path, data: bytes) -> None:
    """Keep `data` at `path` as a cache entry: sealed, replaced whole, not flushed (a
    crash may tear it; `read_entry` then says None). A cache that cannot be written
    only costs the next build time, so a failure is ignored."""
    with contextlib.suppress(OSError):
        write_atomic(path, seal(data), mode=0o600, sync=False)


def stat_digest(paths: Iterable[Path], *parts: str, root: Path | None = None) -> str:
    """A SHA-256 of `parts` and of each of `paths` by name (relative to `root` when
    given), size and mtime: code known without reading it, for the key of a cache (an
    upgrade or an edited checkout changes it)."""
    digest = hashlib.sha256("".join(f"{part}\0" for part in parts).encode())
    for path in paths:
        found = path.stat()
        name = path.relative_to(root) if root is not None else path
        digest.update(f"{name}\0{found.st_size}\0{found.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def write_atomic(
    path: Path,
    text: str | bytes,
    *,
    new: bool = False,
    mode: int = 0o644,
    check: Callable[[Path], None] | None = None,
    sync: bool = True,
) -> None:
    """Replace `path` with `text` so readers see the old file or the new one, never half.

    With `new`, raise FileExistsError rather than replace an existing file. `check` is
    called with the written temporary file before it takes the real name (raise to keep
    the old file). `sync` False skips the fsync before the rename, for caches: after a
    crash such a file may be empty or stale, so its reader must check what it reads
    (a lost entry is rebuilt)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file 0600; it takes its final mode before it holds a byte,
        # so a secret file (mode 0o600) is never readable by others, not even a moment.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:  # named by the file it was for, not a temporary name
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        os.fchmod(fd, mode)
        data = text.encode("utf-8") if isinstance(text, str) else text
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if sync:
                    os.fsync(handle.fileno())
        except OSError as error:  # a full disk: the temporary file goes, the old one stays
            raise OSError(error.errno, error.strerror, str(path)) from None
        if check is not None:
            check(Path(tmp))
        if new:
            os.link(tmp, path)  # atomic, and refuses to replace an existing file
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


CORRUPT = "corrupt"


def set_aside(path: Path, data: bytes, *, private: bool = False) -> str:
    """Copy a state file statusgen could not fully read to `corrupt/` next to it, once:
    `<name>~<hash of the bytes>.bad`, created exclusively and never overwritten, so the
    next save (of what could be salvaged) loses nothing. `private` (a file of the state
    folder) makes the folder 0700 and the copy 0600. Returns what became of the copy, for
    the caller's one warning: "copied to PATH", or why it could not be."""
    folder = path.parent / CORRUPT
    aside = folder / f"{path.name}~{hashlib.sha256(data).hexdigest()[:12]}.bad"
    try:
        if private:
            private_folder(folder)
        else:
            folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return f"copied to {aside} before"
    except OSError as exc:
        return f"not copied aside: {(exc.strerror or type(exc).__name__).lower()}"
    with os.fdopen(fd, "wb") as handle:
        if not private:
            os.fchmod(handle.fileno(), 0o644)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return f"copied to {aside}"


def private_folder(path: Path) -> Path:
    """`path`, created with mode 0700 (and narrowed to it when it exists wider): the state
    folder holds tokens, which no other local user may list or read."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o700)
    except OSError as error:
        raise fs_error(path, "make the state folder", error) from error
    return path


@contextlib.contextmanager
def locked(directory: Path, timeout: float = 60.0, name: str = ".lock") -> Iterator[None]:
    """Hold `directory/name` exclusively: one writer at a time, across threads and
    processes. Raises LockError after waiting `timeout` seconds."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle = open(directory / name, "a+")  # noqa: SIM115 - closed below
    except OSError as error:
        raise fs_error(directory / name, "take the lock", error) from error
    with handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"{directory / name}: another statusgen process has held the lock "
                        f"for {timeout:g} s"
                    ) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
