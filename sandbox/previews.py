"""Preview generation as a pure function of time since the photo was (re)uploaded.

Nothing runs in the background: whoever reads a preview advances it. When the timeline has
passed `preview_delay_seconds`, the outcome is decided once and stored, so option ids stay
stable and a later config change cannot rewrite history.
"""

from __future__ import annotations

import uuid

from sandbox import catalogue
from sandbox.clock import to_iso
from sandbox.config import SandboxConfig
from sandbox.records import JsonObject, Photo, Preview, PreviewOption
from sandbox.store import Store

PENDING, PROCESSING = "PENDING", "PROCESSING"
COMPLETED, PARTIAL, FAILED = "COMPLETED", "PARTIAL", "FAILED"
READY_STATUSES = (COMPLETED, PARTIAL)
PURCHASE_FRAMES = ("W", "WO")
PURCHASE_PRODUCT_TYPE = "VF"
UNDECODABLE = "The photo could not be decoded."
ALL_VARIANTS_FAILED = "No preview variant could be generated."


def advance(preview: Preview, store: Store, config: SandboxConfig, now: float) -> None:
    """Decide the outcome once the generation delay has passed (and store it)."""
    if preview.status is not None or now - preview.uploaded_at < config.preview_delay_seconds:
        return
    generated_at = preview.uploaded_at + config.preview_delay_seconds
    options: list[PreviewOption] = []
    if preview.photo.decodable:
        options = [
            PreviewOption(
                id=str(uuid.uuid4()),
                preview_id=preview.id,
                brand_id=preview.brand_id,
                product=product,
                variant=variant,
                status=FAILED if variant in config.failing_variants else COMPLETED,
                generated_at=generated_at,
                skus=[
                    catalogue.build_sku(
                        product, PURCHASE_PRODUCT_TYPE, preview.preferred_size, frame
                    )
                    for frame in PURCHASE_FRAMES
                ],
            )
            for product in preview.products
            for variant in preview.variants[product]
        ]
    succeeded = sum(option.status == COMPLETED for option in options)
    if not preview.photo.decodable:
        preview.status, preview.failure_reason = FAILED, UNDECODABLE
    elif succeeded == 0:
        preview.status, preview.failure_reason = FAILED, ALL_VARIANTS_FAILED
    else:
        preview.status = COMPLETED if succeeded == len(options) else PARTIAL
    preview.generated_at = generated_at
    preview.updated_at = generated_at
    preview.option_ids = [option.id for option in options]
    with store.transaction():
        for option in options:
            store.save_preview_option(option)
        store.save_preview(preview)


def status_of(preview: Preview, config: SandboxConfig, now: float) -> str:
    if preview.status is not None:
        return preview.status
    elapsed = now - preview.uploaded_at
    return PENDING if elapsed < config.preview_delay_seconds / 2 else PROCESSING


def replace_photo(preview: Preview, photo: Photo, store: Store, now: float) -> None:
    """Restart generation; options of the old photo can no longer be ordered."""
    with store.transaction():
        for option in store.preview_options_of(preview):
            option.superseded = True
            store.save_preview_option(option)
        preview.photo = photo
        preview.uploaded_at = now
        preview.updated_at = now
        preview.generation += 1
        preview.status = None
        preview.failure_reason = None
        preview.generated_at = None
        preview.option_ids = []
        store.save_preview(preview)


def preview_url(base_url: str, option_id: str) -> str:
    return f"{base_url}media/previews/{option_id}.png"


def mockup_url(base_url: str, option_id: str, frame: str) -> str:
    return f"{base_url}media/mockups/{option_id}-{frame}.png"


def preview_json(
    preview: Preview,
    options: list[PreviewOption],
    config: SandboxConfig,
    now: float,
    base_url: str,
) -> JsonObject:
    return {
        "id": preview.id,
        "brand_id": preview.brand_id,
        "status": status_of(preview, config, now),
        "products": preview.products,
        "preferred_size": preview.preferred_size,
        "created_at": to_iso(preview.created_at),
        "updated_at": to_iso(preview.updated_at),
        "options": [
            {
                "preview_option_id": option.id,
                "product": option.product,
                "variant": option.variant,
                "status": option.status,
                "preview_url": (
                    preview_url(base_url, option.id) if option.status == COMPLETED else None
                ),
                "expires_at": to_iso(option.generated_at + config.option_ttl_seconds),
            }
            for option in options
        ],
        "failure_reason": preview.failure_reason,
    }


def purchase_rows(
    preview: Preview, options: list[PreviewOption], config: SandboxConfig, base_url: str
) -> list[JsonObject]:
    """One orderable row per successful option and frame, each with a copyable order_line."""
    rows: list[JsonObject] = []
    size = preview.preferred_size
    for option in options:
        if option.status != COMPLETED:
            continue
        product_name = catalogue.PRODUCTS[option.product].name
        for frame, sku in zip(PURCHASE_FRAMES, option.skus, strict=True):
            frame_label = catalogue.FRAME_LABELS[frame]
            price = catalogue.price_of(sku)
            assert price is not None
            rows.append(
                {
                    "preview_option_id": option.id,
                    "product": option.product,
                    "variant": option.variant,
                    "size": size,
                    "label": f"{product_name} {catalogue.size_display(size)}, "
                    f"{frame_label.lower()}",
                    "description": f"{catalogue.VARIANT_LABELS.get(option.variant, option.variant)}"
                    f" style, {catalogue.SPEED_LABEL.lower()}.",
                    "preview_url": preview_url(base_url, option.id),
                    "mockup_url": mockup_url(base_url, option.id, frame),
                    "frame": {"code": frame, "label": frame_label},
                    "production_speed": {"code": catalogue.SPEED, "label": catalogue.SPEED_LABEL},
                    "order_line": {"sku": sku, "quantity": 1, "preview_option_id": option.id},
                    "unit_price": catalogue.money(price),
                    "currency": catalogue.CURRENCY,
                    "expires_at": to_iso(option.generated_at + config.option_ttl_seconds),
                }
            )
    return rows
