#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`midge -t [-c FILE]` checks a configuration like `nginx -t`: exit 0 when valid, 1
with `file:line` errors (also inside include_dir files), and it starts nothing: no
listener, no pid file, no log file."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
import harness  # noqa: E402


def check(lines, extra_files=None):
    """Write lines to a temporary config (plus {relative path: lines}) and run -t.
    Returns (status, stdout, stderr, dir)."""
    d = tempfile.mkdtemp(prefix="midge-e2e-t-")
    for rel, content in (extra_files or {}).items():
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("\n".join(content) + "\n")
    conf = os.path.join(d, "midge.conf")
    with open(conf, "w") as f:
        f.write("\n".join(line.replace("@DIR@", d) for line in lines) + "\n")
    p = subprocess.run([harness.broker_path(), "-t", "-c", conf], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=10, cwd=d)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), d


@midge_only
def test_valid_config_starts_nothing():
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        # The port is taken, but -t does not bind: still valid.
        rc, out, err, d = check(["listener %d 127.0.0.1" % port, "allow_anonymous true",
                                 "pid_file @DIR@/midge.pid", "log_dest file @DIR@/midge.log"])
        assert rc == 0, (rc, out, err)
        assert "is valid" in out, out
        assert not os.path.exists(os.path.join(d, "midge.pid"))
        assert not os.path.exists(os.path.join(d, "midge.log"))
        shutil.rmtree(d)
    finally:
        blocker.close()


@midge_only
def test_error_has_file_and_line():
    rc, out, err, d = check(["# a comment", "listener 1883 127.0.0.1",
                             "max_connections many"])
    assert rc == 1, (rc, out, err)
    assert "%s:3:" % os.path.join(d, "midge.conf") in err, err
    assert "max_connections" in err, err
    assert "valid" not in out
    shutil.rmtree(d)


@midge_only
def test_error_in_included_file():
    rc, out, err, d = check(["listener 1883 127.0.0.1", "include_dir @DIR@/conf.d"],
                            {"conf.d/a.conf": ["# first", "", "no_such_keyword 1"]})
    assert rc == 1, (rc, out, err)
    assert "%s:3:" % os.path.join(d, "conf.d", "a.conf") in err, err
    shutil.rmtree(d)


@midge_only
def test_without_config_file():
    p = subprocess.run([harness.broker_path(), "-t"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    assert p.returncode == 0 and b"valid" in p.stdout, (p.returncode, p.stdout, p.stderr)


@midge_only
def test_missing_file():
    p = subprocess.run([harness.broker_path(), "-t", "-c", "/nonexistent/midge.conf"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    assert p.returncode == 1, p.returncode
    assert b"/nonexistent/midge.conf" in p.stderr, p.stderr


if __name__ == "__main__":
    main()
