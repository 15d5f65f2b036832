"""How the TypeScript writer spells the protocol: direction-dependent fields,
tagged unions, the message unions, type overrides."""

from __future__ import annotations

import posixpath
import re
from functools import cache

import pytest

from app_server_protocol.export.typescript import HEADER, typescript_files


@cache
def files() -> dict[str, str]:
    return typescript_files()


def declaration(name: str) -> str:
    """The ``export type`` part of a type's file (header and imports left out)."""
    text = files()[f"{name}.ts"]
    start = text.index("export type ")
    return text[start:]


def has_field(text: str, field: str) -> bool:
    """Whether TypeScript text declares exactly this field (``key?: T``)."""
    pattern = rf"(^\s*|[{{;] ){re.escape(field)}(;$|; | \}})"
    return re.search(pattern, text, re.MULTILINE) is not None


def declares_field(name: str, field: str) -> bool:
    return has_field(declaration(name), field)


def test_every_file_says_it_is_generated() -> None:
    for name, text in files().items():
        assert text.startswith(HEADER), name
    assert "Do not edit" in HEADER


def test_each_folder_s_index_reexports_its_type_files() -> None:
    for folder, subfolders in (("", ["v2"]), ("v2/", [])):
        names = sorted(
            name.removeprefix(folder).removesuffix(".ts")
            for name in files()
            if name.startswith(folder)
            and "/" not in name.removeprefix(folder)
            and not name.endswith("index.ts")
        )
        index = files()[f"{folder}index.ts"]
        exported = re.findall(r'^export type \{ (\w+) \} from "\./(\w+)";$', index, re.MULTILINE)
        assert exported == [(name, name) for name in names]
        namespaces = re.findall(r'^export \* as (\w+) from "\./(\w+)";$', index, re.MULTILINE)
        assert namespaces == [(sub, sub) for sub in subfolders]


def test_v2_types_are_in_the_v2_folder_and_import_across_folders() -> None:
    assert "v2/SkillsListResponse.ts" in files()
    assert "SkillsListResponse.ts" not in files()
    assert declaration("v2/SkillsListResponse").startswith(
        "export type SkillsListResponse = never;"
    )


def test_each_file_declares_its_type_and_imports_what_it_uses() -> None:
    for file_name, text in files().items():
        if file_name.endswith("index.ts"):
            continue
        folder, _, name = file_name.removesuffix(".ts").rpartition("/")
        assert re.findall(r"^export type (\w+)", text, re.MULTILINE) == [name]
        imports = re.findall(r'^import type \{ (\w+) \} from "([./\w]+)";$', text, re.MULTILINE)
        imported = set()
        for ref, path in imports:
            target = posixpath.normpath(posixpath.join(folder or ".", path))
            assert f"{target}.ts" in files() and target.rpartition("/")[2] == ref, (file_name, path)
            imported.add(ref)
        body = re.sub(
            r"/\*\*.*?\*/", "", declaration(file_name.removesuffix(".ts")), flags=re.DOTALL
        )
        prefix = f"{folder}/" if folder else ""
        used = {
            ref
            for ref in re.findall(r"\b[A-Z]\w*\b", body)
            if f"{prefix}{ref}.ts" in files() or f"{ref}.ts" in files()
        }
        used.discard(name)
        assert used <= imported, file_name


def test_parameterless_methods_accept_absent_null_or_empty_params() -> None:
    union = declaration("ClientRequest")
    for method in ("getUserAgent", "userInfo", "logoutChatGpt", "account/logout"):
        member = re.search(rf'\{{\s*"method": "{re.escape(method)}";[^}}]*\}}', union)
        assert member is not None, method
        assert "params?: Record<string, never> | null" in member.group(0)
    assert "params?: Record<string, never> | null" in declaration("ClientNotification")


def test_methods_with_params_require_them() -> None:
    union = declaration("ClientRequest")
    assert '"method": "getAuthStatus"; id: RequestId; params: GetAuthStatusParams' in union
    assert '"method": "applyPatchApproval"' in declaration("ServerRequest")
    assert "params: SessionConfiguredNotification" in declaration("ServerNotification")


@pytest.mark.parametrize(
    ("name", "field"),
    [
        # defaults: the server accepts these absent
        ("AddConversationListenerParams", "experimentalRawEvents?: boolean"),
        ("ListConversationsParams", "pageSize?: number | null"),
        ("ResumeConversationParams", "overrides?: NewConversationParams | null"),
        ("ExecOneOffCommandParams", "timeoutMs?: bigint | null"),
        # no default: required
        ("SendUserTurnParams", "summary: ReasoningSummary"),
        ("ClientInfo", "name: string"),
    ],
)
def test_inbound_fields_with_a_default_are_optional(name: str, field: str) -> None:
    assert declares_field(name, field), declaration(name)


