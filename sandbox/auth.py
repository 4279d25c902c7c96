"""Bearer-key authentication, answered the way DRF answers it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sandbox.catalogue import API_KEYS, ApiKey
from sandbox.errors import ApiError


def authenticate(request: Request) -> ApiKey:
    header = request.headers.get("authorization")
    if not header:
        raise ApiError(401, "Authentication credentials were not provided.", _challenge())
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Invalid token header. No credentials provided.", _challenge())
    key = API_KEYS.get(token.strip())
    if key is None:
        raise ApiError(401, "Invalid token.", _challenge())
    return key


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}


def require_scope(key: ApiKey, scope: str) -> None:
    if scope not in key.scopes:
        raise ApiError(403, f"This API key lacks the {scope} scope.")


Authenticated = Annotated[ApiKey, Depends(authenticate)]
