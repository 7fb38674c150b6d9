#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""acl_file: read/write/readwrite/deny (deny first), the anonymous section, patterns with
%c and %u (and ids containing '+' or '#'), '$SYS' and '$share', the will topic at CONNECT
(CONNACK 5), retained messages filtered on subscribe, denied PUBLISHes whose QoS flow
still completes, and real clients (mosquitto_sub/mosquitto_pub with a password file,
paho). Tests marked @midge_only check where midge deliberately differs from mosquitto
2.0: it refuses a SUBSCRIBE that can match nothing readable with SUBACK 0x80 (mosquitto
grants it and then delivers nothing)."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Broker, RawClient, free_ports, is_mosquitto, main,  # noqa: E402
                     midge_only, run_broker_once, spawn, uid, wait_until)

FAIL = 0x80


def readable_dir():
    """A temp dir that Debian's mosquitto can read after dropping root privileges."""
    d = tempfile.mkdtemp(prefix="midge-acl-")
    os.chmod(d, 0o755)
    return d


def acl_file(text):
    path = os.path.join(readable_dir(), "acl")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


def connect(b, user=None, cid=None, port=None, **kw):
    c = RawClient(port or b.port)
    _, rc = c.connect(cid or uid("acl"), username=user, **kw)
    assert rc == 0, "CONNACK %d for user %r" % (rc, user)
    return c


def watcher(b, filt="#"):
    """A client of user 'watch' (read everything) subscribed to filt."""
    w = connect(b, "watch")
    assert w.subscribe(filt, 1) == [1]
    return w


RULES = """# midge e2e
user alice
topic deny rw/secret
topic readwrite rw/#
topic read ro/#
topic write wo/#

user watch
topic read #
topic read $SYS/#
"""


def test_write_rules_and_qos_flow_completes():
    with Broker(conf=["acl_file %s" % acl_file(RULES)]) as b:
        w = watcher(b)
        a = connect(b, "alice")
        a.publish("wo/1", "w", 1)            # write-only: forwarded
        w.expect_publish("wo/1", "w", qos=1)
        a.publish("rw/1", "rw", 2)           # readwrite
        w.expect_publish("rw/1", "rw", qos=1)
        a.publish("ro/1", "no", 1)           # read-only: PUBACK, not forwarded
        a.publish("rw/secret", "no", 2)      # deny beats the later readwrite: PUBCOMP
        a.publish("other", "no", 1)          # nothing matched: denied
        a.publish("rw/2", "last", 0)
        w.expect_publish("rw/2", "last", qos=0)
        w.expect_nothing(0.3)
        anon = connect(b)                    # anonymous: no rules at all
        anon.publish("rw/3", "no", 1)
        w.expect_nothing(0.3)


def test_read_rules_at_delivery():
    # Subscriptions that are only partly readable get exactly the readable messages.
    with Broker(conf=["acl_file %s" % acl_file(RULES + "user pub\ntopic write #\n")]) as b:
        a = connect(b, "alice")
        assert a.subscribe("rw/#", 1) == [1]
        assert a.subscribe("ro/+", 1) == [1]
        p = connect(b, "pub")
        for t in ("rw/x", "rw/secret", "ro/y", "wo/z", "elsewhere"):
            p.publish(t, t, 1)
        got = sorted(m.topic for m in a.collect_publishes(count=2))
        assert got == ["ro/y", "rw/x"], got
        a.expect_nothing(0.3)


@midge_only
def test_subscribe_refused_when_nothing_readable():
    # mosquitto 2.0 grants these and then delivers nothing.
    with Broker(conf=["acl_file %s" % acl_file(RULES)]) as b:
        a = connect(b, "alice")
        codes = a.subscribe([("wo/#", 1), ("rw/secret", 1), ("ro/#", 2), ("#", 1),
                             ("$SYS/#", 0), ("nothing/here", 0)])
        assert codes == [FAIL, FAIL, 2, 1, FAIL, FAIL], codes
        assert "subscribe 'wo/#' denied by the ACL" in b.log_text()


ANON = """topic read public/#
topic readwrite anon/#
user alice
topic readwrite alice/#
user watch
topic read #
"""


def test_anonymous_section():
    with Broker(conf=["acl_file %s" % acl_file(ANON)]) as b:
        w = watcher(b)
        anon = connect(b)
        assert anon.subscribe("public/#", 1) == [1]
        alice = connect(b, "alice")
        alice.subscribe("public/#", 1)       # granted or not, nothing may arrive
        alice.publish("alice/x", "a", 1)
        w.expect_publish("alice/x", "a")
        anon.publish("public/news", "forged", 1)   # read-only for anonymous
        anon.publish("alice/x", "forged", 1)       # alice's rules are not anonymous ones
        anon.publish("anon/chat", "hi", 1)
        w.expect_publish("anon/chat", "hi")
        w.expect_nothing(0.3)
        alice.publish("public/news", "n1", 1)      # alice may not write public/ either
        w.expect_nothing(0.3)
        pub = connect(b, "watch")                  # watch can only read
        pub.publish("public/news", "n2", 1)
        w.expect_nothing(0.3)
        anon.expect_nothing(0.2)
        alice.expect_nothing(0.2)


