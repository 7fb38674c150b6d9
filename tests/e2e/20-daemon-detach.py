#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""-d: the parent exits 0 once the detached child serves (or 1 with the reason when
start-up fails), the child is a session leader whose pid is in pid_file, a live pid file
is refused, a stale one replaced, and SIGTERM ends the daemon with status 0."""
import os
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
from daemon_util import Daemon, port_accepts  # noqa: E402


@midge_only
def test_detach_serves_and_stops():
    with Daemon() as d:
        d.start()
        # The parent returned only after the listener was bound: no retry needed.
        assert port_accepts(d.port), "port not accepting when midge -d returned"
        assert os.getsid(d.pid) == d.pid, "daemon is not a session leader"
        assert os.getpgid(d.pid) == d.pid
        # stdio went to /dev/null
        for fd in (0, 1, 2):
            assert os.readlink("/proc/%d/fd/%d" % (d.pid, fd)) == "/dev/null"
        # Real clients: a retained message published, then read back.
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(d.port), "-t",
                        "d/t", "-m", "hello daemon", "-r", "-q", "1"], check=True, timeout=10)
        out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(d.port), "-t",
                              "d/t", "-C", "1", "-W", "10"], stdout=subprocess.PIPE,
                             check=True, timeout=15).stdout
        assert out.strip() == b"hello daemon", out
        # SIGTERM with a client connected: it is disconnected, the daemon exits 0 and
        # removes its pid file.
        c = RawClient(d.port)
        assert c.connect(uid())[1] == 0
        d.signal(signal.SIGTERM)
        c.expect_closed()
        assert d.wait_exit() == 0
        assert not os.path.exists(d.pid_path), "pid file left behind"
        log = d.log_text()
        assert "midge shutting down" in log, log


@midge_only
def test_warns_when_the_log_would_be_lost():
    # With only stderr as a sink the log ends at /dev/null after detaching: say so.
    with Daemon(log_file=False) as d:
        out = d.start()
        assert "-d discards stdout and stderr" in out, out
        assert port_accepts(d.port)
        assert d.stop() == 0
    with Daemon() as d:
        out = d.start()
        assert "discards" not in out, out
        assert d.stop() == 0


@midge_only
def test_bad_config_fails_in_parent():
    with Daemon(conf=["max_inflight_messages lots"]) as d:
        rc, out = d.run()
        assert rc == 1, "exit status %s: %s" % (rc, out)
        assert "%s:" % d.conf_path in out and "max_inflight_messages" in out, out
        assert not os.path.exists(d.pid_path)


@midge_only
def test_port_in_use_fails_with_message():
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    try:
        with Daemon() as d:
            d.port = blocker.getsockname()[1]
            d.write_config()
            rc, out = d.run()
            # The log goes only to a file, yet the reason reaches the terminal.
            assert rc == 1, "exit status %s: %s" % (rc, out)
            assert "address already in use" in out and str(d.port) in out, out
            assert "cannot listen" in d.log_text()
            assert not os.path.exists(d.pid_path), "pid file written for a failed start"
    finally:
        blocker.close()


@midge_only
def test_live_pid_file_refused():
    with Daemon() as d:
        d.start()
        first = d.pid
        second = Daemon()
        try:
            second.pid_path = d.pid_path
            second.write_config()
            rc, out = second.run()
            assert rc == 1, "second daemon started (status %s): %s" % (rc, out)
            assert "already running" in out and str(first) in out, out
        finally:
            second.__exit__(None, None, None)
        assert d.read_pid() == first, "pid file of the running daemon changed"
        assert port_accepts(d.port)
        assert d.stop() == 0


@midge_only
def test_stale_pid_file_replaced():
    with Daemon() as d:
        dead = subprocess.Popen(["true"])
        dead.wait()  # reaped: its pid names no process now
        with open(d.pid_path, "w") as f:
            f.write("%d\n" % dead.pid)
        d.start()
        assert d.pid != dead.pid
        assert "replacing stale pid file" in d.log_text(), d.log_text()
        assert d.stop() == 0


@midge_only
def test_foreground_pid_file():
    # Without -d the pid file holds the foreground process's pid.
    with Broker(conf=["pid_file pid.txt"]) as b:
        # The port accepts as soon as it is bound; the pid file follows right after.
        path = os.path.join(b.dir, "pid.txt")
        wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0,
                   what="pid file")
        with open(path) as f:
            assert int(f.read()) == b.proc.pid
    # (the Broker fixture checked the clean exit; the file is gone with the process)


if __name__ == "__main__":
    main()
