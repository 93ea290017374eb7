"""The image check: a size in pixels read from the header first, then a
decode and a new encoding without metadata.

The size is checked before anything is decoded. The image is then decoded
(a corrupt one is refused) and encoded again with the orientation applied
and no metadata: no EXIF, no GPS position, no XMP, no comment. A HEIC photo
becomes a JPEG, which every mailbox opens. Only the colour profile is kept.
The clean bytes are the verdict's ``data``: what the caller stores.
"""

import io
import warnings

from PIL import Image, ImageOps
from pillow_heif import options as heif_options
from pillow_heif import register_heif_opener

from .verdicts import BOMB, CORRUPT, TOO_MANY_PIXELS, verdict

# Only the decoder of the kind sniffed: no other parser gets the bytes.
PILLOW_FORMATS = {"jpeg": ["JPEG", "MPO"], "png": ["PNG"], "heic": ["HEIF"]}


def prepare_heif():
    """Let Pillow open HEIC (called by the check server, so its children
    start with it; not at import, which would change Pillow for the host)."""
    register_heif_opener()
    # One decoding thread: every thread's stack and malloc arena count in
    # the address-space limit, and a photo decodes fast enough on one.
    heif_options.DECODE_THREADS = 1


def clean_image(data, kind, max_pixels):
    """The verdict on an image's bytes; when accepted, ``data`` and ``kind``
    (``png`` or ``jpeg``) are the clean copy's."""
    if kind == "heic":
        prepare_heif()
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit; ours below is the one that counts.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS[kind])  # reads the header only
    except Image.DecompressionBombError:
        return verdict(BOMB, "decompression bomb")
    except MemoryError:
        raise
    except Exception as error:  # Pillow raises many kinds
        return verdict(CORRUPT, type(error).__name__)
    try:
        width, height = image.size
        if width * height > max_pixels:
            return verdict(TOO_MANY_PIXELS, f"{width}x{height} pixels", pixels=width * height)
        try:
            image.load()
            icc_profile = image.info.get("icc_profile")
            clean = ImageOps.exif_transpose(image)
        except MemoryError:
            raise
        except Exception as error:
            return verdict(CORRUPT, type(error).__name__)
        clean.info = {}
        out_kind = "png" if kind == "png" else "jpeg"
        buffer = io.BytesIO()
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if out_kind == "jpeg":
            if clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
            clean.save(buffer, "JPEG", quality=90, **options)
        else:
            clean.save(buffer, "PNG", **options)
    finally:
        image.close()
    return verdict(data=buffer.getvalue(), kind=out_kind)
