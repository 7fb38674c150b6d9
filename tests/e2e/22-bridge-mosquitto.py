#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bridges between midge and Debian's mosquitto, in both directions: midge's bridge
client against a mosquitto remote, and mosquitto's bridge against a midge remote."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

MOSQUITTO = "/usr/sbin/mosquitto"


def state_is(broker, topic, payload, timeout=15.0):
    c = broker.client()
    c.subscribe(topic, 1)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            p = c.recv(0.5)
            if p is None:
                continue
            c.ack(p)
            if p.topic == topic and p.payload == payload:
                return
        raise AssertionError("%s never became %r" % (topic, payload))
    finally:
        c.disconnect()


def exchange(local, remote, lt, rt):
    """A message each way over a `both` bridge, each arriving exactly once."""
    lsub, rsub = local.client(), remote.client()
    lsub.subscribe(lt + "/#", 1)
    rsub.subscribe(rt + "/#", 1)
    local.client().publish(lt + "/from-local", b"L", 1)
    remote.client().publish(rt + "/from-remote", b"R", 1)
    got_l = sorted(p.topic for p in lsub.collect_publishes(quiet=1.5))
    got_r = sorted(p.topic for p in rsub.collect_publishes(quiet=1.5))
    assert got_l == [lt + "/from-local", lt + "/from-remote"], got_l
    assert got_r == [rt + "/from-local", rt + "/from-remote"], got_r


def test_midge_bridged_to_mosquitto():
    if not os.path.exists(MOSQUITTO):
        print("# SKIP: %s not installed" % MOSQUITTO)
        return
    with Broker(binary=MOSQUITTO) as remote:
        conf = ["connection tomosq", "address 127.0.0.1:%d" % remote.port,
                "remote_clientid tomosq", "restart_timeout 1", "topic m/# both 1 loc/ rem/"]
        with Broker(conf=conf) as local:
            state_is(remote, "$SYS/broker/connection/tomosq/state", b"1")
            exchange(local, remote, "loc/m", "rem/m")
        state_is(remote, "$SYS/broker/connection/tomosq/state", b"0")


def test_mosquitto_bridged_to_midge():
    if not os.path.exists(MOSQUITTO):
        print("# SKIP: %s not installed" % MOSQUITTO)
        return
    with Broker() as remote:
        conf = ["connection tomidge", "address 127.0.0.1:%d" % remote.port,
                "remote_clientid tomidge", "restart_timeout 1", "topic n/# both 1"]
        with Broker(binary=MOSQUITTO, conf=conf) as local:
            # mosquitto's bridge announces itself (try_private) and publishes its state
            # into midge's $SYS/broker/connection/<id>/state, which midge allows.
            state_is(remote, "$SYS/broker/connection/tomidge/state", b"1")
            exchange(local, remote, "n", "n")
        state_is(remote, "$SYS/broker/connection/tomidge/state", b"0")


if __name__ == "__main__":
    main()
