"""Image references are probed from their first bytes and refused before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from mge import ImageOpener, ImageRejected, ImageUnavailable, MgeSettings
from tests.mge.imagefiles import make_image, make_padded_jpeg
from tests.support.image_server import ImageServer


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
async def test_probe_formats_and_size(
    images: ImageOpener, tmp_path: Path, fmt: str, content_type: str
) -> None:
    path = make_image(tmp_path / f"p.{fmt.lower()}", fmt, (321, 123))
    probe = await images.probe(str(path))
    assert (probe.format, probe.width, probe.height) == (fmt, 321, 123)
    assert probe.content_type == content_type
    assert probe.size == path.stat().st_size


async def test_file_url_and_stream_every_byte(images: ImageOpener, jpeg: Path) -> None:
    async with images.open(jpeg.as_uri()) as image:
        data = b"".join([chunk async for chunk in image.chunks()])
    assert data == jpeg.read_bytes()


async def test_http_sources_with_and_without_length(
    images: ImageOpener, image_server: ImageServer
) -> None:
    path = make_padded_jpeg(image_server.root / "big.jpg", 3_000_000)
    for kind, size in (("f", path.stat().st_size), ("chunked", None)):
        async with images.open(f"{image_server.url}/{kind}/big.jpg") as image:
            assert image.probe.size == size
            assert (image.probe.width, image.probe.height) == (1200, 900)
            data = b"".join([chunk async for chunk in image.chunks()])
        assert data == path.read_bytes()


async def test_refuses_non_images_and_other_formats(images: ImageOpener, tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo at all\n" * 1000)
    with pytest.raises(ImageRejected, match="not an image"):
        await images.probe(str(text))
    gif = make_image(tmp_path / "anim.gif", "GIF")
    with pytest.raises(ImageRejected, match="GIF images are not accepted"):
        await images.probe(str(gif))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageRejected, match="empty"):
        await images.probe(str(empty))


async def test_refuses_too_large_before_reading(tmp_path: Path) -> None:
    path = make_padded_jpeg(tmp_path / "big.jpg", 2_000_000)
    opener = ImageOpener(max_bytes=1_000_000)
    with pytest.raises(ImageRejected, match=r"2\.0 MB; the limit is 1\.0 MB"):
        await opener.probe(str(path))
    await opener.aclose()


async def test_refuses_too_large_while_streaming_unknown_length(image_server: ImageServer) -> None:
    make_padded_jpeg(image_server.root / "big.jpg", 2_000_000)
    opener = ImageOpener(max_bytes=1_000_000)
    async with opener.open(f"{image_server.url}/chunked/big.jpg") as image:
        with pytest.raises(ImageRejected, match=r"larger than the 1\.0 MB limit"):
            async for _ in image.chunks():
                pass
    await opener.aclose()


async def test_refuses_too_small(tmp_path: Path) -> None:
    opener = ImageOpener(max_bytes=10_000_000, min_side=400)
    with pytest.raises(ImageRejected, match=r"too small \(20x20 pixels\)"):
        await opener.probe(str(make_image(tmp_path / "tiny.png", "PNG", (20, 20))))
    await opener.aclose()


async def test_unreadable_sources(images: ImageOpener, image_server: ImageServer) -> None:
    with pytest.raises(ImageUnavailable, match="does not exist") as missing:
        await images.probe("/nonexistent/photo.jpg")
    assert not missing.value.transient
    with pytest.raises(ImageUnavailable, match="HTTP 404") as gone:
        await images.probe(f"{image_server.url}/status/404")
    assert not gone.value.transient
    with pytest.raises(ImageUnavailable, match="HTTP 503") as down:
        await images.probe(f"{image_server.url}/status/503")
    assert down.value.transient
    with pytest.raises(ImageRejected, match="scheme `ftp`"):
        await images.probe("ftp://example.com/photo.jpg")


async def test_errors_never_repeat_the_reference(images: ImageOpener) -> None:
    secret_url = "/tmp/ada-lovelace-passport.jpg"
    with pytest.raises(ImageUnavailable) as caught:
        await images.probe(secret_url)
    assert "ada" not in str(caught.value)


async def test_production_workers_take_https_only(jpeg: Path, image_server: ImageServer) -> None:
    settings = MgeSettings(api_key="k", image_sources="https")
    opener = ImageOpener(max_bytes=10_000_000, sources=settings.allowed_image_sources)
    for reference in (str(jpeg), jpeg.as_uri(), f"{image_server.url}/f/photo.jpg"):
        with pytest.raises(ImageRejected, match="not accepted here: use https://"):
            await opener.probe(reference)
    await opener.aclose()
    with pytest.raises(ValueError, match="image_sources"):
        MgeSettings(api_key="k", image_sources="ftp")
