# SPDX-License-Identifier: MIT
"""End-to-end test harness for midge (run with Debian's /usr/bin/python3).

Three parts, all independent of the broker's C code:

* Broker: starts the real broker binary on an ephemeral loopback port with a generated
  config in a temporary directory, and checks on exit that it did not die, that it exits
  cleanly on SIGTERM and that its log holds no sanitizer report.
* RawClient: a hand-written MQTT 3.1/3.1.1 client over a plain socket that builds every
  packet byte by byte, so tests can send exact (and malformed) packets.
* main(): a tiny runner. Each test file defines test_* functions and calls main().
"""

import argparse
import inspect
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Set by main() from --broker / MIDGE_BIN; tests read it through broker_path().
BROKER_BIN = os.environ.get("MIDGE_BIN") or os.path.join(REPO, "build", "bin", "midge")

# Packet types.
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK = 8, 9, 10, 11
PINGREQ, PINGRESP, DISCONNECT = 12, 13, 14
TYPE_NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC",
              6: "PUBREL", 7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE",
              11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT",
              15: "AUTH", 0: "RESERVED0"}

DEFAULT_TIMEOUT = 5.0
TEST_TIMEOUT = 60


def broker_path():
    return BROKER_BIN


def is_mosquitto():
    return "mosquitto" in os.path.basename(BROKER_BIN)


def midge_only(fn):
    """Mark a test that checks a rule Debian's mosquitto 2.0 is known to break (or a
    midge-only behaviour). The runner skips it when the broker binary is mosquitto."""
    fn.midge_only = True
    return fn


_uid_counter = itertools.count(1)


def uid(prefix="c"):
    """A client id that is unique within this test process (<= 23 chars for MQTT 3.1)."""
    return "%s%d-%d" % (prefix, os.getpid() % 100000, next(_uid_counter))


