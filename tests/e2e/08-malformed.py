#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Malformed input closes only the offending connection; the broker keeps working."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


class Observer:
    """A client connected before the bad one; checked after each case."""

    def __init__(self, b):
        self.b = b
        self.sub = b.client()
        self.sub.subscribe("obs/#", 1)
        self.pub = b.client()
        self.n = 0

    def check(self, what):
        self.b.assert_alive()
        self.n += 1
        payload = b"after %d" % self.n
        try:
            self.pub.publish("obs/t", payload, 1)
            self.sub.expect_publish("obs/t", payload)
        except AssertionError as e:
            raise AssertionError("after %s the earlier clients stopped working: %s"
                                 % (what, e))


def run_cases(b, cases, connect=True):
    obs = Observer(b)
    for what, data in cases:
        c = b.client() if connect else b.raw()
        c.send(data, may_fail=True)
        try:
            c.expect_closed()
        except AssertionError as e:
            raise AssertionError("%s: %s" % (what, e))
        obs.check(what)
    roundtrip(b)


def test_bad_remaining_length():
    # MQTT 2.2.3: at most 4 bytes of remaining length.
    with Broker() as b:
        run_cases(b, [("5-byte varint", b"\x30\xff\xff\xff\xff\x01")])
        run_cases(b, [("5-byte varint before CONNECT", b"\x10\xff\xff\xff\xff\x01")],
                  connect=False)


def test_truncated_fields():
    with Broker() as b:
        run_cases(b, [
            ("PUBLISH topic length beyond packet", packet(PUBLISH, 0, b"\x00\x10ab")),
            ("PUBLISH QoS 1 without packet id", packet(PUBLISH, 2, mqtt_str("a"))),
            ("PUBLISH with 1-byte body", packet(PUBLISH, 0, b"\x00")),
            ("SUBSCRIBE filter without QoS byte",
             packet(SUBSCRIBE, 2, b"\x00\x01" + mqtt_str("a"))),
            ("SUBSCRIBE filter length beyond packet",
             packet(SUBSCRIBE, 2, b"\x00\x01\x00\x09ab\x00")),
            ("UNSUBSCRIBE filter length beyond packet",
             packet(UNSUBSCRIBE, 2, b"\x00\x01\x00\x09ab")),
            ("PUBACK with 1-byte body", packet(PUBACK, 0, b"\x01")),
        ])
        run_cases(b, [
            ("CONNECT truncated protocol name", packet(CONNECT, 0, b"\x00\x04MQ")),
            ("CONNECT without client id", packet(CONNECT, 0, mqtt_str("MQTT") +
                                                  b"\x04\x02\x00\x3c")),
            ("CONNECT client id length beyond packet",
             packet(CONNECT, 0, mqtt_str("MQTT") + b"\x04\x02\x00\x3c\x00\x20abc")),
            ("CONNECT username flag without username",
             connect_packet(uid(), flags=0x82)),
        ], connect=False)


def test_invalid_utf8():
    # MQTT-1.5.3-1: ill-formed UTF-8 (including surrogates and overlong forms) in a
    # topic is malformed.
    with Broker() as b:
        bad = [b"a/\xff", b"a/\xc0\xaf", b"a/\xed\xa0\x80", b"a/\xe2\x82"]
        cases = []
        for t in bad:
            cases.append(("PUBLISH topic %r" % t, publish_packet(t, b"x", 0)))
            cases.append(("SUBSCRIBE filter %r" % t, subscribe_packet(1, [(t, 0)])))
        run_cases(b, cases)
        run_cases(b, [("will topic %r" % t, connect_packet(uid(), will_topic=t))
                      for t in bad], connect=False)


def test_nul_in_topic():
    # MQTT-1.5.3-2: U+0000 must not appear in a string.
    with Broker() as b:
        run_cases(b, [
            ("PUBLISH topic with U+0000", publish_packet(b"a\x00b", b"x", 1, pid=1)),
            ("SUBSCRIBE filter with U+0000", subscribe_packet(1, [(b"a\x00b", 0)])),
            ("UNSUBSCRIBE filter with U+0000", unsubscribe_packet(1, [b"a\x00b"])),
        ])


def test_max_packet_size():
    # max_packet_size: a larger packet disconnects the sender.
    with Broker(conf=["max_packet_size 100"]) as b:
        obs = Observer(b)
        c = b.client()
        c.publish("mps/t", b"x" * 50, 1)
        c.send(publish_packet("mps/t", b"y" * 200, 1, pid=7), may_fail=True)
        c.expect_closed()
        obs.check("oversize packet")


