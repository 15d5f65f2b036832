"""A user turn's input, in the three shapes the turn needs: the message sent
to the model, the `UserMessage` turn item, and the `user_message` event.

Local images are read and sent as ``data:`` URLs; one that cannot be read is
left out (with a warning in the log), as the reference does.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app_server_protocol.events import UserMessageEvent
from app_server_protocol.items import (
    ContentItemInputImage,
    ContentItemInputText,
    InputItem,
    InputItemImage,
    InputItemLocalImage,
    InputItemText,
    ResponseItemMessage,
    UserInput,
    UserInputImage,
    UserInputText,
)

from ..logs import log


def image_data_url(path: Path) -> str:
    """The file as a ``data:`` URL (raises `OSError` when it cannot be read)."""
    data = path.read_bytes()
    mime = mimetypes.guess_type(path.name)[0] or "image"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class UserTurnInput:
    """The input with local images resolved: text parts and image URLs, in order."""

    parts: tuple[UserInput, ...]

    @classmethod
    def resolve(cls, items: Sequence[InputItem], cwd: Path) -> UserTurnInput:
        """Resolve local images (blocking: call it off the event loop)."""
        parts: list[UserInput] = []
        for item in items:
            if isinstance(item, InputItemText):
                parts.append(UserInputText(text=item.data.text))
            elif isinstance(item, InputItemImage):
                parts.append(UserInputImage(image_url=item.data.image_url))
            elif isinstance(item, InputItemLocalImage):
                path = Path(item.data.path)
                if not path.is_absolute():
                    path = cwd / path
                try:
                    parts.append(UserInputImage(image_url=image_data_url(path)))
                except OSError as exc:
                    log.warning("image %s left out: %s", path, exc.strerror or exc)
        return cls(tuple(parts))

    def response_item(self) -> ResponseItemMessage:
        """The message as the model receives it."""
        content: list[ContentItemInputText | ContentItemInputImage] = []
        for part in self.parts:
            if isinstance(part, UserInputText):
                content.append(ContentItemInputText(text=part.text))
            elif isinstance(part, UserInputImage):
                content.append(ContentItemInputImage(image_url=part.image_url))
        return ResponseItemMessage(role="user", content=list(content))

    def event(self) -> UserMessageEvent:
        """The ``user_message`` event: texts joined, image URLs listed."""
        return UserMessageEvent(
            message="".join(p.text for p in self.parts if isinstance(p, UserInputText)),
            images=[p.image_url for p in self.parts if isinstance(p, UserInputImage)],
        )
