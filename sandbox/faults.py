"""Injected faults (errors, throttling, latency, lost responses) and the /api/ request log.

`FaultMiddleware` is pure ASGI and wraps the whole application, outside Starlette's own error
middleware, because a lost response must reach uvicorn's connection to drop it.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.config import SandboxConfig
from sandbox.store import Store

FaultKind = Literal["error", "rate_limit", "latency", "lost_response"]

# Operators must always be able to reach these, whatever rules are active.
_EXEMPT_PREFIXES = ("/admin", "/docs", "/redoc", "/openapi.json")
_API_PREFIX = "/api/"


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    method: str | None = None
    path: str | None = Field(default=None, description="Regex, searched in the URL path.")
    probability: float = Field(default=1.0, ge=0, le=1)
    times: int | None = Field(default=None, ge=0, description="Firings left; null = unlimited.")
    status: int = Field(default=503, ge=400, le=599)
    retry_after: int = Field(default=1, ge=0)
    latency_ms: int = Field(default=0, ge=0)

    @field_validator("path")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None


def startup_rules(config: SandboxConfig) -> list[FaultRule]:
    """The faults `MGE_SANDBOX_*` asks for at startup, as rules on /api/ paths."""
    api = "^/api/"
    rules: list[FaultRule] = []
    if config.latency_ms > 0:
        rules.append(FaultRule(kind="latency", path=api, latency_ms=config.latency_ms))
    if config.error_rate > 0:
        rules.append(
            FaultRule(
                kind="error", path=api, probability=config.error_rate, status=config.error_status
            )
        )
    if config.rate_limit_rate > 0:
        rules.append(
            FaultRule(
                kind="rate_limit",
                path=api,
                probability=config.rate_limit_rate,
                retry_after=config.retry_after_seconds,
            )
        )
    if config.lost_response_rate > 0:
        rules.append(
            FaultRule(kind="lost_response", path=api, probability=config.lost_response_rate)
        )
    return rules


@dataclass
class Decision:
    """What the rules decided for one request: a delay, then at most one outcome-changing fault."""

    latency_ms: int = 0
    outcome: FaultRule | None = None

    @property
    def label(self) -> str | None:
        if self.outcome is not None:
            return self.outcome.kind
        return "latency" if self.latency_ms else None


class FaultBook:
    """The active rules; `times` counts down as rules fire."""

    def __init__(self, rules: list[FaultRule], chance: Callable[[], float] = random.random) -> None:
        self._lock = threading.Lock()
        self._rules = list(rules)
        self._chance = chance

    def replace(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = [rule.model_copy() for rule in rules]

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return [rule.model_copy() for rule in self._rules]

    def decide(self, method: str, path: str) -> Decision:
        decision = Decision()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.kind != "latency" and decision.outcome is not None:
                    continue
                if self._chance() >= rule.probability:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                if rule.kind == "latency":
                    decision.latency_ms += rule.latency_ms
                else:
                    decision.outcome = rule
        return decision


def _is_exempt(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in _EXEMPT_PREFIXES)


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: FaultBook, store: Store) -> None:
        self.app = app
        self.faults = faults
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        decision = self.faults.decide(method, path)
        # Only the API is logged: the audit is about what a client asked MGE to do.
        log_id = self.store.log_request(method, path) if path.startswith(_API_PREFIX) else None
        status: int | None = None

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if decision.latency_ms:
                await asyncio.sleep(decision.latency_ms / 1000)
            outcome = decision.outcome
            if outcome is None:
                await self.app(scope, receive, send_and_record)
            elif outcome.kind == "lost_response":
                try:
                    await self.app(scope, receive, _discard)
                finally:
                    await _drop_connection(send)
            else:
                await _answer_fault(outcome, send_and_record)
        finally:
            if log_id is not None:
                self.store.finish_request(log_id, status, decision.label)


async def _discard(_: Message) -> None:
    """Swallow the response of an operation whose answer is to be lost."""


async def _answer_fault(rule: FaultRule, send: Send) -> None:
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
    if rule.kind == "rate_limit":
        status = 429
        unit = "second" if rule.retry_after == 1 else "seconds"
        detail = f"Request was throttled. Expected available in {rule.retry_after} {unit}."
        headers.append((b"retry-after", str(rule.retry_after).encode()))
    else:
        status = rule.status
        detail = f"{_phrase(status)} (injected by the MGE sandbox)."
    body = json.dumps({"detail": detail}).encode()
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _drop_connection(send: Send) -> None:
    """Close the TCP connection without a response byte, after the operation committed.

    uvicorn passes its request cycle's bound `send`; the cycle holds the transport. Aborting it
    (not closing: no graceful FIN after a response) is what a client sees when a proxy or the
    network loses the answer.
    """
    cycle: Any = getattr(send, "__self__", None)
    transport: Any = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        # Not served by uvicorn (e.g. an in-process test transport): never answering is the
        # closest equivalent.
        await asyncio.Event().wait()
        return
    transport.abort()
    # connection_lost runs on the next loop iterations; once it has, uvicorn knows the client
    # is gone and will not try to write its own "no response" 500.
    for _ in range(100):
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)
