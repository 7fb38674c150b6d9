#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""midge-passwd: files it writes work with Debian's mosquitto broker, files that Debian's
mosquitto_passwd writes are read and verified by midge's code, and -D, -U, -H, -I and the
interactive prompt (driven through a pty) behave as documented in docs/security.md.

The tool's path comes from $MIDGE_PASSWD (set by tests/e2e/CMakeLists.txt), else the
midge-passwd next to the broker binary."""

import os
import pty
import re
import select
import signal
import stat
import subprocess
import sys
import tempfile
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Broker, main  # noqa: E402

MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"
HASH7 = re.compile(r"^\$7\$(\d+)\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$")
HASH6 = re.compile(r"^\$6\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$")


def tool():
    return os.environ.get("MIDGE_PASSWD") or os.path.join(
        os.path.dirname(harness.broker_path()), "midge-passwd")


def run(*args, stdin=subprocess.DEVNULL):
    return subprocess.run([tool()] + list(args), stdin=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)


def ok(*args):
    p = run(*args)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, "midge-passwd %s failed (%d): %s" % (args, p.returncode, out)
    return out


def check(path, user, password):
    return run("--check", path, user, password).returncode == 0


def entries(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#") and ":" in line:
                u, h = line.split(":", 1)
                out[u] = h
    return out


def tmpdir():
    return tempfile.mkdtemp(prefix="midge-passwd-")


def mosquitto_pub(port, user, password):
    p = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", "t",
                        "-m", "x", "-u", user, "-P", password, "-q", "1"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace")


def test_created_file_accepted_by_mosquitto():
    d = tmpdir()
    path = os.path.join(d, "passwd")
    ok("-c", "-b", path, "alice", "correct horse")
    ok("-b", path, "bob", "s3cret:with colon")
    ok("-H", "sha512", "-b", path, "carol", "old style")
    ok("-I", "1000", "-b", path, "dave", "few rounds")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    e = entries(path)
    assert HASH7.match(e["alice"]) and HASH7.match(e["alice"]).group(1) == "100000", e
    assert HASH6.match(e["carol"]), e
    assert HASH7.match(e["dave"]).group(1) == "1000", e
    # "user root": the test runs as root and must not drop to the mosquitto user, who
    # could not read the private temporary directory.
    conf = ["password_file %s" % path, "user root"]
    with Broker(conf=conf, anonymous=False, binary=MOSQUITTO) as b:
        for user, pw in [("alice", "correct horse"), ("bob", "s3cret:with colon"),
                         ("carol", "old style"), ("dave", "few rounds")]:
            rc, out = mosquitto_pub(b.port, user, pw)
            assert rc == 0, "mosquitto refused %s: %s" % (user, out)
            rc, out = mosquitto_pub(b.port, user, pw + "x")
            assert rc != 0, "mosquitto accepted a wrong password for %s" % user
            assert "not authori" in out.lower() or "refused" in out.lower(), out
        rc, _ = mosquitto_pub(b.port, "nobody", "correct horse")
        assert rc != 0


def test_mosquitto_passwd_file_verified_by_midge():
    d = tmpdir()
    path = os.path.join(d, "passwd")
    subprocess.run([MOSQUITTO_PASSWD, "-c", "-b", path, "alice", "pw one"], check=True)
    subprocess.run([MOSQUITTO_PASSWD, "-b", path, "bob", ""], check=True)
    subprocess.run([MOSQUITTO_PASSWD, "-H", "sha512", "-b", path, "carol", "pw:3"],
                   check=True)
    subprocess.run([MOSQUITTO_PASSWD, "-I", "5000", "-b", path, "dave", "pw 4"], check=True)
    assert check(path, "alice", "pw one")
    assert check(path, "bob", "")
    assert check(path, "carol", "pw:3")
    assert check(path, "dave", "pw 4")
    assert not check(path, "alice", "pw on")
    assert not check(path, "bob", "x")
    assert not check(path, "carol", "pw:4")
    assert not check(path, "eve", "pw one")
    # midge-passwd edits a mosquitto_passwd file without disturbing the other entries.
    before = entries(path)
    ok("-b", path, "alice", "new")
    after = entries(path)
    assert after["bob"] == before["bob"] and after["carol"] == before["carol"]
    assert after["alice"] != before["alice"]
    assert check(path, "alice", "new") and not check(path, "alice", "pw one")


def test_delete():
    d = tmpdir()
    path = os.path.join(d, "passwd")
    ok("-c", "-b", path, "alice", "a")
    ok("-b", path, "bob", "b")
    with open(path, "a") as f:
        f.write("# trailing comment\n")
    ok("-D", path, "alice")
    assert list(entries(path)) == ["bob"]
    assert "# trailing comment" in open(path).read()
    p = run("-D", path, "alice")
    assert p.returncode == 1 and b"not found" in p.stdout, p.stdout
    # -D cannot be combined with -c, -b or -U.
    for bad in (["-D", "-c"], ["-D", "-b"], ["-D", "-U"]):
        assert run(*(bad + [path, "bob"])).returncode != 0
    assert check(path, "bob", "b")


def test_upgrade_converts_plain_and_keeps_hashed():
    d = tmpdir()
    path = os.path.join(d, "passwd")
    ok("-c", "-b", path, "hashed", "already")
    hashed = entries(path)["hashed"]
    with open(path, "a") as f:
        f.write("# plain users follow\nplain1:one\n  plain2 : two words \nempty:\n")
    ok("-U", path)
    e = entries(path)
    assert e["hashed"] == hashed, "an already hashed entry was re-hashed"
    for u in ("plain1", "plain2", "empty"):
        assert HASH7.match(e[u]), (u, e[u])
    assert check(path, "plain1", "one")
    assert check(path, "plain2", "two words")
    assert check(path, "empty", "")
    assert check(path, "hashed", "already")
    assert "# plain users follow" in open(path).read()
    # Running it again changes nothing (mosquitto_passwd -U would corrupt the file).
    text = open(path).read()
    ok("-U", path)
    assert open(path).read() == text


def test_errors_never_print_secrets():
    d = tmpdir()
    path = os.path.join(d, "passwd")
    with open(path, "w") as f:
        f.write("alice:plainsecret\nbob:$9$unknownhash\nnocolon\n")
    out = ok("-b", path, "carol", "pw")
    assert "passwd:1:" in out and "passwd:2:" in out and "passwd:3:" in out, out
    assert "plainsecret" not in out and "unknownhash" not in out, out
    # Bad lines are kept as they are; the new user is added.
    text = open(path).read()
    assert "alice:plainsecret\n" in text and "nocolon\n" in text
    assert check(path, "carol", "pw")
    # Usage errors.
    assert run("-b", path, "bad:user", "pw").returncode == 1
    assert run("-H", "md5", "-b", path, "x", "pw").returncode == 1
    assert run("-I", "0", "-b", path, "x", "pw").returncode == 1
    assert run("-b", os.path.join(d, "missing"), "x", "pw").returncode == 1
    assert run(path).returncode == 1


def pty_run(args, answers):
    """Run the tool on a pty, answer each prompt, return (status, transcript)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(tool(), [tool()] + args)
    transcript = b""
    pending = list(answers)
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.5)
            if not r:
                continue
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            transcript += chunk
            # Answer each prompt once, however the output was split into chunks.
            while pending and transcript.count(b"assword: ") > len(answers) - len(pending):
                os.write(fd, pending.pop(0).encode() + b"\n")
    finally:
        if time.monotonic() >= deadline:
            os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), transcript.decode(errors="replace")


