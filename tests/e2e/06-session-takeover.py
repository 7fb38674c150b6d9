#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Client takeover (MQTT-3.1.4-2)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def test_takeover_closes_first_connection():
    with Broker() as b:
        cid = uid()
        first = b.client(cid)
        second = b.raw()
        assert second.connect(cid) == (0, 0)
        first.expect_closed()
        second.ping()
        roundtrip(b)


def test_takeover_mqtt31():
    with Broker() as b:
        cid = uid()
        first = b.client(cid, level=3)
        second = b.raw()
        assert second.connect(cid, level=3) == (0, 0)
        first.expect_closed()
        second.ping()


def test_takeover_keeps_persistent_session():
    # The new connection resumes the session: sp=1, subscriptions and unacked messages.
    with Broker() as b:
        cid = uid()
        first = b.raw()
        first.connect(cid, clean=False)
        first.subscribe("tk/t", 1)
        pub = b.client()
        pub.publish("tk/t", b"m1", 1)
        p = first.expect_publish("tk/t", b"m1", ack=False)
        second = b.raw()
        assert second.connect(cid, clean=False) == (1, 0)
        first.expect_closed()
        again = second.expect_publish("tk/t", b"m1", qos=1)
        assert again.dup and again.pid == p.pid, again
        pub.publish("tk/t", b"m2", 1)
        second.expect_publish("tk/t", b"m2", qos=1)
        second.expect_nothing(0.3)


def test_takeover_clean_session_discards():
    with Broker() as b:
        cid = uid()
        first = b.raw()
        first.connect(cid, clean=False)
        first.subscribe("tkc/t", 1)
        second = b.raw()
        assert second.connect(cid, clean=True) == (0, 0)
        first.expect_closed()
        pub = b.client()
        pub.publish("tkc/t", b"x", 1)
        second.expect_nothing(0.5)


def test_old_connection_data_ignored_after_takeover():
    # Packets the old connection sends after the takeover must not act on the session.
    with Broker() as b:
        cid = uid()
        first = b.client(cid)
        watch = b.client()
        watch.subscribe("tko/#", 0)
        second = b.raw()
        assert second.connect(cid) == (0, 0)
        first.expect_closed()
        first.send(publish_packet("tko/late", b"late", 0), may_fail=True)
        watch.expect_nothing(0.5)
        second.ping()


def test_repeated_takeovers():
    with Broker() as b:
        cid = uid()
        conns = []
        for _ in range(10):
            c = b.raw()
            assert c.connect(cid, clean=False)[1] == 0
            conns.append(c)
        for c in conns[:-1]:
            assert c.is_closed(), "an old connection is still open"
        conns[-1].ping()
        roundtrip(b)


if __name__ == "__main__":
    main()
