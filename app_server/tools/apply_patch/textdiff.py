"""Line diffs in unified format, the way the reference writes them.

The edit script comes from Myers' linear-space algorithm (common prefix and
suffix first, then the middle snake, recursively); runs of deletions and
insertions between unchanged lines are shown as all deletions, then all
insertions. Hunks keep ``context`` unchanged lines around each change and
merge when they are closer than twice that. A last line without a newline
is followed by ``\\ No newline at end of file``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Tag = Literal["equal", "delete", "insert", "replace"]


@dataclass(frozen=True)
class DiffOp:
    tag: Tag
    old_index: int
    old_len: int
    new_index: int
    new_len: int


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """Lines with their terminator (``\\n``, ``\\r\\n`` or ``\\r``) kept; the last may have none."""
    return _LINE.findall(text)


def diff_ops(old: Sequence[str], new: Sequence[str]) -> list[DiffOp]:
    """The edit script turning ``old`` into ``new`` (runs of changes merged)."""
    raw: list[tuple[str, int, int, int]] = []
    _myers(old, new, raw)
    steps = _compact(old, new, [_Step.of(*step) for step in raw])
    return _merge_changes([step.as_tuple() for step in steps])


def _myers(old: Sequence[str], new: Sequence[str], out: list[tuple[str, int, int, int]]) -> None:
    """Append ``(tag, old_index, new_index, length)`` steps in order."""
    size = (len(old) + len(new) + 1) // 2 + 1
    forward = [0] * (2 * size + 2)
    backward = [0] * (2 * size + 2)
    # Work list, processed last-in first-out: ranges to diff, or steps to emit.
    work: list[tuple[str, int, int, int, int]] = [("diff", 0, len(old), 0, len(new))]
    while work:
        kind, a0, a1, b0, b1 = work.pop()
        if kind != "diff":
            out.append((kind, a0, b0, a1))
            continue
        prefix = _common_prefix(old, a0, a1, new, b0, b1)
        if prefix:
            out.append(("equal", a0, b0, prefix))
        a0 += prefix
        b0 += prefix
        suffix = _common_suffix(old, a0, a1, new, b0, b1)
        a1 -= suffix
        b1 -= suffix
        if suffix:
            work.append(("equal", a1, suffix, b1, 0))
        if a0 == a1 and b0 == b1:
            continue
        if b0 == b1:
            work.append(("delete", a0, a1 - a0, b0, 0))
        elif a0 == a1:
            work.append(("insert", a0, b1 - b0, b0, 0))
        else:
            snake = _middle_snake(old, a0, a1, new, b0, b1, forward, backward, size)
            if snake is None:  # pragma: no cover - cannot happen without a deadline
                work.append(("insert", a0, b1 - b0, b0, 0))
                work.append(("delete", a0, a1 - a0, b0, 0))
            else:
                x, y = snake
                work.append(("diff", x, a1, y, b1))
                work.append(("diff", a0, x, b0, y))


def _common_prefix(
    old: Sequence[str], a0: int, a1: int, new: Sequence[str], b0: int, b1: int
) -> int:
    n = 0
    while a0 + n < a1 and b0 + n < b1 and old[a0 + n] == new[b0 + n]:
        n += 1
    return n


def _common_suffix(
    old: Sequence[str], a0: int, a1: int, new: Sequence[str], b0: int, b1: int
) -> int:
    n = 0
    while a1 - n > a0 and b1 - n > b0 and old[a1 - n - 1] == new[b1 - n - 1]:
        n += 1
    return n


def _middle_snake(
    old: Sequence[str],
    a0: int,
    a1: int,
    new: Sequence[str],
    b0: int,
    b1: int,
    vf: list[int],
    vb: list[int],
    size: int,
) -> tuple[int, int] | None:
    n, m = a1 - a0, b1 - b0
    delta = n - m
    odd = delta % 2 == 1
    off = size  # index offset so that diagonal k lives at v[k + off]
    vf[1 + off] = 0
    vb[1 + off] = 0
    d_max = (n + m + 1) // 2 + 1
    for d in range(d_max):
        for k in range(d, -d - 1, -2):
            if k == -d or (k != d and vf[k - 1 + off] < vf[k + 1 + off]):
                x = vf[k + 1 + off]
            else:
                x = vf[k - 1 + off] + 1
            y = x - k
            x0, y0 = x, y
            if x < n and y < m:
                x += _common_prefix(old, a0 + x, a1, new, b0 + y, b1)
            vf[k + off] = x
            if odd and abs(k - delta) <= d - 1 and vf[k + off] + vb[-(k - delta) + off] >= n:
                return x0 + a0, y0 + b0
        for k in range(d, -d - 1, -2):
            if k == -d or (k != d and vb[k - 1 + off] < vb[k + 1 + off]):
                x = vb[k + 1 + off]
            else:
                x = vb[k - 1 + off] + 1
            y = x - k
            if x < n and y < m:
                advance = _common_suffix(old, a0, a0 + n - x, new, b0, b0 + m - y)
                x += advance
                y += advance
            vb[k + off] = x
            if not odd and abs(k - delta) <= d and vb[k + off] + vf[-(k - delta) + off] >= n:
                return n - x + a0, m - y + b0
    return None


class _Step:
    """A mutable edit step (equal steps keep ``old_len == new_len``)."""

    __slots__ = ("new_index", "new_len", "old_index", "old_len", "tag")

    def __init__(self, tag: str, old_index: int, old_len: int, new_index: int, new_len: int):
        self.tag, self.old_index, self.old_len = tag, old_index, old_len
        self.new_index, self.new_len = new_index, new_len

    @classmethod
    def of(cls, tag: str, old_index: int, new_index: int, length: int) -> _Step:
        old_len = 0 if tag == "insert" else length
        new_len = 0 if tag == "delete" else length
        return cls(tag, old_index, old_len, new_index, new_len)

    def as_tuple(self) -> tuple[str, int, int, int]:
        length = self.new_len if self.tag == "insert" else self.old_len
        return (self.tag, self.old_index, self.new_index, length)

    def copy(self) -> _Step:
        return _Step(self.tag, self.old_index, self.old_len, self.new_index, self.new_len)

    def is_empty(self) -> bool:
        return self.old_len == 0 and self.new_len == 0

    def adjust(self, offset: int, length: int) -> None:
        self.old_index += offset
        self.new_index += offset
        if self.tag != "insert":
            self.old_len += length
        if self.tag != "delete":
            self.new_len += length

    def old_range(self) -> tuple[int, int]:
        return self.old_index, self.old_index + self.old_len

    def new_range(self) -> tuple[int, int]:
        return self.new_index, self.new_index + self.new_len


def _suffix_len(
    old: Sequence[str], a: tuple[int, int], new: Sequence[str], b: tuple[int, int]
) -> int:
    return _common_suffix(old, a[0], a[1], new, b[0], b[1])


def _prefix_len(
    old: Sequence[str], a: tuple[int, int], new: Sequence[str], b: tuple[int, int]
) -> int:
    return _common_prefix(old, a[0], a[1], new, b[0], b[1])


def _compact(old: Sequence[str], new: Sequence[str], ops: list[_Step]) -> list[_Step]:
    """Slide insertions (and deletions) up and down to join neighbouring changes,
    as the reference's diff library does after Myers."""
    for tag in ("delete", "insert"):
        pointer = 0
        while pointer < len(ops):
            if ops[pointer].tag == tag:
                pointer = _shift_up(ops, old, new, pointer)
                pointer = _shift_down(ops, old, new, pointer)
            pointer += 1
    return ops