PATTERNS = """pattern readwrite clients/%c/#
pattern read users/%u/inbox
pattern deny users/%u/inbox/blocked
user feeder
topic write users/#
topic write clients/#
"""


def test_patterns_client_id_and_username():
    with Broker(conf=["acl_file %s" % acl_file(PATTERNS)]) as b:
        dev = connect(b, "u1", cid="dev1")
        assert dev.subscribe("clients/dev1/#", 1) == [1]
        assert dev.subscribe("users/u1/inbox", 1) == [1]
        assert dev.subscribe("users/u1/inbox/#", 1) == [1]     # partly readable
        other = connect(b, "u2", cid="dev2")
        other.subscribe("clients/dev1/#", 1)
        other.subscribe("users/u1/inbox", 1)
        f = connect(b, "feeder")
        f.publish("clients/dev1/cmd", "c1", 1)
        f.publish("users/u1/inbox", "m1", 1)
        f.publish("users/u1/inbox/blocked", "no", 1)
        f.publish("users/u2/inbox", "for u2", 1)
        # users/u1/inbox matches two of dev's filters but arrives once
        got = sorted((m.topic, m.payload) for m in dev.collect_publishes(count=2))
        assert got == [("clients/dev1/cmd", b"c1"), ("users/u1/inbox", b"m1")], got
        dev.expect_nothing(0.3)
        other.expect_nothing(0.3)
        # %c grants writing under the own id only
        w = connect(b, "u3", cid="dev3")
        w.subscribe("clients/dev3/#", 1)
        dev.publish("clients/dev3/x", "no", 1)
        dev.publish("clients/dev1/echo", "yes", 1)
        dev.expect_publish("clients/dev1/echo", "yes")
        w.expect_nothing(0.3)


def test_wildcard_ids_never_match_patterns():
    # A client id "#" must not turn "clients/%c/#" into a grant of everything
    # (CVE-2017-7650 class), nor a username "+" turn "users/%u/inbox" into users/+/inbox.
    with Broker(conf=["acl_file %s" % acl_file(PATTERNS)]) as b:
        evil = connect(b, "mallory", cid="#")
        evil.subscribe("clients/#", 1)
        plus = connect(b, "+", cid=uid("plus"))
        plus.subscribe("users/+/inbox", 1)
        f = connect(b, "feeder")
        f.publish("clients/dev1/cmd", "secret", 1)
        f.publish("users/u1/inbox", "secret", 1)
        evil.publish("clients/x/y", "forged", 1)
        evil.expect_nothing(0.5)
        plus.expect_nothing(0.3)


SYS = """user sysreader
topic read $SYS/broker/uptime
user hash
topic readwrite #
user forger
topic readwrite $SYS/#
topic readwrite $share/#
topic readwrite #
"""


def test_sys_topics():
    with Broker(conf=["acl_file %s" % acl_file(SYS), "sys_interval 1"]) as b:
        r = connect(b, "sysreader")
        r.subscribe("$SYS/broker/uptime", 0)
        m = r.expect_publish("$SYS/broker/uptime", timeout=5)
        assert m.payload.endswith(b"seconds"), m
        h = connect(b, "hash")                      # "#" never grants '$' topics
        h.subscribe("$SYS/broker/uptime", 0)
        h.expect_nothing(2.5)
        f = connect(b, "forger")                   # write access cannot forge $SYS
        f.subscribe("$SYS/broker/forged", 0)
        f.subscribe("$share/g/t", 0)
        f.subscribe("t", 0)
        f.publish("$SYS/broker/forged", "x", 1)
        f.publish("$share/g/t", "x", 1)            # subscription syntax, never a topic
        f.publish("t", "ok", 1)
        f.expect_publish("t", "ok", qos=0)
        f.expect_nothing(0.3)


WILL = """user alice
topic write wills/alice
topic read wills/#
"""


@midge_only
def test_will_topic_needs_write_access():
    # Debian's mosquitto 2.0.11 accepts the CONNECT (CONNACK 0) and only drops the will
    # when it would be sent; midge refuses it up front with CONNACK 5 (not authorised).
    with Broker(conf=["acl_file %s" % acl_file(WILL)]) as b:
        c = RawClient(b.port)
        _, rc = c.connect(uid("w"), username="alice", will_topic="wills/bob", will_payload="x")
        assert rc == 5, rc
        c.expect_closed()
        c = RawClient(b.port)
        _, rc = c.connect(uid("w"), will_topic="wills/alice", will_payload="x")
        assert rc == 5, rc                        # anonymous: no rules
        obs = connect(b, "alice")
        obs.subscribe("wills/#", 1)
        c = RawClient(b.port)
        _, rc = c.connect(uid("w"), username="alice", will_topic="wills/alice",
                          will_payload="gone", will_qos=1)
        assert rc == 0, rc
        c.close()                                 # unclean: the will is published
        obs.expect_publish("wills/alice", "gone", qos=1)


