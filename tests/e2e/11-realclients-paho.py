#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Interoperability with Debian's python3-paho-mqtt (1.6 API)."""
import os
import queue
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

import paho.mqtt.client as mqtt  # noqa: E402

PROTOCOLS = ((mqtt.MQTTv31, "3.1"), (mqtt.MQTTv311, "3.1.1"))


class Paho:
    """A paho client with its network loop in a thread and events for the callbacks."""

    def __init__(self, b, client_id=None, clean=True, protocol=mqtt.MQTTv311, keepalive=60,
                 will=None, auto_reconnect=False):
        self.cid = client_id or uid("p")
        self.c = mqtt.Client(self.cid, clean_session=clean, protocol=protocol)
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.subscribed = queue.Queue()
        self.messages = queue.Queue()
        self.flags = None
        self.auto_reconnect = auto_reconnect
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = self._on_disconnect
        self.c.on_subscribe = lambda c, u, mid, granted: self.subscribed.put((mid, granted))
        self.c.on_message = lambda c, u, msg: self.messages.put(msg)
        if will:
            self.c.will_set(*will)
        self.c.connect("127.0.0.1", b.port, keepalive)
        self.c.loop_start()
        if not self.connected.wait(10):
            raise AssertionError("paho client %s did not connect" % self.cid)
        if self.rc != 0:
            raise AssertionError("paho client %s: CONNACK rc %d" % (self.cid, self.rc))

    def _on_connect(self, c, u, flags, rc):
        self.flags, self.rc = flags, rc
        self.connected.set()

    def _on_disconnect(self, c, u, rc):
        self.disconnect_rc = rc
        self.disconnected.set()
        if not self.auto_reconnect:
            c.loop_stop()   # from the loop thread: only asks it to stop, no reconnect

    def subscribe(self, topic, qos):
        rc, mid = self.c.subscribe(topic, qos)
        assert rc == 0, rc
        got_mid, granted = self.subscribed.get(timeout=10)
        assert got_mid == mid, (got_mid, mid)
        return granted

    def publish(self, topic, payload, qos=0, retain=False):
        info = self.c.publish(topic, payload, qos, retain)
        info.wait_for_publish(10)   # QoS 1/2: until PUBACK/PUBCOMP
        assert info.is_published(), "publish of %r not completed" % topic

    def message(self, timeout=10):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("paho client %s: no message within %ds" % (self.cid,
                                                                             timeout))

    def no_message(self, timeout=0.5):
        try:
            m = self.messages.get(timeout=timeout)
        except queue.Empty:
            return
        raise AssertionError("unexpected message %s %r" % (m.topic, m.payload))

    def stop(self):
        self.c.disconnect()
        self.c.loop_stop()


def test_roundtrips_all_qos():
    with Broker() as b:
        for proto, name in PROTOCOLS:
            sub = Paho(b, protocol=proto)
            pub = Paho(b, protocol=proto)
            for qos in (0, 1, 2):
                topic = "paho/%s/%d" % (name, qos)
                assert sub.subscribe(topic, qos) == (qos,)
                pub.publish(topic, b"hello", qos)
                m = sub.message()
                assert (m.topic, m.payload, m.qos, m.retain) == (topic, b"hello", qos, 0), \
                    (m.topic, m.payload, m.qos, m.retain)
            sub.no_message()
            sub.stop()
            pub.stop()


def test_retained():
    with Broker() as b:
        pub = Paho(b)
        pub.publish("paho/ret", b"kept", 1, retain=True)
        sub = Paho(b)
        sub.subscribe("paho/#", 1)
        m = sub.message()
        assert (m.topic, m.payload, m.retain) == ("paho/ret", b"kept", 1)
        pub.publish("paho/ret", b"", 1, retain=True)
        m = sub.message()
        assert m.payload == b"" and not m.retain
        late = Paho(b)
        late.subscribe("paho/#", 1)
        late.no_message()


def test_will_on_unexpected_disconnect():
    with Broker() as b:
        watch = Paho(b)
        watch.subscribe("paho/will", 1)
        for proto, name in PROTOCOLS:
            c = Paho(b, protocol=proto, will=("paho/will", b"gone " + name.encode(), 1))
            c.c.loop_stop()
            c.c.socket().close()      # no DISCONNECT
            m = watch.message()
            assert (m.topic, m.payload, m.qos) == ("paho/will", b"gone " + name.encode(), 1)
        ok = Paho(b, will=("paho/will", b"unexpected", 1))
        ok.stop()
        watch.no_message(1.0)


def test_persistent_session_offline_queue():
    with Broker() as b:
        cid = uid("pp")
        c = Paho(b, client_id=cid, clean=False)
        assert c.flags["session present"] == 0
        c.subscribe("paho/q", 2)
        c.stop()
        pub = Paho(b)
        for i in range(3):
            pub.publish("paho/q", b"q%d" % i, 1 + i % 2)
        c = Paho(b, client_id=cid, clean=False)
        assert c.flags["session present"] == 1, c.flags
        got = [c.message() for _ in range(3)]
        # paho hands QoS 2 messages over at PUBREL, so the order may differ.
        assert sorted(m.payload for m in got) == [b"q0", b"q1", b"q2"], \
            [m.payload for m in got]
        c.no_message()
        c.stop()


def test_takeover():
    with Broker() as b:
        cid = uid("pt")
        first = Paho(b, client_id=cid)
        second = Paho(b, client_id=cid)
        assert first.disconnected.wait(10), "first client not disconnected by takeover"
        assert first.disconnect_rc != 0, "takeover reported as a clean disconnect"
        second.subscribe("paho/tk", 1)
        second.publish("paho/tk", b"still here", 1)
        assert second.message().payload == b"still here"
        assert not second.disconnected.is_set()
        second.stop()


def test_keepalive_expiry():
    with Broker() as b:
        watch = Paho(b)
        watch.subscribe("paho/ka", 0)
        c = Paho(b, keepalive=1, will=("paho/ka", b"expired", 0))
        c.c.loop_stop()               # the client goes silent: no PINGREQ any more
        m = watch.message(timeout=15)
        assert m.payload == b"expired"
        c.c.socket().close()


if __name__ == "__main__":
    main()
