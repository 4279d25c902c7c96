"""The `mgeflow` CLI end to end, in a subprocess, against the session's dev server and sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from tests.starter.cli_process import Result, mgeflow
from tests.support.sandbox import free_port
from tests.support.shop import BRAND, SHIPPING, SKU

SHIPPING_JSON = json.dumps(SHIPPING.model_dump())


@pytest.fixture
def env(client: Client, task_queue: str, sandbox: Any, worker: Worker) -> dict[str, str]:
    return {
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "MGEFLOW_TASK_QUEUE": task_queue,
        "MGE_BASE_URL": sandbox.api_url,
        "MGE_API_KEY": sandbox.api_key,
        "MGEFLOW_BRAND": str(BRAND),
    }


def one_error_line(result: Result) -> str:
    assert result.code != 0 and result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    return lines[0]


async def test_a_cart_from_the_command_line(
    env: dict[str, str], reference: str, jpeg: Path, tmp_path: Path, sandbox: Any
) -> None:
    cart = ("--reference", reference)
    opened = (await mgeflow("cart", "open", *cart, "--json", env=env)).json()
    assert opened["stage"] == "OPEN" and opened["draft_id"]
    image = (await mgeflow("cart", "attach", *cart, "--image", str(jpeg), "--json", env=env)).json()
    lines = json.dumps([{"sku": SKU, "asset_token": image["asset_token"]}])
    assert (await mgeflow("cart", "lines", *cart, "--data", lines, env=env)).code == 0
    (tmp_path / "shipping.json").write_text(SHIPPING_JSON)
    shipped = await mgeflow(
        "cart", "shipping", *cart, "--file", str(tmp_path / "shipping.json"), env=env
    )
    assert "shipping_set: True" in shipped.out
    quote = (await mgeflow("cart", "validate", *cart, "--json", env=env)).json()
    assert quote["total"]
    order = (await mgeflow("cart", "submit", *cart, "--json", env=env)).json()
    assert sandbox.audit()["orders_by_reference"][reference] == [order["order_id"]]

    shown = await mgeflow("cart", "show", *cart, env=env)
    assert "stage: SUBMITTED" in shown.out
    listed = await mgeflow("journeys", "list", "--reference", reference, env=env)
    assert f"draft/{BRAND}/{reference}" in listed.out and "WORKFLOW_ID" in listed.out
    detail = (
        await mgeflow("journeys", "show", f"draft/{BRAND}/{reference}", "--json", env=env)
    ).json()
    assert detail["view"]["order"]["order_id"] == order["order_id"]


async def test_preview_and_direct_order_from_the_command_line(
    env: dict[str, str], reference: str, jpeg: Path
) -> None:
    preview = ("--reference", reference)
    options = (
        await mgeflow("preview", "start", *preview, "--photo", str(jpeg), "--variant", "source",
                      "--variant", "drama", "--json", env=env)
    ).json()  # fmt: skip
    assert len(options) >= 2
    row = options[0]
    choice = await mgeflow(
        "preview", "choose", *preview, "--option", row["preview_option_id"],
        "--sku", row["order_line"]["sku"], "--data", SHIPPING_JSON, "--json", env=env,
    )  # fmt: skip
    assert choice.json()["order"]["order_id"]

    body = json.dumps({"lines": [options[1]["order_line"]], "shipping": SHIPPING.model_dump()})
    dry = await mgeflow("order", "place", "-r", f"{reference}-o", "--data", body, "--dry-run",
                        "--json", env=env)  # fmt: skip
    assert dry.json()["order"] is None and dry.json()["validation"]["total"]


async def test_errors_are_one_line_and_a_non_zero_exit(
    env: dict[str, str], reference: str, tmp_path: Path
) -> None:
    cart = ("--reference", reference)
    bad_json = one_error_line(await mgeflow("cart", "shipping", *cart, "--data", "{nope", env=env))
    assert "--data is not valid JSON" in bad_json and "line 1, column 2" in bad_json
    missing = await mgeflow("cart", "lines", *cart, "--file", str(tmp_path / "no.json"), env=env)
    assert "no such file" in one_error_line(missing) and missing.code == 2
    bad_ref = await mgeflow("cart", "open", "--reference", "has spaces", env=env)
    assert bad_ref.code == 2 and bad_ref.err.startswith("error: reference:")

    closed_port = str(free_port())
    no_temporal = {**env, "TEMPORAL_ADDRESS": f"127.0.0.1:{closed_port}"}
    unreachable = one_error_line(await mgeflow("cart", "show", *cart, env=no_temporal))
    assert f"cannot reach Temporal at 127.0.0.1:{closed_port}" in unreachable
    assert "mgeflow up" in unreachable

    no_mge = {**env, "MGE_BASE_URL": f"http://127.0.0.1:{closed_port}/api/v1/"}
    checked = await mgeflow("check", env=no_mge)
    assert checked.code == 1 and checked.out.startswith("temporal: ok")
    assert one_error_line(Result(1, "", checked.err)).startswith("error: cannot reach MGE")


async def test_mge_refusal_shows_mges_fields(env: dict[str, str], reference: str) -> None:
    lines = json.dumps(
        [{"sku": "DOT/VF/99X99/W/BLACK/STD", "asset_url": "https://x.example/p.jpg"}]
    )
    refused = await mgeflow("cart", "lines", "--reference", reference, "--data", lines, env=env)
    assert refused.code == 1 and refused.err.startswith("error: ")
    assert "  line_items[0].sku: " in refused.err
