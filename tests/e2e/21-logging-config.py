#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Logging options (log_dest, log_type, log_timestamp, log_timestamp_format,
connection_messages), include_dir, bind_address and max_queued_bytes against the real
broker: each option changes what the broker writes or does, observed from outside."""
import os
import re
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


class QuietBroker(Broker):
    """A broker started without -v (so log_type is honoured) and with the caller's own
    log_dest lines instead of the harness's 'log_dest stderr'."""

    def __init__(self, log_lines, **kw):
        super().__init__(**kw)
        self.log_lines = list(log_lines)

    def config_lines(self):
        lines = [l for l in super().config_lines() if l != "log_dest stderr"]
        return lines[:1] + self.log_lines + lines[1:]

    def command(self):
        return [a for a in super().command() if a != "-v"]


def connect_and_leave(b, client_id):
    c = b.client(client_id)
    c.subscribe("log/t", 0)
    c.disconnect()


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


@midge_only  # midge's log lines (client=ID addr=...) differ from mosquitto's
def test_log_dest_file_gets_lines_and_stderr_nothing():
    tmp = tempfile.mkdtemp(prefix="midge-e2e-log-")
    path = os.path.join(tmp, "midge.log")
    with QuietBroker(["log_dest file %s" % path]) as b:
        connect_and_leave(b, "filelog-1")
        wait_until(lambda: "filelog-1" in (read(path) if os.path.exists(path) else ""),
                   what="connect line in the log file")
        # The first log_dest replaces the default stderr sink.
        assert "filelog-1" not in b.log_text(), b.log_tail()
    shutil.rmtree(tmp, ignore_errors=True)


def test_log_dest_none_writes_nothing():
    with QuietBroker(["log_dest none"]) as b:
        connect_and_leave(b, "nolog-1")
        time.sleep(0.2)
        text = b.log_text()
        assert "nolog-1" not in text and "connected" not in text, text


@midge_only  # midge's log lines (client=ID addr=...) differ from mosquitto's
def test_log_dest_stdout():
    with QuietBroker(["log_dest stdout"]) as b:
        connect_and_leave(b, "stdoutlog-1")
        wait_until(lambda: "stdoutlog-1" in b.log_text(), what="connect line on stdout")


@midge_only  # midge's log lines (client=ID addr=...) differ from mosquitto's
def test_log_type_filters_classes():
    # Only errors: connect/disconnect notices must not appear; subscribe lines neither.
    with QuietBroker(["log_dest stderr", "log_type error"]) as b:
        connect_and_leave(b, "typelog-1")
        time.sleep(0.3)
        assert "typelog-1" not in b.log_text(), b.log_tail()
    # subscribe class on: the subscribe line appears (and notices stay off).
    with QuietBroker(["log_dest stderr", "log_type subscribe"]) as b:
        connect_and_leave(b, "typelog-2")
        wait_until(lambda: re.search(r"typelog-2 subscribe log/t", b.log_text()),
                   what="subscribe log line")
        assert "connected (protocol" not in b.log_text(), b.log_tail()


@midge_only  # midge's log lines (client=ID addr=...) differ from mosquitto's
def test_log_timestamp_default_epoch_and_off_and_format():
    with QuietBroker(["log_dest stderr"]) as b:
        connect_and_leave(b, "tslog-1")
        line = wait_until(lambda: next((l for l in b.log_text().splitlines()
                                        if "tslog-1" in l), None), what="log line")
        m = re.match(r"^(\d+): ", line)
        assert m and abs(int(m.group(1)) - time.time()) < 120, line
    with QuietBroker(["log_dest stderr", "log_timestamp false"]) as b:
        connect_and_leave(b, "tslog-2")
        line = wait_until(lambda: next((l for l in b.log_text().splitlines()
                                        if "tslog-2" in l), None), what="log line")
        assert line.startswith("client="), line
    with QuietBroker(["log_dest stderr", "log_timestamp_format %Y-%m-%dT%H:%M:%S"]) as b:
        connect_and_leave(b, "tslog-3")
        line = wait_until(lambda: next((l for l in b.log_text().splitlines()
                                        if "tslog-3" in l), None), what="log line")
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: client=", line), line


@midge_only  # midge's log lines (client=ID addr=...) differ from mosquitto's
def test_connection_messages_false():
    with QuietBroker(["log_dest stderr", "connection_messages false"]) as b:
        connect_and_leave(b, "connmsg-1")
        time.sleep(0.3)
        assert "connmsg-1" not in b.log_text(), b.log_tail()
        # Other notices are still logged: the shutdown line shows the sink works.
    with QuietBroker(["log_dest stderr"]) as b:
        connect_and_leave(b, "connmsg-2")
        wait_until(lambda: "client=connmsg-2" in b.log_text() and
                   "disconnected" in b.log_text(), what="connect and disconnect lines")


