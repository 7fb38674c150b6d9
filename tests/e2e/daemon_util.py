# SPDX-License-Identifier: MIT
"""Helpers for the 20-daemon-* tests: a broker started with -d (detached), whose exit
status the test can still collect because the test process makes itself a child
subreaper (the detached broker is reparented to it instead of to init)."""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import harness
from harness import free_ports, wait_until

PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)
if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def proc_status(pid):
    """/proc/PID/status as a dict of field -> value text."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def port_accepts(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


class Daemon:
    """A temporary directory with a config (log_dest file, pid_file, one listener) for
    `midge -c CONF -d`. conf: extra global lines; listener: extra listener lines."""

    def __init__(self, conf=None, listener=None, user="root", mode=0o700, log_file=True):
        self.dir = tempfile.mkdtemp(prefix="midge-e2e-d-")
        os.chmod(self.dir, mode)
        self.conf_path = os.path.join(self.dir, "midge.conf")
        self.log_path = os.path.join(self.dir, "midge.log")
        self.pid_path = os.path.join(self.dir, "midge.pid")
        self.port = free_ports()[0]
        self.extra = list(conf or [])
        self.listener = list(listener or [])
        self.user = user
        self.log_file = log_file
        self.pid = None
        self.write_config()

    def config_lines(self):
        lines = ["log_dest file %s" % self.log_path if self.log_file else "log_dest stderr",
                 "log_type all", "allow_anonymous true", "pid_file %s" % self.pid_path]
        if self.user is not None:
            lines.append("user %s" % self.user)
        lines += self.extra
        lines.append("listener %d 127.0.0.1" % self.port)
        return lines + self.listener

    def write_config(self):
        with open(self.conf_path, "w") as f:
            f.write("\n".join(self.config_lines()) + "\n")
        os.chmod(self.conf_path, 0o644)

    def run(self, args=None, timeout=20):
        """Run `midge -c CONF -d`; return (exit status, stdout+stderr text). The
        parent must exit by itself: a timeout fails the test."""
        cmd = [harness.broker_path(), "-c", self.conf_path, "-d"] + list(args or [])
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout, cwd=self.dir)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def start(self):
        rc, out = self.run()
        assert rc == 0, "midge -d exited %s: %s\n%s" % (rc, out, self.log_text())
        self.pid = self.read_pid()
        return out

    def read_pid(self):
        with open(self.pid_path) as f:
            return int(f.read().strip())

    def log_text(self, path=None):
        try:
            with open(path or self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, text, count=1, path=None):
        wait_until(lambda: self.log_text(path).count(text) >= count, timeout=10,
                   what="%r in the log" % text)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def wait_exit(self, timeout=10):
        """Wait for the detached broker (our child through the subreaper) and return
        its exit status (negative: killed by that signal)."""
        deadline = time.monotonic() + timeout
        while True:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.pid = None
                return os.waitstatus_to_exitcode(st)
            if time.monotonic() > deadline:
                raise AssertionError("daemon %d did not exit within %ds" % (self.pid, timeout))
            time.sleep(0.02)

    def stop(self):
        """SIGTERM and wait; returns the exit status."""
        self.signal(signal.SIGTERM)
        return self.wait_exit()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        if exc_type is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("# daemon log:\n# " + self.log_text()[-3000:].replace("\n", "\n# "))
        return False
