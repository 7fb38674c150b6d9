#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`user`: started as root, midge binds and opens its files first, then switches to the
user with its groups (checked in /proc/PID/status); a user that does not exist is
refused with a clear error instead of running as root; the default `mosquitto` falls
back to `midge`; the log file stays writable for rotation after the switch."""
import grp
import os
import pwd
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
from daemon_util import Daemon, port_accepts, proc_status  # noqa: E402


def need_root():
    if os.geteuid() != 0:
        print("# not running as root: the user switch cannot be tested")
        return False
    return True


def ids_of(status):
    uids = [int(x) for x in status["Uid"].split()]
    gids = [int(x) for x in status["Gid"].split()]
    groups = sorted(int(x) for x in status["Groups"].split())
    return uids, gids, groups


@midge_only
def test_user_nobody_drops_privileges():
    if not need_root():
        return
    pw = pwd.getpwnam("nobody")
    with Daemon(user="nobody", mode=0o755) as d:
        d.start()
        uids, gids, groups = ids_of(proc_status(d.pid))
        assert uids == [pw.pw_uid] * 4, uids          # real, effective, saved, fs
        assert gids == [pw.pw_gid] * 4, gids
        assert groups == sorted(set(os.getgrouplist("nobody", pw.pw_gid))), groups
        assert 0 not in groups
        # The listener bound before the switch still serves.
        c = RawClient(d.port)
        assert c.connect(uid())[1] == 0
        c.close()
        assert "running as user nobody" in d.log_text()
        # The log file root opened was handed to the user (rotation reopens it).
        assert os.stat(d.log_path).st_uid == pw.pw_uid
        assert d.stop() == 0


@midge_only
def test_pid_file_in_users_directory_is_removed():
    # Like /run/midge: a directory the user owns lets the broker remove its pid file at
    # exit; in root's directory the removal fails (logged) and the next start replaces it.
    if not need_root():
        return
    pw = pwd.getpwnam("nobody")
    with Daemon(user="nobody", mode=0o755) as d:
        run = os.path.join(d.dir, "run")
        os.mkdir(run, 0o750)
        os.chown(run, pw.pw_uid, pw.pw_gid)
        d.pid_path = os.path.join(run, "midge.pid")
        d.write_config()
        d.start()
        assert d.stop() == 0
        assert not os.path.exists(d.pid_path), "pid file left in the user's directory"
    with Daemon(user="nobody", mode=0o755) as d:
        d.start()
        assert d.stop() == 0
        assert os.path.exists(d.pid_path)
        assert "cannot remove the pid file" in d.log_text()
        d.start()                                   # stale: replaced, not refused
        assert "replacing stale pid file" in d.log_text()
        assert d.stop() == 0


@midge_only
def test_missing_user_refused():
    if not need_root():
        return
    with Daemon(user="midge-e2e-no-such-user") as d:
        rc, out = d.run()
        assert rc == 1, "started with a missing user (status %s): %s" % (rc, out)
        assert "midge-e2e-no-such-user" in out and "does not exist" in out, out
        assert "refusing to run as root" in out, out
        assert not port_accepts(d.port)
        assert not os.path.exists(d.pid_path)


@midge_only
def test_default_user():
    # No `user` line: mosquitto's default name, then midge's own user, else refuse.
    if not need_root():
        return
    expected = None
    for name in ("mosquitto", "midge"):
        try:
            expected = pwd.getpwnam(name)
            break
        except KeyError:
            pass
    with Daemon(user=None, mode=0o755) as d:
        rc, out = d.run()
        if expected is None:
            assert rc == 1 and "refusing to run as root" in out, (rc, out)
            return
        assert rc == 0, (rc, out)
        d.pid = d.read_pid()
        uids, gids, _ = ids_of(proc_status(d.pid))
        assert uids[0] == expected.pw_uid and gids[0] == expected.pw_gid, (uids, gids)
        assert d.stop() == 0


@midge_only
def test_user_root_is_explicit():
    if not need_root():
        return
    with Daemon(user="root") as d:
        d.start()
        assert ids_of(proc_status(d.pid))[0][0] == 0
        assert "running as root because the configuration says `user root`" in d.log_text()
        assert d.stop() == 0


@midge_only
def test_existing_log_keeps_its_owner():
    # A log file root already had is not given away; after the switch the broker keeps
    # writing to the file it opened and says why it cannot reopen it.
    if not need_root():
        return
    with Daemon(user="nobody", mode=0o755) as d:
        with open(d.log_path, "w") as f:
            f.write("root's line\n")
        os.chmod(d.log_path, 0o640)
        d.start()
        assert os.stat(d.log_path).st_uid == 0
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded")
        log = d.log_text()
        assert log.startswith("root's line\n") and "cannot reopen the log" in log, log
        assert d.stop() == 0


@midge_only
def test_log_rotation_after_switch():
    # After the switch the broker cannot create files in a root-owned directory.
    # logrotate's `create` makes the new file for it; without one the broker keeps
    # writing to the old file and still applies the rest of the reload.
    if not need_root():
        return
    pw = pwd.getpwnam("nobody")
    with Daemon(user="nobody", mode=0o755) as d:
        d.start()
        os.rename(d.log_path, d.log_path + ".1")
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded", path=d.log_path + ".1")
        old = d.log_text(d.log_path + ".1")
        assert "cannot reopen the log" in old, old
        assert not os.path.exists(d.log_path)
        # Now as `create` would: a new empty file owned by the user.
        with open(d.log_path, "w"):
            pass
        os.chown(d.log_path, pw.pw_uid, grp.getgrnam("root").gr_gid)
        d.signal(signal.SIGHUP)
        d.wait_log("configuration reloaded")
        assert d.log_text(d.log_path + ".1").count("configuration reloaded") == 1
        assert d.stop() == 0
        assert "midge shutting down" in d.log_text()


if __name__ == "__main__":
    main()
