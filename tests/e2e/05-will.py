#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Will messages (MQTT-3.1.2-8 .. 3.1.2-17)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def will_client(b, topic, payload=b"bye", qos=0, retain=False, keepalive=60, level=4,
                client_id=None):
    c = b.raw()
    sp, rc = c.connect(client_id or uid(), will_topic=topic, will_payload=payload,
                       will_qos=qos, will_retain=retain, keepalive=keepalive, level=level)
    assert rc == 0, rc
    return c


def watcher(b, filt, qos=2):
    w = b.client()
    w.subscribe(filt, qos)
    return w


def test_will_on_socket_close():
    # MQTT-3.1.2-8: network connection closed without DISCONNECT -> will published.
    with Broker() as b:
        w = watcher(b, "will/close")
        c = will_client(b, "will/close", b"gone")
        c.close()
        w.expect_publish("will/close", b"gone", qos=0, retain=False)


def test_will_mqtt31():
    with Broker() as b:
        w = watcher(b, "will/31")
        c = will_client(b, "will/31", b"gone31", level=3)
        c.close()
        w.expect_publish("will/31", b"gone31")


def test_no_will_after_disconnect():
    # MQTT-3.1.2-10: DISCONNECT deletes the will.
    with Broker() as b:
        w = watcher(b, "will/dis")
        c = will_client(b, "will/dis")
        c.disconnect()
        w.expect_nothing(1.0)


def test_will_on_keepalive_expiry():
    # MQTT-3.1.2-24: no packet within 1.5 x keepalive -> disconnect and publish the will.
    with Broker() as b:
        w = watcher(b, "will/ka")
        c = will_client(b, "will/ka", b"timeout", keepalive=1)
        t0 = time.monotonic()
        w.expect_publish("will/ka", b"timeout", timeout=10)
        dt = time.monotonic() - t0
        assert dt >= 1.0, "will after %.2fs, before the keepalive period" % dt
        assert c.is_closed(1.0), "expired client not disconnected"


@midge_only
def test_will_on_keepalive_expiry_timely():
    # MQTT-3.1.2-24: within 1.5 x keepalive (checked loosely: 1..3 s for keepalive 1).
    # mosquitto 2.0.11 checks keepalives only every ~5 s.
    with Broker() as b:
        w = watcher(b, "will/ka")
        c = will_client(b, "will/ka", b"timeout", keepalive=1)
        t0 = time.monotonic()
        w.expect_publish("will/ka", b"timeout", timeout=5)
        dt = time.monotonic() - t0
        assert 1.0 <= dt <= 3.0, "will after %.2fs, expected ~1.5s (1..3)" % dt
        assert c.is_closed(1.0), "expired client not disconnected"


def test_will_on_protocol_error():
    # MQTT-3.1.2-8: the server closes the connection because of a protocol error.
    with Broker() as b:
        w = watcher(b, "will/err")
        c = will_client(b, "will/err", b"broken")
        c.send(publish_packet("bad/+", b"x", 0))
        c.expect_closed()
        w.expect_publish("will/err", b"broken")


def test_will_on_takeover():
    # MQTT-3.1.4-2: the server disconnects the existing client (no DISCONNECT from it),
    # so its will is published.
    with Broker() as b:
        w = watcher(b, "will/take")
        cid = uid()
        old = will_client(b, "will/take", b"taken", client_id=cid)
        new = b.raw()
        assert new.connect(cid) == (0, 0)
        old.expect_closed()
        w.expect_publish("will/take", b"taken")
        new.ping()


def test_will_retain_honoured():
    # MQTT-3.1.2-17: will retain 1 -> published as a retained message.
    with Broker() as b:
        c = will_client(b, "will/ret", b"last words", qos=1, retain=True)
        w = watcher(b, "will/ret")
        c.close()
        w.expect_publish("will/ret", b"last words", qos=1, retain=False)
        late = watcher(b, "will/ret")
        late.expect_publish("will/ret", b"last words", qos=1, retain=True)


def test_will_not_retained_without_flag():
    # MQTT-3.1.2-16: will retain 0 -> not retained.
    with Broker() as b:
        w = watcher(b, "will/nr")
        c = will_client(b, "will/nr", b"x", qos=1, retain=False)
        c.close()
        w.expect_publish("will/nr", b"x")
        late = watcher(b, "will/nr")
        late.expect_nothing(0.5)


def test_will_qos_honoured():
    # MQTT-3.1.2-14: the will is published at its will QoS (then min with granted QoS).
    with Broker() as b:
        for q in (0, 1, 2):
            topic = "will/q%d" % q
            w = watcher(b, topic, 2)
            c = will_client(b, topic, b"q%d" % q, qos=q)
            c.close()
            w.expect_publish(topic, b"q%d" % q, qos=q)
        w1 = watcher(b, "will/q2low", 1)
        c = will_client(b, "will/q2low", b"low", qos=2)
        c.close()
        w1.expect_publish("will/q2low", b"low", qos=1)


def test_will_published_once():
    with Broker() as b:
        w = watcher(b, "will/once")
        c = will_client(b, "will/once", b"one")
        c.send(b"\xff\xff", may_fail=True)
        c.close()
        got = w.collect_publishes(quiet=0.7, timeout=5)
        assert [g.payload for g in got] == [b"one"], got


if __name__ == "__main__":
    main()
