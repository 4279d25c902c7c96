"""Reading JSON request bodies raw, so sandbox.validation can judge them with MGE's rules."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from sandbox.errors import ApiError

# Shown in /docs: routes read raw JSON, so FastAPI cannot derive a schema from a model.
JSON_OBJECT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        # DRF treats an empty body as empty data; field rules then report what is missing.
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"JSON parse error - {exc}") from exc
