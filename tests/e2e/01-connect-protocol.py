#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""CONNECT validation: protocol name/level, flags, packet order, keepalive cap."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def test_mqtt311_and_mqtt31_accepted():
    with Broker() as b:
        for level in (3, 4):
            c = b.raw()
            sp, rc = c.connect(uid(), level=level)
            assert (sp, rc) == (0, 0), (sp, rc)
            c.ping()
            c.disconnect()


def test_unsupported_level_mqtt7():
    # MQTT-3.1.2-2: unsupported protocol level -> CONNACK 1, then close.
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect(uid(), proto="MQTT", level=7)
        assert rc == 1, "CONNACK rc %d, expected 1 (unacceptable protocol version)" % rc
        c.expect_closed()


@midge_only
def test_mqtt5_refused_with_v5_connack():
    # Until MQTT 5 sessions exist, a level-5 CONNECT gets MQTT 5's own refusal:
    # CONNACK (flags 0, reason 0x84 unsupported protocol version, no properties), close.
    with Broker() as b:
        c = b.raw()
        body = mqtt_str("MQTT") + bytes([5, 0x02]) + (60).to_bytes(2, "big") + b"\x00"
        c.send(packet(CONNECT, 0, body + mqtt_str(uid())))
        p = c.expect(CONNACK)
        assert p.body == bytes([0, 0x84, 0]), p.body.hex()
        c.expect_closed()


def test_unsupported_name_level_mismatch():
    # "MQIsdp" is only valid with level 3.
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect(uid(), proto="MQIsdp", level=4)
        assert rc == 1, "CONNACK rc %d, expected 1" % rc
        c.expect_closed()


def test_mqtt_name_with_level3_refused():
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect(uid(), proto="MQTT", level=3)
        assert rc == 1, "CONNACK rc %d, expected 1" % rc
        c.expect_closed()


def test_unknown_protocol_name_closed():
    # MQTT-3.1.2-1: a wrong protocol name may be closed without CONNACK.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid(), proto="MQTX", level=4))
        try:
            p = c.recv(DEFAULT_TIMEOUT)
        except Closed:
            p = None
        if p is not None:
            assert p.type == CONNACK and p.rc != 0, "got %r" % p
            c.expect_closed()
        roundtrip(b)


def test_reserved_connect_flag_closes():
    # MQTT-3.1.2-3: reserved flag bit 0 must be 0, else disconnect.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid(), flags=0x03))
        c.expect_closed()
        roundtrip(b)


def test_will_qos_without_will_flag_closes():
    # MQTT-3.1.2-13: will flag 0 -> will QoS must be 0.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid(), flags=0x02 | 0x08))
        c.expect_closed()


def test_will_retain_without_will_flag_closes():
    # MQTT-3.1.2-15: will flag 0 -> will retain must be 0.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid(), flags=0x02 | 0x20))
        c.expect_closed()


def test_will_qos3_closes():
    # MQTT-3.1.2-14: will QoS 3 is malformed.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid(), will_topic="w/t", will_payload=b"x", will_qos=3))
        c.expect_closed()


def test_will_flag_without_will_fields_closes():
    # Will flag set but the payload ends after the client id: malformed.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid(), flags=0x02 | 0x04))
        c.expect_closed()
        roundtrip(b)


def test_password_without_username_closes():
    # MQTT-3.1.2-22 (3.1.1): the password flag requires the user name flag. The packet
    # is otherwise well formed: flags 0x42 and a password field after the client id.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid(), password="secret"))
        c.expect_closed()
        roundtrip(b)


def test_username_and_password_accepted_anonymous():
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect(uid(), username="u", password="p")
        assert rc == 0, rc
        c.ping()


def test_first_packet_not_connect_closes():
    # MQTT-3.1.0-1: the first packet must be CONNECT.
    with Broker() as b:
        for first in (PINGREQ_PACKET, subscribe_packet(1, [("a", 0)]),
                      publish_packet("a", b"x"), DISCONNECT_PACKET):
            c = b.raw()
            c.send(first)
            c.expect_closed()
        roundtrip(b)


def test_second_connect_closes():
    # MQTT-3.1.0-2: a second CONNECT is a protocol violation.
    with Broker() as b:
        c = b.client()
        c.send(connect_packet(uid()))
        c.expect_closed()
        roundtrip(b)


def test_connect_fixed_header_flags_nonzero_closes():
    # MQTT-2.2.2-2: CONNECT fixed-header flags are reserved (0).
    with Broker() as b:
        c = b.raw()
        pkt = bytearray(connect_packet(uid()))
        pkt[0] |= 0x01
        c.send(bytes(pkt))
        c.expect_closed()


@midge_only
def test_keepalive_above_max_keepalive_refused():
    # mosquitto behaviour for v3.x: keepalive > max_keepalive -> CONNACK 2. mosquitto
    # added this in 2.0.12 (the reference is 2.0.20); Debian's 2.0.11 accepts it.
    with Broker(conf=["max_keepalive 60"]) as b:
        c = b.raw()
        sp, rc = c.connect(uid(), keepalive=61)
        assert rc == 2, "CONNACK rc %d, expected 2 (identifier rejected)" % rc
        c.expect_closed()
        c = b.raw()
        sp, rc = c.connect(uid(), keepalive=60)
        assert rc == 0, "keepalive == max_keepalive refused with rc %d" % rc
        c.ping()


def test_connack_format():
    # CONNACK is exactly 0x20 0x02 <flags> <rc>.
    with Broker() as b:
        c = b.raw()
        c.send(connect_packet(uid()))
        p = c.expect(CONNACK)
        assert p.raw == b"\x20\x02\x00\x00", p.raw.hex()


if __name__ == "__main__":
    main()
