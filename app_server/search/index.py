"""The files under one search root, kept between searches.

Listing a large tree costs far more than matching against the list, and an
editor searches the same root again and again while the user types. So each
root's listing is kept, and before every search it is checked: one ``stat``
per directory (a directory's mtime changes when an entry is added, removed or
renamed) and per ignore file; only the directories that changed are listed
again. A directory modified moments before it was listed is listed again next
time too, since a change within the file system's timestamp granularity
would not move its mtime.

What is listed follows the reference: every file, hidden ones included, minus
what ignore files exclude (see `ignore`); symbolic links are followed (a
link to a directory is walked under the link's name, unless it loops back;
a broken link is left out); ``.git`` is skipped. Paths are relative to the root, with
'/' separators; names that are not valid UTF-8 are left out, as the
reference leaves them out.

The listing is kept compact, for trees of a million files: per directory,
its file names joined in one string; for searching, every path in sorted
order, in chunks of about 256 KB, each one string (`Chunk`) rather than
an object per file. The walk is depth first in that sorted order, so a chunk
is searchable as soon as it is complete (the first search ranks while it
walks), and it can stop between two directories and resume at the next
search (a cancelled search loses nothing).
"""

from __future__ import annotations

import bisect
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from typing import Final

from . import ignore
from .ignore import FileStamp, Rules
from .matcher import fold, matcher_text

#: A directory whose mtime is this close to the time it was listed is listed
#: again at the next search: a change within the file system's timestamp
#: granularity would not move its mtime. Whole-second mtimes betray a coarse
#: file system; others tick at least every few milliseconds.
RACY_WINDOW_NS: Final = 50_000_000
RACY_WINDOW_COARSE_NS: Final = 2_000_000_000
#: A chunk is closed once its text holds at least this many characters.
CHUNK_CHARS: Final = 1 << 18

_SEPARATOR: Final = "\0"
_SEPARATORS: Final = re.compile(_SEPARATOR)
#: Whitespace, delimiters other than '/', DEL: rare in paths.
_IRREGULAR_ASCII: Final = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f,:;|\x7f"
#: The same, and any character that is not ASCII.
_IRREGULAR: Final = re.compile(r"[^\x00-\x08\x0e-\x1b\x21-\x2b\x2d-\x39\x3c-\x7b\x7d\x7e]")
_NO_STAMPS: Final[tuple[FileStamp, ...]] = ()


_Dir = tuple[int, bool, tuple[str, ...], tuple[str, ...], tuple[FileStamp, ...]]
"""One listed directory: a plain tuple of strings and numbers, which the
garbage collector stops tracking, so that a listing of a million files does
not make every full collection of the daemon longer. Its fields:"""
#: The directory's mtime when listed.
_MTIME: Final = 0
#: Whether it was listed so soon after it changed that it must be listed again.
_RACY: Final = 1
#: File names joined by NUL, cut before each subdirectory in path order:
#: ``runs[i]`` comes before ``subdirs[i]``, the last one after every one.
_RUNS: Final = 2
#: Subdirectory names, in path order (``name + '/'``).
_SUBDIRS: Final = 3
#: The ignore files read in the directory.
_STAMPS: Final = 4


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by os as surrogates
        return False
    return True


def _dir_key(name: str) -> str:
    return name + "/"


