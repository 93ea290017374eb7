"""How long the worst file of each kind holds a worker: before (the former
in-process check, a copy of its code below) and after (the bounded child of
``aquatiris_portal.filecheck``), in the same run, on the same files.

    .venv/bin/python bench/file_checks.py            # every row (the before of 164 KiB takes ~20 s or more)
    .venv/bin/python bench/file_checks.py --quick    # no quadratic "before" beyond 56 KiB

Also the child's cost per file (fork, limits, pickling both ways): the same
small PDF and photo checked in-process and through the child, median of
--repeat runs. Prints a Markdown table (bench/RESULTS.md, "Bounded file
checks"). Needs no database and no Django settings.
"""

import argparse
import io
import os
import re
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from aquatiris_portal.filecheck import docx, images, pdf, pdf_scan  # noqa: E402
from aquatiris_portal.filecheck.runner import check_file  # noqa: E402

SECONDS = 10
MEMORY = 512 * 1024 * 1024
MAX_PIXELS = 40_000_000

# --- the former check (uploads.py before the bounded checks), in-process ---------

_OLD_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_OLD_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def old_check_pdf(data):
    plain = _OLD_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), _OLD_STREAM.sub(b" ", data))
    if pdf_scan.MARKUP.search(plain):
        return "polyglot"
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "encrypted"
        if len(reader.pages) < 1:
            raise ValueError("no page")
        active = pdf.pdf_active_content(reader)
    except (pdf.TooComplex, RecursionError):
        active = {"(too complex)"}
    except Exception:
        return "corrupt"
    return "active" if active | set(pdf_scan.RAW_ACTIVE.findall(plain)) else "accepted"


def old_check(kind, data):
    if kind == "pdf":
        return old_check_pdf(data)
    if kind == "docx":
        return "accepted (its first 8 KiB only)"  # the former sync read the kind from the head, nothing more
    return images.clean_image(data, kind, MAX_PIXELS)["code"] or "accepted"


# --- the worst files -----------------------------------------------------------------


def stream_tokens(size):
    return b"%PDF-1.4\n" + b"stream\n" * (size // 7)


def many_objects_pdf(count):
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }
    objects.update({number: b"[%d 0 R]" % (number + 1) for number in range(4, count)})
    parts, offsets, at = [b"%PDF-1.4\n"], {}, 9
    for number in sorted(objects):
        offsets[number] = at
        parts.append(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
        at += len(parts[-1])
    xref_at = at
    parts.append(
        b"xref\n0 %d\n0000000000 65535 f \n" % count
        + b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, count))
    )
    parts.append(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref_at))
    return b"".join(parts)


def image(size, kind, noise=False):
    picture = Image.effect_noise(size, 64).convert("RGB") if noise else Image.new("RGB", size, (90, 120, 60))
    buffer = io.BytesIO()
    picture.save(buffer, kind, **({"quality": 95} if kind == "JPEG" else {}))
    return buffer.getvalue()


def docx_with(name, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        parts = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", name: data}
        for part, body in parts.items():
            archive.writestr(part, body)
    return buffer.getvalue()


def plain_pdf():
    return many_objects_pdf(4)


def worst_files(quick):
    rows = [
        ("PDF: `stream\\n` repeated, 56 KiB", "pdf", stream_tokens(56 * 1024), True),
        ("PDF: `stream\\n` repeated, 164 KiB (the finding)", "pdf", stream_tokens(164 * 1024), not quick),
        ("PDF: `stream\\n` repeated, 1 MiB", "pdf", stream_tokens(1024 * 1024), False),
        ("PDF: `stream\\n` repeated, 10 MiB (the upload limit)", "pdf", stream_tokens(10 * 1024 * 1024), False),
        ("PDF: 150,000 objects (7.7 MB)", "pdf", many_objects_pdf(150_000), True),
        ("PDF: 199,000 objects (10 MB)", "pdf", many_objects_pdf(199_000), True),
        ("JPEG: 40 Mpx (the pixel limit)", "jpeg", image((8000, 5000), "JPEG"), True),
        ("PNG: 40 Mpx, one colour (80 KB: decode and PNG encode)", "png", image((8000, 5000), "PNG"), True),
        ("PNG: 1800 x 1800 of noise (~10 MB)", "png", image((1800, 1800), "PNG", noise=True), True),
        ("DOCX: 64 MiB of zeros packed 1000x", "docx", docx_with("word/media/a.bin", b"\0" * (64 << 20)), True),
        (
            "DOCX: XML 20,000 elements deep",
            "docx",
            docx_with("word/document.xml", b"<a>" * 20_000 + b"</a>" * 20_000),
            True,
        ),
    ]
    return rows


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}; limits: {SECONDS} s, {MEMORY >> 20} MiB")
    check_file("pdf", plain_pdf(), seconds=SECONDS, memory_bytes=MEMORY)  # the check server starts once
    print("\n| file | bytes | before: in-process (s) | before: verdict | after: child (s) | after: verdict | ratio |")
    print("|---|---:|---:|---|---:|---|---:|")
    for label, kind, data, run_old in worst_files(args.quick):
        if run_old:
            old_seconds, old_verdict = timed(lambda kind=kind, data=data: old_check(kind, data))
            old_text = f"{old_seconds:.2f}"
        else:
            old_seconds, old_verdict, old_text = None, "not run (quadratic)", "—"
        new_seconds, result = timed(
            lambda kind=kind, data=data: check_file(
                kind, data, seconds=SECONDS, memory_bytes=MEMORY, max_pixels=MAX_PIXELS
            )
        )
        verdict = result["code"] or "accepted"
        if result["detail"] and result["code"]:
            verdict += f" ({result['detail'][:40]})"
        ratio = f"{old_seconds / new_seconds:.1f}x" if old_seconds and kind != "docx" else "—"  # docx: no check before
        print(
            f"| {label} | {len(data):,} | {old_text} | {old_verdict} | {new_seconds:.2f} | {verdict} | {ratio} |",
            flush=True,
        )

    print(f"\nThe child's cost per file (median of {args.repeat}, ms): in-process check vs through the child")
    print("\n| file | in-process (ms) | child (ms) | child's cost (ms) |")
    print("|---|---:|---:|---:|")
    small_jpeg = image((1200, 900), "JPEG")
    for label, kind, data, local in [
        ("plain one-page PDF", "pdf", plain_pdf(), lambda data: pdf.check_pdf(data)),
        ("1200 x 900 JPEG photo", "jpeg", small_jpeg, lambda data: images.clean_image(data, "jpeg", MAX_PIXELS)),
        ("small DOCX", "docx", docx_with("word/styles.xml", b"<s/>"), lambda data: docx.check_docx(data)),
    ]:
        inside = (
            statistics.median(timed(lambda local=local, data=data: local(data))[0] for _ in range(args.repeat)) * 1000
        )
        child = (
            statistics.median(
                timed(
                    lambda kind=kind, data=data: check_file(
                        kind, data, seconds=SECONDS, memory_bytes=MEMORY, max_pixels=MAX_PIXELS
                    )
                )[0]
                for _ in range(args.repeat)
            )
            * 1000
        )
        print(f"| {label} | {inside:.1f} | {child:.1f} | {child - inside:.1f} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
