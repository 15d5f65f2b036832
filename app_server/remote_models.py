"""The models the provider lists (``GET {base}/models?client_version=...``,
the OpenAI provider with a ChatGPT sign-in, as the reference asks it),
merged into ``model/list``.

A request never waits for the network: ``model/list`` answers with what is
cached (`models_cache.json` in `CODEX_HOME`, read once), and when that is
missing or older than `CACHE_TTL` a refresh starts in the background (one at
a time, at most one a minute) for the next listing. A failed refresh is
logged and changes nothing. Remote models come first, in the provider's
priority order; a preset the provider also lists is replaced by the
provider's entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app_server_protocol.v2.models import Model, ModelUpgradeInfo, ReasoningEffortOption
from app_server_protocol.v2.shared import InputModality, ReasoningEffort

from .fsutil import atomic_write
from .logs import log

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

CACHE_FILE: Final = "models_cache.json"
CACHE_TTL: Final = timedelta(minutes=5)
#: How long after a fetch (failed or not) the next one may start.
RETRY_AFTER_SECONDS: Final = 60.0
#: The Codex version whose models the provider is asked for.
CLIENT_VERSION: Final = "0.107.0"
FETCH_TIMEOUT_SECONDS: Final = 10.0
_PERSONALITY_PLACEHOLDER: Final = "{{ personality }}"
_PERSONALITY_VARIABLES: Final = (
    "personality_default",
    "personality_friendly",
    "personality_pragmatic",
)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class RemoteReasoningLevel(_Loose):
    effort: ReasoningEffort
    description: str = ""


class RemoteUpgrade(_Loose):
    model: str
    migration_markdown: str = ""


class RemoteModelMessages(_Loose):
    instructions_template: str | None = None
    instructions_variables: dict[str, str | None] | None = None


class RemoteModelInfo(_Loose):
    """A model as the provider's ``/models`` describes it (fields we use)."""

    slug: str
    display_name: str
    description: str | None = None
    default_reasoning_level: ReasoningEffort | None = None
    supported_reasoning_levels: list[RemoteReasoningLevel] = Field(default_factory=list)
    visibility: str = "list"
    priority: int = 0
    upgrade: RemoteUpgrade | None = None
    model_messages: RemoteModelMessages | None = None
    input_modalities: list[InputModality] = Field(
        default_factory=lambda: [InputModality.TEXT, InputModality.IMAGE]
    )

    @property
    def supports_personality(self) -> bool:
        messages = self.model_messages
        if messages is None or messages.instructions_template is None:
            return False
        variables = messages.instructions_variables or {}
        return _PERSONALITY_PLACEHOLDER in messages.instructions_template and all(
            variables.get(name) is not None for name in _PERSONALITY_VARIABLES
        )

    def listed(self) -> Model:
        upgrade = self.upgrade
        return Model(
            id=self.slug,
            model=self.slug,
            upgrade=upgrade.model if upgrade is not None else None,
            upgrade_info=ModelUpgradeInfo(
                model=upgrade.model, migration_markdown=upgrade.migration_markdown
            )
            if upgrade is not None
            else None,
            display_name=self.display_name,
            description=self.description or "",
            hidden=self.visibility != "list",
            supported_reasoning_efforts=[
                ReasoningEffortOption(reasoning_effort=level.effort, description=level.description)
                for level in self.supported_reasoning_levels
            ],
            default_reasoning_effort=self.default_reasoning_level or ReasoningEffort.NONE,
            input_modalities=list(self.input_modalities),
            supports_personality=self.supports_personality,
            is_default=False,
        )


class _ModelsPage(_Loose):
    models: list[RemoteModelInfo]


class _CacheFile(_Loose):
    fetched_at: datetime
    client_version: str
    models: list[RemoteModelInfo]


@dataclass(frozen=True)
class FetchSpec:
    """Where and how to ask the provider for its models."""

    url: str
    headers: dict[str, str]


def models_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/models?client_version={CLIENT_VERSION}"


def merge(remote: list[RemoteModelInfo], presets: list[Model]) -> list[Model]:
    """The provider's models (by priority) then the presets it does not list."""
    ordered = sorted(remote, key=lambda info: info.priority)
    slugs = {info.slug for info in ordered}
    return [info.listed() for info in ordered] + [p for p in presets if p.model not in slugs]


class RemoteModels:
    """The provider's models as last fetched, and their background refresh."""

    def __init__(self, codex_home: Path, task_group: TaskGroup) -> None:
        self._path = codex_home / CACHE_FILE
        self._task_group = task_group
        self._cache: _CacheFile | None = None
        self._read = False
        self._refreshing = False
        self._last_attempt: float | None = None

    async def current(self, fetch: FetchSpec | None) -> list[RemoteModelInfo]:
        """The cached models (none when there is no usable cache); when
        ``fetch`` is given and the cache is missing or stale, a refresh starts
        in the background."""
        if not self._read:
            self._cache = await anyio.to_thread.run_sync(self._load)
            self._read = True
        cache = self._cache
        if fetch is not None and self._may_refresh() and (cache is None or _stale(cache)):
            self._refreshing = True
            self._last_attempt = anyio.current_time()
            self._task_group.start_soon(self._refresh, fetch)
        return list(cache.models) if cache is not None else []

    def _may_refresh(self) -> bool:
        if self._refreshing:
            return False
        last = self._last_attempt
        return last is None or anyio.current_time() - last > RETRY_AFTER_SECONDS

    def _load(self) -> _CacheFile | None:
        try:
            cache = _CacheFile.model_validate_json(self._path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError, ValueError) as exc:
            log.warning("ignoring %s: %s", self._path, exc)
            return None
        return cache if cache.client_version == CLIENT_VERSION else None

    async def _refresh(self, fetch: FetchSpec) -> None:
        try:
            models = await _fetch(fetch)
            if models is None:
                return
            cache = _CacheFile(
                fetched_at=datetime.now(UTC), client_version=CLIENT_VERSION, models=models
            )
            self._cache = cache
            await anyio.to_thread.run_sync(self._save, cache)
        except Exception:  # a refresh must never take the daemon down
            log.exception("refreshing the provider's models failed")
        finally:
            self._refreshing = False

    def _save(self, cache: _CacheFile) -> None:
        try:
            atomic_write(self._path, cache.model_dump_json(indent=2).encode("utf-8"))
        except OSError as exc:
            log.warning("cannot write %s: %s", self._path, exc.strerror or exc)


def _stale(cache: _CacheFile) -> bool:
    fetched = cache.fetched_at
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=UTC)
    return datetime.now(UTC) - fetched > CACHE_TTL


async def _fetch(fetch: FetchSpec) -> list[RemoteModelInfo] | None:
    """The provider's models; None (logged) when it cannot tell."""
    import httpx

    from .model_client.transport import shared_client

    try:
        with anyio.fail_after(FETCH_TIMEOUT_SECONDS):
            response = await shared_client().get(
                fetch.url, headers=fetch.headers, timeout=FETCH_TIMEOUT_SECONDS
            )
    except (httpx.HTTPError, TimeoutError) as exc:
        log.warning("could not fetch the provider's models from %s: %s", fetch.url, exc)
        return None
    if not response.is_success:
        log.warning(
            "could not fetch the provider's models from %s: status %d",
            fetch.url,
            response.status_code,
        )
        return None
    try:
        page = _ModelsPage.model_validate(json.loads(response.content))
    except (ValueError, ValidationError) as exc:
        log.warning("the provider's model list from %s is not usable: %s", fetch.url, exc)
        return None
    return list(page.models)