class Chunk:
    """Some consecutive paths of a listing (sorted), as matching needs them.

    ``text`` holds every path as the matcher sees it, each preceded by a NUL
    (which a file name never contains); a path is known by the offset of its
    NUL, which orders paths as their names do. When every path is ASCII (the
    common case), that is all a chunk keeps.
    """

    __slots__ = ("_folded", "_irregular", "_lock", "_paths", "_starts", "all_ascii", "text")

    def __init__(self, raw: str) -> None:
        self.all_ascii = raw.isascii()
        self._paths: list[str] | None = None
        self._starts: dict[int, int] | None = None
        if self.all_ascii:
            self.text = raw
        else:
            self._paths = raw[1:].split(_SEPARATOR)
            texts = [matcher_text(p) for p in self._paths]
            self.text = _SEPARATOR + _SEPARATOR.join(texts)
            offsets = [0]
            for t in texts[:-1]:
                offsets.append(offsets[-1] + len(t) + 1)
            self._starts = dict(zip(offsets, range(len(offsets)), strict=True))
        self._lock = threading.Lock()
        self._folded: dict[tuple[bool, bool], str] = {}
        self._irregular: set[int] | None = None

    @classmethod
    def of_paths(cls, paths: list[str]) -> Chunk:
        """A chunk of these paths (sorted here)."""
        return cls(_SEPARATOR + _SEPARATOR.join(sorted(paths)))

    def __len__(self) -> int:
        return self.text.count(_SEPARATOR)

    @property
    def paths(self) -> list[str]:
        """Every path, in order (built on each call)."""
        if self._paths is not None:
            return list(self._paths)
        return self.text[1:].split(_SEPARATOR)

    @property
    def texts(self) -> list[str]:
        """Every path as the matcher sees it, in order (built on each call)."""
        return self.text[1:].split(_SEPARATOR)

    def end_of(self, start: int) -> int:
        """Where the path whose NUL is at ``start`` ends in `text`."""
        end = self.text.find(_SEPARATOR, start + 1)
        return len(self.text) if end < 0 else end

    def path_at(self, start: int) -> str:
        """The path whose NUL is at ``start`` in `text`, as listed."""
        if self._starts is not None and self._paths is not None:
            return self._paths[self._starts[start]]
        return self.text[start + 1 : self.end_of(start)]

    def first(self, count: int) -> list[tuple[int, str]]:
        """The first ``count`` paths and their offsets."""
        found: list[tuple[int, str]] = []
        start = 0 if self.text else -1
        while start >= 0 and len(found) < count:
            found.append((start, self.path_at(start)))
            start = self.text.find(_SEPARATOR, start + 1)
        return found

    def spans(self) -> dict[int, int]:
        """Where every path starts (its NUL) and ends in `text`."""
        starts = [m.start() for m in _SEPARATORS.finditer(self.text)]
        ends = [*starts[1:], len(self.text)]
        return dict(zip(starts, ends, strict=True))

    def joined(self, ignore_case: bool, normalize: bool) -> str:
        """`text` as an atom with these settings compares it (same length).
        ASCII text is folded at each call (fast, and not kept: memory counts
        more); other text once."""
        if self.all_ascii:
            return self.text.lower() if ignore_case else self.text
        key = (ignore_case, normalize)
        with self._lock:
            folded = self._folded.get(key)
            if folded is None:
                folded = _SEPARATOR.join(
                    fold(t, ignore_case, normalize) for t in self.text.split(_SEPARATOR)
                )
                self._folded[key] = folded
            return folded

    def irregular(self) -> set[int]:
        """Offsets of the paths holding whitespace, a delimiter other than
        '/', or non-ASCII characters: where the matcher's bonuses are less
        predictable (see `bounds`)."""
        with self._lock:
            if self._irregular is None:
                raw = self.text
                positions: list[int] = []
                if self.all_ascii:  # a few scans for characters most trees lack
                    for c in _IRREGULAR_ASCII:
                        at = raw.find(c)
                        while at >= 0:
                            positions.append(at)
                            at = raw.find(c, at + 1)
                else:
                    positions = [m.start() for m in _IRREGULAR.finditer(raw)]
                self._irregular = {raw.rfind(_SEPARATOR, 0, at) for at in positions}
            return self._irregular


