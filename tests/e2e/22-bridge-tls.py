#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bridges over TLS (each remote has a TLS listener, and a plain one for the checks): the remote's certificate is checked against the CA and the host name
(a wrong name is refused unless bridge_insecure), and TLS-PSK bridges."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
from tlsutil import OPENSSL, Pki, run  # noqa: E402

PKI = Pki()


def wrong_name_cert():
    """A server certificate from the test CA that names only other.example."""
    ca = PKI.ca
    key, csr, crt = ca.path("wrong.key"), ca.path("wrong.csr"), ca.path("wrong.crt")
    run([OPENSSL, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", csr, "-subj", "/CN=other.example"], ca.dir)
    ext = ca.path("wrong.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:other.example\n")
    run([OPENSSL, "ca", "-batch", "-config", ca.cnf, "-in", csr, "-out", crt, "-extfile", ext,
         "-notext"], ca.dir)
    return crt, key


def bridge(name, host, port, *extra):
    return ["connection %s" % name, "address %s:%d" % (host, port), "remote_clientid %s" % name,
            "restart_timeout 1", "topic tls/# both 1"] + list(extra)


def state(broker, name):
    c = broker.client(port=broker.ports[-1])  # the plain listener
    c.subscribe("$SYS/broker/connection/%s/state" % name, 1)
    p = c.recv(0.3)
    c.disconnect()
    return p.payload if p is not None else None


def crosses(local, remote):
    rsub = remote.client(port=remote.ports[-1])
    rsub.subscribe("tls/#", 1)
    local.client().publish("tls/x", b"secret", 1)
    rsub.expect_publish("tls/x", b"secret", qos=1)


def test_verified_by_ca_and_host_name():
    with Broker(listeners=[PKI.listener(ca=False), []]) as remote:
        conf = bridge("good", "localhost", remote.port, "bridge_cafile %s" % PKI.ca.crt)
        with Broker(conf=conf) as local:
            wait_until(lambda: state(remote, "good") == b"1", timeout=10, what="bridge up")
            crosses(local, remote)


def test_untrusted_ca_refused():
    with Broker(listeners=[PKI.listener(ca=False), []]) as remote:
        conf = bridge("untrusted", "localhost", remote.port,
                      "bridge_cafile %s" % PKI.other_ca.crt)
        with Broker(conf=conf) as local:
            wait_until(lambda: "unable to get local issuer certificate" in local.log_text(),
                       timeout=10, what="verification failure in the log")
            assert state(remote, "untrusted") is None


def test_wrong_host_name_refused_unless_insecure():
    crt, key = wrong_name_cert()
    lines = ["certfile %s" % crt, "keyfile %s" % key]
    with Broker(listeners=[lines, []]) as remote:
        conf = bridge("strict", "localhost", remote.port, "bridge_cafile %s" % PKI.ca.crt)
        with Broker(conf=conf) as local:
            wait_until(lambda: "hostname mismatch" in local.log_text(), timeout=10,
                       what="host name failure in the log")
            assert state(remote, "strict") is None
        conf = bridge("lax", "localhost", remote.port, "bridge_cafile %s" % PKI.ca.crt,
                      "bridge_insecure true")
        with Broker(conf=conf) as local:
            wait_until(lambda: state(remote, "lax") == b"1", timeout=10, what="bridge up")
            crosses(local, remote)


def test_psk_bridge():
    d = tempfile.mkdtemp(prefix="midge-psk-")
    psk_file = os.path.join(d, "psk")
    with open(psk_file, "w") as f:
        f.write("bridge1:00112233445566778899aabbccddeeff\n")
    with Broker(conf=["psk_file %s" % psk_file], listeners=[["psk_hint hint"], []]) as remote:
        conf = bridge("psk", "127.0.0.1", remote.port, "bridge_identity bridge1",
                      "bridge_psk 00112233445566778899aabbccddeeff")
        with Broker(conf=conf) as local:
            wait_until(lambda: state(remote, "psk") == b"1", timeout=10, what="PSK bridge up")
            crosses(local, remote)
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        PKI.cleanup()
