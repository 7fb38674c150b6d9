#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Clients and configuration over the control socket with midge-ctl: the client list
shows a connected paho client with its fields and kick disconnects it; reload, config
check (valid and invalid text with file:line), config get/put with versions, save
(not built in: a typed refusal) and the recent log lines."""
import atexit
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paho.mqtt.client as mqtt  # noqa: E402
from harness import Broker, main, midge_only, roundtrip, uid, wait_until  # noqa: E402
from ctlkit import CtlSocket, ctl, ctl_ok, read_file  # noqa: E402


class Paho:
    def __init__(self, port, cid, username=None):
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.c = mqtt.Client(client_id=cid, protocol=mqtt.MQTTv311)
        if username:
            self.c.username_pw_set(username, "x")
        self.c.on_connect = lambda c, u, f, rc: self.connected.set()
        self.c.on_disconnect = lambda c, u, rc: self.disconnected.set()
        self.c.connect("127.0.0.1", port, keepalive=60)
        self.c.loop_start()
        assert self.connected.wait(10), "paho did not connect"

    def stop(self):
        self.c.loop_stop()


@midge_only
def test_clients_list_and_kick():
    with Broker() as b:
        cid = uid("paho")
        p = Paho(b.port, cid, username="watcher")
        try:
            p.c.subscribe([("ctl/a", 1), ("ctl/b/#", 0)])
            wait_until(lambda: _client(b, cid) and _client(b, cid)["subscriptions"] == 2,
                       what="paho client with two subscriptions")
            c = _client(b, cid)
            assert c["protocol"] == 4 and c["username"] == "watcher", c
            assert c["address"].startswith("127.0.0.1:") and c["listener"].endswith(
                ":%d" % b.port), c
            assert abs(c["connected_since_ms"] / 1000 - time.time()) < 60, c
            assert c["queued"] == 0 and c["inflight"] == 0, c
            table = ctl_ok(b, "clients", "list")
            assert table.splitlines()[0].split()[:3] == ["ID", "ADDRESS", "USER"]
            assert cid in table and "watcher" in table
            assert "disconnected" in ctl_ok(b, "clients", "kick", cid)
            assert p.disconnected.wait(10), "paho client was not disconnected"
            rc, out, err = ctl(b, "clients", "kick", "no-such-client")
            assert rc == 1 and "no connected client" in err, (rc, out, err)
        finally:
            p.stop()
        roundtrip(b)


def _client(b, cid):
    js = ctl_ok(b, "clients", "list", json_out=True)
    found = [c for c in js["clients"] if c["id"] == cid]
    return found[0] if found else None


@midge_only
def test_check_config_reload_and_log():
    with Broker() as b:
        d = tempfile.mkdtemp(prefix="midge-ctl-check-")
        atexit.register(shutil.rmtree, d, True)
        good, bad = os.path.join(d, "good.conf"), os.path.join(d, "bad.conf")
        with open(good, "w") as f:
            f.write("# fine\nlistener 1999\nsys_interval 5\n")
        with open(bad, "w") as f:
            f.write("listener 1999\n\nmax_inflight_messages lots\n")
        assert "valid" in ctl_ok(b, "check-config", good)
        rc, out, err = ctl(b, "check-config", bad)
        assert rc == 1 and "bad.conf:3:" in err and "max_inflight_messages" in err, (rc, err)
        # Reload: same as SIGHUP.
        with open(b.conf_path, "a") as f:
            f.write("sys_interval 3\n")
        assert "reloaded" in ctl_ok(b, "reload")
        wait_until(lambda: "reload: sys_interval changed" in b.log_text(), what="reload")
        with open(b.conf_path, "a") as f:
            f.write("bogus_keyword 1\n")
        rc, out, err = ctl(b, "reload")
        assert rc == 1 and "bogus_keyword" in err, (rc, out, err)
        # Recent log lines, oldest first.
        lines = ctl_ok(b, "log", "--lines", 50, json_out=True)["lines"]
        assert any("reload requested" in x["text"] for x in lines), lines
        assert all(x["level"] in ("error", "warning", "notice", "info", "debug",
                                  "subscribe", "unsubscribe") for x in lines)
        assert "reload" in ctl_ok(b, "log")
        rc, out, err = ctl(b, "save")
        assert rc == 1 and "not_supported" in err, (rc, out, err)
        roundtrip(b)


@midge_only
def test_save_with_persistence():
    d = tempfile.mkdtemp(prefix="midge-ctl-db-")
    atexit.register(shutil.rmtree, d, True)
    with Broker(conf=["persistence true", "persistence_location %s/" % d]) as b:
        with b.client() as c:
            c.publish("ctl/kept", b"retained", 1, retain=True)
        assert "saved" in ctl_ok(b, "save")
        wait_until(lambda: os.path.exists(os.path.join(d, "midge.db")), what="saved file")
        roundtrip(b)


@midge_only
def test_config_get_put():
    with Broker() as b:
        with CtlSocket(b.ctl_path) as c:
            got = c.result("config.get")
            assert got["text"] == read_file(b.conf_path) and got["path"] == b.conf_path
            new = got["text"] + "# appended by config.put\nsys_interval 2\n"
            e = c.error("config.put", {"base_version": "0" * 64, "text": new})
            assert e["code"] == "conflict", e
            e = c.error("config.put", {"base_version": got["version"],
                                       "text": got["text"] + "max_keepalive -3\n"})
            assert e["code"] == "config" and e["line"] == len(got["text"].splitlines()) + 1, e
            assert read_file(b.conf_path) == got["text"]
            r = c.result("config.put", {"base_version": got["version"], "text": new})
            assert read_file(b.conf_path) == new and r["version"] != got["version"]
            assert c.result("config.get")["version"] == r["version"]
            wait_until(lambda: "reload: sys_interval changed" in b.log_text(), what="reload")
        roundtrip(b)


if __name__ == "__main__":
    main()
