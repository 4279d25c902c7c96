"""`mgeflow cart|preview|order|journeys …`: every SDK operation from the command line.

Temporal comes from TEMPORAL_* settings and the task queue from MGEFLOW_TASK_QUEUE, as for the
worker. Output is readable by default and JSON with `--json`; every failure is one line on stderr
and a non-zero exit (2 for wrong input, 1 for everything else).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from starter.cli_output import finish, parse_duration, read_json, render, run
from starter.sdk import Mgeflow
from workflows.ids import Journey
from workflows.messages import Outcome, Stage

T = TypeVar("T")

cart_app = typer.Typer(no_args_is_help=True, help="Carts: draft-order journeys.")
preview_app = typer.Typer(no_args_is_help=True, help="Previews the shopper picks from.")
order_app = typer.Typer(no_args_is_help=True, help="Direct orders for a finished checkout.")
journeys_app = typer.Typer(no_args_is_help=True, help="Find and inspect journeys.")

Brand = Annotated[int, typer.Option("--brand", "-b", envvar="MGEFLOW_BRAND", help="MGE brand id")]
Ref = Annotated[
    str,
    typer.Option(
        "--reference", "-r", help="Your own cart/order reference (1-128 of A-z 0-9 . _ : -)"
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
File = Annotated[Path | None, typer.Option("--file", "-f", help="JSON file, or - for stdin.")]
Data = Annotated[str | None, typer.Option("--data", "-d", help="Inline JSON.")]
OPTION_COLUMNS = ("preview_option_id", "sku", "label", "unit_price", "currency")
JOURNEY_COLUMNS = ("workflow_id", "status", "stage", "draft_id", "order_id", "last_activity_at")


def register_journey_commands(app: typer.Typer) -> None:
    app.add_typer(cart_app, name="cart")
    app.add_typer(preview_app, name="preview")
    app.add_typer(order_app, name="order")
    app.add_typer(journeys_app, name="journeys")


def _do(
    action: Callable[[Mgeflow], Awaitable[T]],
    as_json: bool,
    *,
    waiting_for: str | None = None,
    columns: tuple[str, ...] | None = None,
    shape: Callable[[T], Any] = lambda result: result,
) -> None:
    async def call() -> T:
        return await action(await Mgeflow.connect())

    result = run(call(), waiting_for=waiting_for)
    finish(render(shape(result), as_json, columns))


# -- cart ------------------------------------------------------------------------------------------


@cart_app.command("open")
def cart_open(
    brand: Brand,
    reference: Ref,
    idle_timeout: Annotated[str | None, typer.Option(help="e.g. 24h; default 24h")] = None,
    as_json: AsJson = False,
) -> None:
    """Open a cart (or show it, if open): one idempotent call."""
    idle = parse_duration(idle_timeout)
    _do(lambda f: f.open_cart(brand, reference, idle_timeout=idle), as_json)


@cart_app.command("attach")
def cart_attach(
    brand: Brand,
    reference: Ref,
    image: Annotated[str, typer.Option(help="https:// URL or a path the worker can read")],
    line: Annotated[int | None, typer.Option(help="make it this line's image")] = None,
    as_json: AsJson = False,
) -> None:
    """Upload a photo to the cart's MGE draft (opens the cart if needed)."""
    _do(
        lambda f: f.attach_image(brand, reference, image, line=line),
        as_json,
        waiting_for="the upload",
    )


@cart_app.command("lines")
def cart_lines(
    brand: Brand, reference: Ref, file: File = None, data: Data = None, as_json: AsJson = False
) -> None:
    """Replace the cart's lines with a JSON list of line items."""
    lines = read_json(file, data, "the lines")
    if not isinstance(lines, list):
        finish("error: the lines must be a JSON list of line items", 2)
    _do(lambda f: f.set_lines(brand, reference, lines), as_json)


@cart_app.command("shipping")
def cart_shipping(
    brand: Brand, reference: Ref, file: File = None, data: Data = None, as_json: AsJson = False
) -> None:
    """Set the shipping address: JSON with name, email, phone, street, city, zip, country."""
    shipping = read_json(file, data, "the shipping address")
    _do(
        lambda f: f.set_shipping(brand, reference, shipping),
        as_json,
        shape=lambda s: {"stage": s.stage, "shipping_set": s.shipping_set},
    )


