"""The cleanup daemon of the ``file_system`` sharing strategy, and its client.

NOTE [ Named segment lifetime ]
A ``file_system`` segment is a file in ``/dev/shm``: its name outlives every process, so something must
unlink it when the last process using it lets go, also when processes are killed. That is this daemon:
one per process tree, started on first use (``python _shm_daemon.py SOCKET``, run as a script so that it
imports nothing of tocha), its
socket path handed to child processes through the ``TOCHA_SHM_MANAGER`` environment variable.

Each process keeps one connection to it and sends one line per event, waiting for the reply:

- ``hold NAME``: this process maps the segment (made it, or received it);
- ``release NAME``: it no longer does (the mapping was garbage-collected);
- ``give NAME``: a message carrying the segment is in flight, counted against the sender;
- ``take NAME PID``: the receiver now holds the segment, and the in-flight reference of sender PID ends.

The daemon counts references per connection. When a connection closes, because its process exited or
was killed, its holds go; its in-flight references wait ``ORPHAN_SECONDS`` more for a receiver (a worker
commonly puts a result and exits). A segment with no references left is unlinked, so nothing stays in
``/dev/shm`` once every process that used it is gone. The daemon exits when it has had nothing to track
for a while. Replies are awaited so that the daemon has seen a sender's ``hold``/``give`` before the
receiver can send ``take``.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import threading

ENV = "TOCHA_SHM_MANAGER"


class Client:
    """This process's connection to the daemon (made on first use, remade after a fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._pid = -1

    def send(self, *words: str) -> None:
        """Send one event and wait for the daemon's acknowledgement."""
        with self._lock:
            sock = self._connection()
            sock.sendall((" ".join(words) + "\n").encode())
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = sock.recv(16)
                if not chunk:
                    raise RuntimeError("tocha.multiprocessing: the shared-memory cleanup daemon went away")
                reply += chunk

    def close(self) -> None:
        """Close the connection (at exit); the daemon then drops this process's references."""
        with self._lock:
            if self._sock is not None and self._pid == os.getpid():
                self._sock.close()
            self._sock = None

    def _connection(self) -> socket.socket:
        if self._sock is not None and self._pid == os.getpid():
            return self._sock
        path = os.environ.get(ENV)
        if not path or not os.path.exists(path):
            path = _start_daemon()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            path = _start_daemon()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
        self._sock, self._pid = sock, os.getpid()
        atexit.register(self.close)
        sock.sendall(f"hello {os.getpid()}\n".encode())
        sock.recv(3)
        return sock


def _start_daemon() -> str:
    folder = tempfile.mkdtemp(prefix="tocha-shm-")
    path = os.path.join(folder, "manager.sock")
    process = subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(__file__), "_shm_daemon.py"), path],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    with process.stdout:
        ready = process.stdout.readline().strip() == b"ready"
    process.wait()  # the daemon forked itself away from this short-lived starter
    if not ready:
        raise RuntimeError("tocha.multiprocessing: could not start the shared-memory cleanup daemon")
    os.environ[ENV] = path
    return path


client = Client()
