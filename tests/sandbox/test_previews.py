"""Preview generation timeline, outcomes, purchase options, expiry and photo replacement."""

from __future__ import annotations

import time

import httpx

from tests.sandbox.partner import (
    create_preview,
    order_body,
    photo,
    ready_purchase_options,
    wait_for_preview,
)
from tests.support.sandbox import SandboxProcess

EXPIRED = "preview_option_id has expired; create a fresh preview before ordering."


def test_generation_goes_pending_processing_completed(
    sandbox: SandboxProcess, api: httpx.Client
) -> None:
    sandbox.patch_config(preview_delay_seconds=1.0)
    started = time.monotonic()
    created = create_preview(api, products=("DOT", "DBN"), variants={"DOT": ["source", "drama"]})
    assert created.status_code == 201
    preview = created.json()
    assert preview["status"] == "PENDING" and preview["options"] == []
    assert preview["products"] == ["DOT", "DBN"] and preview["preferred_size"] == "40X50"
    pending_409 = api.get(f"preview/{preview['id']}/purchase-options/")
    assert pending_409.status_code == 409
    assert pending_409.json() == {"detail": "Preview is not ready."}

    time.sleep(max(0.0, started + 0.6 - time.monotonic()))
    assert api.get(f"preview/{preview['id']}/").json()["status"] == "PROCESSING"

    done = wait_for_preview(api, preview["id"])
    assert done["status"] == "COMPLETED" and done["failure_reason"] is None
    assert [(o["product"], o["variant"], o["status"]) for o in done["options"]] == [
        ("DOT", "source", "COMPLETED"),
        ("DOT", "drama", "COMPLETED"),
        ("DBN", "source", "COMPLETED"),
    ]
    # Option ids are generated once and then stable.
    again = api.get(f"preview/{preview['id']}/").json()
    assert [o["preview_option_id"] for o in again["options"]] == [
        o["preview_option_id"] for o in done["options"]
    ]


def test_purchase_options_rows(api: httpx.Client) -> None:
    rows = ready_purchase_options(api, products=("DBN",), preferred_size="60X80")
    assert [row["frame"]["code"] for row in rows] == ["W", "WO"]
    row = rows[0]
    assert row["order_line"] == {
        "sku": "DBN/VF/60X80/COL50/SQRA/W/STD",
        "quantity": 1,
        "preview_option_id": row["preview_option_id"],
    }
    assert row["production_speed"]["code"] == "STD" and row["currency"] == "EUR"
    assert row["unit_price"] == "24.80" and row["label"] and row["description"]
    image = httpx.get(row["mockup_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert httpx.get(row["preview_url"]).status_code == 200


def test_failing_variant_makes_a_partial_preview(
    sandbox: SandboxProcess, api: httpx.Client
) -> None:
    sandbox.patch_config(failing_variants=["drama"])
    created = create_preview(api, variants={"DOT": ["source", "drama"]}).json()
    done = wait_for_preview(api, created["id"])
    assert done["status"] == "PARTIAL"
    assert {o["variant"]: o["status"] for o in done["options"]} == {
        "source": "COMPLETED",
        "drama": "FAILED",
    }
    rows = api.get(f"preview/{created['id']}/purchase-options/").json()
    assert rows["status"] == "PARTIAL"
    assert {row["variant"] for row in rows["results"]} == {"source"}
    failed_option = next(o for o in done["options"] if o["status"] == "FAILED")
    line = {"sku": rows["results"][0]["order_line"]["sku"], "quantity": 1}
    line["preview_option_id"] = failed_option["preview_option_id"]
    assert api.post("orders/", json=order_body(line)).status_code == 400


def test_all_variants_failing_fails_the_preview(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.patch_config(failing_variants=["source"])
    created = create_preview(api).json()
    assert wait_for_preview(api, created["id"])["status"] == "FAILED"


def test_undecodable_photo_fails_the_preview(api: httpx.Client) -> None:
    created = create_preview(api, image=b"this is not a photo")
    assert created.status_code == 201
    done = wait_for_preview(api, created.json()["id"])
    assert done["status"] == "FAILED"
    assert done["failure_reason"] == "The photo could not be decoded."
    response = api.get(f"preview/{done['id']}/purchase-options/")
    assert response.status_code == 409
    assert response.json() == {"detail": "Preview failed: The photo could not be decoded."}


def test_create_preview_field_errors(sandbox: SandboxProcess, api: httpx.Client) -> None:
    response = create_preview(api, products=("XYZ",), variants=None)
    assert response.status_code == 400 and "products" in response.json()
    response = create_preview(api, variants={"DOT": ["glitter"]})
    assert "preview_options" in response.json()
    sandbox.patch_config(max_upload_bytes=100)
    response = create_preview(api)
    assert response.status_code == 400 and "image" in response.json()
    missing = api.post("preview/", data={"brand_id": "116", "products": ["DOT"]})
    assert missing.status_code == 400 and missing.json() == {"image": ["This field is required."]}


def test_options_expire(sandbox: SandboxProcess, api: httpx.Client) -> None:
    row = ready_purchase_options(api)[0]
    assert api.post("orders/validate/", json=order_body(row["order_line"])).status_code == 200
    sandbox.patch_config(option_ttl_seconds=0)
    response = api.post("orders/", json=order_body(row["order_line"]))
    assert response.status_code == 400
    assert response.json() == {"line_items": [{"preview_option_id": [EXPIRED]}]}


def test_replacing_the_photo_restarts_generation(api: httpx.Client) -> None:
    created = create_preview(api).json()
    first = wait_for_preview(api, created["id"])
    old_option = first["options"][0]["preview_option_id"]
    old_line = {
        "sku": "DOT/VF/40X50/W/BLACK/STD",
        "quantity": 1,
        "preview_option_id": old_option,
    }

    replaced = api.put(
        f"preview/{created['id']}/",
        files={"image": ("new.png", photo("PNG", (80, 60)), "image/png")},
    )
    assert replaced.status_code == 200
    assert replaced.json()["status"] == "PENDING" and replaced.json()["options"] == []
    assert api.get(f"preview/{created['id']}/purchase-options/").status_code == 409

    second = wait_for_preview(api, created["id"])
    assert second["status"] == "COMPLETED"
    assert second["options"][0]["preview_option_id"] != old_option
    stale = api.post("orders/", json=order_body(old_line))
    assert stale.json() == {"line_items": [{"preview_option_id": [EXPIRED]}]}
