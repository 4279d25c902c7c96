"""Injected faults: errors, throttling, latency, lost responses, startup faults."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.sandbox.partner import order_body
from tests.support.sandbox import SandboxProcess


def test_error_answers_before_the_operation(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.set_faults([{"kind": "error", "method": "POST", "path": "/orders/$", "status": 502}])
    response = api.post("orders/", json=order_body())
    assert response.status_code == 502 and "detail" in response.json()
    assert sandbox.audit()["orders"] == []
    assert api.get("account/brands/").status_code == 200  # other routes unaffected
    assert sandbox.audit()["requests"][0] == {
        "method": "POST",
        "path": "/api/v1/orders/",
        "status": 502,
        "fault": "error",
    }


def test_times_counts_firings(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.set_faults([{"kind": "error", "times": 2}])
    statuses = [api.get("account/brands/").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert sandbox.faults()[0]["times"] == 0


def test_rate_limit_sends_retry_after(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.set_faults([{"kind": "rate_limit", "path": "account/brands", "retry_after": 7}])
    response = api.get("account/brands/")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {"detail": "Request was throttled. Expected available in 7 seconds."}


def test_latency_delays_then_answers(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.set_faults([{"kind": "latency", "latency_ms": 400}])
    started = time.monotonic()
    assert api.get("account/brands/").status_code == 200
    assert time.monotonic() - started >= 0.4
    assert sandbox.audit()["requests"][-1]["fault"] == "latency"


def test_lost_response_commits_but_drops_the_connection(
    sandbox: SandboxProcess, api: httpx.Client
) -> None:
    sandbox.set_faults([{"kind": "lost_response", "method": "POST", "path": "/orders/$"}])
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("orders/", json=order_body(reference_id="lost-1"))
    audit = sandbox.audit()
    assert len(audit["orders_by_reference"]["lost-1"]) == 1
    assert audit["requests"][-1] == {
        "method": "POST",
        "path": "/api/v1/orders/",
        "status": None,
        "fault": "lost_response",
    }


def test_admin_is_never_faulted(sandbox: SandboxProcess) -> None:
    sandbox.set_faults([{"kind": "error"}, {"kind": "lost_response"}])
    assert sandbox.audit()["orders"] == []
    sandbox.clear_faults()
    assert sandbox.faults() == []


def test_reset_restores_startup_faults(tmp_path: Path) -> None:
    env = {"MGE_SANDBOX_ERROR_RATE": "1", "MGE_SANDBOX_ERROR_STATUS": "500"}
    with SandboxProcess(tmp_path / "faulty.sqlite3", env=env) as faulty:
        with faulty.client() as api:
            assert api.get("account/brands/").status_code == 500
            faulty.clear_faults()
            assert api.get("account/brands/").status_code == 200
            faulty.reset()
            assert api.get("account/brands/").status_code == 500
        assert faulty.faults()[0]["path"] == "^/api/"
