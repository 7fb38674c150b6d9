#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Session limits: max_queued_messages, max_inflight_messages, expiration keyword."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def test_max_queued_messages_offline():
    # max_queued_messages 5: a disconnected persistent client gets at most 5 queued.
    with Broker(conf=["max_queued_messages 5"]) as b:
        cid = uid()
        c = b.raw()
        c.connect(cid, clean=False)
        c.subscribe("mq/t", 1)
        c.disconnect()
        pub = b.client()
        for i in range(10):
            pub.publish("mq/t", b"%d" % i, 1)
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        got = c.collect_publishes(quiet=1.0, timeout=10)
        assert [g.payload for g in got] == [b"%d" % i for i in range(5)], got


def test_max_inflight_messages():
    # max_inflight_messages 2: only two unacknowledged QoS 1 PUBLISHes at a time; the
    # rest follow, in order, as the subscriber acknowledges.
    with Broker(conf=["max_inflight_messages 2"]) as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("mi/t", 1)
        for i in range(5):
            pub.publish("mi/t", b"%d" % i, 1)
        got = sub.collect_publishes(quiet=0.7, ack=False)
        assert [g.payload for g in got] == [b"0", b"1"], got
        for g in got:
            sub.ack(g)
        rest = sub.collect_publishes(quiet=0.7, ack=True)
        assert [g.payload for g in rest] == [b"2", b"3", b"4"], rest


@midge_only
def test_max_inflight_messages_one_ack_one_more():
    # After one PUBACK exactly one more PUBLISH may be outstanding. mosquitto 2.0.11
    # sends two more after a single PUBACK (three outstanding with a limit of 2).
    with Broker(conf=["max_inflight_messages 2"]) as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("mi/t", 1)
        for i in range(5):
            pub.publish("mi/t", b"%d" % i, 1)
        got = sub.collect_publishes(quiet=0.7, ack=False)
        assert [g.payload for g in got] == [b"0", b"1"], got
        sub.ack(got[0])
        p = sub.expect_publish("mi/t", b"2", ack=False)
        sub.expect_nothing(0.5)
        sub.ack(got[1])
        sub.ack(p)
        rest = sub.collect_publishes(quiet=0.7, ack=True)
        assert [g.payload for g in rest] == [b"3", b"4"], rest


def test_max_inflight_messages_qos2():
    with Broker(conf=["max_inflight_messages 1"]) as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("mi2/t", 2)
        for i in range(3):
            pub.publish("mi2/t", b"%d" % i, 2)
        got = sub.collect_publishes(quiet=0.7, ack=False)
        assert [g.payload for g in got] == [b"0"], got
        sub.ack(got[0])
        rest = sub.collect_publishes(quiet=0.7, ack=True)
        assert [g.payload for g in rest] == [b"1", b"2"], rest


def test_persistent_client_expiration_accepted():
    # The smallest unit is the hour (h/d/w/m/y), too long to observe in a test:
    # check the keyword and its units are accepted and the broker works.
    for value in ("1h", "2d", "1w", "1m", "1y"):
        with Broker(conf=["persistent_client_expiration " + value]) as b:
            roundtrip(b)


def test_persistent_client_expiration_bad_unit_rejected():
    rc, out, conf = run_broker_once(["listener %d 127.0.0.1" % free_ports()[0],
                                     "persistent_client_expiration 5x"])
    assert rc not in (0, None), "broker accepted a bad duration (rc %s): %s" % (rc, out)


if __name__ == "__main__":
    main()
