"""What the model client sends: URL, headers and body, for both wire APIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import TypeAdapter

from app_server.config.model import WireApi
from app_server.model_client import (
    Credentials,
    MissingEnvVar,
    Reasoning,
    StaticCredentials,
    UnsupportedOperation,
)
from app_server.model_client.chat_format import chat_messages, chat_tools
from app_server.model_client.request import chat_body, responses_body
from app_server_protocol.common import AuthMode, ReasoningEffort, ReasoningSummary, Verbosity
from app_server_protocol.items import (
    ContentItemInputImage,
    ContentItemInputText,
    ContentItemOutputText,
    FunctionCallOutputPayload,
    LocalShellExecAction,
    LocalShellStatus,
    ReasoningItemContentReasoningText,
    ResponseItem,
    ResponseItemCustomToolCall,
    ResponseItemCustomToolCallOutput,
    ResponseItemFunctionCall,
    ResponseItemFunctionCallOutput,
    ResponseItemLocalShellCall,
    ResponseItemMessage,
    ResponseItemReasoning,
    ResponseItemWebSearchCall,
    WebSearchActionSearch,
)
from tests.model_client_support import (
    BASE_URL,
    CHAT_URL,
    RESPONSES_URL,
    chat_ok_response,
    client,
    collect,
    ok_response,
    prompt,
    provider,
    user_message,
)

pytestmark = pytest.mark.anyio

TRANSCRIPTS = Path(__file__).resolve().parent / "data" / "reference-0.50.0" / "transcripts"

API_KEY = Credentials(bearer_token="sk-test-key-123456")
CHATGPT = Credentials(
    bearer_token="chatgpt-access-token-abcdef",
    mode=AuthMode.CHATGPT,
    account_id="acct-42",
    plan_type="plus",
)


async def send_one(
    provider_fields: dict[str, Any] | None = None,
    *,
    credentials: Credentials | None = None,
    environ: dict[str, str] | None = None,
    **prompt_fields: Any,
) -> httpx.Request:
    """Send one request through the client; return what went on the wire."""
    info = provider(**(provider_fields or {}))
    with respx.mock(assert_all_mocked=True) as router:
        chat = info.wire_api == WireApi.CHAT
        route = router.post(url__startswith=BASE_URL).mock(
            return_value=chat_ok_response() if chat else ok_response()
        )
        source = StaticCredentials(credentials) if credentials else None
        _, error = await collect(
            client(info, credentials=source, environ=environ), prompt(**prompt_fields)
        )
    assert error is None, error
    assert route.call_count == 1
    request: httpx.Request = route.calls.last.request
    return request


def header_list(request: httpx.Request) -> list[tuple[str, str]]:
    return [
        (name.decode().lower(), value.decode())
        for name, value in request.headers.raw
        if name.lower() not in (b"host", b"content-length")
    ]


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------


async def test_responses_headers_in_the_reference_order() -> None:
    request = await send_one(
        {
            "http_headers": {"X-Custom": "a", "X-Two": "b"},
            "env_http_headers": {"X-Env": "MY_HEADER", "X-Absent": "NOT_SET", "X-Blank": "BLANK"},
        },
        credentials=API_KEY,
        environ={"MY_HEADER": "from-env", "BLANK": "  "},
    )
    assert request.method == "POST"
    assert str(request.url) == RESPONSES_URL
    assert header_list(request) == [
        ("authorization", "Bearer sk-test-key-123456"),
        ("x-custom", "a"),
        ("x-two", "b"),
        ("x-env", "from-env"),
        ("openai-beta", "responses=experimental"),
        ("conversation_id", "conv-1"),
        ("session_id", "conv-1"),
        ("accept", "text/event-stream"),
        ("codex-task-type", "standard"),
        ("content-type", "application/json"),
        ("user-agent", "test-agent/1.0"),
        ("originator", "test_originator"),
    ]


async def test_no_other_headers_are_added() -> None:
    request = await send_one()
    names = [name.decode().lower() for name, _ in request.headers.raw]
    assert "accept-encoding" not in names
    assert "cookie" not in names
    assert sorted(names) == sorted(
        [
            "host",
            "content-length",
            "openai-beta",
            "conversation_id",
            "session_id",
            "accept",
            "codex-task-type",
            "content-type",
            "user-agent",
            "originator",
        ]
    )


async def test_chatgpt_login_sends_the_access_token_and_account() -> None:
    request = await send_one(credentials=CHATGPT)
    headers = header_list(request)
    assert headers[0] == ("authorization", "Bearer chatgpt-access-token-abcdef")
    assert headers[-3:] == [
        ("chatgpt-account-id", "acct-42"),
        ("user-agent", "test-agent/1.0"),
        ("originator", "test_originator"),
    ]


async def test_api_key_login_sends_no_account_header() -> None:
    keyed = Credentials(bearer_token="sk-x-123456", account_id="acct-ignored")
    request = await send_one(credentials=keyed)
    assert "chatgpt-account-id" not in request.headers


async def test_env_key_wins_over_the_login() -> None:
    request = await send_one(
        {"env_key": "PROVIDER_KEY"}, credentials=CHATGPT, environ={"PROVIDER_KEY": "sk-env-999999"}
    )
    assert request.headers["authorization"] == "Bearer sk-env-999999"
    assert "chatgpt-account-id" not in request.headers


async def test_unset_env_key_falls_back_to_the_login() -> None:
    request = await send_one({"env_key": "PROVIDER_KEY"}, credentials=API_KEY, environ={})
    assert request.headers["authorization"] == "Bearer sk-test-key-123456"


@pytest.mark.parametrize("value", [None, "", "   "])
async def test_unset_env_key_without_login_is_an_error(value: str | None) -> None:
    environ = {} if value is None else {"PROVIDER_KEY": value}
    info = provider(
        env_key="PROVIDER_KEY", env_key_instructions="Create a key at https://example.test."
    )
    with respx.mock(assert_all_called=False) as router:
        route = router.post(url__startswith=BASE_URL).mock(return_value=ok_response())
        events, error = await collect(client(info, environ=environ))
    assert isinstance(error, MissingEnvVar)
    assert str(error) == (
        "Missing environment variable: `PROVIDER_KEY`. Create a key at https://example.test."
    )
    assert not error.retry_turn
    assert events == [] and route.call_count == 0


async def test_missing_env_key_without_instructions() -> None:
    with respx.mock(assert_all_called=False):
        _, error = await collect(client(provider(env_key="MOCK_KEY")))
    assert str(error) == "Missing environment variable: `MOCK_KEY`."


async def test_environment_is_read_at_request_time() -> None:
    environ: dict[str, str] = {}
    info = provider(env_http_headers={"X-Org": "ORG"})
    model_client = client(info, environ=environ)
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(side_effect=lambda request: ok_response())
        await collect(model_client)
        environ["ORG"] = "org-1"
        await collect(model_client)
    first, second = (call.request for call in route.calls)
    assert "x-org" not in first.headers
    assert second.headers["x-org"] == "org-1"


async def test_provider_user_agent_replaces_ours() -> None:
    request = await send_one({"http_headers": {"User-Agent": "custom/2"}})
    assert request.headers.get_list("user-agent") == ["custom/2"]
    assert request.headers["originator"] == "test_originator"


async def test_chat_headers_and_credentials() -> None:
    # Chat Completions only ever authorizes with the provider's env_key.
    request = await send_one({"wire_api": "chat"}, credentials=API_KEY)
    assert str(request.url) == CHAT_URL
    assert header_list(request) == [
        ("accept", "text/event-stream"),
        ("content-type", "application/json"),
        ("user-agent", "test-agent/1.0"),
        ("originator", "test_originator"),
    ]
    request = await send_one(
        {"wire_api": "chat", "env_key": "K", "http_headers": {"X-A": "1"}},
        environ={"K": "sk-chat-123456"},
    )
    assert header_list(request)[:2] == [("authorization", "Bearer sk-chat-123456"), ("x-a", "1")]


async def test_chat_with_unset_env_key_is_an_error_even_when_logged_in() -> None:
    info = provider(wire_api="chat", env_key="K")
    with respx.mock(assert_all_called=False):
        _, error = await collect(client(info, credentials=StaticCredentials(API_KEY)))
    assert isinstance(error, MissingEnvVar)


# --------------------------------------------------------------------------
# URL
# --------------------------------------------------------------------------


async def test_query_params_are_encoded_into_the_url() -> None:
    request = await send_one({"query_params": {"api-version": "2025-04-01-preview", "x y": "a&b"}})
    assert str(request.url) == f"{RESPONSES_URL}?api-version=2025-04-01-preview&x%20y=a%26b"
    chat = await send_one({"wire_api": "chat", "query_params": {"v": "1"}})
    assert str(chat.url) == f"{CHAT_URL}?v=1"


async def test_trailing_slash_of_base_url_is_ignored() -> None:
    request = await send_one({"base_url": BASE_URL + "/"})
    assert str(request.url) == RESPONSES_URL


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (None, "https://api.openai.com/v1/responses"),
        (API_KEY, "https://api.openai.com/v1/responses"),
        (CHATGPT, "https://chatgpt.com/backend-api/codex/responses"),
    ],
)
async def test_default_base_url_depends_on_the_login(
    credentials: Credentials | None, expected: str
) -> None:
    info = provider(base_url=None)
    with respx.mock() as router:
        route = router.post(expected).mock(return_value=ok_response())
        source = StaticCredentials(credentials) if credentials else None
        _, error = await collect(client(info, credentials=source))
    assert error is None and route.called


# --------------------------------------------------------------------------
# Body
# --------------------------------------------------------------------------


async def test_responses_body_keys_in_order() -> None:
    request = await send_one(tools=[{"type": "function", "name": "t"}])
    body = json.loads(request.content)
    assert list(body) == [
        "model",
        "instructions",
        "input",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "store",
        "stream",
        "include",
        "prompt_cache_key",
    ]
    assert body["model"] == "test-model"
    assert body["instructions"] == "Be helpful."
    assert body["input"] == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ]
    assert body["tools"] == [{"type": "function", "name": "t"}]
    assert (body["tool_choice"], body["parallel_tool_calls"], body["reasoning"]) == (
        "auto",
        False,
        None,
    )
    assert (body["store"], body["stream"], body["include"]) == (False, True, [])
    assert body["prompt_cache_key"] == "conv-1"
    # Compact UTF-8 JSON, as the reference sends it.
    assert b", " not in request.content and b'": ' not in request.content


async def test_non_ascii_is_sent_as_utf8() -> None:
    request = await send_one(input=[user_message("caf\u00e9 \u2603")])
    assert "caf\u00e9 \u2603".encode() in request.content


def test_reasoning_include_and_text_controls() -> None:
    body = responses_body(
        prompt(
            reasoning=Reasoning(ReasoningEffort.HIGH, ReasoningSummary.NONE),
            verbosity=Verbosity.LOW,
        ),
        "conv-1",
    )
    assert body["reasoning"] == {"effort": "high", "summary": "none"}
    assert body["include"] == ["reasoning.encrypted_content"]
    assert list(body)[-1] == "text"
    assert body["text"] == {"verbosity": "low"}
    summary_only = responses_body(prompt(reasoning=Reasoning(summary=ReasoningSummary.AUTO)), "c")
    assert summary_only["reasoning"] == {"summary": "auto"}
    assert "text" not in summary_only
    schema = {"type": "object"}
    structured = responses_body(prompt(output_schema=schema), "c")
    assert structured["text"] == {
        "format": {
            "type": "json_schema",
            "strict": True,
            "schema": schema,
            "name": "codex_output_schema",
        }
    }


def test_azure_keeps_items_and_their_ids() -> None:
    items: list[ResponseItem] = [
        user_message("hi"),
        ResponseItemMessage(
            id="msg_1", role="assistant", content=[ContentItemOutputText(text="hello")]
        ),
        ResponseItemFunctionCall(id="fc_1", name="f", arguments="{}", call_id="call_1"),
        ResponseItemFunctionCallOutput(
            call_id="call_1", output=FunctionCallOutputPayload(body="ok")
        ),
    ]
    body = responses_body(prompt(*items), "c", azure=True)
    assert body["store"] is True
    assert [item.get("id") for item in body["input"]] == [None, "msg_1", "fc_1", None]
    assert list(body["input"][1])[-1] == "id"
    assert "id" not in json.dumps(responses_body(prompt(*items), "c")["input"][1])


async def test_azure_is_recognised_by_name_or_host() -> None:
    request = await send_one({"name": "Azure"})
    assert json.loads(request.content)["store"] is True
    info = provider(base_url="https://x.openai.azure.com/openai")
    with respx.mock() as router:
        route = router.post(url__startswith="https://x.openai.azure.com").mock(
            return_value=ok_response()
        )
        await collect(client(info))
    assert json.loads(route.calls.last.request.content)["store"] is True


async def test_chat_body() -> None:
    tools = [
        {
            "type": "function",
            "name": "shell",
            "description": "Runs a command.",
            "strict": False,
            "parameters": {"type": "object"},
        },
        {"type": "custom", "name": "apply_patch", "format": {}},
        {"type": "local_shell"},
    ]
    request = await send_one({"wire_api": "chat"}, tools=tools)
    body = json.loads(request.content)
    assert list(body) == ["model", "messages", "stream", "tools"]
    assert body["messages"] == [
        {"role": "system", "content": "Be helpful."},
        {"role": "user", "content": "hi"},
    ]
    assert body["stream"] is True
    # Only function tools; "type" moves out, the last key takes its place.
    assert json.dumps(body["tools"]) == json.dumps(
        [
            {
                "type": "function",
                "function": {
                    "parameters": {"type": "object"},
                    "name": "shell",
                    "description": "Runs a command.",
                    "strict": False,
                },
            }
        ]
    )


async def test_chat_with_output_schema_is_refused() -> None:
    with pytest.raises(UnsupportedOperation):
        chat_body(prompt(output_schema={"type": "object"}))
    with respx.mock(assert_all_called=False):
        _, error = await collect(
            client(provider(wire_api="chat")), prompt(output_schema={"type": "object"})
        )
    assert isinstance(error, UnsupportedOperation)
    assert str(error) == (
        "unsupported operation: output_schema is not supported for Chat Completions API"
    )


# --------------------------------------------------------------------------
# History as chat messages
# --------------------------------------------------------------------------


def assistant(text: str) -> ResponseItemMessage:
    return ResponseItemMessage(role="assistant", content=[ContentItemOutputText(text=text)])


def reasoning(text: str) -> ResponseItemReasoning:
    return ResponseItemReasoning(summary=[], content=[ReasoningItemContentReasoningText(text=text)])


def test_chat_messages_for_every_item_kind() -> None:
    items: list[ResponseItem] = [
        ResponseItemMessage(
            role="user",
            content=[
                ContentItemInputText(text="look "),
                ContentItemInputImage(image_url="data:image/png;base64,AAAA"),
                ContentItemInputText(text="here"),
            ],
        ),
        assistant("Sure."),
        ResponseItemFunctionCall(name="shell", arguments='{"command":["ls"]}', call_id="c1"),
        ResponseItemFunctionCallOutput(
            call_id="c1", output=FunctionCallOutputPayload(body="a.txt", success=True)
        ),
        ResponseItemLocalShellCall(
            id="ls_1",
            call_id="c2",
            status=LocalShellStatus.COMPLETED,
            action=LocalShellExecAction(command=["pwd"]),
        ),
        ResponseItemCustomToolCall(id="ct_1", call_id="c3", name="apply_patch", input="*** Begin"),
        ResponseItemCustomToolCallOutput(call_id="c3", output="Done!"),
        ResponseItemWebSearchCall(action=WebSearchActionSearch(query="x")),
        ResponseItemReasoning(summary=[]),
        user_message("thanks"),
    ]
    assert chat_messages("sys", items) == [
        {"role": "system", "content": "sys"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look "},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "here"},
            ],
        },
        {"role": "assistant", "content": "Sure."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "shell", "arguments": '{"command":["ls"]}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a.txt"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "ls_1",
                    "type": "local_shell_call",
                    "status": "completed",
                    "action": {
                        "type": "exec",
                        "command": ["pwd"],
                        "timeout_ms": None,
                        "working_directory": None,
                        "env": None,
                        "user": None,
                    },
                }
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "ct_1",
                    "type": "custom",
                    "custom": {"name": "apply_patch", "input": "*** Begin"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c3", "content": "Done!"},
        {"role": "user", "content": "thanks"},
    ]


def test_chat_skips_a_repeated_assistant_message() -> None:
    messages = chat_messages(
        "s", [user_message("a"), assistant("x"), assistant("x"), assistant("y")]
    )
    assert [m["content"] for m in messages[2:]] == ["x", "y"]


def test_chat_reasoning_goes_with_the_assistant_message_next_to_it() -> None:
    call = ResponseItemFunctionCall(name="f", arguments="{}", call_id="c")
    output = ResponseItemFunctionCallOutput(call_id="c", output=FunctionCallOutputPayload(body="r"))
    items: list[ResponseItem] = [
        user_message("old"),
        reasoning("ignored: before the last user message"),
        assistant("old answer"),
        user_message("new"),
        reasoning("plan A"),
        call,
        output,
        assistant("answer"),
        reasoning(" and more"),
    ]
    messages = chat_messages("s", items)
    by_content = {json.dumps(m.get("content") or m.get("tool_calls")): m for m in messages}
    assert "reasoning" not in by_content['"old answer"']
    assert messages[4]["tool_calls"][0]["id"] == "c"
    assert messages[4]["reasoning"] == "plan A"
    assert list(messages[4]) == ["role", "content", "tool_calls", "reasoning"]
    assert by_content['"answer"']["reasoning"] == " and more"


def test_chat_reasoning_is_dropped_when_the_conversation_ends_with_the_user() -> None:
    items: list[ResponseItem] = [
        user_message("q"),
        reasoning("r"),
        assistant("a"),
        user_message("q2"),
    ]
    assert all("reasoning" not in m for m in chat_messages("s", items))


def test_chat_tools_keep_only_functions() -> None:
    assert chat_tools([{"type": "web_search"}, {"name": "x"}]) == []
    assert chat_tools([{"name": "f", "type": "function"}]) == [
        {"type": "function", "function": {"name": "f"}}
    ]


# --------------------------------------------------------------------------
# The reference's own requests
# --------------------------------------------------------------------------


def reference_example(name: str) -> dict[str, Any]:
    path = TRANSCRIPTS / name
    example: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return example


async def test_responses_request_matches_the_reference_example() -> None:
    example = reference_example("responses-request-example.json")
    body = example["body"]
    conversation_id = example["headers"]["conversation_id"]
    items = TypeAdapter(list[ResponseItem]).validate_python(body["input"])
    the_prompt = prompt(
        *items, model=body["model"], instructions=body["instructions"], tools=body["tools"]
    )
    ours = json.loads(json.dumps(responses_body(the_prompt, conversation_id)))
    assert json.dumps(ours) == json.dumps(body)

    request = await send_one(input=items)
    expected = [k for k in example["headers"] if k not in ("host", "content-length")]
    assert [name for name, _ in header_list(request)] == expected


async def test_chat_request_matches_the_reference_example() -> None:
    responses_example = reference_example("responses-request-example.json")["body"]
    body = reference_example("chat-request-example.json")["body"]
    items = TypeAdapter(list[ResponseItem]).validate_python(responses_example["input"])
    the_prompt = prompt(
        *items,
        model=body["model"],
        instructions=responses_example["instructions"],
        tools=responses_example["tools"],
    )
    assert json.dumps(chat_body(the_prompt)) == json.dumps(body)
