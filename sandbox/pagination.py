"""DRF's PageNumberPagination: `{count, next, previous, results}` with absolute page links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request

from sandbox.errors import ApiError


def paginate(request: Request, items: Sequence[Any], page_size: int) -> dict[str, Any]:
    raw_page = request.query_params.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() else 0
    last_page = max(1, -(-len(items) // page_size))
    if not 1 <= page <= last_page:
        raise ApiError(404, "Invalid page.")
    start = (page - 1) * page_size
    return {
        "count": len(items),
        "next": _page_link(request, page + 1) if page < last_page else None,
        "previous": _page_link(request, page - 1) if page > 1 else None,
        "results": list(items[start : start + page_size]),
    }


def _page_link(request: Request, page: int) -> str:
    if page == 1:
        # DRF drops the parameter for the first page.
        return str(request.url.remove_query_params("page"))
    return str(request.url.include_query_params(page=page))
