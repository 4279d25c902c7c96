"""Reachability checks with one-line answers that say what to do (`mgeflow check`)."""

from __future__ import annotations

from pydantic import ValidationError

from mge.client import MgeClient
from mge.errors import MgeError, MgeTransportError, MgeUnauthorized
from mge.settings import MgeSettings
from starter.errors import TemporalUnavailable


async def check_temporal() -> tuple[bool, str]:
    from starter.sdk import Mgeflow

    try:
        flow = await Mgeflow.connect()
        await flow.client.count_workflows()
    except TemporalUnavailable as error:
        return False, f"{error.message} ({error.hint})"
    config = flow.client.service_client.config
    return True, f"temporal: ok ({config.target_host}, namespace {flow.client.namespace})"


async def check_mge() -> tuple[bool, str]:
    try:
        settings = MgeSettings()
    except ValidationError:
        return False, "MGE_API_KEY is not set (the sandbox's key is sk_sandbox_test)"
    where = str(settings.base_url)
    try:
        async with MgeClient(settings) as mge:
            brands = await mge.list_brands()
    except MgeTransportError as error:
        return False, (
            f"cannot reach MGE at {where} ({error.message}); start the sandbox "
            "(`mgeflow sandbox`) or set MGE_BASE_URL"
        )
    except MgeUnauthorized:
        return False, f"MGE at {where} refused the key: check MGE_API_KEY"
    except MgeError as error:
        return False, f"MGE at {where} answered {error.status}: {error.message}"
    return True, f"mge: ok ({where}, brands {', '.join(str(b.brand_id) for b in brands)})"
