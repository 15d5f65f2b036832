"""Apps (connectors) as `app/list/updated` describes them (experimental)."""

from .._base import CamelModel


class AppReview(CamelModel):
    """The app's review status in the directory."""

    status: str


class AppScreenshot(CamelModel):
    """A screenshot of the app."""

    url: str | None = None
    file_id: str | None = None
    user_prompt: str


class AppMetadata(CamelModel):
    """The app's directory listing."""

    review: AppReview | None = None
    categories: list[str] | None = None
    sub_categories: list[str] | None = None
    seo_description: str | None = None
    screenshots: list[AppScreenshot] | None = None
    developer: str | None = None
    version: str | None = None
    version_id: str | None = None
    version_notes: str | None = None
    first_party_type: str | None = None
    first_party_requires_install: bool | None = None
    show_in_composer_when_unlinked: bool | None = None


class AppBranding(CamelModel):
    """Who makes the app, and their links."""

    category: str | None = None
    developer: str | None = None
    website: str | None = None
    privacy_policy: str | None = None
    terms_of_service: str | None = None
    is_discoverable_app: bool


class AppInfo(CamelModel):
    """An app the user may connect; `isEnabled` reflects `[apps.NAME] enabled` in `config.toml`."""

    id: str
    name: str
    description: str | None = None
    logo_url: str | None = None
    logo_url_dark: str | None = None
    distribution_channel: str | None = None
    branding: AppBranding | None = None
    app_metadata: AppMetadata | None = None
    labels: dict[str, str] | None = None
    install_url: str | None = None
    is_accessible: bool
    is_enabled: bool