def wait_until(pred, timeout=5.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---------------------------------------------------------------------------------------
# Broker


def free_ports(n=1, family=socket.AF_INET, host="127.0.0.1"):
    """Pick n distinct free ports: bind port 0, read it, close."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(family, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def make_config(conf):
    """Build config lines from a list of lines, a dict {keyword: value | [values]} or None."""
    if conf is None:
        return []
    if isinstance(conf, dict):
        lines = []
        for k, v in conf.items():
            for item in (v if isinstance(v, (list, tuple)) else [v]):
                if isinstance(item, bool):
                    item = "true" if item else "false"
                lines.append("%s %s" % (k, item))
        return lines
    return list(conf)


_live_brokers = []   # brokers started during the current test (for log tails on failure)
_live_procs = []     # helper processes (mosquitto_sub...) to kill at the end of a test


class BrokerError(AssertionError):
    pass


class Broker:
    """Context manager around one broker process.

    conf:       global lines (list or dict) written before the listeners.
    listeners:  one entry per listener: a list of listener-scoped lines, or a dict
                {"bind": address, "lines": [...]}; default: one listener, no extra lines.
                Each listener gets its own free port: self.ports[i] (self.port = ports[0]).
    anonymous:  write "allow_anonymous true" (default) / nothing when False.
    config:     False = start without -c, with -p PORT instead.
    args:       extra command-line arguments.
    """

    def __init__(self, conf=None, listeners=None, anonymous=True, config=True, args=None,
                 binary=None):
        self.binary = binary or BROKER_BIN
        self.conf = make_config(conf)
        self.listeners = listeners if listeners is not None else [[]]
        self.anonymous = anonymous
        self.use_config = config
        self.args = list(args or [])
        self.proc = None
        self.dir = None
        self.port = None
        self.ports = []
        self.starts = 0

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="midge-e2e-")
        self.log_path = os.path.join(self.dir, "broker.log")
        self.conf_path = os.path.join(self.dir, "broker.conf")
        self.ctl_path = os.path.join(self.dir, "ctl", "control.sock")
        self.ports = free_ports(max(1, len(self.listeners)) if self.use_config else 1)
        self.port = self.ports[0]
        self.hosts = []
        for spec in (self.listeners if self.use_config else [[]]):
            bind = spec.get("bind", "127.0.0.1") if isinstance(spec, dict) else "127.0.0.1"
            self.hosts.append("::1" if bind and ":" in bind else "127.0.0.1")
        if self.use_config:
            self.write_config()
        _live_brokers.append(self)
        for attempt in range(3):
            try:
                self.start()
                return self
            except BrokerError:
                self._kill()
                # Another test may have taken a port between free_ports() and the
                # broker's bind (tests run in parallel): pick new ports and retry.
                if attempt == 2 or "in use" not in self.log_text():
                    raise
                self.ports = free_ports(len(self.ports))
                self.port = self.ports[0]
                if self.use_config:
                    self.write_config()
            except BaseException:
                self._kill()
                raise
        return self

    def config_lines(self):
        lines = ["# generated by tests/e2e/harness.py", "log_dest stderr"]
        # The tests run as root (CI does): keep root unless the test chooses a user, or
        # the broker would switch to the default user and lose access to the temp dir.
        if not any(l.split()[:1] == ["user"] for l in self.conf):
            lines.append("user root")
        if self.anonymous:
            lines.append("allow_anonymous true")
        lines += self.conf
        for i, spec in enumerate(self.listeners):
            bind, extra = "127.0.0.1", spec
            if isinstance(spec, dict):
                bind, extra = spec.get("bind", bind), spec.get("lines", [])
            lines.append("listener %d %s" % (self.ports[i], bind) if bind else
                         "listener %d" % self.ports[i])
            lines += make_config(extra)
        if "mosquitto" not in os.path.basename(self.binary) and \
                not any(str(l).startswith("control_socket") for l in self.conf):
            # Each broker gets its own control socket (never the shared default path);
            # last, so that the line numbers of the other lines do not move.
            lines.append("control_socket %s" % self.ctl_path)
        return lines

    def write_config(self):
        with open(self.conf_path, "w") as f:
            f.write("\n".join(self.config_lines()) + "\n")

    def command(self):
        cmd = [self.binary]
        if self.use_config:
            cmd += ["-c", self.conf_path]
        else:
            cmd += ["-p", str(self.port)]
        return cmd + ["-v"] + self.args

    def start(self, wait_ports=None):
        log = open(self.log_path, "ab")
        log.write(b"=== start %d: %s\n" % (self.starts, " ".join(self.command()).encode()))
        log.flush()
        self.starts += 1
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        log.close()
        ports = wait_ports if wait_ports is not None else self.ports
        deadline = time.monotonic() + 10
        for port, host in zip(ports, self.hosts):
            while True:
                if self.proc.poll() is not None:
                    raise BrokerError("broker exited with status %s during start-up\n%s"
                                      % (self.proc.returncode, self.log_tail()))
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise BrokerError("broker did not accept on port %d within 10 s\n%s"
                                          % (port, self.log_tail()))
                    time.sleep(0.02)

    def is_alive(self):
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self):
        if not self.is_alive():
            raise BrokerError("broker died unexpectedly (status %s)\n%s"
                              % (self.proc.returncode if self.proc else None, self.log_tail()))

    def stop(self):
        """SIGTERM, wait (kill after 5 s); return a list of problems found."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is not None:
            problems.append("broker died unexpectedly during the test (status %s)"
                            % self.proc.returncode)
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append("broker did not exit within 5 s of SIGTERM (killed)")
            rc = self.proc.returncode
            if rc != 0 and not (is_mosquitto() and rc == -signal.SIGTERM) and \
                    "did not exit" not in " ".join(problems):
                problems.append("broker exit status after SIGTERM is %s, expected 0" % rc)
        problems += self.sanitizer_reports()
        self.proc = None
        return problems

    def restart(self):
        """Stop (cleanly, checked) and start again with the same config and ports."""
        problems = self.stop()
        if problems:
            raise BrokerError("; ".join(problems) + "\n" + self.log_tail())
        self.start()

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __exit__(self, exc_type, exc, tb):
        try:
            problems = self.stop()
        finally:
            self._kill()
            if self in _live_brokers and not problems and exc_type is None:
                _live_brokers.remove(self)
                shutil.rmtree(self.dir, ignore_errors=True)
        if problems:
            msg = "; ".join(problems)
            if exc_type is None:
                raise BrokerError(msg + "\n" + self.log_tail())
            sys.stderr.write("# broker problems: %s\n" % msg)
        return False

    # -- logs -------------------------------------------------------------------------

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=40):
        lines = self.log_text().splitlines()
        return "--- broker log (last %d of %d lines, %s) ---\n%s\n--- end of log ---" % (
            min(n, len(lines)), len(lines), self.log_path, "\n".join(lines[-n:]))

    def sanitizer_reports(self):
        text = self.log_text()
        found = []
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                       "ThreadSanitizer"):
            if marker in text:
                found.append("sanitizer report in broker log (%r)" % marker)
        return found

    # -- clients ----------------------------------------------------------------------

    def raw(self, port=None, timeout=DEFAULT_TIMEOUT, host=None):
        """A RawClient connected (TCP only) to this broker."""
        port = port or self.port
        if host is None:
            host = self.hosts[self.ports.index(port)] if port in self.ports else "127.0.0.1"
        return RawClient(port, host=host, timeout=timeout)

    def client(self, client_id=None, port=None, host=None, **kw):
        """A RawClient that has sent CONNECT and received CONNACK 0."""
        c = self.raw(port, host=host)
        sp, rc = c.connect(client_id if client_id is not None else uid(), **kw)
        if rc != 0:
            raise AssertionError("CONNACK return code %d, expected 0" % rc)
        c.session_present = sp
        return c


