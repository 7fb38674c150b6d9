#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Persistent sessions (clean session 0) within one broker lifetime."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def offline_session(b, filters, level=4):
    """Create a persistent session subscribed to filters, then DISCONNECT it."""
    cid = uid()
    c = b.raw()
    sp, rc = c.connect(cid, clean=False, level=level)
    assert (sp, rc) == (0, 0), "new persistent session: sp=%d rc=%d" % (sp, rc)
    c.subscribe(filters)
    c.disconnect()
    return cid


def test_session_present_flag():
    # MQTT-3.2.2-1..3: 0 for clean session and for new sessions, 1 for a resumed one.
    with Broker() as b:
        cid = uid()
        c = b.raw()
        assert c.connect(cid, clean=False) == (0, 0), "new session must have sp=0"
        c.disconnect()
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0), "resumed session must have sp=1"
        c.disconnect()
        c = b.raw()
        assert c.connect(cid, clean=True) == (0, 0), "clean session must have sp=0"
        c.disconnect()
        c = b.raw()
        assert c.connect(cid, clean=False) == (0, 0), "clean session left no session"


def test_mqtt31_connack_flags_zero():
    # MQTT 3.1 has no session-present flag: the first CONNACK byte is reserved (0).
    with Broker() as b:
        cid = offline_session(b, [("s31/t", 1)], level=3)
        c = b.raw()
        assert c.connect(cid, clean=False, level=3) == (0, 0)


def test_subscriptions_kept_and_messages_queued():
    # MQTT-3.1.2-4/5: the session keeps subscriptions and stores QoS 1/2 messages.
    with Broker() as b:
        cid = offline_session(b, [("ps/1", 1), ("ps/2", 2)])
        pub = b.client()
        pub.publish("ps/1", b"one", 1)
        pub.publish("ps/2", b"two", 2)
        pub.publish("ps/1", b"three", 2)
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        got = c.collect_publishes(count=3, quiet=1.0)
        assert [(g.topic, g.payload, g.qos) for g in got] == [
            ("ps/1", b"one", 1), ("ps/2", b"two", 2), ("ps/1", b"three", 1)], got
        # The subscription is still live after reconnecting.
        pub.publish("ps/2", b"live", 1)
        c.expect_publish("ps/2", b"live", qos=1)
        c.expect_nothing(0.3)


def test_qos0_not_queued_offline():
    with Broker() as b:
        cid = offline_session(b, [("q0/t", 1)])
        pub = b.client()
        pub.publish("q0/t", b"zero", 0)
        pub.publish("q0/t", b"one", 1)
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        got = c.collect_publishes(quiet=0.7)
        assert [g.payload for g in got] == [b"one"], got


def test_queue_qos0_messages_true():
    with Broker(conf=["queue_qos0_messages true"]) as b:
        cid = offline_session(b, [("q0q/t", 1)])
        pub = b.client()
        pub.publish("q0q/t", b"zero", 0)
        pub.publish("q0q/t", b"one", 1)
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        got = c.collect_publishes(quiet=0.7)
        assert [(g.payload, g.qos) for g in got] == [(b"zero", 0), (b"one", 1)], got


def test_unacked_qos1_resent_with_dup():
    # MQTT-4.4.0-1: on reconnect with clean session 0, unacknowledged PUBLISHes are
    # re-sent with the same packet id and DUP set.
    with Broker() as b:
        cid = uid()
        c = b.raw()
        c.connect(cid, clean=False)
        c.subscribe("dup/t", 1)
        pub = b.client()
        pub.publish("dup/t", b"unacked", 1)
        first = c.expect_publish("dup/t", b"unacked", qos=1, ack=False)
        assert not first.dup
        c.disconnect()
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        again = c.expect_publish("dup/t", b"unacked", qos=1, ack=False)
        assert again.dup, "re-sent PUBLISH must have DUP set: %r" % again
        assert again.pid == first.pid, (first, again)
        c.ack(again)
        c.expect_nothing(0.5)


def test_unacked_qos2_resent():
    # MQTT-4.4.0-1: unacknowledged QoS 2 PUBLISH re-sent with DUP; after PUBREC the
    # PUBREL is re-sent instead.
    with Broker() as b:
        cid = uid()
        c = b.raw()
        c.connect(cid, clean=False)
        c.subscribe("dup2/#", 2)
        pub = b.client()
        pub.publish("dup2/a", b"a", 2)
        pa = c.expect_publish("dup2/a", b"a", qos=2, ack=False)
        c.disconnect()
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        again = c.expect_publish("dup2/a", b"a", qos=2, ack=False)
        assert again.dup and again.pid == pa.pid, (pa, again)
        c.send(pid_packet(PUBREC, again.pid))
        r = c.expect(PUBREL)
        assert r.pid == pa.pid
        c.disconnect()      # PUBREC sent, PUBCOMP not yet
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        r = c.expect(PUBREL)
        assert r.pid == pa.pid and r.flags == 2, r
        c.send(pid_packet(PUBCOMP, r.pid))
        c.expect_nothing(0.5)


def test_clean_session_discards_old_session():
    # MQTT-3.1.2-6: clean session 1 discards the previous session.
    with Broker() as b:
        cid = offline_session(b, [("cs/t", 1)])
        pub = b.client()
        pub.publish("cs/t", b"queued", 1)
        c = b.raw()
        assert c.connect(cid, clean=True) == (0, 0)
        c.expect_nothing(0.5)
        pub.publish("cs/t", b"live", 1)
        c.expect_nothing(0.3)  # the subscription is gone too
        c.disconnect()
        c = b.raw()
        assert c.connect(cid, clean=False) == (0, 0)
        c.expect_nothing(0.3)


def test_clean_session_1_state_ends_with_connection():
    # MQTT-3.1.2-6: a clean-session client's subscriptions end with the connection.
    with Broker() as b:
        cid = uid()
        c = b.raw()
        c.connect(cid, clean=True)
        c.subscribe("ce/t", 1)
        c.disconnect()
        pub = b.client()
        pub.publish("ce/t", b"x", 1)
        c = b.raw()
        assert c.connect(cid, clean=False) == (0, 0)
        c.expect_nothing(0.5)


def test_persistent_session_survives_abrupt_close():
    with Broker() as b:
        cid = uid()
        c = b.raw()
        c.connect(cid, clean=False, will_topic="sync/" + cid, will_payload=b"gone")
        c.subscribe("ab/t", 1)
        w = b.client()
        w.subscribe("sync/" + cid, 0)
        c.close()
        w.expect_publish("sync/" + cid, b"gone")  # the broker saw the close
        pub = b.client()
        pub.publish("ab/t", b"while away", 1)
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        c.expect_publish("ab/t", b"while away", qos=1)


if __name__ == "__main__":
    main()
