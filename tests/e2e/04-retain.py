#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Retained messages."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def test_retained_delivered_on_subscribe():
    # MQTT-3.3.1-6: a new subscription gets the retained message, retain flag set.
    with Broker() as b:
        pub = b.client()
        pub.publish("ret/a", b"kept", 1, retain=True)
        sub = b.client()
        sub.subscribe("ret/a", 1)
        sub.expect_publish("ret/a", b"kept", qos=1, retain=True)
        sub.expect_nothing(0.3)


def test_retained_replaced():
    # MQTT-3.3.1-5: a new retained message replaces the old one.
    with Broker() as b:
        pub = b.client()
        pub.publish("ret/r", b"old", 1, retain=True)
        pub.publish("ret/r", b"new", 1, retain=True)
        sub = b.client()
        sub.subscribe("ret/r", 1)
        sub.expect_publish("ret/r", b"new", retain=True)
        sub.expect_nothing(0.3)


def test_retained_cleared_by_empty_payload():
    # MQTT-3.3.1-10/11: an empty retained payload clears it and is forwarded normally.
    with Broker() as b:
        pub, live = b.client(), b.client()
        pub.publish("ret/c", b"gone soon", 1, retain=True)
        live.subscribe("ret/c", 1)
        live.expect_publish("ret/c", b"gone soon", retain=True)
        pub.publish("ret/c", b"", 1, retain=True)
        live.expect_publish("ret/c", b"", retain=False)
        sub = b.client()
        sub.subscribe("ret/c", 1)
        sub.expect_nothing(0.5)


def test_retain_flag_cleared_when_forwarding_live():
    # MQTT-3.3.1-9: forwarded to an established subscription with retain 0.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("ret/live", 2)
        pub.publish("ret/live", b"now", 2, retain=True)
        sub.expect_publish("ret/live", b"now", qos=2, retain=False)
        late = b.client()
        late.subscribe("ret/live", 2)
        late.expect_publish("ret/live", b"now", qos=2, retain=True)


def test_retained_wildcards_every_matching_filter():
    with Broker() as b:
        pub = b.client()
        for t in ("rw/a", "rw/b/c", "rw/x"):
            pub.publish(t, t.encode(), 1, retain=True)
        pub.publish("rwz/a", b"no", 1, retain=True)
        sub = b.client()
        sub.subscribe("rw/+", 1)
        got = sub.collect_publishes(count=2, quiet=0.5)
        assert sorted(g.topic for g in got) == ["rw/a", "rw/x"], got
        assert all(g.retain and g.payload == g.topic.encode() for g in got), got
        sub.expect_nothing(0.3)
        # A second, overlapping filter gets its own retained copies (MQTT-3.8.4-4).
        sub.subscribe("rw/#", 1)
        got = sub.collect_publishes(count=3, quiet=0.5)
        assert sorted(g.topic for g in got) == ["rw/a", "rw/b/c", "rw/x"], got
        assert all(g.retain for g in got), got
        sub.subscribe("+/b/+", 0)
        p = sub.expect_publish("rw/b/c", b"rw/b/c", qos=0, retain=True)
        sub.expect_nothing(0.3)


def test_resubscribe_resends_retained():
    # MQTT-3.8.4-3: replacing a subscription re-sends matching retained messages.
    with Broker() as b:
        pub, sub = b.client(), b.client()
        pub.publish("rs/t", b"r", 1, retain=True)
        sub.subscribe("rs/t", 1)
        sub.expect_publish("rs/t", b"r", retain=True)
        sub.subscribe("rs/t", 1)
        sub.expect_publish("rs/t", b"r", retain=True)


def test_retained_qos_is_minimum():
    with Broker() as b:
        pub = b.client()
        pub.publish("rq/2", b"two", 2, retain=True)
        pub.publish("rq/0", b"zero", 0, retain=True)
        sub = b.client()
        sub.subscribe("rq/2", 1)
        sub.expect_publish("rq/2", b"two", qos=1, retain=True)
        sub.subscribe("rq/0", 2)
        sub.expect_publish("rq/0", b"zero", qos=0, retain=True)


def test_retained_not_matched_by_hash_for_dollar_topics():
    # MQTT-4.7.2-1 also applies to retained messages.
    with Broker() as b:
        pub = b.client()
        pub.publish("$rt/x", b"dollar", 1, retain=True)
        pub.publish("rtd/x", b"plain", 1, retain=True)
        sub = b.client()
        sub.subscribe("#", 1)
        got = sub.collect_publishes(quiet=0.7)
        topics = [g.topic for g in got]
        assert "rtd/x" in topics, topics
        assert not any(t.startswith("$") for t in topics), topics
        sub.subscribe("$rt/#", 1)
        sub.expect_publish("$rt/x", b"dollar", retain=True)


def test_retain_available_false_disconnects():
    # retain_available false: a PUBLISH with retain set disconnects the publisher.
    with Broker(conf=["retain_available false"]) as b:
        sub = b.client()
        sub.subscribe("ra/#", 1)
        pub = b.client()
        pub.publish("ra/plain", b"ok", 1)
        sub.expect_publish("ra/plain", b"ok", retain=False)
        pub.send(publish_packet("ra/ret", b"no", 1, retain=True, pid=5))
        pub.expect_closed()
        sub.expect_nothing(0.3)
        late = b.client()
        late.subscribe("ra/#", 1)
        late.expect_nothing(0.3)


if __name__ == "__main__":
    main()
