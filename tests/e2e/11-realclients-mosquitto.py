#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Interoperability with Debian's mosquitto_pub / mosquitto_sub."""
import os
import queue
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

VERSIONS = ("mqttv31", "mqttv311")


class Sub:
    """mosquitto_sub -d -v ...; collects stdout lines in a queue."""

    def __init__(self, b, topic, qos=0, version="mqttv311", extra=()):
        # stdbuf: line-buffered stdout, so the -d "received SUBACK" line arrives in time.
        cmd = ["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(b.port), "-t", topic,
               "-q", str(qos), "-V", version, "-d", "-v"] + list(extra)
        self.p = spawn(cmd)
        self.lines = queue.Queue()
        self.all = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.p.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self.lines.put(None)

    def wait_line(self, pred, timeout=10, what="line"):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("mosquitto_sub: no %s within %ds; output so far:\n%s"
                                     % (what, timeout, "\n".join(self.all)))
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("mosquitto_sub exited (status %s) before %s; output:"
                                     "\n%s\n%s" % (self.p.wait(), what, "\n".join(self.all),
                                                   self.p.stderr.read().decode()))
            self.all.append(line)
            if pred(line):
                return line

    def drain(self, timeout=10):
        """All remaining output lines (waits for the process's stdout to close)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return self.all
            if line is None:
                return self.all
            self.all.append(line)

    def wait_subscribed(self):
        self.wait_line(lambda l: "received SUBACK" in l, what="SUBACK")

    def wait_message(self, topic, payload):
        want = "%s %s" % (topic, payload)
        return self.wait_line(lambda l: l == want, what="message %r" % want)

    def wait_exit(self, timeout=10):
        rc = self.p.wait(timeout)
        assert rc == 0, "mosquitto_sub exit status %d; output:\n%s" % (rc, "\n".join(self.all))


def pub(b, topic, msg, qos=0, version="mqttv311", extra=()):
    cmd = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(b.port), "-t", topic,
           "-q", str(qos), "-V", version] + (["-m", msg] if msg is not None else ["-n"])
    cmd += list(extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    assert p.returncode == 0, "mosquitto_pub failed (%d): %s" % (p.returncode, p.stdout)


def test_roundtrips_all_qos_both_versions():
    with Broker() as b:
        for version in VERSIONS:
            for qos in (0, 1, 2):
                topic = "rc/%s/%d" % (version, qos)
                s = Sub(b, topic, qos, version, ["-C", "1", "-W", "10"])
                s.wait_subscribed()
                pub(b, topic, "hello %d" % qos, qos, version)
                s.wait_message(topic, "hello %d" % qos)
                s.wait_exit()


def test_mixed_qos_between_tools():
    with Broker() as b:
        s = Sub(b, "mix/#", 2, "mqttv311", ["-C", "3", "-W", "10"])
        s.wait_subscribed()
        for q in (0, 1, 2):
            pub(b, "mix/%d" % q, "m%d" % q, q, "mqttv31")
        for q in (0, 1, 2):
            s.wait_message("mix/%d" % q, "m%d" % q)
        s.wait_exit()


def test_retained():
    with Broker() as b:
        for version in VERSIONS:
            topic = "rc/ret/" + version
            pub(b, topic, "kept", 1, version, ["-r"])
            s = Sub(b, topic, 1, version, ["-C", "1", "-W", "10"])
            s.wait_message(topic, "kept")
            s.wait_exit()
            pub(b, topic, None, 1, version, ["-r"])   # clear
            s = Sub(b, topic, 1, version, ["-W", "2"])
            s.p.wait(10)
            lines = s.drain()
            assert any("received SUBACK" in l for l in lines), lines
            assert not any(l.startswith(topic) for l in lines), lines


def test_will_on_kill():
    with Broker() as b:
        watch = b.client()
        watch.subscribe("rc/will/#", 1)
        for version in VERSIONS:
            topic = "rc/will/" + version
            s = Sub(b, "rc/none", 0, version,
                    ["--will-topic", topic, "--will-payload", "gone", "--will-qos", "1"])
            s.wait_subscribed()
            s.p.send_signal(signal.SIGKILL)
            s.p.wait(5)
            watch.expect_publish(topic, b"gone", qos=1)


def test_will_not_sent_on_clean_exit():
    with Broker() as b:
        watch = b.client()
        watch.subscribe("rc/cw", 1)
        s = Sub(b, "rc/cw/x", 0, "mqttv311",
                ["--will-topic", "rc/cw", "--will-payload", "gone", "-C", "1", "-W", "10"])
        s.wait_subscribed()
        pub(b, "rc/cw/x", "done")
        s.wait_exit()
        watch.expect_nothing(1.0)


def test_offline_queue_persistent_session():
    with Broker() as b:
        for version in VERSIONS:
            cid = "rcq-%s-%d" % (version[-3:], os.getpid() % 10000)
            topic = "rc/q/" + version
            s = Sub(b, topic, 1, version, ["-c", "-i", cid, "-E"])
            s.wait_exit()
            for i in range(3):
                pub(b, topic, "q%d" % i, 1, version)
            s = Sub(b, topic, 1, version, ["-c", "-i", cid, "-C", "3", "-W", "10"])
            for i in range(3):
                s.wait_message(topic, "q%d" % i)
            s.wait_exit()


if __name__ == "__main__":
    main()
