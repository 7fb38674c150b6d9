#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""per_listener_settings: password_file, acl_file, allow_anonymous,
allow_zero_length_clientid and auto_id_prefix per listener on two listeners (and their
reload), the rule that per_listener_settings comes first (file:line), and
use_username_as_clientid (no username: CONNACK 5)."""
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Broker, RawClient, free_ports, is_mosquitto, main,  # noqa: E402
                     midge_only, run_broker_once, uid, wait_until)


def readable_dir():
    d = tempfile.mkdtemp(prefix="midge-pl-")
    os.chmod(d, 0o755)  # Debian's mosquitto reads it after dropping root privileges
    return d


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


def passwd_file(d, users):
    path = os.path.join(d, "passwd")
    for i, (user, pw) in enumerate(users):
        subprocess.run(["mosquitto_passwd"] + (["-c"] if i == 0 else []) + ["-b", path, user, pw],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)
    os.chmod(path, 0o644)
    return path


def rc_of(port, cid=None, **kw):
    with RawClient(port) as c:
        return c.connect(uid("pl") if cid is None else cid, **kw)[1]


def connect(port, **kw):
    c = RawClient(port)
    _, rc = c.connect(kw.pop("cid", None) or uid("pl"), **kw)
    assert rc == 0, rc
    return c


def two_listeners():
    d = readable_dir()
    pw = passwd_file(d, [("alice", "pa")])
    acl = write(os.path.join(d, "acl"), "user alice\ntopic readwrite secure/#\n")
    return d, pw, acl, dict(
        conf=["per_listener_settings true"], anonymous=False,
        listeners=[["password_file %s" % pw, "acl_file %s" % acl, "allow_anonymous false",
                    "allow_zero_length_clientid false"],
                   ["allow_anonymous true", "auto_id_prefix open-"]])


def test_security_settings_per_listener():
    _, _, _, kw = two_listeners()
    with Broker(**kw) as b:
        secure, open_ = b.ports
        assert rc_of(secure) == 5                               # anonymous refused here
        # midge: 4 (bad username or password); Debian's mosquitto answers 5
        assert rc_of(secure, username="alice", password="bad") == (5 if is_mosquitto() else 4)
        assert rc_of(secure, username="alice", password="pa") == 0
        assert rc_of(open_) == 0                                # ... and allowed here
        assert rc_of(open_, username="alice", password="bad") == 0  # no password file
        # the ACL applies on the secure listener only
        a = connect(secure, username="alice", password="pa")
        anon = connect(open_)
        assert anon.subscribe("#", 1) == [1]
        a.publish("secure/x", "1", 1)
        a.publish("elsewhere", "denied", 1)
        anon.expect_publish("secure/x", "1")
        anon.expect_nothing(0.3)
        anon.publish("elsewhere", "open", 1)                    # no ACL on this listener
        anon.expect_publish("elsewhere", "open")
        # client-id rules per listener
        assert rc_of(secure, cid="", username="alice", password="pa") == 2
        assert rc_of(open_, cid="") == 0
        wait_until(lambda: re.search(r"(client=| as )open-[0-9a-fA-F]", b.log_text()),
                   what="generated id with prefix")


@midge_only
def test_reload_per_listener():
    d, _, acl, kw = two_listeners()
    with Broker(**kw) as b:
        secure, open_ = b.ports
        a = connect(secure, username="alice", password="pa")
        anon = connect(open_)
        write(acl, "user alice\ntopic readwrite secure/#\ntopic bogus line\n")
        b.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "keeping the previous access rules" in b.log_text(),
                   what="broken ACL logged")
        assert "%s:3:" % acl in b.log_text()
        assert a.subscribe("secure/#", 1) == [1]
        # listener 2 becomes closed to anonymous clients; listener 1 keeps alice
        b.listeners[1] = ["allow_anonymous false"]
        b.write_config()
        before = b.log_text().count("configuration reloaded")
        b.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: b.log_text().count("configuration reloaded") > before,
                   what="reload")
        anon.expect_closed()
        a.expect_nothing(0.3)
        assert rc_of(open_) == 5
        assert rc_of(secure, username="alice", password="pa") == 0


def test_per_listener_settings_must_come_first():
    port = free_ports()[0]
    status, out, conf = run_broker_once(["password_file /nonexistent",
                                         "per_listener_settings true",
                                         "listener %d 127.0.0.1" % port])
    assert status not in (0, None), (status, out)
    if not is_mosquitto():
        assert "%s:2:" % conf in out and "per_listener_settings" in out, out


def test_use_username_as_clientid():
    with Broker(listeners=[["use_username_as_clientid true"]]) as b:
        assert rc_of(b.port) == 5                                # no username
        first = connect(b.port, cid="one", username="carol")
        first.subscribe("u/#", 1)
        second = connect(b.port, cid="two", username="carol")   # same id: takes over
        first.expect_closed()
        assert second.session_present in (None, 0)
        wait_until(lambda: re.search(r"(client=carol addr=| as carol )", b.log_text()),
                   what="username used as client id")


@midge_only
def test_listener_added_live_gets_its_own_settings():
    # A listener added through the control socket with per_listener_settings is its own
    # security domain: it does not inherit the first listener's anonymous access.
    from ctlkit import ctl_ok
    with Broker(conf=["per_listener_settings true"], anonymous=False,
                listeners=[["allow_anonymous true"]]) as b:
        (port,) = free_ports(1)
        ctl_ok(b, "listeners", "add", port, "--address", "127.0.0.1")
        wait_until(lambda: rc_of(port) is not None, what="new listener")
        assert rc_of(port) == 5
        assert rc_of(b.port) == 0


if __name__ == "__main__":
    main()