def test_publish_qos3():
    # MQTT-3.3.1-4: QoS 3 is malformed.
    with Broker() as b:
        run_cases(b, [("PUBLISH QoS 3", packet(PUBLISH, 0x06, mqtt_str("a") + b"\x00\x01"))])


def test_reserved_fixed_header_flags():
    # MQTT-3.8.1-1, MQTT-3.10.1-1, MQTT-3.6.1-1, MQTT-2.2.2-2: reserved flag bits.
    with Broker() as b:
        run_cases(b, [
            ("SUBSCRIBE flags 0", packet(SUBSCRIBE, 0, b"\x00\x01" + mqtt_str("a") + b"\x00")),
            ("UNSUBSCRIBE flags 0", packet(UNSUBSCRIBE, 0, b"\x00\x01" + mqtt_str("a"))),
            ("PUBREL flags 0", packet(PUBREL, 0, b"\x00\x01")),
        ])


def test_reserved_packet_types():
    with Broker() as b:
        run_cases(b, [
            ("packet type 0", b"\x00\x00"),
            ("packet type 15 (AUTH is MQTT 5 only)", b"\xf0\x00"),
            ("CONNACK from a client", b"\x20\x02\x00\x00"),
        ])


@midge_only
def test_strict_fixed_header_checks():
    # mosquitto 2.0.11 accepts these. MQTT-2.2.2-2 (reserved flags of PINGREQ/PUBACK),
    # 3.1.1 section 3.6.1 (PUBREL remaining length is 2), section 2.2.1 (SUBACK, UNSUBACK,
    # PINGRESP are server-to-client only), PINGREQ has no body.
    with Broker() as b:
        run_cases(b, [
            ("PINGREQ flags 1", packet(PINGREQ, 1, b"")),
            ("PUBACK flags 2", packet(PUBACK, 2, b"\x00\x01")),
            ("PINGREQ with a body", packet(PINGREQ, 0, b"\x00")),
            ("PUBREL with 3-byte body", packet(PUBREL, 2, b"\x00\x01\x00")),
            ("PUBACK with 3-byte body", packet(PUBACK, 0, b"\x00\x01\x00")),
            ("SUBACK from a client", b"\x90\x03\x00\x01\x00"),
            ("UNSUBACK from a client", b"\xb0\x02\x00\x01"),
            ("PINGRESP from a client", b"\xd0\x00"),
        ])


def test_garbage_bytes():
    with Broker() as b:
        junk = bytes((i * 37 + 11) % 256 for i in range(512))
        run_cases(b, [("garbage before CONNECT", b"\xffGARBAGE" + junk),
                      # "GE": PUBACK, flags 7, remaining length 0x45 = 69 bytes: make it complete.
                      ("HTTP request", b"GET / HTTP/1.1\r\nHost: x\r\n"
                                       b"User-Agent: midge-e2e-test-suite\r\n"
                                       b"Accept: */*\r\nConnection: close\r\n\r\n")],
                  connect=False)
        run_cases(b, [("garbage after CONNECT", b"\xff" + junk)])


def test_packet_id_zero():
    # MQTT-2.3.1-1: QoS > 0 PUBLISH/SUBSCRIBE/UNSUBSCRIBE need a non-zero packet id.
    with Broker() as b:
        run_cases(b, [
            ("PUBLISH QoS 1 packet id 0", publish_packet("a", b"x", 1, pid=0)),
            ("SUBSCRIBE packet id 0", subscribe_packet(0, [("a", 0)])),
            ("UNSUBSCRIBE packet id 0", unsubscribe_packet(0, ["a"])),
        ])


def test_fragmented_and_coalesced_packets_ok():
    # Not malformed: one byte per send, and several packets in one send, both work.
    with Broker() as b:
        c = b.raw()
        for byte in connect_packet(uid()):
            c.send(bytes([byte]))
        assert c.expect(CONNACK).rc == 0
        c.send(subscribe_packet(1, [("frag/t", 1)]) + publish_packet("frag/t", b"a", 1, pid=2)
               + PINGREQ_PACKET)
        seen = sorted([c.recv().type for _ in range(4)])
        assert seen == sorted([SUBACK, PUBACK, PUBLISH, PINGRESP]), seen


def test_abrupt_close_mid_packet():
    with Broker() as b:
        obs = Observer(b)
        for cut in (1, 2, 5, 10):
            c = b.client()
            c.send(publish_packet("obs/cut", b"z" * 100, 1, pid=3)[:cut])
            c.close()
            obs.check("close after %d bytes" % cut)


if __name__ == "__main__":
    main()
