"""``httpx`` auth objects that sign exactly the bytes httpx sends.

``httpx`` fills in ``Host``, ``Content-Length`` and ``Content-Type`` before auth runs, so the auth
flow signs those values as they will go on the wire (auth.md 4.2.4 rows 14 and 16: sign what you
send, send what you sign).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import httpx

from callcore.sign import SignError, auth_v2

__all__ = ["AuthV2"]

DEFAULT_SIGNED_HEADERS = ("host", "content-length", "content-type")


class AuthV2(httpx.Auth):
    """Huawei CEC auth-v2 for ``httpx.Client`` / ``httpx.AsyncClient``.

    Signs ``host``, ``content-length`` and ``content-type`` (those present), the path, the
    decoded query and the body, then sets ``Authorization``. The timestamp is taken per request,
    with milliseconds unless ``millis=False`` (CC-iKBS, seed 9.1.2).
    """

    requires_request_body = True

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        millis: bool = True,
        signed_headers: Sequence[str] = DEFAULT_SIGNED_HEADERS,
    ) -> None:
        self.access_key = access_key
        self._secret_key = secret_key
        self.millis = millis
        self.signed_headers = tuple(h.lower() for h in signed_headers)
        if "host" not in self.signed_headers:
            raise SignError("signed_headers: 'host' must be signed")

    def __repr__(self) -> str:
        return f"AuthV2(access_key={self.access_key!r}, secret_key=<hidden>, millis={self.millis})"

    def sign(self, request: httpx.Request) -> None:
        """Set the Authorization header of ``request`` in place."""
        headers = {name: request.headers[name] for name in self.signed_headers if name in request.headers}
        params = request.url.params
        query: dict[str, str] = {}
        for key in params.keys():
            values = params.get_list(key)
            if len(values) > 1:
                raise SignError(f"query: parameter {key!r} is repeated; auth-v2 signs a map of single values")
            query[key] = values[0]
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        request.headers["Authorization"] = auth_v2(
            request.method,
            path,
            headers=headers,
            access_key=self.access_key,
            secret_key=self._secret_key,
            body=request.content,
            query=query or None,
            millis=self.millis,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request