def run_broker_once(conf_lines=None, args=None, timeout=10, binary=None):
    """Run the broker to completion (for start-up failures / --help / --version).
    conf_lines: written to a temp file passed with -c (None = no -c).
    Returns (exit status, combined output, config path). Kills it after timeout."""
    d = tempfile.mkdtemp(prefix="midge-e2e-")
    conf = os.path.join(d, "broker.conf")
    cmd = [binary or BROKER_BIN]
    if conf_lines is not None:
        with open(conf, "w") as f:
            f.write("\n".join(conf_lines) + "\n")
        cmd += ["-c", conf]
    cmd += list(args or [])
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout, cwd=d)
        return p.returncode, p.stdout.decode("utf-8", "replace"), conf
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out, conf
    finally:
        shutil.rmtree(d, ignore_errors=True)


def spawn(cmd, **kw):
    """Start a helper process that the runner kills at the end of the test."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, **kw)
    _live_procs.append(p)
    return p


# ---------------------------------------------------------------------------------------
# Packet encoding (independent of the broker's codec)


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        if n:
            b |= 0x80
        out.append(b)
        if not n:
            return bytes(out)


def mqtt_str(s):
    if isinstance(s, str):
        s = s.encode("utf-8")
    return len(s).to_bytes(2, "big") + s


def packet(ptype, flags, body):
    return bytes([(ptype << 4) | flags]) + varint(len(body)) + body


def connect_packet(client_id="", clean=True, keepalive=60, level=4, proto=None,
                   will_topic=None, will_payload=b"", will_qos=0, will_retain=False,
                   username=None, password=None, flags=None):
    """CONNECT for level 3 ("MQIsdp") or 4 ("MQTT"). flags overrides the computed
    connect-flags byte (the payload still follows the fields that were given)."""
    if proto is None:
        proto = "MQIsdp" if level == 3 else "MQTT"
    f = 0
    if clean:
        f |= 0x02
    if will_topic is not None:
        f |= 0x04 | (will_qos << 3) | (0x20 if will_retain else 0)
    if password is not None:
        f |= 0x40
    if username is not None:
        f |= 0x80
    if flags is not None:
        f = flags
    body = mqtt_str(proto) + bytes([level, f]) + keepalive.to_bytes(2, "big")
    body += mqtt_str(client_id)
    if will_topic is not None:
        body += mqtt_str(will_topic) + mqtt_str(will_payload)
    if username is not None:
        body += mqtt_str(username)
    if password is not None:
        body += mqtt_str(password)
    return packet(CONNECT, 0, body)


def publish_packet(topic, payload=b"", qos=0, retain=False, dup=False, pid=None):
    if isinstance(payload, str):
        payload = payload.encode()
    flags = (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = mqtt_str(topic)
    if qos > 0:
        body += (pid if pid is not None else 1).to_bytes(2, "big")
    return packet(PUBLISH, flags, body + payload)


def pid_packet(ptype, pid):
    """PUBACK, PUBREC, PUBREL (flags 2), PUBCOMP, UNSUBACK."""
    return packet(ptype, 2 if ptype == PUBREL else 0, pid.to_bytes(2, "big"))


def subscribe_packet(pid, filters):
    """filters: list of (topic, qos) or (topic, qos-byte)."""
    body = pid.to_bytes(2, "big")
    for topic, qos in filters:
        body += mqtt_str(topic) + bytes([qos])
    return packet(SUBSCRIBE, 2, body)


def unsubscribe_packet(pid, topics):
    body = pid.to_bytes(2, "big")
    for t in topics:
        body += mqtt_str(t)
    return packet(UNSUBSCRIBE, 2, body)


PINGREQ_PACKET = bytes([0xC0, 0])
DISCONNECT_PACKET = bytes([0xE0, 0])


# ---------------------------------------------------------------------------------------
# Packet decoding


class Packet:
    def __init__(self, first, body):
        self.type = first >> 4
        self.flags = first & 0x0F
        self.body = body
        self.raw = bytes([first]) + varint(len(body)) + body
        t = self.type
        if t == CONNACK and len(body) >= 2:
            self.session_present = body[0] & 1
            self.rc = body[1]
        elif t == PUBLISH:
            self.qos = (self.flags >> 1) & 3
            self.dup = bool(self.flags & 8)
            self.retain = bool(self.flags & 1)
            n = int.from_bytes(body[:2], "big")
            self.topic = body[2:2 + n].decode("utf-8", "replace")
            pos = 2 + n
            self.pid = None
            if self.qos:
                self.pid = int.from_bytes(body[pos:pos + 2], "big")
                pos += 2
            self.payload = body[pos:]
        elif t in (PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK):
            self.pid = int.from_bytes(body[:2], "big")
        elif t == SUBACK:
            self.pid = int.from_bytes(body[:2], "big")
            self.codes = list(body[2:])

    def __repr__(self):
        name = TYPE_NAMES.get(self.type, str(self.type))
        if self.type == PUBLISH:
            return "<PUBLISH topic=%r qos=%d dup=%d retain=%d pid=%s payload=%r>" % (
                self.topic, self.qos, self.dup, self.retain, self.pid, self.payload[:40])
        if self.type == CONNACK:
            return "<CONNACK sp=%d rc=%d>" % (self.session_present, self.rc)
        if self.type == SUBACK:
            return "<SUBACK pid=%d codes=%s>" % (self.pid, self.codes)
        return "<%s flags=%x body=%s>" % (name, self.flags, self.body.hex())


class Closed(Exception):
    """The broker closed the connection (EOF or reset)."""


class RawClient:
    def __init__(self, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.closed = False
        self.next_pid = 1
        self.session_present = None
        self.pending = []  # PUBLISHes that arrived while publish() waited for its ack

    # -- low level --------------------------------------------------------------------

    def send(self, data, may_fail=False):
        try:
            self.sock.sendall(data)
        except OSError:
            if not may_fail:
                raise

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def _fill(self, deadline):
        """Read more bytes into buf. Returns False on timeout; raises Closed on EOF/reset."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
            self.closed = True
            raise Closed("connection reset")
        if not data:
            self.closed = True
            raise Closed("EOF")
        self.buf += data
        return True

    def _try_parse(self):
        if len(self.buf) < 2:
            return None
        mult, n, i = 1, 0, 1
        while True:
            if i >= len(self.buf):
                return None
            b = self.buf[i]
            n += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
            if i > 4:
                raise AssertionError("broker sent an invalid remaining length: %s"
                                     % self.buf[:8].hex())
        if len(self.buf) < i + n:
            return None
        p = Packet(self.buf[0], self.buf[i:i + n])
        self.buf = self.buf[i + n:]
        return p

    def recv(self, timeout=DEFAULT_TIMEOUT):
        """Next packet, or None on timeout. Raises Closed if the broker closed first."""
        if self.pending:
            return self.pending.pop(0)
        return self._recv_wire(timeout)

    def _recv_wire(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            p = self._try_parse()
            if p is not None:
                return p
            if self.closed:
                raise Closed("EOF")
            if not self._fill(deadline):
                return None

    def expect(self, ptype, timeout=DEFAULT_TIMEOUT):
        try:
            p = self.recv(timeout)
        except Closed as e:
            raise AssertionError("expected %s, but the broker closed the connection (%s)"
                                 % (TYPE_NAMES[ptype], e))
        if p is None:
            raise AssertionError("expected %s, got nothing within %.1fs"
                                 % (TYPE_NAMES[ptype], timeout))
        if p.type != ptype:
            raise AssertionError("expected %s, got %r" % (TYPE_NAMES[ptype], p))
        return p

    def expect_closed(self, timeout=DEFAULT_TIMEOUT):
        """The broker closes the connection (EOF or reset) without sending anything more."""
        try:
            p = self.recv(timeout)
        except Closed:
            return
        if p is None:
            raise AssertionError("expected the broker to close the connection within "
                                 "%.1fs; it stayed open" % timeout)
        raise AssertionError("expected the connection to be closed, got %r" % p)

    def expect_nothing(self, timeout=1.0):
        """No packet arrives and the connection stays open for timeout seconds."""
        try:
            p = self.recv(timeout)
        except Closed as e:
            raise AssertionError("expected nothing, but the broker closed the connection "
                                 "(%s)" % e)
        if p is not None:
            raise AssertionError("expected nothing, got %r" % p)

    def is_closed(self, timeout=DEFAULT_TIMEOUT):
        """True if closed within timeout (packets received meanwhile are discarded)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.recv(max(0.0, deadline - time.monotonic()))
        except Closed:
            return True
        return False

    # -- MQTT operations --------------------------------------------------------------

    def alloc_pid(self):
        pid = self.next_pid
        self.next_pid = pid % 65535 + 1
        return pid

    def connect(self, client_id="", **kw):
        """Send CONNECT; return (session_present, return code) from CONNACK."""
        self.send(connect_packet(client_id, **kw))
        p = self.expect(CONNACK)
        if len(p.body) != 2:
            raise AssertionError("CONNACK remaining length %d, expected 2" % len(p.body))
        return p.session_present, p.rc

    def subscribe(self, filters, qos=None):
        """filters: "topic" (with qos), or list of (topic, qos). Returns SUBACK codes."""
        if isinstance(filters, str):
            filters = [(filters, qos or 0)]
        pid = self.alloc_pid()
        self.send(subscribe_packet(pid, filters))
        p = self.expect(SUBACK)
        if p.pid != pid:
            raise AssertionError("SUBACK packet id %d, expected %d" % (p.pid, pid))
        if len(p.codes) != len(filters):
            raise AssertionError("SUBACK has %d codes for %d filters" % (len(p.codes),
                                                                        len(filters)))
        return p.codes

    def unsubscribe(self, topics):
        if isinstance(topics, str):
            topics = [topics]
        pid = self.alloc_pid()
        self.send(unsubscribe_packet(pid, topics))
        p = self.expect(UNSUBACK)
        if p.pid != pid:
            raise AssertionError("UNSUBACK packet id %d, expected %d" % (p.pid, pid))

    def _wait_ack(self, ptype, pid, timeout=DEFAULT_TIMEOUT):
        deadline = time.monotonic() + timeout
        stash = []
        try:
            while True:
                try:
                    p = self._recv_wire(max(0.0, deadline - time.monotonic()))
                except Closed as e:
                    raise AssertionError("expected %s, but the broker closed the "
                                         "connection (%s)" % (TYPE_NAMES[ptype], e))
                if p is None:
                    raise AssertionError("expected %s, got nothing within %.1fs"
                                         % (TYPE_NAMES[ptype], timeout))
                if p.type == PUBLISH:
                    stash.append(p)
                    continue
                if p.type != ptype:
                    raise AssertionError("expected %s, got %r" % (TYPE_NAMES[ptype], p))
                if p.pid != pid:
                    raise AssertionError("%s pid %d, expected %d"
                                         % (TYPE_NAMES[ptype], p.pid, pid))
                return p
        finally:
            self.pending += stash

    def publish(self, topic, payload=b"", qos=0, retain=False, dup=False, pid=None):
        """Publish and complete the QoS handshake. Returns the packet id used.
        PUBLISHes the broker sends meanwhile are kept for the next recv()."""
        if qos and pid is None:
            pid = self.alloc_pid()
        self.send(publish_packet(topic, payload, qos, retain, dup, pid))
        if qos == 1:
            self._wait_ack(PUBACK, pid)
        elif qos == 2:
            self._wait_ack(PUBREC, pid)
            self.send(pid_packet(PUBREL, pid))
            self._wait_ack(PUBCOMP, pid)
        return pid

    def ack(self, p):
        """Complete the receiver side of an inbound PUBLISH's QoS flow."""
        if p.qos == 1:
            self.send(pid_packet(PUBACK, p.pid))
        elif p.qos == 2:
            self.send(pid_packet(PUBREC, p.pid))
            r = self._wait_ack(PUBREL, p.pid)
            assert r.flags == 2, "PUBREL flags %x, expected 2" % r.flags
            self.send(pid_packet(PUBCOMP, p.pid))

    def expect_publish(self, topic=None, payload=None, qos=None, retain=None, ack=True,
                       timeout=DEFAULT_TIMEOUT):
        p = self.expect(PUBLISH, timeout)
        if isinstance(payload, str):
            payload = payload.encode()
        if topic is not None and p.topic != topic:
            raise AssertionError("PUBLISH topic %r, expected %r (%r)" % (p.topic, topic, p))
        if payload is not None and p.payload != payload:
            raise AssertionError("PUBLISH payload %r, expected %r" % (p.payload, payload))
        if qos is not None and p.qos != qos:
            raise AssertionError("PUBLISH qos %d, expected %d (%r)" % (p.qos, qos, p))
        if retain is not None and p.retain != retain:
            raise AssertionError("PUBLISH retain %d, expected %d (%r)"
                                 % (p.retain, retain, p))
        if ack:
            self.ack(p)
        return p

    def collect_publishes(self, quiet=0.5, timeout=DEFAULT_TIMEOUT, count=None, ack=True):
        """PUBLISHes until count arrived or none arrives for `quiet` seconds."""
        out = []
        deadline = time.monotonic() + timeout
        while count is None or len(out) < count:
            wait = min(quiet, deadline - time.monotonic())
            if wait <= 0:
                break
            p = self.recv(wait)
            if p is None:
                break
            if p.type != PUBLISH:
                raise AssertionError("expected PUBLISH, got %r" % p)
            if ack:
                self.ack(p)
            out.append(p)
        return out

    def ping(self, timeout=DEFAULT_TIMEOUT):
        self.send(PINGREQ_PACKET)
        self.expect(PINGRESP, timeout)

    def disconnect(self, wait=True):
        """Send DISCONNECT; with wait, also wait until the broker closes the connection
        (MQTT-3.14.4-1), so the broker has certainly processed it."""
        self.send(DISCONNECT_PACKET, may_fail=True)
        if wait and not self.closed:
            deadline = time.monotonic() + DEFAULT_TIMEOUT
            try:
                while self._recv_wire(max(0.0, deadline - time.monotonic())) is not None:
                    pass
                raise AssertionError("broker did not close the connection after "
                                     "DISCONNECT within %.1fs" % DEFAULT_TIMEOUT)
            except Closed:
                pass
        self.close()


def roundtrip(broker, port=None, qos=0, host=None):
    """Check the broker still works: a fresh subscriber receives a fresh publish."""
    topic = "roundtrip/%s" % uid()
    with broker.client(port=port, host=host) as sub, \
            broker.client(port=port, host=host) as pub:
        sub.subscribe(topic, qos)
        pub.publish(topic, b"alive", qos)
        sub.expect_publish(topic, b"alive")
        sub.disconnect()
        pub.disconnect()


# ---------------------------------------------------------------------------------------
# Runner


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout("test exceeded %d s" % TEST_TIMEOUT)


def _cleanup_after_test(failed):
    for p in _live_procs:
        if p.poll() is None:
            p.kill()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
    _live_procs.clear()
    for b in list(_live_brokers):
        if failed:
            sys.stdout.write("# " + b.log_tail().replace("\n", "\n# ") + "\n")
        b._kill()
        shutil.rmtree(b.dir, ignore_errors=True)
    _live_brokers.clear()


def main():
    global BROKER_BIN, TEST_TIMEOUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", default=BROKER_BIN,
                    help="broker binary (default: $MIDGE_BIN or <repo>/build/bin/midge)")
    ap.add_argument("--timeout", type=int, default=TEST_TIMEOUT, help="per-test timeout")
    ap.add_argument("tests", nargs="*", help="names of tests to run (default: all)")
    a = ap.parse_args()
    BROKER_BIN = os.path.abspath(a.broker)
    TEST_TIMEOUT = a.timeout
    mod = sys.modules["__main__"]
    tests = [(name, fn) for name, fn in vars(mod).items()
             if name.startswith("test_") and callable(fn)]
    tests.sort(key=lambda t: inspect.getsourcelines(t[1])[1])
    if a.tests:
        unknown = set(a.tests) - {n for n, _ in tests}
        if unknown:
            sys.exit("no such test: %s" % ", ".join(sorted(unknown)))
        tests = [t for t in tests if t[0] in a.tests]
    if not os.path.exists(BROKER_BIN):
        sys.exit("broker binary not found: %s" % BROKER_BIN)
    print("# broker: %s" % BROKER_BIN)
    signal.signal(signal.SIGALRM, _on_alarm)
    passed = failed = skipped = 0
    for name, fn in tests:
        if getattr(fn, "midge_only", False) and is_mosquitto() and \
                not os.environ.get("E2E_RUN_MIDGE_ONLY"):
            print("ok - %s # SKIP midge only (mosquitto breaks this rule)" % name)
            skipped += 1
            continue
        t0 = time.monotonic()
        ok = False
        signal.alarm(TEST_TIMEOUT)
        try:
            fn()
            ok = True
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            err = traceback.format_exc()
        finally:
            signal.alarm(0)
        try:
            _cleanup_after_test(not ok)
        except Exception:
            pass
        dt = time.monotonic() - t0
        if ok:
            passed += 1
            print("ok - %s (%.1fs)" % (name, dt))
        else:
            failed += 1
            print("not ok - %s (%.1fs)" % (name, dt))
            sys.stdout.write("# " + err.rstrip().replace("\n", "\n# ") + "\n")
        sys.stdout.flush()
    if skipped:
        print("# %d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
