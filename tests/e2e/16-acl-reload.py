#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""acl_file on SIGHUP: new rules apply to connected and offline sessions (subscriptions
that can no longer match anything readable are removed, queued messages that are no
longer readable are dropped), a broken ACL file keeps the previous rules and logs
file:line, removing acl_file allows everything again, and withdrawing allow_anonymous
disconnects anonymous clients."""
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Broker, RawClient, main, make_config, midge_only, uid,  # noqa: E402
                     wait_until)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def new_acl(text):
    path = os.path.join(tempfile.mkdtemp(prefix="midge-acl-"), "acl.conf")
    write(path, text)
    return path


def sighup(b, marker, conf=None):
    if conf is not None:
        b.conf = make_config(conf)
        b.write_config()
    before = b.log_text().count(marker)
    b.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: b.log_text().count(marker) > before, what="%r logged" % marker)


def connect(b, user=None, cid=None, clean=True):
    c = RawClient(b.port)
    _, rc = c.connect(cid or uid("rl"), username=user, clean=clean)
    assert rc == 0, rc
    return c


V1 = "user alice\ntopic read a/#\ntopic read b/#\nuser pub\ntopic write #\n"
V2 = "user alice\ntopic read b/#\ntopic read c/+\ntopic deny c/secret\nuser pub\ntopic write #\n"


@midge_only
def test_new_rules_apply_to_connected_clients():
    acl = new_acl(V1)
    with Broker(conf=["acl_file %s" % acl]) as b:
        a = connect(b, "alice")
        assert a.subscribe([("a/#", 1), ("b/#", 1)]) == [1, 1]
        p = connect(b, "pub")
        write(acl, V2)
        sighup(b, "configuration reloaded")
        assert "subscription 'a/#' removed: no longer readable" in b.log_text()
        p.publish("a/1", "gone", 1)
        p.publish("b/1", "still", 1)
        a.expect_publish("b/1", "still")
        a.expect_nothing(0.3)
        assert a.subscribe([("c/#", 1), ("a/#", 1)]) == [1, 0x80]
        for t in ("c/x", "c/secret", "c/x/y"):
            p.publish(t, t, 1)
        a.expect_publish("c/x", "c/x")
        a.expect_nothing(0.3)


@midge_only
def test_queued_messages_rechecked_for_offline_sessions():
    acl = new_acl("user alice\ntopic read q/#\ntopic read keep/#\nuser pub\ntopic write #\n")
    with Broker(conf=["acl_file %s" % acl]) as b:
        cid = uid("off")
        a = connect(b, "alice", cid=cid, clean=False)
        assert a.subscribe([("q/#", 1), ("keep/#", 1)]) == [1, 1]
        a.disconnect()
        p = connect(b, "pub")
        p.publish("q/1", "x", 1)
        p.publish("keep/1", "k", 1)
        p.publish("q/2", "y", 1)
        write(acl, "user alice\ntopic read keep/#\nuser pub\ntopic write #\n")
        sighup(b, "configuration reloaded")
        assert "1 subscription(s) removed, 2 queued message(s) dropped" in b.log_text(), \
            b.log_tail()
        a = RawClient(b.port)
        sp, rc = a.connect(cid, username="alice", clean=False)
        assert (sp, rc) == (1, 0)
        a.expect_publish("keep/1", "k")
        a.expect_nothing(0.3)
        p.publish("q/3", "z", 1)
        a.expect_nothing(0.3)


@midge_only
def test_identity_change_on_resume_rechecks_session():
    # A persistent session resumed by another user gets that user's rules.
    acl = new_acl("user alice\ntopic read s/#\nuser bob\ntopic read t/#\n"
                  "user pub\ntopic write #\n")
    with Broker(conf=["acl_file %s" % acl]) as b:
        cid = uid("id")
        a = connect(b, "alice", cid=cid, clean=False)
        a.subscribe("s/#", 1)
        a.disconnect()
        p = connect(b, "pub")
        p.publish("s/1", "for alice", 1)
        bob = RawClient(b.port)
        assert bob.connect(cid, username="bob", clean=False) == (1, 0)
        bob.expect_nothing(0.3)
        p.publish("s/2", "still not for bob", 1)
        bob.expect_nothing(0.3)


@midge_only
def test_broken_acl_file_keeps_previous_rules():
    acl = new_acl(V1)
    with Broker(conf=["acl_file %s" % acl]) as b:
        a = connect(b, "alice")
        a.subscribe("a/#", 1)
        p = connect(b, "pub")
        write(acl, "user alice\ntopic read #\ntopik read x\ntopic read a/#/b\n")
        sighup(b, "keeping the previous access rules")
        log = b.log_text()
        assert "%s:3: unknown keyword 'topik'" % acl in log, b.log_tail()
        assert "%s:4: invalid topic filter" % acl in log, b.log_tail()
        p.publish("a/1", "v1 rules", 1)
        a.expect_publish("a/1", "v1 rules")
        # the broken file's "topic read #" did not open anything up
        assert a.subscribe("z/#", 1) == [0x80]
        anon = connect(b)
        assert anon.subscribe("a/#", 1) == [0x80]
        # an unreadable file is kept out the same way
        os.unlink(acl)
        sighup(b, "cannot read acl_file")
        p.publish("a/2", "still v1", 1)
        a.expect_publish("a/2", "still v1")
        write(acl, V2)                                # a good file applies again
        sighup(b, "reload: acl file")
        p.publish("a/3", "gone", 1)
        a.expect_nothing(0.3)


@midge_only
def test_acl_file_removed_allows_everything():
    acl = new_acl(V1)
    with Broker(conf=["acl_file %s" % acl]) as b:
        anon = connect(b)
        assert anon.subscribe("x/#", 0) == [0x80]
        sighup(b, "acl_file removed", conf=[])
        assert anon.subscribe("x/#", 0) == [0]
        anon.publish("x/1", "free", 0)
        anon.expect_publish("x/1", "free")


@midge_only
def test_allow_anonymous_withdrawn_disconnects_anonymous_clients():
    with Broker() as b:
        anon = connect(b)
        named = connect(b, "someone")          # admitted as anonymous too (no password file)
        b.anonymous = False
        sighup(b, "configuration reloaded", conf=["allow_anonymous false"])
        anon.expect_closed()
        named.expect_closed()
        c = RawClient(b.port)
        assert c.connect(uid("x"))[1] == 5


@midge_only
def test_will_rechecked_when_sent():
    acl = new_acl("user alice\ntopic write wills/#\nuser obs\ntopic read wills/#\n")
    with Broker(conf=["acl_file %s" % acl]) as b:
        obs = connect(b, "obs")
        obs.subscribe("wills/#", 1)
        keep, lose = RawClient(b.port), RawClient(b.port)
        assert keep.connect(uid("k"), username="alice", will_topic="wills/keep",
                            will_payload="k")[1] == 0
        assert lose.connect(uid("l"), username="alice", will_topic="wills/lose",
                            will_payload="l")[1] == 0
        write(acl, "user alice\ntopic write wills/keep\nuser obs\ntopic read wills/#\n")
        sighup(b, "configuration reloaded")
        lose.close()
        keep.close()
        obs.expect_publish("wills/keep", "k")
        # the two closes may be handled in either order
        wait_until(lambda: "will to 'wills/lose' denied by the ACL" in b.log_text(),
                   what="denied will logged")
        obs.expect_nothing(0.3)


@midge_only
def test_restored_session_checked_at_reconnect():
    # Persistence does not store the username, so a restored session gets its rules at the
    # next CONNECT: what it queued meanwhile is re-checked before anything is sent, and a
    # reload in between does not judge it as anonymous.
    acl = new_acl("user alice\ntopic read a/#\ntopic deny a/secret\nuser pub\ntopic write #\n")
    with Broker(conf=["acl_file %s" % acl, "persistence true"]) as b:
        cid = uid("rs")
        a = connect(b, "alice", cid=cid, clean=False)
        assert a.subscribe("a/#", 1) == [1]
        a.disconnect()
        b.restart()
        sighup(b, "configuration reloaded")
        p = connect(b, "pub")
        p.publish("a/secret", "no", 1)
        p.publish("a/ok", "yes", 1)
        a = RawClient(b.port)
        assert a.connect(cid, username="alice", clean=False) == (1, 0)
        a.expect_publish("a/ok", "yes")
        a.expect_nothing(0.3)


if __name__ == "__main__":
    main()
