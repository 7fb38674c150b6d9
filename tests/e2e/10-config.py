#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Configuration file and command line: listeners, mount_point, errors, -p, -h."""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def test_mount_point_prefix():
    # Listener 1 has "mount_point tenant/": its clients' topics are prefixed on the way
    # in; listener 0 sees the full topics; tenants only see their own subtree.
    with Broker(listeners=[[], ["mount_point tenant/"]]) as b:
        plain_sub = b.client(port=b.ports[0])
        plain_sub.subscribe("#", 1)
        tenant = b.client(port=b.ports[1])
        tenant.subscribe("x/#", 1)
        tenant.publish("y/2", b"from tenant", 1)
        plain_sub.expect_publish("tenant/y/2", b"from tenant")
        plain_pub = b.client(port=b.ports[0])
        plain_pub.publish("x/1", b"outside", 1)        # not under the mount point
        plain_sub.expect_publish("x/1", b"outside")
        tenant.expect_nothing(0.3)
        plain_pub.publish("tenant/x/1", b"in", 1)
        plain_sub.expect_publish("tenant/x/1", b"in")
        tenant.expect_publish(payload=b"in")


def test_mount_point_isolation_between_tenants():
    with Broker(listeners=[["mount_point a/"], ["mount_point b/"]]) as b:
        ta = b.client(port=b.ports[0])
        tb = b.client(port=b.ports[1])
        ta.subscribe("#", 1)
        tb.subscribe("#", 1)
        ta.publish("t", b"from a", 1)
        ta.expect_publish(payload=b"from a")
        tb.expect_nothing(0.4)


@midge_only
def test_mount_point_stripped_on_delivery():
    # The mount point is removed from topics delivered to the listener's clients
    # (also for retained messages). mosquitto 2.0.11 delivers "tenant/x/1".
    with Broker(listeners=[[], ["mount_point tenant/"]]) as b:
        tenant = b.client(port=b.ports[1])
        tenant.subscribe("x/#", 1)
        plain_pub = b.client(port=b.ports[0])
        plain_pub.publish("tenant/x/1", b"in", 1)
        tenant.expect_publish("x/1", b"in")
        tenant.publish("x/2", b"self", 1)
        tenant.expect_publish("x/2", b"self")
        tenant.publish("r", b"kept", 1, retain=True)
        late = b.client(port=b.ports[1])
        late.subscribe("r", 1)
        late.expect_publish("r", b"kept", retain=True)
        plain = b.client(port=b.ports[0])
        plain.subscribe("tenant/r", 1)
        plain.expect_publish("tenant/r", b"kept", retain=True)


def test_port_option_without_config():
    # 2.0 local-only mode: -p PORT without a config listens on loopback.
    with Broker(config=False) as b:
        roundtrip(b)


def test_socket_domain_ipv4():
    # socket_domain ipv4 restricts the listener to IPv4: an IPv6 address cannot be used.
    if not have_ipv6_loopback():
        print("# no IPv6 loopback; only the IPv4 half is checked")
    else:
        rc, out, conf = run_broker_once(["allow_anonymous true",
                                         "listener %d ::1" % free_ports()[0],
                                         "socket_domain ipv4"])
        assert rc not in (0, None), \
            "broker started on ::1 with socket_domain ipv4 (rc %s): %s" % (rc, out)
    with Broker(listeners=[["socket_domain ipv4"]]) as b:
        roundtrip(b)


def test_socket_domain_ipv6():
    if not have_ipv6_loopback():
        print("# no IPv6 loopback; skipped")
        return
    with Broker(listeners=[{"bind": "::1", "lines": ["socket_domain ipv6"]}]) as b:
        roundtrip(b, host="::1")
    rc, out, conf = run_broker_once(["allow_anonymous true",
                                     "listener %d 127.0.0.1" % free_ports()[0],
                                     "socket_domain ipv6"])
    assert rc not in (0, None), \
        "broker started on 127.0.0.1 with socket_domain ipv6 (rc %s): %s" % (rc, out)


def test_unknown_keyword_fails_with_location():
    port = free_ports()[0]
    rc, out, conf = run_broker_once(["# comment", "listener %d 127.0.0.1" % port,
                                     "no_such_option 1"])
    assert rc not in (0, None), "unknown keyword accepted (rc %s): %s" % (rc, out)
    assert (conf + ":3") in out, "no '%s:3' in output: %s" % (conf, out)


@midge_only
def test_unknown_keyword_file_line_prefix():
    # midge reports config errors as "<path>:<line>: message" (mosquitto: "path:3.").
    port = free_ports()[0]
    rc, out, conf = run_broker_once(["# comment", "listener %d 127.0.0.1" % port,
                                     "no_such_option 1"])
    assert rc not in (0, None), "unknown keyword accepted (rc %s): %s" % (rc, out)
    assert (conf + ":3:") in out, "no '%s:3:' in output: %s" % (conf, out)
    assert "no_such_option" in out, out


def test_invalid_values_fail():
    for line in ("allow_anonymous maybe", "max_inflight_messages 70000",
                 "socket_domain ipv5", "listener"):
        rc, out, conf = run_broker_once(["listener %d 127.0.0.1" % free_ports()[0], line])
        assert rc not in (0, None), "%r accepted (rc %s): %s" % (line, rc, out)


def test_missing_config_file_fails():
    rc, out, _ = run_broker_once(None, args=["-c", "/nonexistent/midge-e2e.conf"])
    assert rc not in (0, None), "missing config accepted (rc %s): %s" % (rc, out)


def test_comments_and_blank_lines():
    with Broker(conf=["", "# a comment line", "   ", "#max_inflight_messages oops"]) as b:
        roundtrip(b)


@midge_only
def test_unsupported_mosquitto_keyword():
    # A mosquitto keyword midge does not implement yet is refused explicitly.
    rc, out, conf = run_broker_once(["listener %d 127.0.0.1" % free_ports()[0],
                                     "clientid_prefixes x"])
    assert rc not in (0, None), "clientid_prefixes accepted (rc %s): %s" % (rc, out)
    assert "not supported" in out, out
    assert (conf + ":2") in out, out


@midge_only
def test_version_option():
    rc, out, _ = run_broker_once(None, args=["--version"])
    assert rc == 0, "--version exit status %s: %s" % (rc, out)
    assert re.search(r"\d+\.\d+", out), out


def test_help_option():
    rc, out, _ = run_broker_once(None, args=["-h"])
    assert rc is not None, "-h did not exit"
    for opt in ("-c", "-p", "-v"):
        assert opt in out, "usage does not mention %s: %s" % (opt, out)


def test_unknown_option_fails():
    rc, out, _ = run_broker_once(None, args=["--no-such-option"])
    assert rc not in (0, None), "unknown option accepted (rc %s): %s" % (rc, out)


def test_sigterm_clean_exit_with_clients():
    # The Broker fixture checks the exit status after SIGTERM; do it with clients
    # connected, a persistent session and retained messages in place.
    with Broker() as b:
        c = b.client(clean=False)
        c.subscribe("st/#", 2)
        p = b.client()
        p.publish("st/r", b"r", 1, retain=True)
        c.expect_publish("st/r", b"r")
        b.restart()
        roundtrip(b)


if __name__ == "__main__":
    main()