def test_interactive_prompt_twice_without_echo():
    d = tmpdir()
    path = os.path.join(d, "passwd")
    rc, out = pty_run(["-c", path, "alice"], ["typed pw", "typed pw"])
    assert rc == 0, out
    assert "Password:" in out and "Reenter password:" in out, out
    assert "typed pw" not in out, "the password was echoed: %r" % out
    assert check(path, "alice", "typed pw")
    # A mismatch is an error and leaves the file alone.
    before = open(path).read()
    rc, out = pty_run([path, "alice"], ["one", "two"])
    assert rc == 1 and "do not match" in out, out
    assert open(path).read() == before
    # Without a terminal the password can be piped in (twice).
    p = subprocess.run([tool(), path, "bob"], input=b"piped\npiped\n",
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                       start_new_session=True)
    assert p.returncode == 0, p.stdout
    assert check(path, "bob", "piped")


def test_interrupted_prompt_restores_echo():
    d = tmpdir()
    path = os.path.join(d, "passwd")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(tool(), [tool(), "-c", path, "alice"])
    try:
        transcript = b""
        deadline = time.monotonic() + 30
        while b"Password: " not in transcript and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                transcript += os.read(fd, 1024)
        assert b"Password: " in transcript, transcript
        time.sleep(0.2)  # let the tool switch echo off and wait for input
        os.write(fd, b"\x03")  # Ctrl-C: the line discipline sends SIGINT
    finally:
        _, status = os.waitpid(pid, 0)
    try:
        # Linux: the master side reports the terminal's (shared) settings.
        lflag = termios.tcgetattr(fd)[3]
    finally:
        os.close(fd)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT, status
    assert lflag & termios.ECHO, "echo was left off after Ctrl-C at the prompt"
    assert not os.path.exists(path)


if __name__ == "__main__":
    main()
