"""Stand-in images behind the preview and mockup URLs that purchase options hand out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from sandbox.errors import NotFound
from sandbox.images import placeholder_png
from sandbox.state import SandboxState, get_state

router = APIRouter(prefix="/media", tags=["media"])
State = Annotated[SandboxState, Depends(get_state)]


@router.get("/previews/{option_id}.png")
async def preview_image(option_id: str, state: State) -> Response:
    if state.store.get_preview_option(option_id) is None:
        raise NotFound()
    return Response(placeholder_png(option_id), media_type="image/png")


@router.get("/mockups/{option_id}-{frame}.png")
async def mockup_image(option_id: str, frame: str, state: State) -> Response:
    if state.store.get_preview_option(option_id) is None:
        raise NotFound()
    return Response(placeholder_png(f"{option_id}-{frame}", 240, 300), media_type="image/png")
