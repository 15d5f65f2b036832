"""The instructions a thread's model gets, and its personality.

A model may come with an instructions template holding a ``{{ personality }}``
placeholder and one text per personality (the model catalog's
``model_messages``, or the built-in ones of the models whose preset supports
personalities). With the `personality` feature on, a new thread's
instructions are that template filled with its personality (``none``: no
text). Instructions the client gives (``baseInstructions``) replace all of
this. When a later turn asks for another personality, the model is told with
one developer message, kept in the history (and the rollout), as the
reference does. Models without a template ignore personalities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

from app_server_protocol.items import ContentItemInputText, ResponseItemMessage

from ..model_presets import PRESETS
from .instructions import base_instructions, read_prompt
from .model_catalog import catalog_entry

if TYPE_CHECKING:
    from ..config.model import Config

PLACEHOLDER: Final = "{{ personality }}"
FEATURE: Final = "personality"
_VARIABLES: Final = {
    "friendly": "personality_friendly",
    "pragmatic": "personality_pragmatic",
}


@dataclass(frozen=True)
class ModelMessages:
    """A model's instructions template and its personality texts."""

    template: str
    variables: Mapping[str, str]

    def personality_text(self, personality: str | None) -> str:
        name = _VARIABLES.get(personality or "pragmatic")
        return "" if name is None else self.variables.get(name, "")

    def instructions(self, personality: str | None) -> str:
        return self.template.replace(PLACEHOLDER, self.personality_text(personality))


@cache
def _builtin_messages() -> ModelMessages:
    """Our instructions, with the personality after their first paragraph."""
    text = base_instructions()
    head, sep, rest = text.partition("\n\n")
    return ModelMessages(
        template=f"{head}{sep}{PLACEHOLDER}\n\n{rest}",
        variables={
            "personality_default": "",
            "personality_friendly": read_prompt("personality_friendly.md").strip(),
            "personality_pragmatic": read_prompt("personality_pragmatic.md").strip(),
        },
    )


_BUILTIN_PERSONALITY_MODELS: Final = frozenset(
    preset.model for preset in PRESETS if preset.personality
)


def _catalog_messages(entry: Mapping[str, object]) -> ModelMessages | None:
    messages = entry.get("model_messages")
    if not isinstance(messages, dict):
        return None
    template = messages.get("instructions_template")
    variables = messages.get("instructions_variables")
    if not isinstance(template, str) or PLACEHOLDER not in template:
        return None
    if not isinstance(variables, dict):
        return None
    texts = {key: value for key, value in variables.items() if isinstance(value, str)}
    if not all(name in texts for name in (*_VARIABLES.values(), "personality_default")):
        return None
    return ModelMessages(template=template, variables=texts)


def model_messages(config: Config, model: str) -> ModelMessages | None:
    """The model's template and personality texts; None: it has no personalities."""
    entry = catalog_entry(config, model)
    if entry is not None:
        return _catalog_messages(entry)
    if model in _BUILTIN_PERSONALITY_MODELS:
        return _builtin_messages()
    return None


def thread_instructions(config: Config, model: str, personality: str | None) -> str:
    """The instructions of a new thread (kept for its whole life)."""
    if config.base_instructions is not None:
        return config.base_instructions
    messages = model_messages(config, model)
    if messages is not None and FEATURE in config.features:
        return messages.instructions(personality)
    entry = catalog_entry(config, model)
    given = entry.get("base_instructions") if entry is not None else None
    if isinstance(given, str) and given:
        return given
    return base_instructions()


def personality_update(
    config: Config, model: str, previous: str | None, current: str | None
) -> ResponseItemMessage | None:
    """The developer message telling the model its personality changed from
    ``previous`` to ``current``; None when there is nothing to tell."""
    if current is None or current == previous or FEATURE not in config.features:
        return None
    if config.base_instructions is not None:
        return None
    messages = model_messages(config, model)
    text = messages.personality_text(current) if messages is not None else ""
    if not text:
        return None
    spec = (
        "<personality_spec> The user has requested a new communication style. "
        f"Future messages should adhere to the following personality: \n{text} </personality_spec>"
    )
    return developer_message(spec)


def developer_message(*texts: str) -> ResponseItemMessage:
    return ResponseItemMessage(
        role="developer", content=[ContentItemInputText(text=text) for text in texts]
    )
