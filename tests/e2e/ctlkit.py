# SPDX-License-Identifier: MIT
"""Helpers for the control-socket tests (19-ctl-*): run midge-ctl against a harness
Broker, and a raw protocol client that sends exact frames (docs/control-protocol.md).
MIDGE_CTL names the tool; by default it is found next to the broker binary."""
import json
import os
import socket
import subprocess
import time

import harness

NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def midge_ctl_path():
    return os.environ.get("MIDGE_CTL") or os.path.join(
        os.path.dirname(harness.broker_path()), "midge-ctl")


def ctl(b, *args, as_nobody=False, json_out=False, stdin=None, socket_path=None):
    """Run midge-ctl against broker b; returns (exit status, stdout, stderr)."""
    cmd = [midge_ctl_path(), "--socket", socket_path or b.ctl_path]
    if json_out:
        cmd.append("--json")
    cmd += [str(a) for a in args]
    if as_nobody:
        cmd = NOBODY + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       input=stdin.encode() if stdin is not None else None,
                       stdin=None if stdin is not None else subprocess.DEVNULL, timeout=60)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def ctl_ok(b, *args, **kw):
    """midge-ctl that must succeed; returns stdout (parsed JSON with json_out=True)."""
    rc, out, err = ctl(b, *args, **kw)
    assert rc == 0, "midge-ctl %s: exit %d\n%s%s" % (" ".join(map(str, args)), rc, out, err)
    return json.loads(out) if kw.get("json_out") else out


def read_file(path):
    with open(path) as f:
        return f.read()


class CtlSocket:
    """A raw control connection: send bytes or requests, read frames."""

    def __init__(self, path, hello=True, timeout=harness.DEFAULT_TIMEOUT):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.next_id = 1
        if hello:
            r = self.call("hello", {"protocol": 1, "client": "e2e"})
            assert r["ok"], r

    def close(self):
        self.s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, op, args=None, rid=None):
        rid = self.next_id if rid is None else rid
        self.next_id = max(self.next_id, rid) + 1
        req = {"id": rid, "op": op}
        if args is not None:
            req["args"] = args
        self.send_raw(json.dumps(req).encode() + b"\n")
        return rid

    def frame(self):
        """The next frame as a dict; raises harness.Closed at end of stream."""
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise harness.Closed("control connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def reply(self, rid):
        """The reply to request rid, skipping events."""
        while True:
            f = self.frame()
            if "event" not in f and f.get("id") in (rid, None):
                return f

    def call(self, op, args=None):
        return self.reply(self.send(op, args))

    def result(self, op, args=None):
        r = self.call(op, args)
        assert r["ok"], "%s failed: %s" % (op, r)
        return r["result"]

    def error(self, op, args=None):
        r = self.call(op, args)
        assert not r["ok"], "%s should have failed: %s" % (op, r)
        return r["error"]

    def is_closed(self, timeout=5.0):
        """True once the server closed the connection (after any pending frames)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.s.settimeout(max(0.05, deadline - time.monotonic()))
                chunk = self.s.recv(65536)
            except socket.timeout:
                return False
            except OSError:
                return True
            if not chunk:
                return True
            self.buf += chunk
        return False
