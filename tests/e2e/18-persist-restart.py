#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Persistence across restarts: retained messages, persistent sessions with their
subscriptions and queues, half-finished QoS 1/2 flows in both directions, SIGUSR1 and
autosave, session expiry while the broker is down, and real clients."""
import os
import signal
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

PERSIST = ["persistence true"]


def db_path(b):
    return os.path.join(b.dir, "midge.db")


def db_bytes(b):
    with open(db_path(b), "rb") as f:
        return f.read()


def offline_session(b, filters):
    cid = uid("p")
    c = b.raw()
    assert c.connect(cid, clean=False) == (0, 0)
    c.subscribe(filters)
    c.disconnect()
    return cid


def test_retained_survive_restart():
    with Broker(conf=PERSIST) as b:
        pub = b.client()
        pub.publish("ret/a", b"alpha", 0, retain=True)
        pub.publish("ret/b", b"beta", 1, retain=True)
        pub.publish("ret/c", b"gone", 2, retain=True)
        pub.publish("ret/c", b"", 1, retain=True)  # cleared: must not come back
        pub.disconnect()
        b.restart()
        assert "restored 2 retained messages" in b.log_text(), b.log_tail()
        c = b.client()
        c.subscribe("ret/#", 1)
        got = sorted((p.topic, p.payload, p.retain, p.qos) for p in c.collect_publishes())
        assert got == [("ret/a", b"alpha", True, 0), ("ret/b", b"beta", True, 1)], got
        c.disconnect()
        b.restart()  # and once more: the restored messages are saved again
        c = b.client()
        c.subscribe("ret/#", 0)
        assert len(c.collect_publishes()) == 2
        c.disconnect()
        # The broker's own $SYS messages are not saved.
        assert b"$SYS" not in db_bytes(b)


def test_session_subscriptions_and_offline_queue():
    # MQTT-3.1.2-4/5 across a restart: subscriptions kept, QoS 1/2 stored, QoS 0 not.
    with Broker(conf=PERSIST) as b:
        cid = offline_session(b, [("q/1", 1), ("q/2", 2), ("q/0", 0)])
        pub = b.client()
        pub.publish("q/1", b"one", 1)
        pub.publish("q/2", b"two", 2)
        pub.publish("q/1", b"three", 2)  # downgraded to the granted QoS 1
        pub.publish("q/0", b"zero", 0)
        pub.disconnect()
        b.restart()
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0), "session not restored"
        got = c.collect_publishes(count=3, quiet=1.0)
        assert [(g.topic, g.payload, g.qos, g.dup) for g in got] == [
            ("q/1", b"one", 1, False), ("q/2", b"two", 2, False),
            ("q/1", b"three", 1, False)], got
        c.expect_nothing(0.3)
        # The subscriptions are live again.
        pub = b.client()
        pub.publish("q/2", b"live", 2)
        c.expect_publish("q/2", b"live", qos=2)
        c.disconnect()
        pub.disconnect()


def test_outbound_inflight_resumed_with_dup():
    # MQTT-4.4.0-1: on resume the broker re-sends unacknowledged PUBLISH packets with DUP
    # and their original packet ids, and PUBREL for QoS 2 messages already PUBREC'd.
    with Broker(conf=PERSIST) as b:
        cid = uid("f")
        c = b.raw()
        assert c.connect(cid, clean=False) == (0, 0)
        c.subscribe([("fl/#", 2)])
        pub = b.client()
        pub.publish("fl/q1", b"m1", 1)
        pub.publish("fl/q2", b"m2", 2)
        pub.publish("fl/q2b", b"m3", 2)
        p1 = c.expect_publish("fl/q1", b"m1", qos=1, ack=False)
        p2 = c.expect_publish("fl/q2", b"m2", qos=2, ack=False)
        p3 = c.expect_publish("fl/q2b", b"m3", qos=2, ack=False)
        c.send(pid_packet(PUBREC, p2.pid))  # m2 now waits for PUBCOMP
        rel = c.expect(PUBREL)
        assert rel.pid == p2.pid
        pub.disconnect()
        # The subscriber is still connected when the broker shuts down.
        b.restart()
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        r1 = c.expect(PUBLISH)
        assert (r1.topic, r1.payload, r1.qos, r1.pid, r1.dup) == (
            "fl/q1", b"m1", 1, p1.pid, True), r1
        r2 = c.expect(PUBREL)
        assert r2.pid == p2.pid and r2.flags == 2, r2
        r3 = c.expect(PUBLISH)
        assert (r3.topic, r3.payload, r3.qos, r3.pid, r3.dup) == (
            "fl/q2b", b"m3", 2, p3.pid, True), r3
        c.send(pid_packet(PUBACK, p1.pid))
        c.send(pid_packet(PUBCOMP, p2.pid))
        c.send(pid_packet(PUBREC, p3.pid))
        assert c.expect(PUBREL).pid == p3.pid
        c.send(pid_packet(PUBCOMP, p3.pid))
        c.expect_nothing(0.3)
        c.disconnect()
        # Everything was acknowledged: the next restart re-sends nothing.
        b.restart()
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        c.expect_nothing(0.5)
        c.disconnect()


def test_inbound_qos2_awaiting_pubrel():
    # MQTT-4.3.3: a QoS 2 message PUBREC'd before the restart is not delivered again when
    # the client re-sends it, and its PUBREL still gets PUBCOMP.
    with Broker(conf=PERSIST) as b:
        cid = uid("i")
        c = b.raw()
        assert c.connect(cid, clean=False) == (0, 0)
        sub = b.client()
        sub.subscribe("in2/t", 2)
        c.send(publish_packet("in2/t", b"once", qos=2, pid=7))
        assert c.expect(PUBREC).pid == 7
        sub.expect_publish("in2/t", b"once", qos=2)
        sub.disconnect()
        c.close()  # no PUBREL before the restart
        b.restart()
        sub = b.client()
        sub.subscribe("in2/t", 2)
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        c.send(publish_packet("in2/t", b"once", qos=2, pid=7, dup=True))
        assert c.expect(PUBREC).pid == 7
        sub.expect_nothing(0.5)
        c.send(pid_packet(PUBREL, 7))
        assert c.expect(PUBCOMP).pid == 7
        # Packet id 7 is free again: a new message with it is delivered.
        c.send(publish_packet("in2/t", b"again", qos=2, pid=7))
        assert c.expect(PUBREC).pid == 7
        c.send(pid_packet(PUBREL, 7))
        assert c.expect(PUBCOMP).pid == 7
        sub.expect_publish("in2/t", b"again", qos=2)
        c.disconnect()
        sub.disconnect()


def test_packet_ids_continue_after_restart():
    # New messages after the restart must not reuse the id of a message still in flight.
    with Broker(conf=PERSIST) as b:
        cid = uid("m")
        c = b.raw()
        assert c.connect(cid, clean=False) == (0, 0)
        c.subscribe([("mid/#", 1)])
        pub = b.client()
        pub.publish("mid/a", b"a", 1)
        pa = c.expect_publish("mid/a", qos=1, ack=False)
        pub.disconnect()
        b.restart()
        c = b.raw()
        assert c.connect(cid, clean=False) == (1, 0)
        ra = c.expect(PUBLISH)
        assert ra.pid == pa.pid and ra.dup
        pub = b.client()
        pub.publish("mid/b", b"b", 1)
        rb = c.expect_publish("mid/b", qos=1)
        assert rb.pid != pa.pid, "packet id %d reused while still in flight" % rb.pid
        c.send(pid_packet(PUBACK, pa.pid))
        c.disconnect()
        pub.disconnect()


def test_sigusr1_saves_without_stopping():
    with Broker(conf=PERSIST + ["autosave_interval 0"]) as b:
        pub = b.client()
        pub.publish("usr1/t", b"saved-by-usr1", 1, retain=True)
        assert not os.path.exists(db_path(b))
        b.proc.send_signal(signal.SIGUSR1)
        wait_until(lambda: os.path.exists(db_path(b)) and b"saved-by-usr1" in db_bytes(b),
                   what="the SIGUSR1 save")
        wait_until(lambda: "persistence: saved 1 retained" in b.log_text(), what="save log")
        roundtrip(b)  # still serving
        pub.disconnect()
        # Without a clean shutdown, the SIGUSR1 file is what the next start loads.
        b.proc.kill()
        b.proc.wait()
        b.start()
        c = b.client()
        c.subscribe("usr1/t", 1)
        c.expect_publish("usr1/t", b"saved-by-usr1", retain=True)
        c.disconnect()


def test_autosave_interval_and_changes():
    with Broker(conf=PERSIST + ["autosave_interval 1"]) as b:
        pub = b.client()
        pub.publish("auto/t", b"by-time", 0, retain=True)
        wait_until(lambda: os.path.exists(db_path(b)) and b"by-time" in db_bytes(b),
                   what="the autosave by time")
        pub.disconnect()
    with Broker(conf=PERSIST + ["autosave_interval 3", "autosave_on_changes true"]) as b:
        pub = b.client()
        pub.publish("chg/1", b"c1", 0, retain=True)
        pub.publish("chg/2", b"c2", 0, retain=True)
        time.sleep(1.5)
        assert not os.path.exists(db_path(b)), "saved before 3 changes"
        pub.publish("chg/3", b"c3", 0, retain=True)
        wait_until(lambda: os.path.exists(db_path(b)) and b"c3" in db_bytes(b),
                   what="the autosave after 3 changes")
        pub.disconnect()


def records(data):
    """Split a persistence file into (offset, type, flags, body) tuples."""
    out, off = [], 16
    while off < len(data):
        rtype, flags, n = struct.unpack(">HHI", data[off:off + 8])
        out.append((off, rtype, flags, data[off + 8:off + 8 + n]))
        off += 12 + n
    return out


def frame(rtype, flags, body):
    head = struct.pack(">HHI", rtype, flags, len(body))
    return head + body + struct.pack(">I", zlib.crc32(head + body))


def age_sessions(data, seconds):
    """Move every session's offline-since time `seconds` into the past (checksums
    recomputed), as if the broker had been down that long."""
    out = data[:16]
    for off, rtype, flags, body in records(data):
        if rtype == 4:  # SESSION: id, flags, next mid, expiry, offline since (wall ms)
            n = struct.unpack(">H", body[:2])[0]
            at = 2 + n + 1 + 2 + 4
            since = struct.unpack(">q", body[at:at + 8])[0] - seconds * 1000
            body = body[:at] + struct.pack(">q", since) + body[at + 8:]
        out += frame(rtype, flags, body)
    return out


def test_expired_sessions_not_restored():
    # persistent_client_expiration counts the time the broker was down, too.
    with Broker(conf=PERSIST + ["persistent_client_expiration 1h"]) as b:
        old = offline_session(b, [("exp/t", 1)])
        b.restart()
        c = b.raw()
        assert c.connect(old, clean=False) == (1, 0), "unexpired session lost"
        c.disconnect()
        fresh = offline_session(b, [("exp/t", 1)])
        b.stop()
        data = db_bytes(b)
        with open(db_path(b), "wb") as f:
            f.write(age_sessions(data, 2 * 3600))
        b.start()
        assert "session expired while the broker was down" in b.log_text(), b.log_tail()
        for cid in (old, fresh):
            c = b.raw()
            assert c.connect(cid, clean=False) == (0, 0), "expired session came back"
            c.disconnect()


def test_persistence_off_saves_nothing():
    with Broker() as b:
        pub = b.client()
        pub.publish("off/t", b"x", 0, retain=True)
        b.proc.send_signal(signal.SIGUSR1)
        wait_until(lambda: "persistence is off" in b.log_text(), what="the log line")
        pub.disconnect()
        b.restart()
        assert not os.path.exists(db_path(b))
        c = b.client()
        c.subscribe("off/t", 0)
        c.expect_nothing(0.3)
        c.disconnect()


def test_reload_changes_file_name():
    with Broker(conf=PERSIST) as b:
        pub = b.client()
        pub.publish("rl/t", b"x", 0, retain=True)
        b.conf = PERSIST + ["persistence_file other.db"]
        b.write_config()
        b.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "persistence_file changed" in b.log_text(), what="the reload")
        b.proc.send_signal(signal.SIGUSR1)
        other = os.path.join(b.dir, "other.db")
        wait_until(lambda: os.path.exists(other), what="other.db")
        pub.disconnect()


def test_mosquitto_clients():
    with Broker(conf=PERSIST) as b:
        cid = uid("ms")
        port = str(b.port)
        sub = ["mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-i", cid, "-c", "-q", "2",
               "-t", "mc/#"]
        subprocess.run(sub + ["-E"], check=True, timeout=10)
        for qos, text in (("1", "first"), ("2", "second")):
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", qos,
                            "-t", "mc/" + text, "-m", text], check=True, timeout=10)
        b.restart()
        out = subprocess.run(sub + ["-C", "2", "-W", "5", "-v"], check=True, timeout=10,
                             stdout=subprocess.PIPE).stdout.decode()
        assert out.splitlines() == ["mc/first first", "mc/second second"], out


PAHO = r"""
import sys, time
import paho.mqtt.client as mqtt
port, cid, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
got = []
c = mqtt.Client(client_id=cid, clean_session=False)
c.on_message = lambda cl, u, m: got.append((m.topic, m.payload.decode(), m.qos))
c.connect("127.0.0.1", port)
c.loop_start()
if mode == "subscribe":
    r, mid = c.subscribe("pa/#", 2)
    time.sleep(0.5)
else:
    deadline = time.time() + 5
    while len(got) < 2 and time.time() < deadline:
        time.sleep(0.05)
    print(sorted(got))
c.disconnect()
c.loop_stop()
"""


def test_paho_client():
    with Broker(conf=PERSIST) as b:
        cid = uid("pa")
        run = lambda mode: subprocess.run(  # noqa: E731
            ["/usr/bin/python3", "-c", PAHO, str(b.port), cid, mode], check=True,
            timeout=20, stdout=subprocess.PIPE).stdout.decode().strip()
        run("subscribe")
        pub = b.client()
        pub.publish("pa/one", b"1", 1)
        pub.publish("pa/two", b"2", 2)
        pub.disconnect()
        b.restart()
        assert run("receive") == "[('pa/one', '1', 1), ('pa/two', '2', 2)]"


if __name__ == "__main__":
    main()
