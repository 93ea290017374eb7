"""Checks of untrusted files, run in a child process under hard limits.

Everything here parses bytes nobody vouches for (uploads, files of an
export): a PDF's pre-scan and objects, an image's decode and re-encode, a
DOCX's zip. ``runner.check_file`` runs one check in a process forked from
the check server (``server.py``, started once per process), with CPU-time
and address-space limits (``resource.setrlimit``) and a wall-clock timeout:
whatever its bytes, a file holds the caller no longer than the limit. The verdict is a plain dict (``verdicts.py``); the
messages people read are the caller's (``uploads``), in their language.

Nothing here needs Django or the portal's settings: the child imports only
this package, and the limits come as arguments.
"""
