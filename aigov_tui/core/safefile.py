"""Opening files that other people may have planted or damaged.

Every file aigov reads from a folder it does not control (assessments, catalogs, evidence)
goes through :func:`open_regular`: the name is checked with ``stat`` first, then opened with
``O_NONBLOCK`` (so a FIFO cannot hang the open) and checked again with ``fstat`` on the very
file that was opened. Folders, FIFOs, devices and sockets are refused with a message naming
what the path is, before a single byte is read.

:func:`hash_file` hashes a regular file with a size cap, a time budget and a cancel check,
so evidence on a slow share or a planted ``/dev/zero`` cannot hang export or quit.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path
from typing import Callable

MIB = 1024 ** 2

HASH_MAX_BYTES = 512 * MIB
"""Largest evidence file hashed; a bigger one is reported (record its hash by hand)."""
HASH_TIME_BUDGET = 20.0
"""Seconds one evidence file may take to hash before it is given up with a message."""


class NotRegularFile(OSError):
    """The path names a folder, FIFO, device or socket rather than a regular file."""


class HashAborted(OSError):
    """Hashing stopped: cancelled, over the size cap or over the time budget."""


def kind_of(mode: int) -> str:
    """What a file mode names, in words: 'a folder', 'a FIFO (named pipe)', …"""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a regular file"


def bad_name(name: str) -> str:
    """Why a typed file name cannot be used ('' when it can): NUL bytes, control characters or
    characters the file system cannot encode would otherwise fail deep inside a save."""
    if "\x00" in name:
        return "contains a NUL character"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "contains control characters"
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return "contains characters the file system cannot store"
    return ""


def check_regular(path: str | Path) -> os.stat_result:
    """``stat`` a path (following links) and refuse anything but a regular file.

    Raises FileNotFoundError, PermissionError or :class:`NotRegularFile`; nothing is opened.
    """
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(f"{path} is {kind_of(st.st_mode)}, not a regular file")
    return st


def open_regular(path: str | Path, flags: int = os.O_RDONLY) -> tuple[int, os.stat_result]:
    """Open a regular file without ever blocking on a FIFO or device. Returns (fd, fstat).

    The caller closes the descriptor. Raises OSError subclasses with a message.
    """
    before = check_regular(path)
    fd = os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{path} is {kind_of(st.st_mode)}, not a regular file")
        if (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
            raise NotRegularFile(f"{path} was replaced while it was being opened; try again")
        # back to blocking reads for an ordinary file
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_bytes_limited(path: str | Path, limit: int) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes.

    Raises :class:`NotRegularFile`, OSError, or ValueError when the file is larger.
    """
    fd, st = open_regular(path)
    try:
        if st.st_size > limit:
            raise ValueError(f"{path} is {st.st_size:,} bytes; the limit is {limit:,}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # grew while being read
                raise ValueError(f"{path} is larger than the limit of {limit:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def hash_file(path: str | Path, *, max_bytes: int = HASH_MAX_BYTES,
              budget: float | None = HASH_TIME_BUDGET,
              cancelled: Callable[[], bool] | None = None,
              clock: Callable[[], float] = time.monotonic) -> tuple[str, int]:
    """SHA-256 and size of a regular file, bounded in size and time, and cancellable.

    Raises :class:`NotRegularFile` for folders, FIFOs, devices and sockets (before reading),
    :class:`HashAborted` when over ``max_bytes``, over ``budget`` seconds or cancelled, and
    other OSError for unreadable files. The messages name the file and the reason.
    """
    start = clock()
    fd, st = open_regular(path)
    try:
        if st.st_size > max_bytes:
            raise HashAborted(f"{path} is {st.st_size:,} bytes; files over {max_bytes // MIB} MiB "
                              "are not hashed (record the hash by hand)")
        digest = hashlib.sha256()
        size = 0
        while True:
            if cancelled is not None and cancelled():
                raise HashAborted(f"hashing {path} was cancelled")
            if budget is not None and clock() - start > budget:
                raise HashAborted(f"hashing {path} took longer than {budget:g} s and was given up")
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise HashAborted(f"{path} grew past {max_bytes // MIB} MiB while being hashed")
            digest.update(chunk)
        return digest.hexdigest(), size
    finally:
        os.close(fd)


def describe_os_error(exc: OSError) -> str:
    """A short reason for an OSError: its strerror, or the message it was raised with."""
    return exc.strerror or (str(exc.args[0]) if exc.args else str(exc)) or type(exc).__name__