def _shift_up(ops: list[_Step], old: Sequence[str], new: Sequence[str], pointer: int) -> int:
    while pointer >= 1:
        prev, this = ops[pointer - 1].copy(), ops[pointer].copy()
        if prev.tag == "equal":
            # (Only insertions can move: a deletion's new range is empty.)
            shift = _suffix_len(old, prev.old_range(), new, this.new_range())
            if shift:
                after = ops[pointer + 1] if pointer + 1 < len(ops) else None
                if after is not None and after.tag == "equal":
                    after.adjust(-shift, shift)
                else:
                    length = shift if this.tag == "insert" else prev.old_len - shift
                    ops.insert(
                        pointer + 1,
                        _Step("equal", prev.old_range()[1] - shift, length,
                              this.new_range()[1] - shift, length),
                    )  # fmt: skip
                ops[pointer].adjust(-shift, 0)
                ops[pointer - 1].adjust(0, -shift)
                if ops[pointer - 1].is_empty():
                    del ops[pointer - 1]
                    pointer -= 1
            elif ops[pointer - 1].is_empty():
                del ops[pointer - 1]
                pointer -= 1
            else:
                break
        elif prev.tag != this.tag:
            ops[pointer - 1], ops[pointer] = ops[pointer], ops[pointer - 1]
            pointer -= 1
        else:
            ops[pointer - 1].adjust(0, this.new_len if this.tag == "insert" else this.old_len)
            del ops[pointer]
            pointer -= 1
    return pointer


