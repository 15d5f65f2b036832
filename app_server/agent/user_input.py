"""A user turn's input, in the three shapes the turn needs: the message sent
to the model, the `UserMessage` turn item, and the `user_message` event.

Local images are read and sent as ``data:`` URLs; one that cannot be read is
left out (with a warning in the log), as the reference does.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app_server_protocol.events import UserMessageEvent
from app_server_protocol.items import (
    ByteRange,
    ContentItemInputImage,
    ContentItemInputText,
    InputItem,
    InputItemImage,
    InputItemLocalImage,
    InputItemText,
    ResponseItemMessage,
    TextElement,
    UserInput,
    UserInputImage,
    UserInputLocalImage,
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
    """The input with local images resolved: the parts in order, and the
    ``data:`` URL of each local image that could be read."""

    parts: tuple[UserInput, ...]
    image_urls: dict[str, str] = field(default_factory=dict)
    """``data:`` URLs of the local images, by their (absolute) path."""

    @classmethod
    def resolve(cls, items: Sequence[InputItem], cwd: Path) -> UserTurnInput:
        """Resolve local images (blocking: call it off the event loop)."""
        parts: list[UserInput] = []
        urls: dict[str, str] = {}
        for item in items:
            if isinstance(item, InputItemText):
                parts.append(
                    UserInputText(text=item.data.text, text_elements=item.data.text_elements)
                )
            elif isinstance(item, InputItemImage):
                parts.append(UserInputImage(image_url=item.data.image_url))
            elif isinstance(item, InputItemLocalImage):
                path = Path(item.data.path)
                if not path.is_absolute():
                    path = cwd / path
                try:
                    urls[str(path)] = image_data_url(path)
                except OSError as exc:
                    log.warning("image %s left out: %s", path, exc.strerror or exc)
                    continue
                parts.append(UserInputLocalImage(path=str(path)))
        return cls(tuple(parts), urls)

    def response_item(self) -> ResponseItemMessage:
        """The message as the model receives it."""
        content: list[ContentItemInputText | ContentItemInputImage] = []
        for part in self.parts:
            if isinstance(part, UserInputText):
                content.append(ContentItemInputText(text=part.text))
            elif isinstance(part, UserInputImage):
                content.append(ContentItemInputImage(image_url=part.image_url))
            elif isinstance(part, UserInputLocalImage):
                content.append(ContentItemInputImage(image_url=self.image_urls[part.path]))
        return ResponseItemMessage(role="user", content=list(content))

    def event(self) -> UserMessageEvent:
        """The ``user_message`` event: texts joined (their elements moved along),
        image URLs and local image paths listed."""
        message = ""
        elements: list[TextElement] = []
        for part in self.parts:
            if isinstance(part, UserInputText):
                offset = len(message.encode("utf-8"))
                elements.extend(_shifted(e, offset) for e in part.text_elements)
                message += part.text
        return UserMessageEvent(
            message=message,
            images=[p.image_url for p in self.parts if isinstance(p, UserInputImage)],
            local_images=[p.path for p in self.parts if isinstance(p, UserInputLocalImage)],
            text_elements=elements,
        )


def _shifted(element: TextElement, offset: int) -> TextElement:
    if offset == 0:
        return element
    span = element.byte_range
    moved = ByteRange(start=span.start + offset, end=span.end + offset)
    return element.model_copy(update={"byte_range": moved})
