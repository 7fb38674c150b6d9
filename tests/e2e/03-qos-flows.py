#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""QoS 1 and 2 handshakes in both directions, exactly-once, ordering."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def test_qos1_inbound_puback():
    # MQTT-4.3.2-2: PUBACK with the same packet id.
    with Broker() as b:
        c = b.client()
        c.send(publish_packet("q1/in", b"x", 1, pid=0x0102))
        p = c.expect(PUBACK)
        assert p.raw == b"\x40\x02\x01\x02", p.raw.hex()


def test_qos2_inbound_handshake():
    # MQTT-4.3.3-2: PUBREC, then PUBCOMP for the PUBREL.
    with Broker() as b:
        c = b.client()
        c.send(publish_packet("q2/in", b"x", 2, pid=0x0304))
        p = c.expect(PUBREC)
        assert p.raw == b"\x50\x02\x03\x04", p.raw.hex()
        c.send(pid_packet(PUBREL, 0x0304))
        p = c.expect(PUBCOMP)
        assert p.raw == b"\x70\x02\x03\x04", p.raw.hex()


def test_qos1_outbound_flow():
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("q1/out", 1)
        pub.publish("q1/out", b"m", 1)
        p = sub.expect_publish("q1/out", b"m", qos=1, ack=False)
        assert p.pid and not p.dup and not p.retain, p
        sub.send(pid_packet(PUBACK, p.pid))
        sub.ping()


def test_qos2_outbound_flow():
    # Outbound QoS 2: PUBLISH -> PUBREC -> PUBREL(flags 2) -> PUBCOMP.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("q2/out", 2)
        pub.publish("q2/out", b"m", 2)
        p = sub.expect_publish("q2/out", b"m", qos=2, ack=False)
        assert p.pid and not p.dup, p
        sub.send(pid_packet(PUBREC, p.pid))
        r = sub.expect(PUBREL)
        assert r.raw == bytes([0x62, 2]) + p.pid.to_bytes(2, "big"), r.raw.hex()
        sub.send(pid_packet(PUBCOMP, p.pid))
        sub.ping()
        sub.expect_nothing(0.3)


def test_qos2_inbound_exactly_once():
    # MQTT-4.3.3-2 (method A/B): a resent PUBLISH with the same packet id before PUBREL
    # must not be delivered again; after PUBREL the packet id is free for a new message.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("eo/t", 2)
        pub.send(publish_packet("eo/t", b"first", 2, pid=7))
        assert pub.expect(PUBREC).pid == 7
        pub.send(publish_packet("eo/t", b"first", 2, pid=7, dup=True))
        assert pub.expect(PUBREC).pid == 7
        pub.send(pid_packet(PUBREL, 7))
        assert pub.expect(PUBCOMP).pid == 7
        got = sub.collect_publishes(quiet=0.5, timeout=3)
        assert [g.payload for g in got] == [b"first"], got
        # Same id again after the flow completed: a new message.
        pub.publish("eo/t", b"second", 2, pid=7)
        got = sub.collect_publishes(quiet=0.5, timeout=3)
        assert [g.payload for g in got] == [b"second"], got


def test_qos2_repeated_pubrel():
    # A repeated PUBREL (unknown packet id) still gets PUBCOMP and delivers nothing.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("rp/t", 2)
        pub.publish("rp/t", b"once", 2, pid=9)
        sub.expect_publish("rp/t", b"once")
        pub.send(pid_packet(PUBREL, 9))
        assert pub.expect(PUBCOMP).pid == 9
        pub.send(pid_packet(PUBREL, 4242))
        assert pub.expect(PUBCOMP).pid == 4242
        sub.expect_nothing(0.3)


def test_qos1_duplicate_delivered_again():
    # QoS 1 is at-least-once: a DUP resend with the same packet id is a new delivery.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("d1/t", 1)
        pub.publish("d1/t", b"a", 1, pid=3)
        pub.publish("d1/t", b"a", 1, pid=3, dup=True)
        got = sub.collect_publishes(quiet=0.5, timeout=3, count=2)
        assert len(got) == 2, got
        assert not any(g.dup for g in got), "DUP must not be forwarded (MQTT-3.3.1-3)"


def test_retain_and_dup_flags_not_forwarded():
    # MQTT-3.3.1-3: the DUP flag of an incoming PUBLISH is not propagated.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("df/t", 2)
        pub.publish("df/t", b"d", 2, dup=True)
        p = sub.expect_publish("df/t", b"d", qos=2)
        assert not p.dup, p


def test_ordered_delivery_qos1():
    # MQTT-4.6.0-6: messages of one topic are delivered in the order published.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("ord/t", 1)
        for i in range(30):
            pub.publish("ord/t", b"%d" % i, 1)
        got = sub.collect_publishes(quiet=1.0, timeout=10, count=30)
        assert [g.payload for g in got] == [b"%d" % i for i in range(30)], got


def test_outbound_packet_ids_distinct():
    # Outstanding outbound QoS 1/2 messages use distinct non-zero packet ids.
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe([("ids/1", 1), ("ids/2", 2)])
        for i in range(5):
            pub.publish("ids/1", b"a%d" % i, 1)
            pub.publish("ids/2", b"b%d" % i, 2)
        got = sub.collect_publishes(quiet=1.0, timeout=10, count=10, ack=False)
        pids = [g.pid for g in got]
        assert len(got) == 10 and 0 not in pids and len(set(pids)) == 10, got
        for g in got:
            sub.ack(g)
        sub.ping()


def test_large_payload():
    # Multi-byte remaining length both ways (300 kB payload).
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("big/t", 1)
        data = bytes(range(256)) * 1200
        pub.publish("big/t", data, 1)
        sub.expect_publish("big/t", data, timeout=10)


def test_empty_payload_non_retained():
    with Broker() as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("empty/t", 1)
        pub.publish("empty/t", b"", 1)
        sub.expect_publish("empty/t", b"", qos=1)


if __name__ == "__main__":
    main()
