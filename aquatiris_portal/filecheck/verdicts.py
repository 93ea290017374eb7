"""What a check answers: a plain dict, sent back from the child by pickle.

``code`` is None when the file is accepted; otherwise it says why it is not
(the caller turns it into the message people read). ``detail`` is for the
log only: names found, an error's class, never the file's content.
"""

OK = None
CORRUPT = "corrupt"  # does not open as what it claims to be
ENCRYPTED = "encrypted"  # a PDF with a password
POLYGLOT = "polyglot"  # a PDF that is also a web page
ACTIVE = "active"  # scripts, automatic actions, embedded files, macros
BOMB = "bomb"  # would unpack into far more than it weighs
TOO_MANY_PIXELS = "too_many_pixels"
TIMEOUT = "timeout"  # the check did not finish within the limit
MEMORY = "memory"  # the check needed more memory than the limit
FAILED = "failed"  # the child died without an answer (crash)

# The codes that mean "could not be checked", not "checked and refused".
UNCHECKED = frozenset({TIMEOUT, MEMORY, FAILED})


def verdict(code=OK, detail="", **values):
    return {"code": code, "detail": detail, **values}
