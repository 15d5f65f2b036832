"""The v2 shapes (`ThreadItem`, `CommandAction`, ...) of what the agent
reports in its core shapes (turn items, parsed commands, file changes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import TypeAdapter

from app_server_protocol.exec_types import (
    FileChange,
    FileChangeAdd,
    FileChangeDelete,
    ParsedCommand,
    ParsedCommandListFiles,
    ParsedCommandRead,
    ParsedCommandSearch,
)
from app_server_protocol.items import (
    AgentMessageItem,
    ContextCompactionItem,
    PlanItem,
    ReasoningItem,
    TurnItem,
    UserMessageItem,
)
from app_server_protocol.items import UserInput as CoreUserInput
from app_server_protocol.v2.common import TextElement
from app_server_protocol.v2.items import (
    CommandAction,
    CommandActionListFiles,
    CommandActionRead,
    CommandActionSearch,
    CommandActionUnknown,
    FileUpdateChange,
    PatchChangeKindAdd,
    PatchChangeKindDelete,
    PatchChangeKindUpdate,
    ThreadItem,
    ThreadItemAgentMessage,
    ThreadItemContextCompaction,
    ThreadItemPlan,
    ThreadItemReasoning,
    ThreadItemUserMessage,
    ThreadItemWebSearch,
    UserInput,
    UserInputImage,
    UserInputLocalImage,
    UserInputText,
)

from ..tools.shell_syntax import join_words

_TEXT_ELEMENTS: TypeAdapter[list[TextElement]] = TypeAdapter(list[TextElement])


def _user_input(part: CoreUserInput) -> UserInput:
    data = part.model_dump(mode="json", by_alias=True)
    kind = data.get("type")
    if kind == "image":
        return UserInputImage(url=str(data.get("image_url", "")))
    if kind == "local_image":
        return UserInputLocalImage(path=str(data.get("path", "")))
    elements = _TEXT_ELEMENTS.validate_python(data.get("text_elements") or [])
    return UserInputText(text=str(data.get("text", "")), text_elements=elements)


def thread_item(item: TurnItem) -> ThreadItem:
    """The v2 item of a core turn item."""
    if isinstance(item, UserMessageItem):
        content = [_user_input(part) for part in item.content]
        return ThreadItemUserMessage(id=item.id, content=content)
    if isinstance(item, AgentMessageItem):
        text = "".join(part.text for part in item.content)
        return ThreadItemAgentMessage(id=item.id, text=text)
    if isinstance(item, ReasoningItem):
        return ThreadItemReasoning(
            id=item.id, summary=list(item.summary_text), content=list(item.raw_content)
        )
    if isinstance(item, PlanItem):
        return ThreadItemPlan(id=item.id, text=item.text)
    if isinstance(item, ContextCompactionItem):
        return ThreadItemContextCompaction(id=item.id)
    return ThreadItemWebSearch(id=item.id, query=item.query)


def command_text(command: Sequence[str]) -> str:
    """A command as one shell string, what v2 items and approvals show: the
    whole argv as run, shell words quoted as the reference quotes them
    (``/bin/bash -lc 'ls -la'``)."""
    return join_words(command)


def command_actions(parsed: Sequence[ParsedCommand]) -> list[CommandAction]:
    actions: list[CommandAction] = []
    for part in parsed:
        if isinstance(part, ParsedCommandRead):
            actions.append(CommandActionRead(command=part.cmd, name=part.name, path=part.path))
        elif isinstance(part, ParsedCommandListFiles):
            actions.append(CommandActionListFiles(command=part.cmd, path=part.path))
        elif isinstance(part, ParsedCommandSearch):
            actions.append(CommandActionSearch(command=part.cmd, query=part.query, path=part.path))
        else:
            actions.append(CommandActionUnknown(command=part.cmd))
    return actions


def file_changes(changes: Mapping[str, FileChange]) -> list[FileUpdateChange]:
    result: list[FileUpdateChange] = []
    for path, change in changes.items():
        if isinstance(change, FileChangeAdd):
            result.append(
                FileUpdateChange(path=path, kind=PatchChangeKindAdd(), diff=change.content)
            )
        elif isinstance(change, FileChangeDelete):
            result.append(
                FileUpdateChange(path=path, kind=PatchChangeKindDelete(), diff=change.content)
            )
        else:
            update = change
            result.append(
                FileUpdateChange(
                    path=path,
                    kind=PatchChangeKindUpdate(move_path=update.move_path),
                    diff=update.unified_diff,
                )
            )
    return result
