#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""sd_notify (Type=notify): with NOTIFY_SOCKET pointing at a datagram socket this test
owns, READY=1 arrives only once the listener accepts, SIGHUP is framed by
RELOADING=1 (with MONOTONIC_USEC) and READY=1, SIGTERM sends STOPPING=1, and a failed
start never reports READY=1. Skipped when the build has no libsystemd."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
import harness  # noqa: E402
from daemon_util import port_accepts  # noqa: E402


def built_with_libsystemd():
    out = subprocess.run(["ldd", harness.broker_path()], stdout=subprocess.PIPE).stdout
    return b"libsystemd" in out


class Notified:
    """A foreground broker whose NOTIFY_SOCKET is our datagram socket."""

    def __init__(self, port=None):
        self.dir = tempfile.mkdtemp(prefix="midge-e2e-n-")
        self.sock_path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.sock_path)
        self.port = port or free_ports()[0]
        self.conf = os.path.join(self.dir, "midge.conf")
        with open(self.conf, "w") as f:
            f.write("user root\nallow_anonymous true\nlog_dest stderr\n"
                    "listener %d 127.0.0.1\n" % self.port)
        self.log = open(os.path.join(self.dir, "log"), "wb")
        env = dict(os.environ, NOTIFY_SOCKET=self.sock_path)
        self.proc = subprocess.Popen([harness.broker_path(), "-c", self.conf, "-v"],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)

    def recv(self, timeout=10):
        self.sock.settimeout(timeout)
        data = self.sock.recv(4096).decode()
        return dict(line.split("=", 1) for line in data.split("\n") if "=" in line)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@midge_only
def test_ready_reload_stopping():
    if not built_with_libsystemd():
        print("# built without libsystemd: sd_notify is a no-op; skipped")
        return
    n = Notified()
    try:
        msg = n.recv()
        assert msg.get("READY") == "1", msg
        # READY=1 was sent after the bind: the port accepts right away.
        assert port_accepts(n.port), "READY=1 before the listener accepts"
        n.proc.send_signal(signal.SIGHUP)
        msg = n.recv()
        assert msg.get("RELOADING") == "1", msg
        assert int(msg["MONOTONIC_USEC"]) > 0, msg
        # CLOCK_MONOTONIC is what systemd compares it with (Python's monotonic uses it).
        assert abs(int(msg["MONOTONIC_USEC"]) - time.monotonic() * 1e6) < 60e6, msg
        assert n.recv().get("READY") == "1"
        n.proc.send_signal(signal.SIGTERM)
        assert n.recv().get("STOPPING") == "1"
        assert n.proc.wait(10) == 0
    finally:
        n.close()


@midge_only
def test_failed_start_never_ready():
    if not built_with_libsystemd():
        print("# built without libsystemd; skipped")
        return
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    n = Notified(port=blocker.getsockname()[1])
    try:
        assert n.proc.wait(10) == 1
        n.sock.setblocking(False)
        try:
            data = n.sock.recv(4096)
        except BlockingIOError:
            data = b""
        assert b"READY=1" not in data, data
    finally:
        n.close()
        blocker.close()


@midge_only
def test_no_notify_socket_is_fine():
    # Without NOTIFY_SOCKET the broker runs as usual (sd_notify is a no-op).
    with Broker() as b:
        c = b.client()
        c.ping()


if __name__ == "__main__":
    main()
