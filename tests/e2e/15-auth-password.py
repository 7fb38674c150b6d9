#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""password_file: the broker checks usernames and passwords from files written by Debian's
mosquitto_passwd and by midge-passwd (CONNACK 0, 4 for a bad user or password, 5 for a
refused anonymous client), reports bad lines with file:line, and on SIGHUP disconnects
users whose entry went away while an unreadable file keeps the previous users.
MIDGE_PASSWD names the tool; by default it is found next to the broker binary."""
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (Broker, RawClient, free_ports, main, midge_only,  # noqa: E402
                     run_broker_once, wait_until)

MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"


def midge_passwd():
    return os.environ.get("MIDGE_PASSWD") or os.path.join(
        os.path.dirname(harness.broker_path()), "midge-passwd")


def make_file(tool, users, extra=""):
    """Write a password file with tool (first user with -c), then append extra lines."""
    path = os.path.join(tempfile.mkdtemp(prefix="midge-auth-"), "passwd")
    for i, (user, pw) in enumerate(users):
        args = [tool] + (["-c"] if i == 0 else []) + ["-b", path, user, pw]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
    if extra:
        with open(path, "a") as f:
            f.write(extra)
    return path


def rc_of(b, user=None, password=None, cid="auth"):
    with RawClient(b.port) as c:
        _, rc = c.connect(harness.uid(cid), username=user, password=password)
        return rc


def mosquitto_pub(port, user, password):
    p = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", "t",
                        "-m", "x", "-u", user, "-P", password, "-q", "1"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace")


def sighup(b, marker):
    before = b.log_text().count(marker)
    b.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: b.log_text().count(marker) > before, what="reload logged")


def check_codes(tool):
    path = make_file(tool, [("alice", "correct horse"), ("bob", "s3cret:colon")])
    with Broker(conf=["password_file %s" % path], anonymous=False) as b:
        rc, out = mosquitto_pub(b.port, "alice", "correct horse")
        assert rc == 0, out
        assert rc_of(b, "alice", "correct horse") == 0
        assert rc_of(b, "bob", "s3cret:colon") == 0
        assert rc_of(b, "alice", "wrong") == 4
        assert rc_of(b, "nobody", "correct horse") == 4
        assert rc_of(b, "alice") == 4                      # no password
        assert rc_of(b) == 5                               # anonymous refused
        rc, out = mosquitto_pub(b.port, "alice", "nope")
        assert rc != 0, out
        log = b.log_text()
        assert "correct horse" not in log and "$7$" not in log and "$6$" not in log


@midge_only
def test_mosquitto_passwd_file():
    check_codes(MOSQUITTO_PASSWD)


@midge_only
def test_midge_passwd_file():
    check_codes(midge_passwd())


@midge_only
def test_bad_line_reported_others_work():
    path = make_file(midge_passwd(), [("alice", "pw1")], extra="broken line\ncarol:plain\n")
    with Broker(conf=["password_file %s" % path], anonymous=False) as b:
        log = b.log_text()
        assert "%s:2:" % path in log and "%s:3:" % path in log, log[-2000:]
        assert "plain" not in log
        assert rc_of(b, "alice", "pw1") == 0
        assert rc_of(b, "carol", "plain") == 4


@midge_only
def test_reload_removes_user_and_keeps_users_on_unreadable_file():
    tool = midge_passwd()
    path = make_file(tool, [("alice", "pw1"), ("bob", "pw2")])
    with Broker(conf=["password_file %s" % path], anonymous=False) as b:
        alice, bob = RawClient(b.port), RawClient(b.port)
        assert alice.connect("alice-c", username="alice", password="pw1")[1] == 0
        assert bob.connect("bob-c", username="bob", password="pw2")[1] == 0
        subprocess.run([tool, "-D", path, "bob"], check=True, timeout=60)
        sighup(b, "configuration reloaded")
        bob.expect_closed()
        alice.expect_nothing(0.3)
        assert rc_of(b, "bob", "pw2") == 4
        assert rc_of(b, "alice", "pw1") == 0
        os.rename(path, path + ".gone")                   # unreadable: old users stay
        sighup(b, "keeping the previous users")
        assert rc_of(b, "alice", "pw1") == 0
        assert rc_of(b, "bob", "pw2") == 4
        alice.expect_nothing(0.3)
        alice.close()
        bob.close()


@midge_only
def test_unreadable_file_at_start_is_fatal():
    status, out, _ = run_broker_once(["password_file /nonexistent/midge-passwd",
                                      "listener %d 127.0.0.1" % free_ports()[0]])
    assert status not in (0, None), (status, out)
    assert "cannot read password_file" in out and "/nonexistent/midge-passwd" in out, out


if __name__ == "__main__":
    main()
