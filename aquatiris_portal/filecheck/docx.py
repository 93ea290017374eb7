"""The DOCX check: a zip that is a Word document, unpacks to a bounded
size, and holds no macros or ActiveX controls.

Sizes are read from the zip's directory before anything is unpacked, and
reads never go beyond them (``zipfile`` stops at the declared size and
checks the CRC), so a small zip cannot unpack into gigabytes. The two XML
parts every Word document has are parsed by expat in chunks, without a
DTD (no entity expansion) and to a bounded depth.
"""

import io
import zipfile
from xml.parsers import expat

from .verdicts import ACTIVE, BOMB, CORRUPT, verdict

MAX_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# Above this size a member may not unpack to more than MAX_RATIO times its
# packed size (text compresses 10 to 20 times; a bomb a thousand times).
RATIO_FROM_BYTES = 1024 * 1024
MAX_RATIO = 200
MAX_XML_DEPTH = 1_000
_CHUNK = 64 * 1024
REQUIRED = ("[Content_Types].xml", "word/document.xml")


class _Refused(Exception):
    pass


def _parse_xml(archive, name):
    """Parse one XML part; raises _Refused (a DTD, too deep) or expat.ExpatError."""
    parser = expat.ParserCreate()
    depth = [0]

    def start(_name, _attributes):
        depth[0] += 1
        if depth[0] > MAX_XML_DEPTH:
            raise _Refused(f"XML deeper than {MAX_XML_DEPTH}")

    def end(_name):
        depth[0] -= 1

    def doctype(*_args):
        raise _Refused("XML with a DTD")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    with archive.open(name) as member:
        for chunk in iter(lambda: member.read(_CHUNK), b""):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def check_docx(data):
    """The verdict on a DOCX's bytes (see verdicts.py)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as error:  # BadZipFile, struct, EOF, unsupported features...
        return verdict(CORRUPT, type(error).__name__)
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return verdict(BOMB, f"{len(members)} members")
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            return verdict(BOMB, f"unpacks beyond {MAX_UNPACKED_BYTES} bytes")
        for member in members:
            if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                return verdict(BOMB, f"a member packed {member.file_size // max(member.compress_size, 1)} times")
        names = {member.filename for member in members}
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            return verdict(CORRUPT, "not a Word document")
        active = sorted(
            name
            for name in names
            if name.lower().endswith("vbaproject.bin") or name.lower().startswith("word/activex/")
        )
        if active:
            return verdict(ACTIVE, "macros or ActiveX controls")
        try:
            for name in REQUIRED:
                _parse_xml(archive, name)
            with archive.open("[Content_Types].xml") as member:
                if b"macroEnabled" in member.read():
                    return verdict(ACTIVE, "macro-enabled content type")
        except _Refused as refused:
            return verdict(CORRUPT, str(refused))
        except MemoryError:
            raise
        except Exception as error:  # expat, zlib, CRC and zipfile errors
            return verdict(CORRUPT, type(error).__name__)
    return verdict()
