#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Keepalive (MQTT-3.1.2-24) and PINGREQ/PINGRESP."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

# mosquitto 2.0.11 checks keepalives about every 5 s, so "stays alive" checks last
# longer than that to mean something there as well.
ALIVE_CHECK = 6.5


def test_pingresp_format():
    with Broker() as b:
        c = b.client()
        c.send(PINGREQ_PACKET)
        p = c.expect(PINGRESP)
        assert p.raw == b"\xd0\x00", p.raw.hex()


def test_silent_client_disconnected():
    with Broker() as b:
        c = b.client(keepalive=1)
        t0 = time.monotonic()
        assert c.is_closed(10), "silent client with keepalive 1 not disconnected in 10s"
        assert time.monotonic() - t0 >= 1.0, "disconnected before the keepalive period"
        roundtrip(b)


@midge_only
def test_silent_client_disconnected_timely():
    # 1.5 x keepalive; checked loosely (1..3 s). mosquitto 2.0.11 takes ~5 s.
    with Broker() as b:
        c = b.client(keepalive=1)
        t0 = time.monotonic()
        try:
            p = c.recv(5)
        except Closed:
            p = None
        dt = time.monotonic() - t0
        assert p is None, "unexpected %r" % p
        assert c.closed, "not disconnected within 5s"
        assert 1.0 <= dt <= 3.0, "disconnected after %.2fs, expected ~1.5s (1..3)" % dt


def test_pingreq_keeps_alive():
    # MQTT-3.1.2-23: any control packet within the period keeps the connection.
    with Broker() as b:
        c = b.client(keepalive=1)
        deadline = time.monotonic() + ALIVE_CHECK
        while time.monotonic() < deadline:
            c.ping()
            time.sleep(0.4)
        c.ping()


def test_publish_keeps_alive():
    with Broker() as b:
        c = b.client(keepalive=1)
        deadline = time.monotonic() + ALIVE_CHECK
        while time.monotonic() < deadline:
            c.publish("ka/pub", b"x", 1)
            time.sleep(0.4)
        c.ping()


def test_keepalive_zero_never_expires():
    # MQTT 3.1.1 section 3.1.2.10: keepalive 0 turns the mechanism off.
    with Broker() as b:
        c = b.client(keepalive=0)
        c.expect_nothing(ALIVE_CHECK)
        c.ping()


def test_keepalive_per_client():
    # One client's expiry does not affect another client with a longer keepalive.
    with Broker() as b:
        long_ka = b.client(keepalive=60)
        short = b.client(keepalive=1)
        assert short.is_closed(10)
        long_ka.ping()


if __name__ == "__main__":
    main()
