#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Listeners over the control socket with midge-ctl: add one and mosquitto_sub connects
to it at once; change it; remove it and it refuses connections while its clients are
closed and clients of other listeners stay. The config file diff shows only the
intended lines, comments and unrelated keywords kept. Edits based on an old version, or
that cannot bind, are refused and nothing is written."""
import difflib
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Broker, RawClient, free_ports, main, midge_only, roundtrip,  # noqa: E402
                     spawn, uid, wait_until)
from ctlkit import CtlSocket, ctl, ctl_ok, read_file  # noqa: E402

COMMENTS = ["# ---- user's own notes: must survive every edit ----", "",
            "max_queued_messages 500   ", "# trailing notes", ""]


def diff(a, b):
    """The changed lines between two texts, as '+line' / '-line'."""
    out = []
    for line in difflib.ndiff(a.splitlines(), b.splitlines()):
        if line[:1] in "+-":
            out.append(line[0] + line[2:])
    return out


def can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def mosquitto_sub_once(port, topic):
    return spawn(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-C", "1",
                  "-W", "20"])


@midge_only
def test_add_listener_accepts_at_once_and_diff_is_minimal():
    with Broker(conf=COMMENTS) as b:
        before = read_file(b.conf_path)
        (port,) = free_ports(1)
        out = ctl_ok(b, "listeners", "add", port, "--address", "127.0.0.1",
                     "--max-connections", 50)
        assert "added" in out
        after = read_file(b.conf_path)
        assert diff(before, after) == ["+", "+listener %d 127.0.0.1" % port,
                                       "+max_connections 50"], diff(before, after)
        assert after.startswith(before)   # nothing before the new block moved
        # A real client on the new port, without a restart.
        sub = mosquitto_sub_once(port, "ctl/new")
        with RawClient(port) as pub:
            pub.connect(uid("p"))
            wait_until(lambda: _subscribed(b, port), what="subscription on the new port")
            pub.publish("ctl/new", b"via-new-listener")
        assert sub.wait(20) == 0
        assert sub.stdout.read().strip() == b"via-new-listener"
        listing = ctl_ok(b, "listeners", "list", json_out=True)
        mine = [x for x in listing["listeners"] if x["port"] == port][0]
        assert mine["address"] == "127.0.0.1" and mine["max_connections"] == 50, mine
        assert mine["source"].endswith(":%d" % (len(before.splitlines()) + 2)), mine
        roundtrip(b)


def _subscribed(b, port):
    js = ctl_ok(b, "clients", "list", json_out=True)
    return any(c["listener"].endswith(":%d" % port) and c["subscriptions"] == 1
               for c in js["clients"])


@midge_only
def test_remove_listener_refuses_and_closes_only_its_clients():
    with Broker(conf=COMMENTS, listeners=[[], ["max_connections 10"]]) as b:
        keep_port, gone_port = b.ports
        before = read_file(b.conf_path)
        with RawClient(keep_port) as keep, RawClient(gone_port) as gone:
            keep.connect(uid("keep"))
            gone.connect(uid("gone"))
            out = ctl_ok(b, "listeners", "remove", gone_port, "--address", "127.0.0.1")
            assert "removed" in out
            assert gone.is_closed(), "client of the removed listener still connected"
            keep.ping()   # the other listener's client is untouched
        assert not can_connect(gone_port)
        after = read_file(b.conf_path)
        assert diff(before, after) == ["-listener %d 127.0.0.1" % gone_port,
                                       "-max_connections 10"], diff(before, after)
        rc, out, err = ctl(b, "listeners", "remove", gone_port, "--address", "127.0.0.1")
        assert rc == 1 and "no listener" in err, (rc, out, err)
        # The last listener is not removed (the broker would fall back to local-only).
        rc, out, err = ctl(b, "listeners", "remove", keep_port, "--address", "127.0.0.1")
        assert rc == 1 and "last listener" in err, (rc, out, err)
        roundtrip(b)


@midge_only
def test_set_listener_options():
    with Broker(conf=COMMENTS, listeners=[[], ["  max_connections 10", "# block comment"]]) as b:
        port = b.ports[1]
        before = read_file(b.conf_path)
        ctl_ok(b, "listeners", "set", port, "--address", "127.0.0.1", "--max-connections", 1)
        after = read_file(b.conf_path)
        assert diff(before, after) == ["-  max_connections 10", "+  max_connections 1"], \
            diff(before, after)
        with RawClient(port) as first:
            first.connect(uid("one"))
            with RawClient(port) as second:   # over the new limit: refused at accept
                assert second.is_closed()
            first.ping()
        ctl_ok(b, "listeners", "set", port, "--address", "127.0.0.1", "--mount-point", "m/")
        assert diff(after, read_file(b.conf_path)) == ["+mount_point m/"]
        with RawClient(port) as c:   # re-opened with the mount point
            c.connect(uid("m"))
            c.ping()
        ctl_ok(b, "listeners", "set", port, "--address", "127.0.0.1", "--no-mount-point")
        assert read_file(b.conf_path) == after
        roundtrip(b)


@midge_only
def test_conflicts_and_failures_write_nothing():
    with Broker(conf=COMMENTS) as b:
        with CtlSocket(b.ctl_path) as c:
            v = c.result("listeners.list")["version"]
            # Someone edits the file behind the broker's back.
            with open(b.conf_path, "a") as f:
                f.write("# edited by hand\n")
            edited = read_file(b.conf_path)
            (port,) = free_ports(1)
            e = c.error("listeners.add", {"base_version": v, "port": port})
            assert e["code"] == "conflict", e
            assert read_file(b.conf_path) == edited and not can_connect(port)
            rc, out, err = ctl(b, "--if-version", v, "listeners", "add", port)
            assert rc == 1 and "changed since" in err, (rc, out, err)
            v2 = c.result("listeners.list")["version"]
            # A port that is taken: a bind error, nothing written.
            blocker = socket.socket()
            blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            blocker.bind(("127.0.0.1", port))
            blocker.listen(1)
            try:
                e = c.error("listeners.add", {"base_version": v2, "port": port,
                                              "address": "127.0.0.1"})
                assert e["code"] == "bind", e
            finally:
                blocker.close()
            # Invalid values are refused by the schema with file:line.
            e = c.error("listeners.add", {"base_version": v2, "port": port,
                                          "socket_domain": "ipx"})
            assert e["code"] == "config" and e["line"] > 0, e
            e = c.error("listeners.add", {"base_version": v2, "port": port,
                                          "mount_point": "a\nlistener 1"})
            assert e["code"] == "invalid", e
            e = c.error("listeners.add", {"base_version": v2, "port": b.port,
                                          "address": "127.0.0.1"})
            assert e["code"] == "exists", e
            assert read_file(b.conf_path) == edited
        roundtrip(b)


@midge_only
def test_add_tls_listener():
    from tlsutil import MOSQUITTO_PUB, Pki, mosq
    pki = Pki()
    try:
        with Broker() as b:
            (port,) = free_ports(1)
            # A key without a certificate, or a missing file, is refused; nothing written.
            before = read_file(b.conf_path)
            rc, out, err = ctl(b, "listeners", "add", port, "--keyfile", pki.server_key)
            assert rc == 1 and "keyfile" in err, (rc, out, err)
            rc, out, err = ctl(b, "listeners", "add", port, "--certfile", "/nonexistent.crt",
                               "--keyfile", pki.server_key)
            assert rc == 1 and read_file(b.conf_path) == before, (rc, out, err)
            ctl_ok(b, "listeners", "add", port, "--address", "127.0.0.1", "--certfile",
                   pki.server_crt, "--keyfile", pki.server_key)
            assert diff(before, read_file(b.conf_path)) == [
                "+", "+listener %d 127.0.0.1" % port, "+certfile %s" % pki.server_crt,
                "+keyfile %s" % pki.server_key]
            rc, out = mosq(MOSQUITTO_PUB, port, "-t", "ctl/tls", "-m", "x", "-q", "1",
                           "--cafile", pki.ca.crt)
            assert rc == 0, out
            js = ctl_ok(b, "listeners", "list", json_out=True)
            mine = [x for x in js["listeners"] if x["port"] == port][0]
            assert mine["tls"]["certfile"] == pki.server_crt, mine
            # Back to plain MQTT on the same port.
            ctl_ok(b, "listeners", "set", port, "--address", "127.0.0.1", "--no-tls")
            with RawClient(port) as c:
                c.connect(uid("plain"))
                c.ping()
            roundtrip(b)
    finally:
        pki.cleanup()


if __name__ == "__main__":
    main()
