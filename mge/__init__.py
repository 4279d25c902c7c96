"""The MGE edge: typed models, an async client, precise errors and streamed image sources.

Knows nothing of Temporal. See ../shared/mge-api.md for the contract it follows.
"""

from mge.client import MgeClient
from mge.images import ImageOpener, ImageRejected, ImageStream, ImageUnavailable, ProbedImage
from mge.settings import MgeSettings

__all__ = [
    "ImageOpener",
    "ImageRejected",
    "ImageStream",
    "ImageUnavailable",
    "MgeClient",
    "MgeSettings",
    "ProbedImage",
]
