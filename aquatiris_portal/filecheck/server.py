"""The check server: ``python -m aquatiris_portal.filecheck.server SOCKET``.

Started once per parent process (``runner.py``), it imports the parsers,
listens on a Unix socket in a private folder and forks one child per
connection (a single-threaded process: forking it is safe, unlike forking
a threaded web server). It exits when its standard input closes, which
happens when the parent ends.
"""

import os
import select
import signal
import socket
import sys

from . import child, images


def main(path):
    images.prepare_heif()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    # Nothing more to say: a parser printing to stdout must not fill a pipe nobody reads.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    try:
        while True:
            readable, _, _ = select.select([listener, sys.stdin], [], [])
            if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
                return  # the parent is gone
            if listener in readable:
                conn, _address = listener.accept()
                if os.fork() == 0:
                    listener.close()
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    try:
                        child.serve(conn)
                    finally:
                        os._exit(0)
                conn.close()
    finally:
        listener.close()
        os.unlink(path)
        os.rmdir(os.path.dirname(path))


if __name__ == "__main__":
    main(sys.argv[1])
