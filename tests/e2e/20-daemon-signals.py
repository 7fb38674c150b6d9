#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Signals to a daemonised broker: SIGHUP reloads without dropping clients and keeps
max_connections, and reopens the log file (rotation by rename); SIGUSR1 asks for a save;
SIGINT stops cleanly like SIGTERM."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
from daemon_util import Daemon  # noqa: E402


def refused(port):
    """True when a new client on port does not get a successful CONNACK."""
    c = RawClient(port)
    try:
        c.send(connect_packet(uid()), may_fail=True)
        p = c.recv(DEFAULT_TIMEOUT)
        return p is None or p.type != CONNACK or p.rc != 0
    except Closed:
        return True
    finally:
        c.close()


@midge_only
def test_sighup_keeps_clients_and_limits():
    with Daemon(listener=["max_connections 2"]) as d:
        d.start()
        sub, pub = RawClient(d.port), RawClient(d.port)
        assert sub.connect(uid())[1] == 0 and pub.connect(uid())[1] == 0
        sub.subscribe("hup/#", 1)
        assert refused(d.port), "third client accepted before the reload"
        d.extra = ["message_size_limit 100"]
        d.write_config()
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded")
        assert "reload: message_size_limit changed" in d.log_text()
        # Both clients are still connected and the limit of 2 still holds.
        pub.publish("hup/a", b"after reload", 1)
        sub.expect_publish("hup/a", b"after reload", qos=1)
        sub.ping()
        assert refused(d.port), "max_connections lost by the reload"
        pub.close()
        sub.close()
        assert d.stop() == 0


@midge_only
def test_sighup_reopens_log_after_rename():
    with Daemon() as d:
        d.start()
        rotated = d.log_path + ".1"
        os.rename(d.log_path, rotated)
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded")        # in the new file
        c = RawClient(d.port)
        assert c.connect("after-rotation")[1] == 0
        c.close()
        d.wait_log("after-rotation")
        old = d.log_text(rotated)
        assert "listening on" in old, old
        assert "after-rotation" not in old and "configuration reloaded" not in old, old
        # A broken configuration still reopens the log (rotation while editing).
        os.rename(d.log_path, rotated)
        with open(d.conf_path, "a") as f:
            f.write("no_such_keyword 1\n")
        d.signal(signal.SIGHUP)
        d.wait_log("reload failed", path=rotated)
        wait_until(lambda: os.path.exists(d.log_path), what="log reopened")
        c = RawClient(d.port)
        assert c.connect("after-broken")[1] == 0
        c.close()
        d.wait_log("after-broken")
        assert d.stop() == 0


@midge_only
def test_sigusr1_requests_save():
    with Daemon() as d:
        d.start()
        before = d.log_text().lower().count("save")
        d.signal(signal.SIGUSR1)
        wait_until(lambda: d.log_text().lower().count("save") > before,
                   what="a save logged after SIGUSR1")
        c = RawClient(d.port)                       # still serving
        assert c.connect(uid())[1] == 0
        c.close()
        assert d.stop() == 0


@midge_only
def test_sigint_stops_cleanly():
    with Daemon() as d:
        d.start()
        c = RawClient(d.port)
        assert c.connect(uid())[1] == 0
        d.signal(signal.SIGINT)
        c.expect_closed()
        assert d.wait_exit() == 0
        assert not os.path.exists(d.pid_path)


if __name__ == "__main__":
    main()
