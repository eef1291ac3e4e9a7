"""Token providers for the token schemes, and an ``httpx`` auth that uses them.

* :class:`HuaweiAkSkToken`: Huawei API Fabric ``tokenByAkSk`` (auth.md 4.1), lifetime set by
  ``X-Token-Expire`` (at most 3600 s); used with ``Authorization: Bearer`` and ``X-APP-Key``.
* :class:`HL95OAuthToken`: 九五云客服 OAuth2 client credentials (auth.md 1.2), 2 h by default.

Tokens are cached and refreshed ``refresh_margin`` seconds before they expire. Under
concurrency exactly one caller refreshes while the others wait for its result (a lock for
threads, an ``asyncio.Lock`` for tasks), so a burst of requests never stampedes the token
endpoint.
"""

from __future__ import annotations

import asyncio
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["BearerAuth", "HL95OAuthToken", "HuaweiAkSkToken", "Token", "TokenError", "TokenProvider"]


class TokenError(Exception):
    """The token endpoint refused or answered something that is not a token; ``status`` is the
    HTTP status when the endpoint answered one >= 400 (a 5xx or 429 is worth retrying)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # on the provider's clock (monotonic by default)

    def __repr__(self) -> str:
        return f"Token(<hidden>, expires_at={self.expires_at:.0f})"


class TokenProvider(ABC):
    """A cached token, refreshed before expiry, one refresh at a time."""

    def __init__(self, *, refresh_margin: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()
        self._alock: asyncio.Lock | None = None
        self.refreshes = 0  # how many times the endpoint was called

    # subclasses: how to ask the endpoint, and how to read its answer
    @abstractmethod
    def _request(self) -> dict[str, Any]:
        """Keyword arguments for ``httpx.Client.request`` / ``AsyncClient.request``."""

    @abstractmethod
    def _parse(self, data: Any) -> tuple[str, float]:
        """(token, lifetime in seconds) from the decoded JSON answer."""

    #: extra headers sent with the bearer token
    def extra_headers(self) -> Mapping[str, str]:
        return {}

    def _fresh(self) -> Token | None:
        tok = self._token
        if tok is not None and self._clock() < tok.expires_at - self.refresh_margin:
            return tok
        return None

    def _accept(self, response: httpx.Response) -> Token:
        if response.status_code >= 400:
            raise TokenError(f"{type(self).__name__}: token endpoint answered HTTP {response.status_code}: {_excerpt(response)}",
                             status=response.status_code)
        try:
            data = response.json()
        except ValueError:
            raise TokenError(f"{type(self).__name__}: token endpoint answered non-JSON: {_excerpt(response)}") from None
        value, lifetime = self._parse(data)
        tok = Token(value, self._clock() + lifetime)
        self._token = tok
        self.refreshes += 1
        return tok

    def invalidate(self) -> None:
        """Forget the cached token (e.g. after a 401)."""
        self._token = None

    def get(self, client: httpx.Client | None = None) -> str:
        """The current token, fetching a new one when needed (thread-safe)."""
        tok = self._fresh()
        if tok:
            return tok.value
        with self._lock:
            tok = self._fresh()  # another thread may have refreshed while we waited
            if tok:
                return tok.value
            if client is None:
                with httpx.Client() as c:
                    return self._accept(c.request(**self._request())).value
            return self._accept(client.request(**self._request())).value

    async def aget(self, client: httpx.AsyncClient | None = None) -> str:
        """The current token, for asyncio (one refresh at a time per provider)."""
        tok = self._fresh()
        if tok:
            return tok.value
        if self._alock is None:
            self._alock = asyncio.Lock()
        async with self._alock:
            tok = self._fresh()
            if tok:
                return tok.value
            if client is None:
                async with httpx.AsyncClient() as c:
                    return self._accept(await c.request(**self._request())).value
            return self._accept(await client.request(**self._request())).value


def _excerpt(response: httpx.Response, limit: int = 200) -> str:
    text = response.text
    return text if len(text) <= limit else text[:limit] + "..."


class HuaweiAkSkToken(TokenProvider):
    """Huawei API Fabric ``POST /apigovernance/api/oauth/tokenByAkSk`` (seed 001:1181-1242)."""

    def __init__(self, base_url: str, app_key: str, app_secret: str, *, expire: int = 3600, **kw: Any) -> None:
        super().__init__(**kw)
        if not 1 <= expire <= 3600:
            raise ValueError("expire: X-Token-Expire must be 1..3600 seconds (seed 001:1206)")
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self._app_secret = app_secret
        self.expire = expire

    def __repr__(self) -> str:
        return f"HuaweiAkSkToken({self.base_url!r}, app_key={self.app_key!r}, app_secret=<hidden>)"

    def _request(self) -> dict[str, Any]:
        return {
            "method": "POST",
            "url": f"{self.base_url}/apigovernance/api/oauth/tokenByAkSk",
            "headers": {"X-Token-Expire": str(self.expire)},
            "json": {"app_key": self.app_key, "app_secret": self._app_secret},
        }

    def _parse(self, data: Any) -> tuple[str, float]:
        if not isinstance(data, dict) or not data.get("AccessToken"):
            raise TokenError(f"tokenByAkSk: no AccessToken in the answer (keys: {sorted(data) if isinstance(data, dict) else type(data).__name__})")
        try:
            lifetime = float(data.get("Expires", self.expire))
        except (TypeError, ValueError):
            lifetime = float(self.expire)
        return str(data["AccessToken"]), lifetime

    def extra_headers(self) -> Mapping[str, str]:
        # "用户标识, 与 tokenByAkSk接口请求参数中的app_key一致" (seed 001:16762); sent always
        return {"X-APP-Key": self.app_key}


class HL95OAuthToken(TokenProvider):
    """九五云客服 ``POST /oauth/token`` with client credentials (seed 000:218-289).

    ``grant_type`` is sent as ``client_credentials`` (the example's spelling; the table's
    ``client_credential`` is a typo, auth.md 1.2). ``scope`` is omitted unless given, which the
    seed says grants every scope.
    """

    def __init__(self, base_url: str, client_id: str, client_secret: str, *, scope: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope

    def __repr__(self) -> str:
        return f"HL95OAuthToken({self.base_url!r}, client_id={self.client_id!r}, client_secret=<hidden>)"

    def _request(self) -> dict[str, Any]:
        form = {"client_id": self.client_id, "client_secret": self._client_secret, "grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        return {"method": "POST", "url": f"{self.base_url}/oauth/token", "headers": {"Accept": "application/json"}, "data": form}

    def _parse(self, data: Any) -> tuple[str, float]:
        if not isinstance(data, dict) or "access_token" not in data:
            err = data.get("error_description") or data.get("error") if isinstance(data, dict) else None
            raise TokenError(f"hl95 /oauth/token: {err or 'no access_token in the answer'}")
        return str(data["access_token"]), float(data.get("expires_in", 7200))


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` from a :class:`TokenProvider`; on a 401 the token is
    dropped and the request is sent once more with a fresh one."""

    def __init__(self, provider: TokenProvider) -> None:
        self.provider = provider

    def __repr__(self) -> str:
        return f"BearerAuth({self.provider!r})"

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"
        for k, v in self.provider.extra_headers().items():
            request.headers[k] = v

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._apply(request, self.provider.get())
        response = yield request
        if response.status_code == 401:
            self.provider.invalidate()
            self._apply(request, self.provider.get())
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        self._apply(request, await self.provider.aget())
        response = yield request
        if response.status_code == 401:
            self.provider.invalidate()
            self._apply(request, await self.provider.aget())
            yield request
