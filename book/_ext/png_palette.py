"""Store the book's plots as 256-colour PNGs: about a third of the bytes, and no visible difference.

Matplotlib writes full-colour PNGs (RGBA), but a plot has few distinct colours: lines, markers, a
colour map and the shades anti-aliasing puts between them. Once the site is written, each picture in
``_images`` is reduced to a palette of 256 colours chosen for it (median cut, no dithering) and kept
in that form only when it is smaller and still faithful: a peak signal-to-noise ratio of at least
``MIN_PSNR_DB`` against the original (40 dB is the usual mark of "visually lossless"; the book's
figures come out between 40 and 50). Pictures with real transparency are left alone. A palette PNG is
recognised on the next build and skipped, so a rebuild only converts the pictures Sphinx copied anew.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from sphinx.util import logging

logger = logging.getLogger(__name__)

MIN_PSNR_DB = 38.0
COLOURS = 256


def psnr_db(original: np.ndarray, approximation: np.ndarray) -> float:
    """Peak signal-to-noise ratio of an 8-bit image and its approximation, in decibels.

    Parameters
    ----------
    original, approximation : ndarray of shape (H, W, 3)
        The two images, values 0-255.

    Returns
    -------
    float
        ``10 log10(255² / MSE)``; ``inf`` when the two are identical.

    Examples
    --------
    >>> a = np.zeros((2, 2, 3)); b = a.copy(); b[0, 0, 0] = 255
    >>> round(psnr_db(a, b), 2)
    10.79
    """
    if original.shape != approximation.shape:
        raise ValueError(f"psnr_db: expected two images of the same shape; got {original.shape} "
                         f"and {approximation.shape}")
    mse = np.mean((original.astype(np.float64) - approximation.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def to_palette(png: bytes) -> bytes | None:
    """The PNG re-encoded with a 256-colour palette, or ``None`` when that is not smaller or not faithful.

    Parameters
    ----------
    png : bytes
        A PNG file's content.

    Returns
    -------
    bytes or None
        The palette PNG; ``None`` for pictures already in a palette or grey scale, with transparency,
        below ``MIN_PSNR_DB`` once converted, or not smaller after conversion.
    """
    from PIL import Image  # a matplotlib dependency, so always installed with the course

    image = Image.open(io.BytesIO(png))
    if image.mode not in ("RGB", "RGBA"):
        return None
    if image.mode == "RGBA":
        if image.getchannel("A").getextrema() != (255, 255):
            return None  # really transparent somewhere: a palette would need an alpha table; keep it
        image = image.convert("RGB")
    palette = image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    if psnr_db(np.asarray(image), np.asarray(palette.convert("RGB"))) < MIN_PSNR_DB:
        return None
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else None


def _convert_images(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    images = Path(app.outdir) / "_images"
    before = after = 0
    for path in sorted(images.glob("*.png")):
        png = path.read_bytes()
        smaller = to_palette(png)
        if smaller is None:
            continue
        path.write_bytes(smaller)
        before, after = before + len(png), after + len(smaller)
    if before:
        logger.info(f"png_palette: {before / 1e6:.2f} MB of pictures stored in {after / 1e6:.2f} MB")


def setup(app):
    app.connect("build-finished", _convert_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
