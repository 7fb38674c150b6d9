#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Users over the control socket with midge-ctl: add a user and mosquitto_pub -u/-P works
at once; change the password and the old one stops working (and that user's live
connection is closed); remove the user and it is refused and disconnected. The password
file keeps its comments, holds hashes only (mode 0600), and edits based on an old
version are refused."""
import atexit
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Broker, RawClient, main, midge_only, roundtrip, uid  # noqa: E402
from ctlkit import CtlSocket, ctl, ctl_ok, read_file  # noqa: E402


def pub(port, user, password):
    p = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", "t",
                        "-m", "x", "-u", user, "-P", password, "-q", "1"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return p.returncode


def password_file(text=""):
    d = tempfile.mkdtemp(prefix="midge-ctl-pw-")
    atexit.register(shutil.rmtree, d, True)
    path = os.path.join(d, "passwd")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


@midge_only
def test_add_passwd_remove_user():
    path = password_file("# users of the e2e test\n\n")
    with Broker(conf=["password_file %s" % path], anonymous=False) as b:
        assert pub(b.port, "carol", "pw-1") != 0
        assert "added" in ctl_ok(b, "users", "add", "carol", "--password", "pw-1")
        assert pub(b.port, "carol", "pw-1") == 0
        text = read_file(path)
        assert text.startswith("# users of the e2e test\n\n") and "pw-1" not in text
        assert "carol:$7$" in text
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert ctl_ok(b, "users", "list").split() == ["carol"]
        # The password from the prompt (no terminal: read from standard input).
        ctl_ok(b, "users", "add", "dave", stdin="pw-d\npw-d\n")
        assert pub(b.port, "dave", "pw-d") == 0
        # A live connection of carol is closed when her password changes.
        with RawClient(b.port) as live:
            _, rc = live.connect(uid("carol"), username="carol", password="pw-1")
            assert rc == 0
            ctl_ok(b, "users", "passwd", "carol", "--password", "pw-2")
            assert live.is_closed(), "carol's connection survived the password change"
        assert pub(b.port, "carol", "pw-1") != 0 and pub(b.port, "carol", "pw-2") == 0
        # Removing dave closes his connection and refuses him afterwards.
        with RawClient(b.port) as live, RawClient(b.port) as other:
            assert live.connect(uid("dave"), username="dave", password="pw-d")[1] == 0
            assert other.connect(uid("carol"), username="carol", password="pw-2")[1] == 0
            assert "removed" in ctl_ok(b, "users", "remove", "dave")
            assert live.is_closed(), "dave's connection survived his removal"
            other.ping()   # carol is untouched
        assert pub(b.port, "dave", "pw-d") != 0
        assert ctl_ok(b, "users", "list").split() == ["carol"]
        rc, out, err = ctl(b, "users", "remove", "dave")
        assert rc == 1 and "no user" in err, (rc, out, err)
        rc, out, err = ctl(b, "users", "add", "carol", "--password", "x")
        assert rc == 1 and "already exists" in err, (rc, out, err)
        rc, out, err = ctl(b, "users", "add", "bad:name", "--password", "x")
        assert rc == 1 and "invalid username" in err, (rc, out, err)
        roundtrip_user(b)


def roundtrip_user(b):
    assert pub(b.port, "carol", "pw-2") == 0
    b.assert_alive()


@midge_only
def test_user_edit_conflict():
    path = password_file()
    with Broker(conf=["password_file %s" % path], anonymous=False) as b:
        with CtlSocket(b.ctl_path) as c:
            v = c.result("users.list")["version"]
            c.result("users.add", {"base_version": v, "name": "eve", "password": "e"})
            e = c.error("users.add", {"base_version": v, "name": "fay", "password": "f"})
            assert e["code"] == "conflict", e
            assert "fay" not in read_file(path)
            v = c.result("users.list")["version"]
            with open(path, "a") as f:
                f.write("# edited by hand\n")
            e = c.error("users.remove", {"base_version": v, "name": "eve"})
            assert e["code"] == "conflict", e
            assert "eve:" in read_file(path)
        rc, out, err = ctl(b, "--if-version", v, "users", "passwd", "eve", "--password", "z")
        assert rc == 1 and "changed since" in err, (rc, out, err)


@midge_only
def test_users_without_password_file():
    with Broker() as b:
        rc, out, err = ctl(b, "users", "list")
        assert rc == 1 and "no password_file" in err, (rc, out, err)
        roundtrip(b)


if __name__ == "__main__":
    main()
