#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The $SYS tree: topic names, payload formats, exact counters, the period, isolation."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

COUNT_TOPICS = [
    "clients/total", "clients/maximum", "clients/connected", "clients/active",
    "clients/disconnected", "clients/inactive", "clients/expired", "heap/current",
    "heap/maximum", "messages/stored", "store/messages/count", "store/messages/bytes",
    "subscriptions/count", "shared_subscriptions/count", "retained messages/count",
    "messages/received", "messages/sent", "publish/messages/received",
    "publish/messages/sent", "publish/messages/dropped", "bytes/received", "bytes/sent",
    "publish/bytes/received", "publish/bytes/sent",
]
LOAD_FAMILIES = [
    "messages/received", "messages/sent", "publish/received", "publish/sent",
    "publish/dropped", "bytes/received", "bytes/sent", "sockets", "connections",
]
LOAD_TOPICS = ["load/%s/%s" % (f, w) for f in LOAD_FAMILIES for w in ("1min", "5min", "15min")]
SYS = "$SYS/broker/"


def sys_values(client, seconds):
    """Collect $SYS publications for `seconds`; return {name: latest payload} (names
    without the $SYS/broker/ prefix) and the list of (arrival time, packet)."""
    latest, seen = {}, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        p = client.recv(max(0.01, deadline - time.monotonic()))
        if p is None:
            continue
        assert p.type == PUBLISH, p
        assert p.topic.startswith(SYS), p
        latest[p.topic[len(SYS):]] = p.payload.decode()
        seen.append((time.monotonic(), p))
    return latest, seen


@midge_only
def test_every_topic_with_its_format():
    with Broker(conf={"sys_interval": 1}) as b:
        time.sleep(1.3)  # the first update (and the version) are retained by now
        sub = b.client()
        sub.subscribe("$SYS/#", 0)
        latest, seen = sys_values(sub, 1.0)
        assert seen and all(p.retain for _, p in seen[:len(latest)]), seen[:3]
        assert re.fullmatch(r"midge version \d+\.\d+\.\d+\S*", latest["version"]), latest
        assert re.fullmatch(r"\d+ seconds", latest["uptime"]), latest["uptime"]
        for name in COUNT_TOPICS:
            assert name in latest, "missing %s" % name
            assert re.fullmatch(r"\d+", latest[name]), (name, latest[name])
        for name in LOAD_TOPICS:
            assert name in latest, "missing %s" % name
            assert re.fullmatch(r"\d+\.\d\d", latest[name]), (name, latest[name])
        assert len(latest) == 2 + len(COUNT_TOPICS) + len(LOAD_TOPICS) == 53


def test_counters_match_traffic():
    with Broker(conf={"sys_interval": 1}) as b:
        pubs = [b.client() for _ in range(3)]
        for i in range(5):
            pubs[0].publish("sys/test", b"hello", 1)  # 5 PUBLISH, 25 payload bytes
        sub = b.client()
        sub.subscribe("$SYS/broker/#", 0)
        latest, _ = sys_values(sub, 2.5)  # at least two updates after the traffic
        assert latest["clients/connected"] == "4", latest
        assert latest["clients/total"] == "4", latest
        assert latest["clients/maximum"] == "4", latest
        assert latest["clients/disconnected"] == "0", latest
        assert latest["subscriptions/count"] == "1", latest
        assert latest["publish/messages/received"] == "5", latest
        assert latest["publish/bytes/received"] == "25", latest
        assert latest["publish/messages/dropped"] == "0", latest
        # 4 CONNECT + 5 PUBLISH + 1 SUBSCRIBE (no PINGREQ within the keepalive)
        assert latest["messages/received"] == "10", latest
        assert float(latest["load/connections/1min"]) > 0, latest
        pubs[1].disconnect()
        latest, _ = sys_values(sub, 1.5)
        assert latest["clients/connected"] == "3", latest
        assert latest["clients/active"] == "3", latest


@midge_only
def test_exact_period():
    # mosquitto updates every sys_interval + 1 s; midge exactly every sys_interval.
    with Broker(conf={"sys_interval": 1}) as b:
        sub = b.client()
        sub.subscribe("$SYS/broker/uptime", 0)
        _, seen = sys_values(sub, 4.6)
        live = [(t, p) for t, p in seen if not p.retain]
        assert len(live) >= 4, live
        secs = [int(p.payload.split()[0]) for _, p in live]
        assert all(b2 - a == 1 for a, b2 in zip(secs, secs[1:])), secs


def test_hash_does_not_match_sys():
    with Broker(conf={"sys_interval": 1}) as b:
        sub = b.client()
        sub.subscribe("#", 0)
        sub.expect_nothing(2.5)


def test_client_cannot_publish_to_sys():
    with Broker(conf={"sys_interval": 1}) as b:
        sub = b.client()
        sub.subscribe([("$SYS/#", 0), ("$SYS/x", 0)])
        evil = b.client()
        evil.publish("$SYS/x", b"forged", 1)
        evil.publish("$SYS/broker/uptime", b"forged", 0, retain=True)
        _, seen = sys_values(sub, 2.0)
        assert not [p for _, p in seen if p.topic == "$SYS/x" or p.payload == b"forged"]
        late = b.client()
        late.subscribe("$SYS/broker/uptime", 0)
        p = late.expect_publish("$SYS/broker/uptime", retain=True)
        assert p.payload.endswith(b" seconds"), p


def test_sys_interval_zero_disables():
    with Broker(conf={"sys_interval": 0}) as b:
        sub = b.client()
        sub.subscribe("$SYS/#", 0)
        sub.expect_nothing(2.0)


if __name__ == "__main__":
    main()
