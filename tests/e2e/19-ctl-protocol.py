#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Control socket protocol and access (docs/control-protocol.md): hello and versions,
request ids and pipelining, typed errors for garbage, oversize, half-sent and invalid
requests, the client limit, stats snapshots that match the traffic and stats
subscriptions, and the access check (file modes and SO_PEERCRED: `nobody` is refused
unless it is in control_group). MQTT service continues throughout."""
import json
import os
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Broker, RawClient, main, midge_only, roundtrip, uid, wait_until  # noqa: E402
from ctlkit import CtlSocket, ctl, ctl_ok  # noqa: E402


@midge_only
def test_socket_modes_and_hello():
    with Broker() as b:
        d = os.path.dirname(b.ctl_path)
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o750, oct(os.stat(d).st_mode)
        assert stat.S_ISSOCK(os.stat(b.ctl_path).st_mode)
        assert stat.S_IMODE(os.stat(b.ctl_path).st_mode) == 0o660
        with CtlSocket(b.ctl_path, hello=False) as c:
            e = c.error("stats.get")
            assert e["code"] == "hello_required", e
            r = c.result("hello", {"protocol": [3, 1], "client": "e2e"})
            assert r["protocol"] == 1 and r["server"] == "midge", r
            assert "listeners.add" in r["ops"] and r["max_request"] == 262144
            assert "uptime" in c.result("stats.get")["stats"]
        with CtlSocket(b.ctl_path, hello=False) as c:
            e = c.error("hello", {"protocol": 99})
            assert e["code"] == "version", e
            assert c.is_closed()
        roundtrip(b)


@midge_only
def test_bad_requests_get_typed_errors():
    with Broker() as b:
        with CtlSocket(b.ctl_path) as c:
            c.send_raw(b"GET / HTTP/1.0\r\n")
            f = c.frame()
            assert f["id"] is None and f["error"]["code"] == "malformed", f
            c.send_raw(b'{"id": 5, "op": 7}\n')
            f = c.frame()
            assert f["id"] == 5 and f["error"]["code"] == "malformed", f
            c.send_raw(b'{"id":1,"op":"x\xff"}\n')
            assert c.frame()["error"]["code"] == "malformed"
            assert c.error("no.such.op")["code"] == "unknown_op"
            e = c.error("clients.kick", {"id": "x", "typo": 1})
            assert e["code"] == "invalid" and "typo" in e["message"], e
            e = c.error("stats.subscribe", {"interval": 0})
            assert e["code"] == "invalid", e
            assert c.error("clients.kick", {"id": "nobody-here"})["code"] == "not_found"
            # Still usable after all that, and MQTT is unaffected.
            assert "stats" in c.result("stats.get")
        roundtrip(b)


@midge_only
def test_pipelined_ids_and_half_sent_request():
    with Broker() as b:
        with CtlSocket(b.ctl_path) as c:
            reqs = b"".join(json.dumps({"id": i, "op": "stats.get"}).encode() + b"\n"
                            for i in (10, 3, 77))
            c.send_raw(reqs + b'{"id": 9, "op": "log.g')   # the last one half-sent
            assert [c.frame()["id"] for _ in range(3)] == [10, 3, 77]
            time.sleep(0.2)
            c.send_raw(b'et", "args": {"lines": 2}}\n')
            f = c.frame()
            assert f["id"] == 9 and f["ok"] and len(f["result"]["lines"]) <= 2, f
        roundtrip(b)


@midge_only
def test_oversize_request_is_refused_and_closed():
    with Broker() as b:
        with RawClient(b.port) as mq:
            mq.connect(uid("keep"))
            with CtlSocket(b.ctl_path) as c:
                big = b'{"id":1,"op":"config.check","args":{"text":"' + b"x" * 300000
                try:
                    c.send_raw(big)
                except OSError:
                    pass  # the broker may close while we are still writing
                try:
                    f = c.frame()
                    assert f["error"]["code"] == "too_big", f
                except Exception as e:  # closed before we read: also acceptable
                    assert "closed" in str(e) or isinstance(e, OSError), e
                assert c.is_closed()
            mq.ping()
        b.assert_alive()
        roundtrip(b)


@midge_only
def test_client_limit():
    with Broker() as b:
        socks = [CtlSocket(b.ctl_path) for _ in range(16)]
        try:
            with CtlSocket(b.ctl_path, hello=False) as extra:
                f = extra.frame()
                assert f["error"]["code"] == "limit", f
                assert extra.is_closed()
            socks.pop().close()
            wait_until(lambda: _can_hello(b), what="a free control slot")
        finally:
            for s in socks:
                s.close()
        roundtrip(b)


def _can_hello(b):
    try:
        with CtlSocket(b.ctl_path):
            return True
    except Exception:
        return False


@midge_only
def test_stats_match_traffic():
    with Broker() as b:
        with CtlSocket(b.ctl_path) as c:
            before = c.result("stats.get")["stats"]
            with RawClient(b.port) as sub, RawClient(b.port) as pub:
                sub.connect(uid("s"))
                sub.subscribe([("ctl/stats", 0)])
                pub.connect(uid("p"))
                for i in range(7):
                    pub.publish("ctl/stats", b"12345")
                for i in range(7):
                    sub.expect(3)
                mid = c.result("stats.get")["stats"]
                assert mid["clients/connected"] == before["clients/connected"] + 2, mid
                assert mid["subscriptions/count"] >= before["subscriptions/count"] + 1
            after = c.result("stats.get")["stats"]
            rx = after["publish/messages/received"] - before["publish/messages/received"]
            tx = after["publish/messages/sent"] - before["publish/messages/sent"]
            by = (after["publish/bytes/received"] - before["publish/bytes/received"])
            assert rx == 7 and tx == 7 and by == 35, (rx, tx, by)
            assert after["version"].startswith("midge version")
            # midge-ctl prints the same values.
            js = ctl_ok(b, "stats", json_out=True)
            assert js["stats"]["publish/messages/received"] == \
                after["publish/messages/received"]
            assert "clients/connected" in ctl_ok(b, "stats")


@midge_only
def test_stats_subscription_pushes_events():
    with Broker() as b:
        with CtlSocket(b.ctl_path, timeout=10) as c:
            sub = c.result("stats.subscribe", {"interval": 1})["sub"]
            events = []
            while len(events) < 2:
                f = c.frame()
                if "event" in f:
                    assert f["event"] == "stats" and f["sub"] == sub, f
                    events.append(f["data"])
            assert events[1]["time_ms"] > events[0]["time_ms"]
            assert "uptime" in events[0]["stats"]
            c.result("stats.unsubscribe", {"sub": sub})
            assert c.error("stats.unsubscribe", {"sub": sub})["code"] == "not_found"
        # midge-ctl stats --watch streams JSON lines until stopped.
        p = subprocess.Popen(["timeout", "3", os.path.join(os.path.dirname(
            __import__("harness").broker_path()), "midge-ctl"), "--socket", b.ctl_path,
            "--json", "stats", "--watch"], stdout=subprocess.PIPE)
        out = p.communicate(timeout=10)[0].decode()
        lines = [json.loads(x) for x in out.splitlines() if x.strip()]
        assert len(lines) >= 1 and "stats" in lines[0], out


def _open_dir_for_nobody(b):
    os.chmod(b.dir, 0o711)


@midge_only
def test_nobody_is_refused():
    with Broker() as b:
        _open_dir_for_nobody(b)
        # The directory (0750 root:root) keeps nobody out: cannot connect.
        rc, out, err = ctl(b, "stats", as_nobody=True)
        assert rc == 2, (rc, out, err)
        # Even with the file modes opened up, the broker's peer check refuses nobody.
        os.chmod(os.path.dirname(b.ctl_path), 0o755)
        os.chmod(b.ctl_path, 0o666)
        rc, out, err = ctl(b, "stats", as_nobody=True)
        assert rc == 1 and "permission denied" in err, (rc, out, err)
        wait_until(lambda: "refused uid=65534" in b.log_text(), what="refusal logged")
        assert ctl(b, "stats")[0] == 0   # root still gets in
        roundtrip(b)


@midge_only
def test_control_group_admits_its_members():
    with Broker(conf=["control_group nogroup"]) as b:
        _open_dir_for_nobody(b)
        st = os.stat(os.path.dirname(b.ctl_path))
        assert st.st_gid == 65534 and stat.S_IMODE(st.st_mode) == 0o750
        rc, out, err = ctl(b, "stats", as_nobody=True)
        assert rc == 0 and "uptime" in out, (rc, out, err)


@midge_only
def test_user_switch_hands_the_socket_over():
    if os.geteuid() != 0:
        return  # needs root to switch users
    with Broker(conf=["user nobody"]) as b:
        _open_dir_for_nobody(b)
        wait_until(lambda: "running as user nobody" in b.log_text(), what="user switch")
        st = os.stat(b.ctl_path)
        assert st.st_uid == 65534 and st.st_gid == 65534, (st.st_uid, st.st_gid)
        assert ctl(b, "stats")[0] == 0                       # root
        rc, out, err = ctl(b, "stats", as_nobody=True)       # the broker's own user
        assert rc == 0, (rc, out, err)
        # An edit the broker's user may not write is refused and leaves nothing open.
        (port,) = __import__("harness").free_ports(1)
        rc, out, err = ctl(b, "listeners", "add", port)
        assert rc == 1 and "ermission denied" in err, (rc, out, err)
        roundtrip(b)
    assert not os.path.exists(b.ctl_path)   # removed at exit by the unprivileged broker


@midge_only
def test_socket_none_and_no_broker():
    with Broker(conf=["control_socket none"]) as b:
        assert not os.path.exists(b.ctl_path)
        rc, out, err = ctl(b, "stats")
        assert rc == 2, (rc, out, err)
        roundtrip(b)


if __name__ == "__main__":
    main()
