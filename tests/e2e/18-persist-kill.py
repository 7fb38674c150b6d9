#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""kill -9 at random moments during QoS 1 traffic and frequent saves: after every kill
the broker starts again, the file always loads, and what was saved before is there."""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

KILLS = 6


def traffic(b, seconds, rng, counter):
    """QoS 1 retained publishes and a persistent QoS 1 subscriber, with SIGUSR1 saves
    sprinkled in, for `seconds`. Returns when the time is up or the broker is gone."""
    deadline = time.monotonic() + seconds
    try:
        sub = b.raw()
        sp, _ = sub.connect("kill-sub", clean=False)
        if sp:
            sub.collect_publishes(quiet=0.2)  # re-sent in-flight messages, acknowledged
        else:
            sub.subscribe([("kill/#", 1)])
        pub = b.client()
        while time.monotonic() < deadline:
            n = next(counter)
            pub.publish("kill/%d" % (n % 50), b"payload-%d" % n, 1, retain=True)
            if n % 25 == 0:
                b.proc.send_signal(signal.SIGUSR1)
            if n % 3 == 0:
                sub.collect_publishes(quiet=0.0, timeout=0.01)
    except (OSError, Closed):
        pass  # the broker was killed under us: that is the point
    return next(counter)


def test_kill_minus_9_loop():
    rng = random.Random(4242)
    counter = iter(range(1, 10 ** 9))
    conf = ["persistence true", "autosave_interval 20", "autosave_on_changes true"]
    with Broker(conf=conf) as b:
        db = os.path.join(b.dir, "midge.db")
        for i in range(KILLS):
            n = traffic(b, rng.uniform(0.3, 1.2), rng, counter)
            print("# round %d: killed after message %d" % (i, n))
            b.proc.send_signal(signal.SIGKILL)
            b.proc.wait()
            # Every file left behind must load: the broker starts and says so.
            before = b.log_text().count("persistence: restored")
            b.start()
            log = b.log_text()
            assert "refusing to start" not in log, b.log_tail()
            if os.path.exists(db):
                assert log.count("persistence: restored") == before + 1, b.log_tail()
            # A kill in the middle of a save leaves a temporary file; the start removes it.
            temps = [n for n in os.listdir(b.dir) if n.startswith(".midge.db.")]
            assert temps == [], temps
            roundtrip(b, qos=1)
        assert os.path.exists(db), "no save happened in %d rounds" % KILLS
        # What the last loaded file held is served: every retained topic that was saved.
        c = b.client()
        c.subscribe("kill/#", 0)
        got = c.collect_publishes(quiet=0.5)
        assert got and all(p.retain and p.payload.startswith(b"payload-") for p in got), got
        c.disconnect()


if __name__ == "__main__":
    main()