class FileIndex:
    """The listing of one root (an absolute path), refreshed on demand."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._root_slash = root.rstrip("/") + "/"
        self._dirs: dict[str, _Dir] = {}
        self._rules: dict[str, Rules] = {}
        """The rules for each listed directory's entries (its own ignore
        files included)."""
        self._above = Rules()
        self._watched: list[FileStamp | str] | None = None
        self._chunks: list[Chunk] = []
        self._walk: Iterator[Chunk | None] | None = None
        """The walk under way (None once complete)."""
        self._lock = threading.Lock()

    def visit(self, consume: Callable[[Chunk], None], cancelled: threading.Event) -> bool:
        """Give ``consume`` every chunk of the files as they are now, in path
        order, listing what is not known yet or changed (blocking). False
        when ``cancelled`` was set first: the walk stops between two
        directories, and the next visit goes on from there."""
        with self._lock:
            if cancelled.is_set():  # while waiting for another search of this root
                return False
            if self._walk is None:
                if self._watched is None or not ignore.unchanged(self._watched):
                    self._above, self._watched = ignore.rules_above_root(self.root)
                    self._dirs = {}
                    self._rules = {}
                    self._start_walk()
                elif self._revalidate():
                    self._start_walk()
            for chunk in self._chunks:
                if cancelled.is_set():
                    return False
                consume(chunk)
            while self._walk is not None:
                if cancelled.is_set():
                    return False
                step = next(self._walk, _DONE)
                if step is _DONE:
                    self._walk = None
                elif isinstance(step, Chunk):
                    self._chunks.append(step)
                    consume(step)
            return True

    @property
    def chars(self) -> int:
        """How much path text is kept (a measure of the memory used)."""
        return sum(len(chunk.text) for chunk in self._chunks)

    def snapshot(self) -> Chunk:
        """Every file in one chunk (for tests and tools; blocking)."""
        raws: list[str] = []
        self.visit(lambda chunk: raws.append(chunk.text), threading.Event())
        with self._lock:
            if all(chunk.all_ascii for chunk in self._chunks):
                return Chunk("".join(raws))
            return Chunk.of_paths([p for chunk in self._chunks for p in chunk.paths])

    # -- the walk -----------------------------------------------------------------

    def _start_walk(self) -> None:
        self._chunks = []
        self._walk = self._chunked(self._traverse())

    def _chunked(self, pieces: Iterator[str | None]) -> Iterator[Chunk | None]:
        """Group pieces of text into chunks; None passes through (a moment
        to stop)."""
        parts: list[str] = []
        size = 0
        for piece in pieces:
            if piece is None:
                yield None
                continue
            parts.append(piece)
            size += len(piece)
            if size >= CHUNK_CHARS:
                yield Chunk("".join(parts))
                parts = []
                size = 0
        if parts:
            yield Chunk("".join(parts))

    def _traverse(self) -> Iterator[str | None]:
        """Every path in order, as pieces of text (NUL before each path),
        listing the directories not known yet; None after each listing."""
        root = self._dirs.get("")
        if root is None:
            root = self._list("", self._above)
            yield None
            if root is None:
                return
        # Each frame: a directory's path, the directory, the next subdir's index.
        stack: list[tuple[str, _Dir, int]] = [("", root, 0)]
        while stack:
            rel, listed, i = stack.pop()
            prefix = rel + "/" if rel else ""
            run = listed[_RUNS][i]
            if run:
                yield _SEPARATOR + prefix + run.replace(_SEPARATOR, _SEPARATOR + prefix)
            subdirs = listed[_SUBDIRS]
            if i == len(subdirs):
                continue
            stack.append((rel, listed, i + 1))
            sub = prefix + subdirs[i]
            child = self._dirs.get(sub)
            if child is None:
                child = self._list(sub, self._rules[rel])
                yield None
                if child is None:
                    continue
            stack.append((sub, child, 0))

    def _list(self, rel: str, parent_rules: Rules) -> _Dir | None:
        """List one directory's entries, filtered by the rules in force
        there, and keep the listing (None: it cannot be listed)."""
        abs_dir = self._root_slash + rel if rel else self.root
        now = time.time_ns()
        try:
            mtime = os.stat(abs_dir).st_mtime_ns
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except OSError:
            return None
        try:
            # Mostly regular files: one pass for them, another for the rest
            # only when there is a rest.
            files = [e.name for e in entries if e.is_file(follow_symlinks=False)]
            subdirs: list[str] = []
            if len(files) < len(entries):
                links = _split_others(entries, files, subdirs)
                if links:
                    _follow_links(self.root, rel, links, files, subdirs)
        except OSError:  # the type was not in the listing, and stat failed
            files, subdirs = _split_slowly(entries)
        rules = parent_rules
        stamps = _NO_STAMPS
        has_git = ignore.GIT_DIR in subdirs or ignore.GIT_DIR in files
        if has_git or ".gitignore" in files or ".ignore" in files:
            depth = rel.count("/") + 1 if rel else 0
            rules, read = ignore.rules_for_directory(parent_rules, abs_dir, rel, depth, has_git)
            stamps = tuple(read)
        if has_git:
            files = [f for f in files if f != ignore.GIT_DIR]
            subdirs = [d for d in subdirs if d != ignore.GIT_DIR]
        dir_prefix = rel + "/" if rel else ""
        files, subdirs = rules.keep_both(
            dir_prefix, _utf8(files), _utf8(subdirs) if subdirs else subdirs
        )
        files.sort()
        subdirs.sort(key=_dir_key)
        runs: list[str] = []
        lo = 0
        for sub in subdirs:
            hi = bisect.bisect_left(files, sub + "/", lo)
            runs.append(_SEPARATOR.join(files[lo:hi]))
            lo = hi
        runs.append(_SEPARATOR.join(files[lo:]))
        window = RACY_WINDOW_COARSE_NS if mtime % 1_000_000_000 == 0 else RACY_WINDOW_NS
        listed: _Dir = (mtime, now - mtime < window, tuple(runs), tuple(subdirs), stamps)
        self._dirs[rel] = listed
        self._rules[rel] = rules
        return listed

    # -- revalidation -------------------------------------------------------------

    def _revalidate(self) -> bool:
        """List again the directories that changed; True when any did (the
        walk must then run again, over the known directories and the new)."""
        changed = False
        stat_at = os.stat
        try:
            root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            self._dirs.clear()
            return True
        try:
            for rel in list(self._dirs):
                listed = self._dirs.get(rel)
                if listed is None:  # went with an ancestor
                    continue
                try:
                    # Relative to the root's descriptor: no path to build.
                    mtime: int | None = stat_at(rel or ".", dir_fd=root_fd).st_mtime_ns
                except OSError:
                    mtime = None
                stamps = listed[_STAMPS]
                if (
                    mtime == listed[_MTIME]
                    and not listed[_RACY]
                    and (not stamps or all(ignore.stamp(s[0]) == s for s in stamps))
                ):
                    continue
                changed = True
                self._relist(rel, listed)
        finally:
            os.close(root_fd)
        return changed

    def _parent_rules(self, rel: str) -> Rules | None:
        if not rel:
            return self._above
        return self._rules.get(rel.rpartition("/")[0])

    def _relist(self, rel: str, old: _Dir) -> None:
        parent_rules = self._parent_rules(rel)
        new = self._list(rel, parent_rules) if parent_rules is not None else None
        if new is None:
            self._drop(rel, old)
            return
        prefix = rel + "/" if rel else ""
        # Its ignore files changed: what is below may be in or out now, so
        # the walk lists every subdirectory again.
        kept = set(new[_SUBDIRS]) if new[_STAMPS] == old[_STAMPS] else set()
        for sub in old[_SUBDIRS]:
            if sub not in kept:
                self._drop(prefix + sub, None)

    def _forget(self, rel: str) -> None:
        self._dirs.pop(rel, None)
        self._rules.pop(rel, None)

    def _drop(self, rel: str, listed: _Dir | None) -> None:
        """Forget a directory and everything below it."""
        stack = [(rel, listed)]
        while stack:
            top, known = stack.pop()
            gone = self._dirs.get(top) or known
            self._forget(top)
            if gone is not None:
                prefix = top + "/" if top else ""
                stack.extend((prefix + sub, None) for sub in gone[_SUBDIRS])


_DONE: Final = object()


def _split_slowly(entries: list[os.DirEntry[str]]) -> tuple[list[str], list[str]]:
    """(files, subdirectories); an entry whose type cannot be told is a file."""
    files: list[str] = []
    subdirs: list[str] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        (subdirs if is_dir else files).append(entry.name)
    return files, subdirs


def _split_others(
    entries: list[os.DirEntry[str]], files: list[str], subdirs: list[str]
) -> list[os.DirEntry[str]]:
    """Add the entries that are not regular files to ``files`` (a fifo, a
    socket, a device) or ``subdirs``; return the symbolic links."""
    links: list[os.DirEntry[str]] = []
    for entry in entries:
        if entry.is_file(follow_symlinks=False):
            continue
        if entry.is_dir(follow_symlinks=False):
            subdirs.append(entry.name)
        elif entry.is_symlink():
            links.append(entry)
        else:
            files.append(entry.name)
    return links


def _follow_links(
    root: str, rel: str, links: list[os.DirEntry[str]], files: list[str], subdirs: list[str]
) -> None:
    """Add the symbolic links of the directory ``rel`` to ``files`` or
    ``subdirs``, followed as the reference follows them: a link to a
    directory is a directory (unless it leads back to one on the way from
    the root to here, a loop), a link to anything else a file, a broken
    link nothing."""
    above: set[tuple[int, int]] | None = None
    for link in links:
        try:
            target = link.stat()
        except OSError:
            continue
        if not stat.S_ISDIR(target.st_mode):
            files.append(link.name)
            continue
        if above is None:
            above = _ancestors(root, rel)
        if (target.st_dev, target.st_ino) not in above:
            subdirs.append(link.name)


def _ancestors(root: str, rel: str) -> set[tuple[int, int]]:
    """The (device, inode) of the directory ``rel`` and of every one above
    it up to the root."""
    found: set[tuple[int, int]] = set()
    parts = rel.split("/") if rel else []
    for depth in range(len(parts) + 1):
        try:
            st = os.stat(os.path.join(root, *parts[:depth]))
        except OSError:
            continue
        found.add((st.st_dev, st.st_ino))
    return found


def _utf8(names: list[str]) -> list[str]:
    """The names that are valid UTF-8."""
    if "".join(names).isascii():
        return names
    return [n for n in names if n.isascii() or _valid_name(n)]
