#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Reload on SIGHUP: reloadable options take effect, a broken file keeps the running
configuration, listener limits keep their values (mosquitto resets them), clients stay."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def reload(b, lines, marker):
    """Rewrite the config with extra global lines, SIGHUP, wait for the log marker."""
    b.conf = make_config(lines)
    b.write_config()
    before = b.log_text().count(marker)
    b.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: b.log_text().count(marker) > before, what="reload logged")


@midge_only
def test_reload_applies_message_size_limit():
    with Broker(conf=[]) as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("rl/#", 1)
        pub.publish("rl/a", b"x" * 20, 1)
        sub.expect_publish("rl/a", b"x" * 20, qos=1)
        reload(b, ["message_size_limit 10"], "configuration reloaded")
        assert "reload: message_size_limit changed" in b.log_text()
        pub.publish("rl/b", b"y" * 20, 1)          # still acknowledged, not forwarded
        sub.expect_nothing(0.5)
        pub.publish("rl/c", b"z" * 5, 1)
        sub.expect_publish("rl/c", b"z" * 5, qos=1)


@midge_only
def test_broken_reload_keeps_running_config():
    with Broker(conf=["message_size_limit 10"]) as b:
        sub, pub = b.client(), b.client()
        sub.subscribe("rb/#", 1)
        reload(b, ["message_size_limit 10", "no_such_keyword 1"], "reload failed")
        log = b.log_text()
        line = b.config_lines().index("no_such_keyword 1") + 1
        assert "%s:%d:" % (b.conf_path, line) in log, log[-2000:]
        pub.publish("rb/a", b"y" * 20, 1)          # limit still in force
        sub.expect_nothing(0.5)
        pub.publish("rb/b", b"ok", 1)
        sub.expect_publish("rb/b", b"ok", qos=1)


@midge_only
def test_listener_max_connections_survives_reload():
    # mosquitto resets per-listener limits on SIGHUP (reference, surprise 17); midge keeps them.
    with Broker(listeners=[["max_connections 1"]]) as b:
        reload(b, ["connection_messages true"], "configuration reloaded")
        first = None
        for _ in range(50):
            try:
                first = b.client()
                break
            except Exception:
                time.sleep(0.05)
        assert first is not None
        c = b.raw()
        try:
            c.send(connect_packet(uid()), may_fail=True)
            p = c.recv(DEFAULT_TIMEOUT)
            assert p is None or p.type != CONNACK or p.rc != 0, "second client accepted"
        except Closed:
            pass
        finally:
            c.close()
        first.ping()


if __name__ == "__main__":
    main()