@midge_only  # mosquitto publishes these at QoS 2; the topic names are the same
def test_log_dest_topic_publishes_lines():
    with QuietBroker(["log_dest stderr", "log_dest topic",
                      "log_type notice", "log_type subscribe"]) as b:
        mon = b.client("logmon-1")
        mon.subscribe("$SYS/broker/log/#", 1)
        connect_and_leave(b, "logtopic-1")
        got = {}

        def seen(topic, text):
            return any(text in t for t in got.get(topic, []))

        while not (seen("$SYS/broker/log/N", "client=logtopic-1 ") and
                   seen("$SYS/broker/log/M/subscribe", "logtopic-1 subscribe log/t")):
            p = mon.expect_publish()
            assert p.topic.startswith("$SYS/broker/log/") and not p.retain, p
            got.setdefault(p.topic, []).append(p.payload.decode())
        assert "$SYS/broker/log/D" not in got, got
        # Not retained: a new subscriber sees only lines logged after it subscribed
        # (its own subscribe line), none of the old ones.
        late = b.client("logmon-2")
        late.subscribe("$SYS/broker/log/#", 0)
        for p in late.collect_publishes(quiet=0.3):
            assert not p.retain and b"logtopic-1" not in p.payload, p


def test_log_topics_silent_without_log_dest_topic():
    with QuietBroker(["log_dest stderr", "log_type all"]) as b:
        mon = b.client("logmon-3")
        mon.subscribe("$SYS/broker/log/#", 0)
        connect_and_leave(b, "logtopic-2")
        mon.expect_nothing(0.4)


def test_include_dir_options_apply_in_sorted_order():
    # Two files in include_dir set message_size_limit; the later one (sorted) wins, and a
    # listener defined there accepts connections.
    tmp = tempfile.mkdtemp(prefix="midge-e2e-inc-")
    d = os.path.join(tmp, "conf.d")
    os.makedirs(d)
    port = free_ports(1)[0]
    with open(os.path.join(d, "10-a.conf"), "w") as f:
        f.write("message_size_limit 10\n")
    with open(os.path.join(d, "20-b.conf"), "w") as f:
        f.write("message_size_limit 100\nlistener %d 127.0.0.1\n" % port)
    with open(os.path.join(d, "ignored.txt"), "w") as f:
        f.write("this is not a config line\n")
    with Broker(conf=["include_dir %s" % d]) as b:
        wait_until(lambda: _accepts(port), what="listener from include_dir")
        sub = b.client()
        sub.subscribe("inc/#", 0)
        pub = b.client(port=port)
        pub.publish("inc/1", b"x" * 50, 0)            # 50 <= 100: delivered
        sub.expect_publish("inc/1", b"x" * 50)
        pub.publish("inc/2", b"x" * 150, 0)           # over the limit: dropped
        sub.expect_nothing(0.3)
    shutil.rmtree(tmp, ignore_errors=True)


def _accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_bind_address_restricts_listener():
    # The deprecated default listener: port + bind_address 127.0.0.1 accepts on loopback
    # only; 127.0.0.2 (also loopback on Linux, a different address) is refused.
    port = free_ports(1)[0]
    with Broker(listeners=[], conf=["port %d" % port, "bind_address 127.0.0.1"]) as b:
        wait_until(lambda: _accepts(port), what="default listener")
        s = socket.socket()
        s.settimeout(1)
        try:
            s.connect(("127.0.0.2", port))
            connected = True
        except OSError:
            connected = False
        finally:
            s.close()
        assert not connected, "bind_address 127.0.0.1 accepted a connection on 127.0.0.2"


@midge_only  # mosquitto admits one message past the cap (checks before adding)
def test_max_queued_bytes_drops_when_full():
    # An offline persistent session with a 250-byte queue cap keeps 2 of 5 100-byte QoS 1
    # messages (the first limit hit wins); the rest are dropped and counted.
    with Broker(conf=["max_queued_bytes 250", "max_queued_messages 100"]) as b:
        sub = b.client("qbytes-1", clean=False)
        sub.subscribe("qb/#", 1)
        sub.disconnect()
        pub = b.client()
        for i in range(5):
            pub.publish("qb/%d" % i, bytes([48 + i]) * 100, 1)
        sub = b.client("qbytes-1", clean=False)
        got = sub.collect_publishes(quiet=0.5)
        assert [p.topic for p in got] == ["qb/0", "qb/1"], [p.topic for p in got]


if __name__ == "__main__":
    main()
