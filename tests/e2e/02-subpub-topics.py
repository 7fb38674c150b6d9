#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SUBSCRIBE / UNSUBSCRIBE / PUBLISH topic rules and routing."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def test_granted_qos_in_suback():
    # MQTT-3.9.3: one return code per filter, in order, the granted QoS.
    with Broker() as b:
        c = b.client()
        assert c.subscribe([("g/0", 0), ("g/1", 1), ("g/2", 2)]) == [0, 1, 2]


def test_delivery_qos_is_minimum():
    # MQTT-3.8.4-6: delivered QoS = min(publish QoS, granted QoS).
    with Broker() as b:
        sub, pub = b.client(), b.client()
        for sq in (0, 1, 2):
            sub.subscribe("min/%d" % sq, sq)
        for pq in (0, 1, 2):
            for sq in (0, 1, 2):
                topic = "min/%d" % sq
                pub.publish(topic, b"p%d" % pq, pq)
                sub.expect_publish(topic, b"p%d" % pq, qos=min(pq, sq))
        sub.expect_nothing(0.3)


def test_upgrade_outgoing_qos():
    # mosquitto's upgrade_outgoing_qos: deliver at the subscription QoS.
    with Broker(conf=["upgrade_outgoing_qos true"]) as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("up/2", 2)
        sub.subscribe("up/1", 1)
        pub.publish("up/2", b"x", 0)
        sub.expect_publish("up/2", b"x", qos=2)
        pub.publish("up/1", b"y", 0)
        sub.expect_publish("up/1", b"y", qos=1)


def test_publisher_receives_own_message():
    # MQTT 3.1.1 has no "no local": a subscribed publisher gets its own message.
    with Broker() as b:
        c = b.client()
        c.subscribe("self/t", 1)
        c.publish("self/t", b"me", 1)
        c.expect_publish("self/t", b"me", qos=1)


def test_wildcard_matching():
    with Broker() as b:
        sub, pub = b.client(), b.client()
        cases = [  # filter, matching topics, non-matching topics
            ("w/+/c", ["w/b/c", "w//c"], ["w/b/c/d", "w/c", "x/b/c"]),
            ("w2/#", ["w2", "w2/x", "w2/x/y", "w2/"], ["w22", "x/w2"]),
            ("+/w3", ["/w3", "a/w3"], ["w3", "a/b/w3"]),
            ("w4/+", ["w4/", "w4/a"], ["w4", "w4/a/b"]),
        ]
        for filt, _, _ in cases:
            sub.subscribe(filt, 0)
        for filt, good, bad in cases:
            for t in bad:
                pub.publish(t, b"bad", 1)
            for t in good:
                pub.publish(t, b"good", 1)
                p = sub.expect_publish(payload=b"good")
                assert p.topic == t, "filter %r: got %r for %r" % (filt, p.topic, t)
        sub.expect_nothing(0.3)


@midge_only
def test_invalid_filter_entries_refused():
    # 3.1.1: a filter with a misplaced wildcard gets return code 0x80 while the other
    # entries of the same SUBSCRIBE are granted (MQTT-3.9.3 return code 0x80).
    # mosquitto 2.0 disconnects the client instead.
    with Broker() as b:
        c, pub = b.client(), b.client()
        codes = c.subscribe([("ok/1", 1), ("foo/+bar", 0), ("#/bar", 0), ("a/#b", 0),
                             ("ok/2", 2)])
        assert codes == [1, 0x80, 0x80, 0x80, 2], codes
        pub.publish("ok/1", b"one", 1)
        c.expect_publish("ok/1", b"one", qos=1)
        pub.publish("ok/2", b"two", 2)
        c.expect_publish("ok/2", b"two", qos=2)


def test_subscribe_qos3_closes():
    # MQTT-3-8.3-4: requested QoS 3 (or reserved bits) is malformed.
    with Broker() as b:
        c = b.client()
        c.send(subscribe_packet(1, [("q3", 3)]))
        c.expect_closed()
        c = b.client()
        c.send(subscribe_packet(1, [("q4", 0x04)]))
        c.expect_closed()
        roundtrip(b)


def test_subscribe_without_filters_closes():
    # MQTT-3.8.3-3: SUBSCRIBE must contain at least one filter.
    with Broker() as b:
        c = b.client()
        c.send(packet(SUBSCRIBE, 2, (1).to_bytes(2, "big")))
        c.expect_closed()
        roundtrip(b)


def test_unsubscribe_empty_filter_closes():
    # MQTT-4.7.3-1: topic filters are at least one character long.
    with Broker() as b:
        c = b.client()
        c.subscribe("x", 0)
        c.send(unsubscribe_packet(2, [""]))
        c.expect_closed()
        roundtrip(b)


def test_unsubscribe_without_filters_closes():
    # MQTT-3.10.3-2: UNSUBSCRIBE must contain at least one filter.
    with Broker() as b:
        c = b.client()
        c.send(packet(UNSUBSCRIBE, 2, (1).to_bytes(2, "big")))
        c.expect_closed()


