"""A fake OpenAI identity provider on loopback, for end-to-end login tests.

* ``GET /oauth/authorize`` checks the client id, the PKCE method and the
  redirect URI, then sends the browser back to ``redirect_uri`` with a fresh
  code and the same state (as the real page does once the user signs in);
* ``POST /oauth/token`` serves the authorization-code grant (the code
  verifier must match the challenge), the token-exchange grant (an API key,
  or 401 when `api_key` is None) and the refresh grant (JSON body), each
  answering fresh fake tokens.

Every request is recorded. Standard library only; it runs in threads.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.auth_helpers import id_token

CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    json_body: Any


@dataclass
class FakeOAuthServer:
    email: str = "e2e@example.com"
    account_id: str = "acct-e2e"
    api_key: str | None = None
    requests: list[Recorded] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    """Every secret handed out (tokens, API keys, codes): none may reach a log."""
    _codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> FakeOAuthServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _secret(self, kind: str) -> str:
        value = f"fake-{kind}-{next(self._counter):04d}-0123456789abcdef"
        self.issued.append(value)
        return value

    def new_tokens(self) -> dict[str, str]:
        token = id_token(email=self.email, plan="pro", account_id=self.account_id)
        self.issued.append(token)
        return {
            "id_token": token,
            "access_token": self._secret("access"),
            "refresh_token": self._secret("refresh"),
        }

    def grants(self) -> list[str]:
        return [
            r.form.get("grant_type") or r.json_body.get("grant_type") for r in self.token_calls()
        ]

    def token_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/oauth/token"]


def _handler(fake: FakeOAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(
            self, status: int, body: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query))
            with fake._lock:
                fake.requests.append(Recorded("GET", split.path, query, None))
            if split.path != "/oauth/authorize":
                self._reply(404, {"error": "not found"})
                return
            if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
                self._reply(400, {"error": "invalid_request"})
                return
            with fake._lock:
                code = fake._secret("code")
                fake._codes[code] = (query["code_challenge"], query["redirect_uri"])
            target = (
                query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            )
            self._reply(302, headers={"Location": target})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            is_json = self.headers.get("Content-Type", "").startswith("application/json")
            form = {} if is_json else dict(parse_qsl(raw.decode()))
            body = json.loads(raw) if is_json else None
            with fake._lock:
                fake.requests.append(Recorded("POST", self.path, form, body))
            if self.path != "/oauth/token":
                self._reply(404, {"error": "not found"})
                return
            grant = form.get("grant_type") or (body or {}).get("grant_type")
            with fake._lock:
                self._token(grant, form, body or {})

        def _token(self, grant: str | None, form: dict[str, str], body: dict[str, Any]) -> None:
            if grant == "authorization_code":
                found = fake._codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "").encode()
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest())
                if (
                    found is None
                    or found[0] != challenge.rstrip(b"=").decode()
                    or found[1] != form.get("redirect_uri")
                ):
                    self._reply(400, {"error": "invalid_grant"})
                    return
                self._reply(200, fake.new_tokens())
            elif grant == "urn:ietf:params:oauth:grant-type:token-exchange":
                if fake.api_key is None:
                    self._reply(401, {"error": "no organization"})
                else:
                    fake.issued.append(fake.api_key)
                    self._reply(200, {"access_token": fake.api_key})
            elif grant == "refresh_token" and body.get("client_id") == CLIENT_ID:
                self._reply(200, fake.new_tokens())
            else:
                self._reply(400, {"error": "unsupported_grant_type"})

    return Handler
