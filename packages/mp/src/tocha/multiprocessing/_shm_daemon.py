"""The cleanup daemon of the ``file_system`` sharing strategy: see NOTE [ Named segment lifetime ] in _shm_manager.

Run as a script (``python _shm_daemon.py SOCKET``) by :mod:`tocha.multiprocessing._shm_manager`; it imports
only the standard library, so it starts fast and never maps a tensor itself.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import sys
import tempfile
import time
from collections import defaultdict

IDLE_EXIT_SECONDS = 2.0
ORPHAN_SECONDS = 3.0  # how long a segment sent by a process that then died waits to be received


def _unlink(name: str) -> None:
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(folder, name))


class _Daemon:
    def __init__(self, path: str) -> None:
        self.path = path
        self.selector = selectors.DefaultSelector()
        self.holds: dict[socket.socket, defaultdict[str, int]] = {}  # per connection: segment -> count
        self.in_flight: dict[socket.socket, defaultdict[str, int]] = {}  # per sender connection
        self.orphans: dict[str, list[float]] = {}  # in flight from a process that died: expiry times
        self.pids: dict[int, socket.socket] = {}
        self.buffers: dict[socket.socket, bytes] = {}

    def run(self) -> None:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.path)
        server.listen(64)
        if os.fork() > 0:  # the starter waits for this first process only; the daemon lives on, detached
            sys.stdout.write("ready\n")
            sys.stdout.flush()
            os._exit(0)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1):
            os.dup2(devnull, fd)
        os.close(devnull)
        self.selector.register(server, selectors.EVENT_READ)
        idle_since = time.monotonic()
        while True:
            events = self.selector.select(timeout=0.25)
            for key, _ in events:
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is server:
                    conn, _ = server.accept()
                    self.holds[conn] = defaultdict(int)
                    self.in_flight[conn] = defaultdict(int)
                    self.buffers[conn] = b""
                    self.selector.register(conn, selectors.EVENT_READ)
                else:
                    self._read(sock)
            self._expire_orphans()
            if self.holds or self.orphans:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > IDLE_EXIT_SECONDS:
                break
        server.close()
        os.unlink(self.path)

    def _read(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        buffer = self.buffers[conn] + data
        *lines, self.buffers[conn] = buffer.split(b"\n")
        for line in lines:
            self._handle(conn, line.decode().split())
            conn.sendall(b"ok\n")

    def _handle(self, conn: socket.socket, words: list[str]) -> None:
        command, *args = words
        if command == "hello":
            self.pids[int(args[0])] = conn
        elif command == "hold":
            self.holds[conn][args[0]] += 1
        elif command == "give":
            self.in_flight[conn][args[0]] += 1
        elif command == "release":
            self.holds[conn][args[0]] -= 1
            self._collect(args[0])
        elif command == "take":
            name = args[0]
            self.holds[conn][name] += 1
            sender = self.pids.get(int(args[1]))
            if sender is not None and sender in self.in_flight and self.in_flight[sender].get(name, 0) > 0:
                self.in_flight[sender][name] -= 1
            elif self.orphans.get(name):
                self.orphans[name].pop()
                if not self.orphans[name]:
                    del self.orphans[name]

    def _drop(self, conn: socket.socket) -> None:
        self.selector.unregister(conn)
        names = set(self.holds.pop(conn, {}))
        expiry = time.monotonic() + ORPHAN_SECONDS
        for name, count in self.in_flight.pop(conn, {}).items():
            self.orphans.setdefault(name, []).extend([expiry] * max(count, 0))
            names.add(name)
        self.buffers.pop(conn, None)
        for pid, owner in list(self.pids.items()):
            if owner is conn:
                del self.pids[pid]
        conn.close()
        for name in names:
            self._collect(name)

    def _expire_orphans(self) -> None:
        now = time.monotonic()
        for name, expiries in list(self.orphans.items()):
            expiries[:] = [t for t in expiries if t > now]
            if not expiries:
                del self.orphans[name]
                self._collect(name)

    def _collect(self, name: str) -> None:
        if self.orphans.get(name):
            return
        if any(table.get(name, 0) > 0 for tables in (self.holds, self.in_flight) for table in tables.values()):
            return
        for tables in (self.holds, self.in_flight):
            for table in tables.values():
                table.pop(name, None)
        _unlink(name)


if __name__ == "__main__":
    _Daemon(sys.argv[1]).run()
    os.rmdir(os.path.dirname(sys.argv[1]))