def _shift_down(ops: list[_Step], old: Sequence[str], new: Sequence[str], pointer: int) -> int:
    while pointer + 1 < len(ops):
        this, nxt = ops[pointer].copy(), ops[pointer + 1].copy()
        if nxt.tag == "equal":
            shift = _prefix_len(old, nxt.old_range(), new, this.new_range())
            if shift:
                before = ops[pointer - 1] if pointer >= 1 else None
                if before is not None and before.tag == "equal":
                    before.adjust(0, shift)
                else:
                    ops.insert(
                        pointer,
                        _Step("equal", nxt.old_range()[0], shift, this.new_range()[0], shift),
                    )
                    pointer += 1
                ops[pointer].adjust(shift, 0)
                ops[pointer + 1].adjust(shift, -shift)
                if ops[pointer + 1].is_empty():
                    del ops[pointer + 1]
            elif ops[pointer + 1].is_empty():
                del ops[pointer + 1]
            else:
                break
        elif nxt.tag != this.tag:
            ops[pointer], ops[pointer + 1] = ops[pointer + 1], ops[pointer]
            pointer += 1
        else:
            ops[pointer].adjust(0, nxt.new_len if nxt.tag == "insert" else nxt.old_len)
            del ops[pointer + 1]
    return pointer


def _merge_changes(raw: list[tuple[str, int, int, int]]) -> list[DiffOp]:
    """Join adjacent steps: equal runs, and deletions/insertions into replacements."""
    ops: list[DiffOp] = []
    equal: list[int] | None = None  # [old_index, new_index, len]
    deleted: list[int] | None = None  # [old_index, len, new_index]
    inserted: list[int] | None = None  # [old_index, new_index, len]

    def flush_equal() -> None:
        nonlocal equal
        if equal is not None:
            ops.append(DiffOp("equal", equal[0], equal[2], equal[1], equal[2]))
            equal = None

    def flush_changes() -> None:
        nonlocal deleted, inserted
        if deleted is not None and inserted is not None:
            ops.append(DiffOp("replace", deleted[0], deleted[1], inserted[1], inserted[2]))
        elif deleted is not None:
            ops.append(DiffOp("delete", deleted[0], deleted[1], deleted[2], 0))
        elif inserted is not None:
            ops.append(DiffOp("insert", inserted[0], 0, inserted[1], inserted[2]))
        deleted = inserted = None

    for tag, old_index, new_index, length in raw:
        if tag == "equal":
            flush_changes()
            if equal is None:
                equal = [old_index, new_index, length]
            else:
                equal[2] += length
        elif tag == "delete":
            flush_equal()
            if deleted is None:
                deleted = [old_index, length, new_index]
            else:
                deleted[1] += length
        else:
            flush_equal()
            if inserted is None:
                inserted = [old_index, new_index, length]
            else:
                inserted[2] += length
    flush_equal()
    flush_changes()
    return ops


def _trimmed(op: DiffOp, start: int, length: int) -> DiffOp:
    """The unchanged lines of ``op`` from ``start`` (relative), ``length`` of them."""
    return DiffOp("equal", op.old_index + start, length, op.new_index + start, length)


def group_ops(ops: list[DiffOp], context: int) -> list[list[DiffOp]]:
    """Hunks: the changes with up to ``context`` unchanged lines around them."""
    if not ops:
        return []
    ops = list(ops)
    if ops[0].tag == "equal":
        offset = max(ops[0].old_len - context, 0)
        ops[0] = _trimmed(ops[0], offset, ops[0].old_len - offset)
    if ops[-1].tag == "equal":
        ops[-1] = _trimmed(ops[-1], 0, min(ops[-1].old_len, context))
    groups: list[list[DiffOp]] = []
    pending: list[DiffOp] = []
    for op in ops:
        if op.tag == "equal" and op.old_len > context * 2:
            pending.append(_trimmed(op, 0, context))
            groups.append(pending)
            offset = op.old_len - context
            pending = [_trimmed(op, offset, op.old_len - offset)]
            continue
        pending.append(op)
    if not (len(pending) == 0 or (len(pending) == 1 and pending[0].tag == "equal")):
        groups.append(pending)
    return groups


def _range(start: int, end: int) -> str:
    length = end - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def unified_diff(old_text: str, new_text: str, context: int = 3) -> str:
    """The hunks (no file header) turning ``old_text`` into ``new_text``."""
    old, new = split_lines(old_text), split_lines(new_text)
    out: list[str] = []
    for group in group_ops(diff_ops(old, new), context):
        first, last = group[0], group[-1]
        out.append(
            f"@@ -{_range(first.old_index, last.old_index + last.old_len)} "
            f"+{_range(first.new_index, last.new_index + last.new_len)} @@\n"
        )
        for op in group:
            if op.tag == "equal":
                _emit(out, " ", old[op.old_index : op.old_index + op.old_len])
            if op.tag in ("delete", "replace"):
                _emit(out, "-", old[op.old_index : op.old_index + op.old_len])
            if op.tag in ("insert", "replace"):
                _emit(out, "+", new[op.new_index : op.new_index + op.new_len])
    return "".join(out)


def _emit(out: list[str], sign: str, lines: list[str]) -> None:
    for line in lines:
        out.append(sign + line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
