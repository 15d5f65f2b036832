"""How much of a tool's output the model is shown, and how the rest is cut.

A `TruncationPolicy` is a budget in bytes or in (estimated) tokens, a token
being four bytes. Text over the budget keeps its beginning and its end, half
the budget each, cut on character boundaries, around a marker saying what
went: ``…N chars truncated…`` (bytes) or ``…N tokens truncated…`` (tokens,
N estimated from the bytes over the budget). This is Codex 0.107.0's cut;
it knows nothing of lines.

Outputs are cut twice: by the tool, to the turn's policy (`truncate_text`,
or `formatted_truncate_text`, which then says how many lines there were),
and again when recorded in the history the model is sent, to the policy
plus a fifth (`truncate_for_history`), which catches outputs no tool cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

from app_server_protocol.items import (
    FunctionCallOutputContentItem,
    FunctionCallOutputInputText,
    FunctionCallOutputPayload,
    ResponseItem,
    ResponseItemCustomToolCallOutput,
    ResponseItemFunctionCallOutput,
)

BYTES_PER_TOKEN: Final = 4
#: The share the history adds to a policy's budget (for the output's framing).
HISTORY_ALLOWANCE: Final = 1.2

TruncationMode = Literal["bytes", "tokens"]


@dataclass(frozen=True)
class TruncationPolicy:
    mode: TruncationMode
    limit: int

    @property
    def byte_budget(self) -> int:
        return self.limit if self.mode == "bytes" else self.limit * BYTES_PER_TOKEN

    @property
    def token_budget(self) -> int:
        return approx_tokens_from_bytes(self.limit) if self.mode == "bytes" else self.limit

    def scaled(self, factor: float) -> TruncationPolicy:
        """The budget times ``factor``, rounded up."""
        return TruncationPolicy(self.mode, math.ceil(self.limit * factor))

    def to_json(self) -> dict[str, str | int]:
        """As a rollout's ``turn_context`` records it."""
        return {"mode": self.mode, "limit": self.limit}


#: The policy of a model the daemon knows nothing about.
DEFAULT_POLICY: Final = TruncationPolicy("bytes", 10_000)


def approx_tokens_from_bytes(size: int) -> int:
    return -(-size // BYTES_PER_TOKEN)


def approx_token_count(text: str) -> int:
    return approx_tokens_from_bytes(len(text.encode("utf-8")))


def line_count(text: str) -> int:
    """Lines as Rust's ``str::lines`` counts them (a last line without a newline counts)."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _is_continuation(byte: int) -> bool:
    return 0x80 <= byte < 0xC0


def _cut_middle(text: str, max_bytes: int, *, tokens: bool) -> str:
    """``text`` within ``max_bytes`` bytes (plus the marker), its middle cut."""
    if not text:
        return ""
    data = text.encode("utf-8")
    size = len(data)
    if max_bytes == 0:
        removed = approx_tokens_from_bytes(size) if tokens else len(text)
        return _marker(removed, tokens=tokens)
    if size <= max_bytes:
        return text
    head_budget = max_bytes // 2
    tail_budget = max_bytes - head_budget
    # The head ends at the last character boundary within its budget; the
    # tail starts at the first one at or after where its budget begins.
    prefix_end = head_budget
    while prefix_end > 0 and _is_continuation(data[prefix_end]):
        prefix_end -= 1
    suffix_start = size - tail_budget
    while suffix_start < size and _is_continuation(data[suffix_start]):
        suffix_start += 1
    suffix_start = max(suffix_start, prefix_end)
    if tokens:
        removed = approx_tokens_from_bytes(size - max_bytes)
    else:
        removed = len(data[prefix_end:suffix_start].decode("utf-8"))
    head = data[:prefix_end].decode("utf-8")
    tail = data[suffix_start:].decode("utf-8")
    return f"{head}{_marker(removed, tokens=tokens)}{tail}"


def _marker(removed: int, *, tokens: bool) -> str:
    return f"…{removed} {'tokens' if tokens else 'chars'} truncated…"


def truncate_text(text: str, policy: TruncationPolicy) -> str:
    """``text`` within the policy's budget, its middle replaced by a marker."""
    if policy.mode == "bytes":
        return _cut_middle(text, policy.limit, tokens=False)
    if text and policy.limit > 0 and len(text.encode("utf-8")) <= policy.byte_budget:
        return text
    return _cut_middle(text, policy.byte_budget, tokens=True)


def formatted_truncate_text(text: str, policy: TruncationPolicy) -> str:
    """`truncate_text`, headed by the number of lines there were when cut."""
    if len(text.encode("utf-8")) <= policy.byte_budget:
        return text
    return f"Total output lines: {line_count(text)}\n\n{truncate_text(text, policy)}"


def truncate_content_items(
    items: list[FunctionCallOutputContentItem], policy: TruncationPolicy
) -> list[FunctionCallOutputContentItem]:
    """Text items within one budget shared in order (the one that crosses it
    cut, later ones dropped and counted); images are all kept."""
    by_bytes = policy.mode == "bytes"
    remaining = policy.byte_budget if by_bytes else policy.token_budget
    kept: list[FunctionCallOutputContentItem] = []
    omitted = 0
    for item in items:
        if not isinstance(item, FunctionCallOutputInputText):
            kept.append(item)
            continue
        if remaining == 0:
            omitted += 1
            continue
        cost = len(item.text.encode("utf-8")) if by_bytes else approx_token_count(item.text)
        if cost <= remaining:
            kept.append(item)
            remaining -= cost
            continue
        snippet = truncate_text(item.text, TruncationPolicy(policy.mode, remaining))
        if snippet:
            kept.append(FunctionCallOutputInputText(text=snippet))
        else:
            omitted += 1
        remaining = 0
    if omitted:
        kept.append(FunctionCallOutputInputText(text=f"[omitted {omitted} text items ...]"))
    return kept


def truncate_for_history(item: ResponseItem, policy: TruncationPolicy) -> ResponseItem:
    """``item`` as the history keeps it: a tool output cut to the policy plus
    its allowance; any other item as it is."""
    if not isinstance(item, ResponseItemFunctionCallOutput | ResponseItemCustomToolCallOutput):
        return item
    budget = policy.scaled(HISTORY_ALLOWANCE)
    body = item.output.body
    if isinstance(body, str):
        cut_text = truncate_text(body, budget)
        if cut_text == body:
            return item
        payload = FunctionCallOutputPayload(body=cut_text, success=item.output.success)
    else:
        payload = FunctionCallOutputPayload(
            body=truncate_content_items(body, budget), success=item.output.success
        )
    return item.model_copy(update={"output": payload})
