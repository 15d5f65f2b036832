"""Credentials: `auth.json`, the `AuthManager` that holds them, and login restrictions."""

from .credentials import ChatGptTokens as ChatGptTokens
from .credentials import Credentials as Credentials
from .credentials import InvalidCredentials as InvalidCredentials
from .credentials import RefreshError as RefreshError
from .file_store import CredentialStore as CredentialStore
from .file_store import FileCredentialStore as FileCredentialStore
from .manager import AuthManager as AuthManager
from .manager import RequestAuth as RequestAuth
from .manager import TokenRefresher as TokenRefresher
from .restrictions import LoginRestrictions as LoginRestrictions