@pytest.mark.parametrize(
    ("name", "field"),
    [
        # skip_none(): left out when None, but declared as the reference does
        ("GetAuthStatusResponse", "authMethod: AuthMode | null"),
        ("NewConversationResponse", "reasoningEffort: ReasoningEffort | null"),
        ("ExecCommandApprovalParams", "reason: string | null"),
        # plain None fields are written as null
        ("TaskCompleteEvent", "last_agent_message: string | null"),
        # optional(): left out when None, never null
        ("Resource", "description?: string"),
        ("SandboxCommandAssessment", "risk_categories?: Array<SandboxRiskCategory>"),
        # a default is always written: required
        ("SessionConfiguredEvent", "history_entry_count: number"),
    ],
)
def test_outbound_fields_are_declared_as_written(name: str, field: str) -> None:
    assert declares_field(name, field), declaration(name)


def test_excluded_and_optional_response_item_fields() -> None:
    items = declaration("ResponseItem")
    message = items[items.index('"type": "message"') : items.index('"type": "reasoning"')]
    # exclude=True: declared as the model declares it
    assert has_field(message, "id: string | null")
    reasoning = items[
        items.index('"type": "reasoning"') : items.index('"type": "local_shell_call"')
    ]
    assert has_field(reasoning, "id?: string")  # excluded and optional
    # always written, null when absent (as the reference writes it)
    assert has_field(reasoning, "content: Array<ReasoningItemContent> | null")


def test_type_overrides() -> None:
    assert declares_field("ExecCommandEndEvent", "duration: string")
    assert declares_field("TaskStartedEvent", "model_context_window: bigint | null")
    assert "Duration.ts" not in files()


def test_event_variants_are_tag_and_named_type() -> None:
    events = declaration("EventMsg")
    assert '| { "type": "error" } & ErrorEvent\n' in events
    assert '| { "type": "plan_update" } & UpdatePlanArgs\n' in events
    assert '| { "type": "raw_response_item" } & ResponseItem\n' in events
    assert '| { "type": "shutdown_complete" }\n' in events  # an inline variant
    # the named type leaves its tag to the union
    assert declaration("ErrorEvent") == "export type ErrorEvent = { message: string };\n"
    assert '"type"' not in declaration("UpdatePlanArgs")
    assert declaration("AgentReasoningSectionBreakEvent").endswith("= Record<string, never>;\n")
    assert (
        declaration("LocalShellAction")
        == 'export type LocalShellAction = { "type": "exec" } & LocalShellExecAction;\n'
    )


def test_inline_and_externally_tagged_variants() -> None:
    assert '| { "mode": "danger-full-access" }\n' in declaration("SandboxPolicy")
    assert '| { "UserMessage": UserMessageItem }\n' in declaration("TurnItem")
    assert '| { "add": { content: string } }\n' in declaration("FileChange")
    assert declares_field(
        "McpToolCallEndEvent", 'result: { "Ok": CallToolResult } | { "Err": string }'
    )
    assert declaration("AgentMessageContent").endswith('= { "Text": { text: string } };\n')


def test_dicts_json_value_empty_models_and_aliases() -> None:
    assert declares_field(
        "ApplyPatchApprovalParams", "fileChanges: { [key in string]?: FileChange }"
    )
    assert "Array<JsonValue>" in declaration("JsonValue")
    assert "{ [key in string]?: JsonValue }" in declaration("JsonValue")
    assert declaration("JsonValue").rstrip().endswith("| null;")
    assert (
        declaration("LoginApiKeyResponse")
        == "export type LoginApiKeyResponse = Record<string, never>;\n"
    )
    assert declaration("ConversationId") == "export type ConversationId = string;\n"
    assert declaration("RequestId") == "export type RequestId = string | number;\n"
    assert declaration("v2/LoginAccountParams").startswith("export type LoginAccountParams =")


def test_docs_come_from_docstrings_and_descriptions() -> None:
    text = files()["GetAuthStatusResponse.ts"]
    assert "Whether the active model provider needs OpenAI credentials." in text
    assert "/**\n * An event of a conversation, tagged by `type`.\n */\n" in files()["EventMsg.ts"]
    assert (
        "Ask for everything except commands known to be read-only." in files()["AskForApproval.ts"]
    )
    assert "Sign out." in files()["ClientRequest.ts"]  # the method table's own docs
