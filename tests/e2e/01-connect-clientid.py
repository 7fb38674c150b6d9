#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""CONNECT client identifier rules for MQTT 3.1 and 3.1.1."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def test_mqtt31_id_lengths_accepted():
    with Broker() as b:
        for cid in ("a", "x" * 23):
            c = b.raw()
            sp, rc = c.connect(cid, level=3)
            assert rc == 0, "3.1 id of %d chars refused with rc %d" % (len(cid), rc)
            c.disconnect()


def test_mqtt31_empty_id_refused():
    # MQTT 3.1 (section 3.1, Client Identifier): 1-23 characters, otherwise CONNACK 2.
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect("", level=3)
        assert rc == 2, "3.1 empty id: rc %d, expected 2" % rc
        c.expect_closed()
        roundtrip(b)


@midge_only
def test_mqtt31_id_over_23_refused():
    # MQTT 3.1 (section 3.1, Client Identifier): more than 23 characters -> CONNACK 2.
    # mosquitto 2.0 accepts long ids on 3.1 too.
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect("y" * 24, level=3)
        assert rc == 2, "3.1 id of 24 chars: rc %d, expected 2" % rc
        c.expect_closed()
        roundtrip(b)


def test_mqtt311_long_id_accepted():
    # MQTT-3.1.3-5 lets servers accept longer ids; mosquitto accepts them.
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect("z" * 100)
        assert rc == 0, rc
        c.ping()


def test_mqtt311_empty_id_clean_session_accepted():
    # MQTT-3.1.3-6: empty id with clean session 1 -> the server assigns an id.
    with Broker(conf=["auto_id_prefix test-"]) as b:
        c1 = b.raw()
        assert c1.connect("", clean=True) == (0, 0)
        c2 = b.raw()
        assert c2.connect("", clean=True) == (0, 0)
        # Two clients with generated ids must not take each other over, and both work.
        c1.subscribe("gen/a", 1)
        c2.subscribe("gen/b", 1)
        c2.publish("gen/a", b"to1", 1)
        c1.expect_publish("gen/a", b"to1")
        c1.publish("gen/b", b"to2", 1)
        c2.expect_publish("gen/b", b"to2")
        c1.ping()
        c2.ping()
        roundtrip(b)


def test_mqtt311_empty_id_persistent_refused():
    # MQTT-3.1.3-8: empty id with clean session 0 -> CONNACK 2, then close.
    with Broker() as b:
        c = b.raw()
        sp, rc = c.connect("", clean=False)
        assert rc == 2, "rc %d, expected 2" % rc
        assert sp == 0
        c.expect_closed()


def test_allow_zero_length_clientid_false():
    with Broker(conf=["allow_zero_length_clientid false"]) as b:
        c = b.raw()
        sp, rc = c.connect("", clean=True)
        assert rc == 2, "rc %d, expected 2" % rc
        c.expect_closed()
        c = b.raw()
        assert c.connect(uid()) == (0, 0)


def test_client_id_utf8():
    # Client ids are UTF-8 strings; a valid multi-byte id is accepted.
    with Broker() as b:
        c = b.raw()
        assert c.connect("caf\u00e9-" + uid()) == (0, 0)
        c.ping()


if __name__ == "__main__":
    main()
