"""Building the HTTP request for one model call: URL, headers and body.

Pure functions, no I/O: the client calls them before every attempt (the
credentials and the environment are read again each time). The header
order and the body's key order are the reference's.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from pydantic import TypeAdapter

from app_server_protocol.items import (
    ResponseItem,
    ResponseItemCustomToolCall,
    ResponseItemFunctionCall,
    ResponseItemLocalShellCall,
    ResponseItemMessage,
    ResponseItemReasoning,
    ResponseItemWebSearchCall,
)

from ..config.model import ModelProviderInfo, WireApi
from ..logs import register_secret
from .auth import Credentials
from .chat_format import chat_messages, chat_tools
from .errors import MissingEnvVar, UnsupportedOperation
from .history import History
from .prompt import Prompt

DEFAULT_OPENAI_BASE_URL: Final = "https://api.openai.com/v1"
DEFAULT_CHATGPT_CODEX_BASE_URL: Final = "https://chatgpt.com/backend-api/codex"
_AZURE_HOST_MARKERS: Final = (
    "openai.azure.",
    "cognitiveservices.azure.",
    "aoai.azure.",
    "azure-api.",
)

_items_adapter: TypeAdapter[list[ResponseItem]] | None = None


@dataclass(frozen=True, slots=True)
class RequestIdentity:
    """Who is asking: sent with every request."""

    conversation_id: str
    user_agent: str
    originator: str
    task_type: str = "standard"


def resolve_credentials(
    provider: ModelProviderInfo,
    credentials: Credentials | None,
    environ: Mapping[str, str],
) -> Credentials | None:
    """The credentials a request goes out with.

    The provider's ``env_key`` variable wins; when it is unset the logged-in
    credentials are used, and without those it is an error. Chat Completions
    providers only ever use ``env_key``."""
    if provider.wire_api == WireApi.CHAT:
        credentials = None
    if provider.env_key is None:
        return credentials
    value = environ.get(provider.env_key, "")
    if value.strip():
        register_secret(value)
        return Credentials(bearer_token=value)
    if credentials is not None:
        return credentials
    raise MissingEnvVar(provider.env_key, provider.env_key_instructions)


def needs_tls(provider: ModelProviderInfo) -> bool:
    """Whether the provider is reached over https (without a base URL, it
    is one of OpenAI's: `endpoint_url`)."""
    base = provider.base_url
    return not base or not base.strip().lower().startswith("http://")


def endpoint_url(provider: ModelProviderInfo, credentials: Credentials | None) -> str:
    if provider.base_url:
        base = provider.base_url.rstrip("/")
    elif credentials is not None and credentials.is_chatgpt:
        base = DEFAULT_CHATGPT_CODEX_BASE_URL
    else:
        base = DEFAULT_OPENAI_BASE_URL
    path = "/chat/completions" if provider.wire_api == WireApi.CHAT else "/responses"
    query = ""
    if provider.query_params:
        query = "?" + "&".join(
            f"{quote(key, safe='')}={quote(value, safe='')}"
            for key, value in provider.query_params.items()
        )
    return base + path + query


def request_headers(
    provider: ModelProviderInfo,
    credentials: Credentials | None,
    identity: RequestIdentity,
    environ: Mapping[str, str],
) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    if credentials is not None:
        headers.append(("authorization", f"Bearer {credentials.bearer_token}"))
    for name, value in (provider.http_headers or {}).items():
        headers.append((name, value))
    for name, variable in (provider.env_http_headers or {}).items():
        value = environ.get(variable, "")
        if value.strip():
            headers.append((name, value))
    if provider.wire_api == WireApi.RESPONSES:
        headers += [
            ("openai-beta", "responses=experimental"),
            ("conversation_id", identity.conversation_id),
            ("session_id", identity.conversation_id),
            ("accept", "text/event-stream"),
            ("codex-task-type", identity.task_type),
            ("content-type", "application/json"),
        ]
        if credentials is not None and credentials.is_chatgpt and credentials.account_id:
            headers.append(("chatgpt-account-id", credentials.account_id))
    else:
        headers += [("accept", "text/event-stream"), ("content-type", "application/json")]
    # The provider's own user-agent / originator, if it sets one, wins.
    given = {name.lower() for name, _ in headers}
    for name, value in (("user-agent", identity.user_agent), ("originator", identity.originator)):
        if name not in given:
            headers.append((name, value))
    return headers


def request_body(prompt: Prompt, provider: ModelProviderInfo, conversation_id: str) -> bytes:
    """The JSON body, compact and UTF-8, keys in the reference's order."""
    if provider.wire_api == WireApi.CHAT:
        body = chat_body(prompt)
    else:
        azure = is_azure_responses(provider)
        if isinstance(prompt.input, History) and not azure:
            return _body_with_history(prompt, prompt.input, conversation_id)
        body = responses_body(prompt, conversation_id, azure=azure)
    return _compact_json(body)


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _body_with_history(prompt: Prompt, history: History, conversation_id: str) -> bytes:
    """`responses_body`, written with its input taken from the history's
    JSON as it is (no model made, nothing parsed): the same bytes."""
    body = responses_body(dataclasses.replace(prompt, input=()), conversation_id)
    hole = f"\x00input {uuid.uuid4()}"
    body["input"] = hole
    head, found, tail = _compact_json(body).partition(_compact_json(hole))
    assert found
    return head + history.json_array() + tail


def responses_body(prompt: Prompt, conversation_id: str, *, azure: bool = False) -> dict[str, Any]:
    input_json = _dump_items(prompt)
    if azure:
        # Azure keeps the items (store: true) and needs their ids to chain them.
        for value, item in zip(input_json, prompt.input, strict=True):
            item_id = _item_id(item)
            if item_id:
                value["id"] = item_id
    body: dict[str, Any] = {
        "model": prompt.model,
        "instructions": prompt.instructions,
        "input": input_json,
        "tools": [dict(tool) for tool in prompt.tools],
        "tool_choice": "auto",
        "parallel_tool_calls": prompt.parallel_tool_calls,
        "reasoning": None if prompt.reasoning is None else prompt.reasoning.to_json(),
        "store": azure,
        "stream": True,
        "include": ["reasoning.encrypted_content"] if prompt.reasoning is not None else [],
        "prompt_cache_key": conversation_id,
    }
    text: dict[str, Any] = {}
    if prompt.verbosity is not None:
        text["verbosity"] = prompt.verbosity.value
    if prompt.output_schema is not None:
        text["format"] = {
            "type": "json_schema",
            "strict": True,
            "schema": dict(prompt.output_schema),
            "name": "codex_output_schema",
        }
    if text:
        body["text"] = text
    return body


def chat_body(prompt: Prompt) -> dict[str, Any]:
    if prompt.output_schema is not None:
        raise UnsupportedOperation("output_schema is not supported for Chat Completions API")
    return {
        "model": prompt.model,
        "messages": chat_messages(prompt.instructions, prompt.input),
        "stream": True,
        "tools": chat_tools(prompt.tools),
    }


def is_azure_responses(provider: ModelProviderInfo) -> bool:
    if provider.wire_api != WireApi.RESPONSES:
        return False
    if provider.name.lower() == "azure":
        return True
    base = (provider.base_url or "").lower()
    return any(marker in base for marker in _AZURE_HOST_MARKERS)


def items_adapter() -> TypeAdapter[list[ResponseItem]]:
    """The serializer of a request's input items (made on first use)."""
    global _items_adapter
    if _items_adapter is None:
        _items_adapter = TypeAdapter(list[ResponseItem])
    return _items_adapter


def _dump_items(prompt: Prompt) -> list[dict[str, Any]]:
    if isinstance(prompt.input, History):
        values: list[dict[str, Any]] = prompt.input.json_values()
        return values
    dumped: list[dict[str, Any]] = items_adapter().dump_python(list(prompt.input), mode="json")
    return dumped


def _item_id(item: ResponseItem) -> str | None:
    if isinstance(
        item,
        ResponseItemMessage
        | ResponseItemReasoning
        | ResponseItemWebSearchCall
        | ResponseItemFunctionCall
        | ResponseItemLocalShellCall
        | ResponseItemCustomToolCall,
    ):
        return item.id or None
    return None
