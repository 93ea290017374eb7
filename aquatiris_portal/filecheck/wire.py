"""The bytes between the parent and a check's child: length-prefixed
frames, a JSON header then raw bytes. Never pickle: the child handles
hostile bytes, so the parent reads only JSON and bytes from it, and at
most a bounded size."""

import json
import struct

_LENGTH = struct.Struct(">Q")
MAX_HEADER = 64 * 1024


class Closed(Exception):
    """The other side closed before the frame was whole."""


def send_frame(sock, header, data=b""):
    body = json.dumps(header).encode()
    sock.sendall(_LENGTH.pack(len(body)) + body + _LENGTH.pack(len(data)))
    if data:
        sock.sendall(data)


def _exactly(sock, size):
    parts, left = [], size
    while left:
        part = sock.recv(min(left, 1 << 20))
        if not part:
            raise Closed
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def recv_frame(sock, max_data):
    """``(header, data)``; raises Closed, or ValueError beyond the sizes."""
    (size,) = _LENGTH.unpack(_exactly(sock, _LENGTH.size))
    if size > MAX_HEADER:
        raise ValueError("header too long")
    header = json.loads(_exactly(sock, size))
    (size,) = _LENGTH.unpack(_exactly(sock, _LENGTH.size))
    if size > max_data:
        raise ValueError("data too long")
    return header, _exactly(sock, size)