def test_publish_wildcard_topic_closes():
    # MQTT-3.3.2-2: the PUBLISH topic name must not contain wildcards.
    with Broker() as b:
        sub = b.client()
        sub.subscribe("#", 0)
        for topic in ("a/+", "a/#", "+", "#", "a/b+"):
            c = b.client()
            c.send(publish_packet(topic, b"x", 0))
            c.expect_closed()
        sub.expect_nothing(0.3)
        roundtrip(b)


def test_publish_empty_topic_closes():
    # MQTT-4.7.3-1: topic names are at least one character long.
    with Broker() as b:
        sub = b.client()
        sub.subscribe("#", 0)
        c = b.client()
        c.send(publish_packet("", b"x", 1, pid=1))
        c.expect_closed()
        sub.expect_nothing(0.3)
        roundtrip(b)


def test_topics_not_normalised():
    # Topic levels are compared exactly: "a///b" has four levels, "a/b" two.
    with Broker() as b:
        s1, s2, pub = b.client(), b.client(), b.client()
        s1.subscribe("n///b", 1)
        s2.subscribe("n/b", 1)
        pub.publish("n///b", b"three", 1)
        s1.expect_publish("n///b", b"three")
        pub.publish("n/b", b"one", 1)
        s2.expect_publish("n/b", b"one")
        pub.publish("n/b/", b"trail", 1)
        pub.publish("/n/b", b"lead", 1)
        s1.expect_nothing(0.3)
        s2.expect_nothing(0.1)


def test_dollar_topics_not_matched_by_leading_wildcards():
    # MQTT-4.7.2-1: "#" and "+/..." must not match topics starting with "$".
    with Broker() as b:
        hash_sub, plus_sub, dollar_sub, pub = b.client(), b.client(), b.client(), b.client()
        hash_sub.subscribe("#", 1)
        plus_sub.subscribe("+/bar", 1)
        dollar_sub.subscribe("$foo/#", 1)
        pub.publish("$foo/bar", b"dollar", 1)
        dollar_sub.expect_publish("$foo/bar", b"dollar")
        pub.publish("foo/bar", b"plain", 1)
        hash_sub.expect_publish("foo/bar", b"plain")
        plus_sub.expect_publish("foo/bar", b"plain")
        hash_sub.expect_nothing(0.2)
        plus_sub.expect_nothing(0.1)


@midge_only
def test_overlapping_subscriptions_one_copy():
    # MQTT-3.3.5-1: with overlapping subscriptions the server delivers the message once,
    # at the maximum QoS of the matching subscriptions. mosquitto 2.0.11 (duplicate
    # suppression on) delivers one copy at QoS 0 here, not at the maximum QoS.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        assert sub.subscribe([("o/#", 1), ("o/+", 2), ("o/b", 0)]) == [1, 2, 0]
        pub.publish("o/b", b"once", 2)
        got = sub.collect_publishes(quiet=0.5, timeout=3)
        assert len(got) == 1, "got %d copies: %r" % (len(got), got)
        assert got[0].qos == 2, got[0]


def test_resubscribe_replaces_qos():
    # MQTT-3.8.4-3: a SUBSCRIBE with an existing filter replaces it (new QoS, one copy).
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("r/x", 0)
        assert sub.subscribe("r/x", 2) == [2]
        pub.publish("r/x", b"again", 2)
        got = sub.collect_publishes(quiet=0.5, timeout=3)
        assert len(got) == 1 and got[0].qos == 2, got


def test_unsubscribe_stops_delivery():
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe([("u/1", 1), ("u/2", 1)])
        pub.publish("u/1", b"before", 1)
        sub.expect_publish("u/1", b"before")
        sub.unsubscribe("u/1")
        pub.publish("u/1", b"after", 1)
        pub.publish("u/2", b"other", 1)
        sub.expect_publish("u/2", b"other")
        sub.expect_nothing(0.3)


def test_unsuback_for_unknown_filter():
    # MQTT-3.10.4-5: UNSUBACK even if no subscription matched.
    with Broker() as b:
        c = b.client()
        c.unsubscribe("never/subscribed")
        c.unsubscribe(["n/1", "n/+", "n/#"])
        c.ping()


def test_suback_packet_id_echoed():
    with Broker() as b:
        c = b.client()
        c.send(subscribe_packet(0x1234, [("pid/echo", 1)]))
        p = c.expect(SUBACK)
        assert p.pid == 0x1234 and p.codes == [1], p
        c.send(unsubscribe_packet(0xBEEF, ["pid/echo"]))
        p = c.expect(UNSUBACK)
        assert p.pid == 0xBEEF and p.raw == b"\xb0\x02\xbe\xef", p.raw.hex()


if __name__ == "__main__":
    main()