@cart_app.command("validate")
def cart_validate(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    """Ask MGE for the quote (frozen prices until ready_until)."""
    _do(lambda f: f.validate_cart(brand, reference), as_json)


@cart_app.command("submit")
def cart_submit(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    """Turn the cart into exactly one MGE order (again: the same order)."""
    _do(lambda f: f.submit_cart(brand, reference), as_json, waiting_for="MGE to take the order")


@cart_app.command("discard")
def cart_discard(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    """Discard the cart and its MGE draft."""
    _do(lambda f: f.discard_cart(brand, reference), as_json)


@cart_app.command("show")
def cart_show(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    """The cart as its journey sees it."""
    _do(lambda f: f.view_cart(brand, reference), as_json)


# -- preview ---------------------------------------------------------------------------------------


@preview_app.command("start")
def preview_start(
    brand: Brand,
    reference: Ref,
    photo: Annotated[str, typer.Option(help="https:// URL or a path the worker can read")],
    product: Annotated[list[str] | None, typer.Option(help="product code; repeat; DOT")] = None,
    size: Annotated[str, typer.Option(help="preferred size")] = "40X50",
    variant: Annotated[list[str] | None, typer.Option(help="variant; repeat; source")] = None,
    outcome: Annotated[
        Outcome, typer.Option(help="order: order on choice; draft: open a cart")
    ] = Outcome.ORDER,
    deadline: Annotated[str | None, typer.Option(help="time to choose, e.g. 72h")] = None,
    as_json: AsJson = False,
) -> None:
    """Upload the photo and wait for MGE's purchase options."""
    options: dict[str, Any] = {
        "products": product or ["DOT"],
        "preferred_size": size,
        "variants": variant or ["source"],
        "outcome": outcome,
    }
    if deadline is not None:
        options["selection_deadline"] = parse_duration(deadline)
    _do(
        lambda f: f.start_preview(brand, reference, photo, **options),
        as_json,
        waiting_for="MGE to generate the previews",
        columns=OPTION_COLUMNS,
        shape=_options_rows,
    )


@preview_app.command("options")
def preview_options(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    """The purchase options (waits while MGE is still generating)."""
    _do(
        lambda f: f.preview_options(brand, reference),
        as_json,
        waiting_for="MGE to generate the previews",
        columns=OPTION_COLUMNS,
        shape=_options_rows,
    )


@preview_app.command("choose")
def preview_choose(
    brand: Brand,
    reference: Ref,
    option: Annotated[str, typer.Option(help="preview_option_id of the row")],
    sku: Annotated[str, typer.Option(help="sku of the row's order_line")],
    shipping_file: File = None,
    shipping: Data = None,
    as_json: AsJson = False,
) -> None:
    """Choose a row: it becomes a direct order (give shipping) or a cart (outcome draft)."""
    address = (
        read_json(shipping_file, shipping, "the shipping address")
        if shipping_file or shipping
        else None
    )
    _do(
        lambda f: f.choose(brand, reference, preview_option_id=option, sku=sku, shipping=address),
        as_json,
        waiting_for="MGE to take the order",
    )


@preview_app.command("replace")
def preview_replace(
    brand: Brand, reference: Ref, photo: Annotated[str, typer.Option()], as_json: AsJson = False
) -> None:
    """Replace the photo: options are generated again and an earlier choice is dropped."""
    _do(lambda f: f.replace_photo(brand, reference, photo), as_json)


@preview_app.command("regenerate")
def preview_regenerate(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    """A fresh preview of the same photo (after MGE said an option expired)."""
    _do(lambda f: f.regenerate_preview(brand, reference), as_json)


@preview_app.command("show")
def preview_show(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    _do(lambda f: f.view_preview(brand, reference), as_json)


def _options_rows(options: list[Any]) -> list[dict[str, Any]]:
    return [{**row.model_dump(mode="json"), "sku": row.order_line.sku} for row in options]


# -- direct order ----------------------------------------------------------------------------------


@order_app.command("place")
def order_place(
    brand: Brand,
    reference: Ref,
    file: File = None,
    data: Data = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="validate with MGE, create nothing")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Place one order from JSON `{"lines": [...], "shipping": {...}}` (again: the same order)."""
    body = read_json(file, data, "the order")
    if not isinstance(body, dict) or set(body) - {"lines", "shipping"}:
        finish('error: the order must be a JSON object {"lines": [...], "shipping": {...}}', 2)
    _do(
        lambda f: f.place_order(
            brand,
            reference,
            lines=body.get("lines", []),
            shipping=body.get("shipping", {}),
            dry_run=dry_run,
        ),
        as_json,
        waiting_for="MGE to take the order",
    )


@order_app.command("show")
def order_show(brand: Brand, reference: Ref, as_json: AsJson = False) -> None:
    _do(lambda f: f.view_order(brand, reference), as_json)


# -- journeys --------------------------------------------------------------------------------------


@journeys_app.command("list")
def journeys_list(
    brand: Annotated[int | None, typer.Option("--brand", "-b")] = None,
    reference: Annotated[str | None, typer.Option("--reference", "-r")] = None,
    stage: Annotated[Stage | None, typer.Option(case_sensitive=False)] = None,
    kind: Annotated[Journey | None, typer.Option(help="draft, preview or order")] = None,
    running: Annotated[
        bool | None, typer.Option("--running/--closed", help="default: both")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: AsJson = False,
) -> None:
    """Journeys by brand, reference, stage and kind, newest first."""
    _do(
        lambda f: f.find_journeys(
            brand_id=brand,
            reference=reference,
            stage=stage,
            journey=kind,
            running=running,
            limit=limit,
        ),
        as_json,
        columns=JOURNEY_COLUMNS,
    )


@journeys_app.command("show")
def journeys_show(
    workflow_id: Annotated[str, typer.Argument(help="e.g. draft/116/cart-42")],
    as_json: AsJson = False,
) -> None:
    """One journey: what visibility knows and what the journey says of itself."""
    _do(lambda f: f.describe(workflow_id), as_json)
