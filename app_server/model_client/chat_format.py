"""The conversation and the tools in the Chat Completions shape.

History is kept as Responses API items; a Chat Completions provider gets:

* a ``system`` message with the instructions, then one message per item:
  user/assistant messages (assistant content as one string; user content as
  a string, or as parts when it holds an image), tool calls as assistant
  messages with ``tool_calls``, tool outputs as ``tool`` messages;
* reasoning text of the current turn attached as ``reasoning`` to the
  assistant message next to it (not when the conversation ends with a user
  message); reasoning items, web searches and unknown items are not sent;
* an assistant message that repeats the previous one word for word is sent once;
* only the function tools, as ``{"type": "function", "function": {...}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app_server_protocol.items import (
    ContentItemInputImage,
    ResponseItem,
    ResponseItemCustomToolCall,
    ResponseItemCustomToolCallOutput,
    ResponseItemFunctionCall,
    ResponseItemFunctionCallOutput,
    ResponseItemLocalShellCall,
    ResponseItemMessage,
    ResponseItemReasoning,
)

Json = dict[str, Any]


def chat_messages(instructions: str, items: Sequence[ResponseItem]) -> list[Json]:
    """The ``messages`` of a Chat Completions request."""
    messages: list[Json] = [{"role": "system", "content": instructions}]
    reasoning = _reasoning_by_anchor(items)
    last_assistant_text: str | None = None
    for index, item in enumerate(items):
        message: Json
        if isinstance(item, ResponseItemMessage):
            text = "".join(getattr(part, "text", "") for part in item.content)
            if item.role == "assistant":
                if text == last_assistant_text:
                    continue
                last_assistant_text = text
                content: Any = text
            elif any(isinstance(part, ContentItemInputImage) for part in item.content):
                content = [_content_part(part) for part in item.content]
            else:
                content = text
            message = {"role": item.role, "content": content}
            if item.role != "assistant":
                messages.append(message)
                continue
        elif isinstance(item, ResponseItemFunctionCall):
            message = _tool_call_message(
                {
                    "id": item.call_id,
                    "type": "function",
                    "function": {"name": item.name, "arguments": item.arguments},
                }
            )
        elif isinstance(item, ResponseItemLocalShellCall):
            message = _tool_call_message(
                {
                    "id": item.id or "",
                    "type": "local_shell_call",
                    "status": item.status.value,
                    "action": item.action.model_dump(mode="json"),
                }
            )
        elif isinstance(item, ResponseItemCustomToolCall):
            messages.append(
                _tool_call_message(
                    {
                        "id": item.id,
                        "type": "custom",
                        "custom": {"name": item.name, "input": item.input},
                    }
                )
            )
            continue
        elif isinstance(item, ResponseItemFunctionCallOutput | ResponseItemCustomToolCallOutput):
            messages.append(
                {"role": "tool", "tool_call_id": item.call_id, "content": item.output.text}
            )
            continue
        else:
            continue  # reasoning, web searches and unknown items are not sent
        if index in reasoning:
            message["reasoning"] = reasoning[index]
        messages.append(message)
    return messages


def _content_part(part: Any) -> Json:
    if isinstance(part, ContentItemInputImage):
        return {"type": "image_url", "image_url": {"url": part.image_url}}
    return {"type": "text", "text": part.text}


def _tool_call_message(call: Json) -> Json:
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _is_assistant_anchor(item: ResponseItem) -> bool:
    if isinstance(item, ResponseItemMessage):
        return item.role == "assistant"
    return isinstance(item, ResponseItemFunctionCall | ResponseItemLocalShellCall)


def _reasoning_by_anchor(items: Sequence[ResponseItem]) -> dict[int, str]:
    """Reasoning text after the last user message, keyed by the index of the
    assistant item it goes with: the assistant message just before it, else
    the assistant message or tool call just after it."""
    last_role: str | None = None
    last_user = -1
    for index, item in enumerate(items):
        if isinstance(item, ResponseItemMessage):
            last_role = item.role
            if item.role == "user":
                last_user = index
        elif isinstance(item, ResponseItemFunctionCall | ResponseItemLocalShellCall):
            last_role = "assistant"
        elif isinstance(item, ResponseItemFunctionCallOutput):
            last_role = "tool"
    attached: dict[int, str] = {}
    if last_role == "user":
        return attached
    for index in range(last_user + 1, len(items)):
        item = items[index]
        if not isinstance(item, ResponseItemReasoning) or not item.content:
            continue
        text = "".join(part.text for part in item.content)
        if not text.strip():
            continue
        previous = items[index - 1] if index > 0 else None
        following = items[index + 1] if index + 1 < len(items) else None
        if isinstance(previous, ResponseItemMessage) and previous.role == "assistant":
            anchor = index - 1
        elif following is not None and _is_assistant_anchor(following):
            anchor = index + 1
        else:
            continue
        attached[anchor] = attached.get(anchor, "") + text
    return attached


def chat_tools(tools: Sequence[Mapping[str, Any]]) -> list[Json]:
    """The function tools of a Responses API tool list, in the Chat Completions shape."""
    converted: list[Json] = []
    for tool in tools:
        if tool.get("type") != "function":
            continue
        # The reference drops "type" by moving the last key into its place;
        # keep the same key order so that request bodies match.
        keys = list(tool)
        position = keys.index("type")
        keys[position] = keys[-1]
        keys.pop()
        converted.append({"type": "function", "function": {key: tool[key] for key in keys}})
    return converted
