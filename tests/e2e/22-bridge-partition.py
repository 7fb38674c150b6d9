#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Partition test: two network namespaces joined by a veth pair (10.200.0.0/30, inside
the namespaces only), a midge in each and a bridge between them. The link is cut for
longer than the keepalive while QoS 1 messages keep being published; once it is back,
every message must arrive and the notification topic must have shown the outage. The
namespaces are removed even when the test fails; without permission for `ip netns` the
test is skipped."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

TAG = "%05d" % (os.getpid() % 100000)
NS_A, NS_B = "midge-pa-" + TAG, "midge-pb-" + TAG
IF_A, IF_B = "mpa" + TAG, "mpb" + TAG
STATE = "$SYS/broker/connection/part/state"


def sh(*args, check=True):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=30, check=check)


def in_ns(ns, *args):
    return ["ip", "netns", "exec", ns] + list(args)


def setup_net():
    sh("ip", "netns", "add", NS_A)
    sh("ip", "netns", "add", NS_B)
    sh("ip", "link", "add", IF_A, "type", "veth", "peer", "name", IF_B)
    sh("ip", "link", "set", IF_A, "netns", NS_A)
    sh("ip", "link", "set", IF_B, "netns", NS_B)
    for ns, ifc, addr in ((NS_A, IF_A, "10.200.0.1/30"), (NS_B, IF_B, "10.200.0.2/30")):
        sh(*in_ns(ns, "ip", "addr", "add", addr, "dev", ifc))
        sh(*in_ns(ns, "ip", "link", "set", ifc, "up"))
        sh(*in_ns(ns, "ip", "link", "set", "lo", "up"))


def teardown_net():
    for ns in (NS_A, NS_B):
        sh("ip", "netns", "del", ns, check=False)  # also removes the veth end inside
    sh("ip", "link", "del", IF_A, check=False)   # if it never moved into its namespace


def write(d, name, lines):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def wait_text(path, text, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, "rb") as f:
            if text in f.read():
                return
        time.sleep(0.1)
    raise AssertionError("%r never appeared in %s" % (text, path))


def test_partition_with_veth():
    try:
        sh("ip", "netns", "add", NS_A)
        sh("ip", "netns", "del", NS_A)
    except (subprocess.CalledProcessError, OSError) as e:
        print("# SKIP: ip netns is not permitted here (%s)" % e)
        return
    d = tempfile.mkdtemp(prefix="midge-part-")
    procs = []
    try:
        setup_net()
        common = ["log_dest stderr", "user root", "allow_anonymous true",
                  "control_socket none"]
        conf_b = write(d, "b.conf", common + ["listener 1883"])
        conf_a = write(d, "a.conf", common + [
            "listener 1883 127.0.0.1", "connection part", "address 10.200.0.2:1883",
            "remote_clientid part", "keepalive_interval 5", "restart_timeout 1",
            "topic part/# out 1"])
        for ns, conf, log in ((NS_B, conf_b, "b.log"), (NS_A, conf_a, "a.log")):
            with open(os.path.join(d, log), "wb") as out:
                procs.append(subprocess.Popen(in_ns(ns, broker_path(), "-c", conf, "-v"),
                                              stdout=out, stderr=subprocess.STDOUT, cwd=d))
        wait_text(os.path.join(d, "b.log"), b"running")
        wait_text(os.path.join(d, "a.log"), b"bridge=part connected")
        got, states = os.path.join(d, "got.txt"), os.path.join(d, "states.txt")
        with open(got, "wb") as out:
            procs.append(subprocess.Popen(in_ns(NS_B, "mosquitto_sub", "-h", "127.0.0.1",
                                                "-t", "part/#", "-q", "1", "-v"),
                                          stdout=out, stderr=subprocess.STDOUT))
        with open(states, "wb") as out:
            procs.append(subprocess.Popen(in_ns(NS_A, "mosquitto_sub", "-h", "127.0.0.1",
                                                "-t", STATE, "-q", "1", "-v"),
                                          stdout=out, stderr=subprocess.STDOUT))
        wait_text(states, b" 1")

        def publish(i):
            sh(*in_ns(NS_A, "mosquitto_pub", "-h", "127.0.0.1", "-t", "part/%d" % i,
                      "-m", "m%d" % i, "-q", "1"))

        publish(0)
        wait_text(got, b"part/0 m0")
        sh(*in_ns(NS_A, "ip", "link", "set", IF_A, "down"))
        # Longer than 1.5 x keepalive (7.5 s) while QoS 1 messages keep coming.
        cut_until = time.monotonic() + 10.0
        i = 1
        while time.monotonic() < cut_until:
            publish(i)
            i += 1
            time.sleep(0.25)
        wait_text(states, b" 0")
        sh(*in_ns(NS_A, "ip", "link", "set", IF_A, "up"))
        for k in range(i, i + 5):  # and some more right after the link is back
            publish(k)
        last = i + 4
        wait_text(got, b"part/%d m%d\n" % (last, last), timeout=30)
        deadline = time.monotonic() + 10
        missing = None
        while time.monotonic() < deadline:
            with open(got, "rb") as f:
                lines = set(f.read().decode().split("\n"))
            missing = [k for k in range(last + 1) if "part/%d m%d" % (k, k) not in lines]
            if not missing:
                break
            time.sleep(0.2)
        assert not missing, "lost during the partition: %s" % missing
        with open(states, "rb") as f:
            seq = [ln.split()[-1] for ln in f.read().decode().split("\n") if ln.strip()]
        assert seq[0] == "1" and "0" in seq and seq[-1] == "1", seq
        with open(os.path.join(d, "a.log"), "rb") as f:
            assert b"keepalive expired" in f.read()
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        teardown_net()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
