#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bridges between midge instances on loopback: directions, prefix remapping, QoS 0/1/2,
retained messages, notifications, queueing while the remote is down, loop prevention."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
from ctlkit import CtlSocket  # noqa: E402


def bridge_conf(name, remote, topics, extra=()):
    lines = ["connection %s" % name, "address 127.0.0.1:%d" % remote.port,
             "restart_timeout 1", "remote_clientid %s" % name]
    lines += ["topic %s" % t for t in topics]
    return lines + list(extra)


def wait_state(client, topic, payload, timeout=10.0):
    """Read PUBLISHes until the state topic carries payload."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p = client.recv(max(0.1, deadline - time.monotonic()))
        if p is None:
            continue
        client.ack(p)
        if p.topic == topic and p.payload == payload:
            return p
    raise AssertionError("state %r never reached %r" % (topic, payload))


def retained_on(broker, topic):
    c = broker.client()
    c.subscribe(topic, 1)
    p = c.recv(0.3)
    c.disconnect()
    return p.payload if p is not None and p.retain else None


def connected(local, remote, name):
    """Wait until the bridge is up: its retained state "1" is on the remote."""
    c = remote.client()
    c.subscribe("$SYS/broker/connection/%s/state" % name, 1)
    wait_state(c, "$SYS/broker/connection/%s/state" % name, b"1")
    c.disconnect()


def test_out_in_and_qos():
    with Broker() as remote:
        topics = ["out/# out 2", "in/# in 2"]
        with Broker(conf=bridge_conf("b1", remote, topics)) as local:
            connected(local, remote, "b1")
            rsub, lsub = remote.client(), local.client()
            rsub.subscribe([("out/#", 2), ("in/#", 2)])
            lsub.subscribe([("out/#", 2), ("in/#", 2)])
            lpub, rpub = local.client(), remote.client()
            for q in (0, 1, 2):
                lpub.publish("out/q%d" % q, b"o%d" % q, q)
                lsub.expect_publish("out/q%d" % q, b"o%d" % q, qos=q)
                rsub.expect_publish("out/q%d" % q, b"o%d" % q, qos=q)
                rpub.publish("in/q%d" % q, b"i%d" % q, q)
                rsub.expect_publish("in/q%d" % q, b"i%d" % q, qos=q)
                lsub.expect_publish("in/q%d" % q, b"i%d" % q, qos=q)
            # Direction is respected: in/ published locally stays local, out/ remotely too.
            lpub.publish("in/local", b"x", 1)
            rpub.publish("out/remote", b"y", 1)
            lsub.expect_publish("in/local", b"x")
            rsub.expect_publish("out/remote", b"y")
            lsub.expect_nothing(0.5)
            rsub.expect_nothing(0.5)


def test_bridge_max_packet_size():
    # 60-byte limit on packets to the remote, counted after remapping (loc/ -> remote/,
    # +3 bytes): a message that fits locally but not once remapped is not forwarded, and
    # a dropped QoS 1 message does not hold up the ones after it.
    with Broker() as remote:
        topics = ["big/# out 1 loc/ remote/"]
        with Broker(conf=bridge_conf("b9", remote, topics, ["bridge_max_packet_size 60"])) as local:
            connected(local, remote, "b9")
            rsub = remote.client()
            rsub.subscribe("remote/big/#", 1)
            lpub = local.client()
            # PUBLISH QoS 1 size = 2 (fixed header) + 2 + len(topic) + 2 (id) + payload.
            fits = 60 - (2 + 2 + len("remote/big/a") + 2)
            lpub.publish("loc/big/a", b"x" * fits, 1)
            rsub.expect_publish("remote/big/a", b"x" * fits)
            lpub.publish("loc/big/b", b"y" * (fits + 1), 1)      # one byte too many
            lpub.publish("loc/big/a", b"z", 1)
            rsub.expect_publish("remote/big/a", b"z")          # not stuck behind it
            rsub.expect_nothing(0.3)


def test_prefix_remapping_and_no_loop():
    with Broker() as remote:
        topics = ["t/# both 1 loc/ rem/", "\"\" in 1 here/x there/y"]
        with Broker(conf=bridge_conf("b2", remote, topics)) as local:
            connected(local, remote, "b2")
            rsub, lsub = remote.client(), local.client()
            rsub.subscribe("#", 1)
            lsub.subscribe("#", 1)
            lpub, rpub = local.client(), remote.client()
            lpub.publish("loc/t/1", b"a", 1)
            lsub.expect_publish("loc/t/1", b"a")
            rsub.expect_publish("rem/t/1", b"a")
            rpub.publish("rem/t/2", b"b", 1)
            rsub.expect_publish("rem/t/2", b"b")
            lsub.expect_publish("loc/t/2", b"b")
            rpub.publish("there/y", b"c", 1)
            rsub.expect_publish("there/y", b"c")
            lsub.expect_publish("here/x", b"c")
            # Nothing comes back a second time on either side (loop prevention).
            lsub.expect_nothing(0.7)
            rsub.expect_nothing(0.7)


def test_retained_and_notifications():
    with Broker() as remote:
        rwatch = remote.client()
        rwatch.subscribe("$SYS/broker/connection/b3/state", 1)
        with Broker(conf=bridge_conf("b3", remote, ["r/# out 1"])) as local:
            wait_state(rwatch, "$SYS/broker/connection/b3/state", b"1")
            lw = local.client()
            lw.subscribe("$SYS/broker/connection/b3/state", 1)
            lw.expect_publish("$SYS/broker/connection/b3/state", b"1", retain=True)
            local.client().publish("r/kept", b"v", 1, retain=True)
            # The retained message crossed with its flag; a late subscriber gets it.
            wait_until(lambda: retained_on(remote, "r/kept") == b"v", timeout=10,
                       what="retained message on the remote")
        # The local broker is gone: the remote published the bridge's will.
        wait_state(rwatch, "$SYS/broker/connection/b3/state", b"0")


def test_queued_while_remote_down():
    with Broker(conf=["persistence true"]) as remote:
        rsub = remote.client("rsub", clean=False)
        rsub.subscribe("q/#", 1)
        rsub.disconnect()
        with Broker(conf=bridge_conf("b4", remote, ["q/# out 1"])) as local:
            connected(local, remote, "b4")
            remote.stop()
            lw = local.client()
            lw.subscribe("$SYS/broker/connection/b4/state", 1)
            wait_state(lw, "$SYS/broker/connection/b4/state", b"0")
            lpub = local.client()
            for i in range(20):
                lpub.publish("q/%d" % i, b"m%d" % i, 1)
            remote.start()
            wait_state(lw, "$SYS/broker/connection/b4/state", b"1")
            rsub = remote.client("rsub", clean=False)
            got = rsub.collect_publishes(quiet=1.5, count=20)
            assert sorted(p.topic for p in got) == sorted("q/%d" % i for i in range(20)), \
                [p.topic for p in got]


def test_both_ways_pair_no_loop():
    # Each midge bridges "p/#" both ways to the other: with try_private each side knows
    # the other is a bridge, so a message crosses once and never comes back.
    with Broker() as a:
        with Broker(conf=bridge_conf("ab", a, ["p/# both 1"])) as b:
            connected(b, a, "ab")
            asub, bsub = a.client(), b.client()
            asub.subscribe("p/#", 1)
            bsub.subscribe("p/#", 1)
            a.client().publish("p/from-a", b"1", 1)
            b.client().publish("p/from-b", b"2", 1)
            got_a = sorted(p.topic for p in asub.collect_publishes(quiet=1.0))
            got_b = sorted(p.topic for p in bsub.collect_publishes(quiet=1.0))
            assert got_a == ["p/from-a", "p/from-b"], got_a
            assert got_b == ["p/from-a", "p/from-b"], got_b


def test_three_brokers_chain():
    with Broker() as c:
        with Broker(conf=bridge_conf("bc", c, ["x/# out 1"])) as b:
            with Broker(conf=bridge_conf("ab", b, ["x/# out 1"])) as a:
                connected(b, c, "bc")
                connected(a, b, "ab")
                csub = c.client()
                csub.subscribe("x/#", 1)
                a.client().publish("x/hop", b"far", 1)
                csub.expect_publish("x/hop", b"far", qos=1)
                csub.expect_nothing(0.5)


def test_visibility_sys_and_ctl():
    with Broker() as remote:
        conf = ["sys_interval 1"] + bridge_conf("vis", remote, ["v/# both 1"])
        with Broker(conf=conf) as local:
            connected(local, remote, "vis")
            local.client().publish("v/1", b"a", 1)
            remote.client().publish("v/2", b"b", 1)
            w = local.client()
            w.subscribe("$SYS/broker/bridge/vis/#", 0)
            want = {"state": b"connected", "address": b"127.0.0.1:%d" % remote.port,
                    "messages/sent": b"1", "messages/received": b"1"}
            seen = {}
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(seen.get(k) != v for k, v in want.items()):
                p = w.recv(0.5)
                if p is not None:
                    seen[p.topic[len("$SYS/broker/bridge/vis/"):]] = p.payload
            for k, v in want.items():
                assert seen.get(k) == v, (k, seen)
            for p in w.collect_publishes(quiet=0.5):
                seen[p.topic[len("$SYS/broker/bridge/vis/"):]] = p.payload
            assert "messages/queued" in seen and "connects" in seen, seen
            with CtlSocket(local.ctl_path) as c:
                br = c.result("stats.get")["bridges"]
            assert len(br) == 1 and br[0]["name"] == "vis", br
            assert br[0]["state"] == "connected" and br[0]["connects"] == 1, br
            assert br[0]["messages_sent"] == 1 and br[0]["messages_received"] == 1, br
            assert br[0]["address"] == "127.0.0.1:%d" % remote.port, br


def test_local_client_id_clash():
    # A client that takes the bridge's local session id is pushed out on the next
    # reconnect, and the broker keeps running.
    with Broker() as remote:
        conf = bridge_conf("b5", remote, ["k/# out 1"], ["local_clientid bridge-local"])
        with Broker(conf=conf) as local:
            connected(local, remote, "b5")
            intruder = local.client("bridge-local", clean=False)
            assert intruder.is_closed(timeout=10)
            connected(local, remote, "b5")
            rsub = remote.client()
            rsub.subscribe("k/#", 1)
            local.client().publish("k/1", b"z", 1)
            rsub.expect_publish("k/1", b"z")
            local.assert_alive()


def test_failover_and_back_to_primary():
    # Without round_robin the first address is the primary: the bridge uses the backup
    # while the primary is down and returns to the primary once it is reachable again.
    with Broker() as primary, Broker() as backup:
        primary.stop()
        conf = ["connection fo", "addresses 127.0.0.1:%d 127.0.0.1:%d" % (primary.port,
                                                                         backup.port),
                "remote_clientid fo", "restart_timeout 1", "topic f/# out 1"]
        with Broker(conf=conf) as local:
            connected(local, backup, "fo")
            primary.start()
            wait_until(lambda: "client=fo addr=" in primary.log_text(), timeout=30,
                       what="the bridge back on the primary")
            connected(local, primary, "fo")
            psub = primary.client()
            psub.subscribe("f/#", 1)
            local.client().publish("f/1", b"p", 1)
            psub.expect_publish("f/1", b"p")
            assert "switching back" in local.log_text()


def test_bind_address():
    with Broker() as remote:
        conf = bridge_conf("b6", remote, ["z/# out 1"], ["bridge_bind_address 127.0.0.2"])
        with Broker(conf=conf) as local:
            connected(local, remote, "b6")
            assert "client=b6 addr=127.0.0.2:" in remote.log_text(), remote.log_tail()


def test_bad_config_is_refused():
    # midge -t and the start both name file:line.
    for args in (["-t"], []):
        rc, text, conf = run_broker_once(["connection a", "topic t/#", "connection a"], args=args)
        assert rc != 0 and "broker.conf:3: a bridge named 'a' is already defined at" in text, text
        rc, text, conf = run_broker_once(["connection a", "topic t/#"], args=args)
        assert rc != 0 and "broker.conf:1: bridge 'a' has no 'address'" in text, text
        rc, text, conf = run_broker_once(["connection a", "address h", "topic \"\" in 0 a/"],
                                         args=args)
        assert rc != 0 and "broker.conf:3: bridge topic pattern" in text, text
        rc, text, conf = run_broker_once(["connection a", "address h", "topic t",
                                          "bridge_cafile /nonexistent/ca.pem"], args=args)
        assert rc != 0 and "broker.conf:1: bridge 'a': cannot load bridge_cafile" in text, text
    # midge -t also resolves the remote host names (the running broker retries instead).
    rc, text, conf = run_broker_once(["connection a", "address no-such-host.invalid:1883",
                                      "topic t"], args=["-t"], timeout=40)
    assert rc == 1 and "broker.conf:1: bridge 'a': cannot resolve remote host " \
        "'no-such-host.invalid'" in text, text
    rc, text, conf = run_broker_once(["connection a", "address localhost:1883", "topic t"],
                                     args=["-t"])
    assert rc == 0, text


if __name__ == "__main__":
    main()
