"""The sandbox as an ASGI application."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from sandbox.api import admin, catalogue, drafts, media, orders, previews
from sandbox.config import SandboxConfig
from sandbox.errors import install_error_handlers
from sandbox.faults import FaultMiddleware
from sandbox.state import SandboxState

DESCRIPTION = """\
A faithful emulator of MGE's B2B order API for tests, demos and partner dry runs.

Authenticate with `Authorization: Bearer sk_sandbox_test` (brands 116 and 117) or
`sk_sandbox_noscope` (brand 116, without `mockup:create`). `/admin/*` resets state, changes
timings, injects faults and shows an audit of everything that happened.
"""


class SandboxAPI(FastAPI):
    """FastAPI with the fault middleware outside everything, even Starlette's error handling.

    A lost response has to reach uvicorn's own `send` (and through it the TCP transport);
    Starlette's outermost middleware would otherwise wrap that callable.
    """

    def __init__(self, sandbox: SandboxState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state.sandbox = sandbox

    def build_middleware_stack(self) -> ASGIApp:
        sandbox: SandboxState = self.state.sandbox
        return FaultMiddleware(super().build_middleware_stack(), sandbox.faults, sandbox.store)


def create_app(config: SandboxConfig) -> FastAPI:
    app = SandboxAPI(
        SandboxState(config),
        title="MGE sandbox",
        description=DESCRIPTION,
        version="1",
    )
    install_error_handlers(app)
    for module in (catalogue, previews, drafts, orders, admin, media):
        app.include_router(module.router)
    return app