@midge_only
def test_will_on_sys_refused_without_acl_file():
    # Debian's mosquitto 2.0.11 accepts these wills (it only checks $SYS writes when a
    # client publishes); midge treats a will as the publish it is.
    with Broker() as b:
        for topic in ("$SYS/broker/x", "$share/g/t"):
            c = RawClient(b.port)
            _, rc = c.connect(uid("w"), will_topic=topic, will_payload="x")
            assert rc == 5, (topic, rc)


RETAIN = """user writer
topic readwrite #
user reader
topic read pub/#
topic deny pub/secret
"""


def test_retained_on_subscribe_filtered():
    with Broker(conf=["acl_file %s" % acl_file(RETAIN)]) as b:
        w = connect(b, "writer")
        for t in ("pub/a", "pub/secret", "priv/b", "pub/c/d"):
            w.publish(t, "r-" + t, 1, retain=True)
        r = connect(b, "reader")
        assert r.subscribe("pub/#", 1) == [1]
        got = sorted(m.topic for m in r.collect_publishes(count=2))
        assert got == ["pub/a", "pub/c/d"], got
        r.expect_nothing(0.3)
        r2 = connect(b, "reader")
        r2.subscribe("#", 1)                      # partly readable: filtered one by one
        msgs = r2.collect_publishes(count=2)
        assert sorted(m.topic for m in msgs) == ["pub/a", "pub/c/d"], msgs
        assert all(m.retain for m in msgs), msgs
        r2.expect_nothing(0.3)


def passwd_file(users):
    path = os.path.join(readable_dir(), "passwd")
    for i, (user, pw) in enumerate(users):
        subprocess.run(["mosquitto_passwd"] + (["-c"] if i == 0 else []) + ["-b", path, user, pw],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)
    os.chmod(path, 0o644)
    return path


def test_real_clients_mosquitto():
    pw = passwd_file([("alice", "pa"), ("bob", "pb")])
    acl = acl_file("user alice\ntopic read sensors/#\nuser bob\ntopic write sensors/#\n"
                   "topic write private/#\n")
    with Broker(conf=["acl_file %s" % acl, "password_file %s" % pw], anonymous=False) as b:
        sub = spawn(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(b.port), "-u", "alice",
                     "-P", "pa", "-t", "sensors/#", "-t", "private/#", "-q", "1", "-v"])
        wait_until(lambda: "alice" in b.log_text() and "subscribe" in b.log_text().lower(),
                   what="mosquitto_sub subscribed")
        for topic, msg in (("private/x", "hidden"), ("sensors/t1", "21.5")):
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(b.port), "-u", "bob",
                            "-P", "pb", "-t", topic, "-m", msg, "-q", "1"], check=True,
                           timeout=30)
        line = sub.stdout.readline().decode()
        assert line.strip() == "sensors/t1 21.5", line
        # alice may not write: mosquitto_pub succeeds (3.1.1 has no refusal) but nothing
        # arrives
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(b.port), "-u", "alice",
                        "-P", "pa", "-t", "sensors/t2", "-m", "forged", "-q", "1"],
                       check=True, timeout=30)
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(b.port), "-u", "bob",
                        "-P", "pb", "-t", "sensors/t3", "-m", "real", "-q", "1"], check=True,
                       timeout=30)
        line = sub.stdout.readline().decode()
        assert line.strip() == "sensors/t3 real", line


@midge_only
def test_real_clients_paho_suback_refused():
    import paho.mqtt.client as mqtt
    acl = acl_file("user alice\ntopic read ok/#\n")
    with Broker(conf=["acl_file %s" % acl]) as b:
        granted = []
        c = mqtt.Client(client_id=uid("paho"), protocol=mqtt.MQTTv311)
        c.username_pw_set("alice")
        c.on_subscribe = lambda cl, ud, mid, qos: granted.append(tuple(qos))
        c.connect("127.0.0.1", b.port)
        c.loop_start()
        try:
            c.subscribe([("ok/#", 1), ("no/#", 1)])
            wait_until(lambda: granted, what="SUBACK")
            assert granted[0] == (1, 128), granted
        finally:
            c.loop_stop()
            c.disconnect()


def test_broken_acl_file_is_fatal_at_start():
    acl = acl_file("user alice\ntopic read ok/#\ntopic raed x\ngarbage\n")
    status, out, _ = run_broker_once(["acl_file %s" % acl,
                                      "listener %d 127.0.0.1" % free_ports()[0]])
    assert status not in (0, None), (status, out)
    if not is_mosquitto():
        assert "%s:3: 'raed' is not an access word" % acl in out, out
        assert "%s:4: unknown keyword 'garbage'" % acl in out, out


if __name__ == "__main__":
    main()
