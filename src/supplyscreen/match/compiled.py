"""Watchlists compiled once per content and kept: the index of a set of list files (a ``ListMatcher``) is built
once for their bytes and the matching rules, then reused — from memory in a long-running process (the web
app: every run and request with the same list), from disk across processes (the CLI).

The key is the SHA-256 of the list files' bytes (with their companion files, OFAC's ``alt.csv`` and
``add.csv``), of the matching weights and watchlist points, and of the code that builds the index (the package
version and a digest of its source files): a byte changed anywhere compiles afresh. The names the lists are
shown by are not in the key: the same list under another name or path reuses the index, and its hits cite the
name given this time.

On disk, compiled lists are pickles under the user's cache directory (``SUPPLYSCREEN_CACHE_DIR`` overrides
it), written atomically — a temporary file renamed into place, so two processes may write the same list at
once — and only the most recently used few are kept. Reading a pickle runs code, so the cache trusts its
directory as the user's own, like the home directory: it is created private (0700) and a file owned by another
user is never read. Each file carries the SHA-256 of its pickle: a file that cannot be read (truncated,
damaged, from another version) is ignored and the lists are compiled afresh; a directory that cannot be
written is no error either.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import json
import logging
import os
import pickle
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir

from supplyscreen._version import __version__
from supplyscreen.ingest.sources import Source, SourceLike
from supplyscreen.ingest.watchlist import (
    LIST_FILE,
    LIST_HINT,
    ListSource,
    Watchlist,
    list_sources,
    load_watchlist,
)
from supplyscreen.match.lists import ListMatcher
from supplyscreen.rules import MatchingRules, WatchlistPoints, default_matching
from supplyscreen.settings import env_name, env_value

log = logging.getLogger("supplyscreen")

CACHE_DIR_ENV = env_name("cache_dir")  # declared in supplyscreen.settings
MEMORY_LISTS = 3  # compiled list sets kept in memory (the full OFAC list takes about 170 MB)
DISK_LISTS = 8  # cache files kept on disk, the most recently used (the full OFAC list: about 30 MB each)
TOUCH_SECONDS = 60  # a file read is marked used again (for pruning) if not marked this recently
STALE_SECONDS = 3600  # a temporary file this old was left by a writer that died
FORMAT = b"supplyscreen compiled lists 1\n"  # a cache file's first line; changed with the file's layout
Found = Literal["compiled", "memory", "disk"]  # where compiled lists came from: built now, or kept


def held(source: ListSource) -> ListSource:
    """A list and its companion files with their bytes read (once: for the key, then for the index)."""

    def read(file: Source) -> Source:
        if file.data is not None:
            return file
        return Source(file.name, path=file.path, data=file.read_bytes(LIST_FILE, LIST_HINT))

    return ListSource(read(source.source), tuple(map(read, source.companions)))


def list_digest(source: ListSource) -> str:
    """SHA-256 of a list's bytes and of its companions' names and bytes (as :func:`held` holds them)."""
    h = hashlib.sha256()
    files = [("", source.source), *sorted((Path(c.name).name.lower(), c) for c in source.companions)]
    for name, file in files:
        data = file.data or b""
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class CompiledLists:
    """Watchlists ready for matching: each list's metadata (as the reports show it) and one matcher over all
    of them (None without lists). ``found`` says where they came from: ``compiled`` (built now), ``memory``
    or ``disk`` (the cache)."""

    key: str
    watchlists: tuple[Watchlist, ...]
    matcher: ListMatcher | None
    found: Found = "compiled"

    def as_json(self) -> list[dict[str, object]]:
        """The lists as ``results.json`` records them (``run.lists``)."""
        return [w.as_json() for w in self.watchlists]

    def named(self, sources: Sequence[ListSource]) -> CompiledLists:
        """The same compiled lists shown by the names (and paths) of ``sources``, in order."""
        lists = tuple(_shown(w, s) for w, s in zip(self.watchlists, sources, strict=True))
        matcher = self.matcher.renamed(lists) if self.matcher is not None else None
        return CompiledLists(self.key, lists, matcher, self.found)


def compile_lists(
    sources: Sequence[SourceLike | ListSource],
    matching: MatchingRules | None,
    points: WatchlistPoints,
    cache: ListCache | None = None,
) -> CompiledLists:
    """Watchlist files (paths, bytes or sources, with their companions: see
    :func:`~supplyscreen.ingest.watchlist.list_sources`) read and compiled for matching with ``matching``
    (None: the bundled weights) and ``points`` — or taken from ``cache`` (default: :func:`default_cache`)
    when the same bytes were compiled with the same rules before."""
    given = [held(s) for s in list_sources(sources)]
    if not given:
        return CompiledLists("", (), None)
    matching = matching if matching is not None else default_matching()
    key = list_key(given, matching, points)
    compiled = (cache or default_cache()).compiled(key, lambda: _compile(key, given, matching, points))
    return compiled.named(given)


def list_key(sources: Sequence[ListSource], matching: MatchingRules, points: WatchlistPoints) -> str:
    """The cache key: the lists' bytes, the rules that go into the matcher and the code that builds it."""
    parts = {
        "code": code_digest(),
        "rules": [matching.model_dump(mode="json"), points.model_dump(mode="json")],
        "lists": [list_digest(s) for s in sources],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@functools.cache
def code_digest() -> str:
    """The package version, the Python version and a digest of the package's source and data files: an
    edited checkout never reads an index built by other code."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"{__version__} {sys.version_info[:2]}".encode())
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yaml") and p.is_file()):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _compile(
    key: str, sources: Sequence[ListSource], matching: MatchingRules, points: WatchlistPoints
) -> CompiledLists:
    lists = tuple(_shown(load_watchlist(s), s) for s in sources)
    return CompiledLists(key, lists, ListMatcher(lists, points, matching=matching))


def _shown(wl: Watchlist, source: ListSource) -> Watchlist:
    """``wl`` as ``source`` names it."""
    return dataclasses.replace(wl, display=source.name)


class ListCache:
    """Compiled lists by key: the last ``memory`` used held in memory, and files in ``directory`` (None:
    memory only), at most ``files`` of them. Safe for threads: two asking for the same lists compile them
    once."""

    def __init__(
        self, directory: Path | None = None, memory: int = MEMORY_LISTS, files: int = DISK_LISTS
    ) -> None:
        self.directory = directory
        self.memory = memory
        self.files = files
        self._held: OrderedDict[str, CompiledLists] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def compiled(self, key: str, build: Callable[[], CompiledLists]) -> CompiledLists:
        """The compiled lists of ``key``: from memory, else from disk, else ``build()`` (then kept in both)."""
        with self._lock:
            held = self._recall(key)
            if held is None:
                building = self._building.setdefault(key, threading.Lock())
        if held is not None:
            return dataclasses.replace(held, found="memory")
        with building:
            try:
                with self._lock:
                    held = self._recall(key)
                if held is not None:  # another thread compiled them meanwhile
                    return dataclasses.replace(held, found="memory")
                compiled = self.read(key)
                if compiled is None:
                    compiled = build()
                    self.write(compiled)
                with self._lock:
                    self._keep(compiled)
                return compiled
            finally:
                with self._lock:
                    self._building.pop(key, None)

    def get(self, key: str) -> CompiledLists | None:
        """The compiled lists of ``key`` if memory or disk has them; never compiles."""
        with self._lock:
            held = self._recall(key)
        if held is not None:
            return dataclasses.replace(held, found="memory")
        compiled = self.read(key)
        if compiled is not None:
            with self._lock:
                self._keep(compiled)
        return compiled

    def _recall(self, key: str) -> CompiledLists | None:
        held = self._held.get(key)
        if held is not None:
            self._held.move_to_end(key)
        return held

    def _keep(self, compiled: CompiledLists) -> None:
        self._held[compiled.key] = compiled
        self._held.move_to_end(compiled.key)
        while len(self._held) > self.memory:
            self._held.popitem(last=False)

    # -- on disk --------------------------------------------------------------------------------------

    def path(self, key: str) -> Path | None:
        """The cache file of ``key`` (None without a directory)."""
        return self.directory / f"{key}.pickle" if self.directory is not None else None

    def read(self, key: str) -> CompiledLists | None:
        """The compiled lists of ``key`` from their file, or None: no file, or one that cannot be trusted or
        read (another user's, another format, corrupted) — ignored, to be compiled afresh."""
        path = self.path(key)
        if path is None:
            return None
        try:
            with path.open("rb") as handle:
                status = os.fstat(handle.fileno())
                if hasattr(os, "getuid") and status.st_uid != os.getuid():
                    log.warning("compiled-list cache: %s belongs to another user; not read", path)
                    return None
                if handle.readline() != FORMAT or handle.readline() != key.encode() + b"\n":
                    return None
                digest, data = handle.readline().strip(), handle.read()
            if _digest(data) != digest:
                log.warning("compiled-list cache: %s is damaged; compiling afresh", path)
                return None
            value = _unpickle(data)
            if status.st_mtime < time.time() - TOUCH_SECONDS:  # the most recently used files are kept
                os.utime(path)
        except FileNotFoundError:
            return None
        except Exception as exc:  # a damaged pickle raises anything; the lists are compiled again
            log.warning("compiled-list cache: %s cannot be read (%s); compiling afresh", path, exc)
            return None
        if not isinstance(value, CompiledLists) or value.key != key:
            return None
        return dataclasses.replace(value, found="disk")

    def write(self, compiled: CompiledLists) -> None:
        """Keep ``compiled`` in its file: written whole under a temporary name, then renamed into place.
        A directory that cannot be written is logged, not raised."""
        path = self.path(compiled.key)
        if path is None:
            return
        tmp: str | None = None
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            data = pickle.dumps(dataclasses.replace(compiled, found="disk"), pickle.HIGHEST_PROTOCOL)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(b"%s%s\n%s\n" % (FORMAT, compiled.key.encode(), _digest(data)))
                handle.write(data)
            os.replace(tmp, path)
            tmp = None
            self._prune(path.parent)
        except Exception as exc:  # a full disk, a read-only directory …: the run goes on without the cache
            log.warning("compiled-list cache: cannot write %s (%s)", path, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def _prune(self, directory: Path) -> None:
        """Remove all but the ``files`` most recently used cache files, and temporary files left behind."""
        kept = sorted(directory.glob("*.pickle"), key=_mtime, reverse=True)
        stale = [p for p in directory.glob(".*.tmp") if _mtime(p) < time.time() - STALE_SECONDS]
        for old in [*kept[self.files :], *stale]:
            old.unlink(missing_ok=True)


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).hexdigest().encode()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _unpickle(data: bytes) -> object:
    """``pickle.loads`` with the garbage collector paused: it would walk the growing heap again and again
    while a million small objects are made (three times slower)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if enabled:
            gc.enable()


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where compiled lists are kept: ``lists`` in ``$SUPPLYSCREEN_CACHE_DIR``, else in the user cache
    directory (``~/.cache/supplyscreen`` on Linux)."""
    given = env_value("cache_dir", environ)
    base = Path(given).expanduser() if given else Path(user_cache_dir("supplyscreen", appauthor=False))
    return base / "lists"


_default: ListCache | None = None
_default_lock = threading.Lock()


def default_cache() -> ListCache:
    """The process's cache: in memory and in :func:`cache_dir` (made on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ListCache(cache_dir())
        return _default


def set_default_cache(cache: ListCache) -> None:
    """Use ``cache`` for this process from now on (``screen --no-cache``: ``ListCache(None)``, memory only)."""
    global _default
    with _default_lock:
        _default = cache
