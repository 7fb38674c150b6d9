#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Certificate renewal without restart: on SIGHUP every TLS listener rereads its
certificate and key, so new connections see the new certificate (its serial, checked with
openssl s_client) while established connections carry on; a broken new certificate or a
key that does not match keeps the running one and the log says why."""
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Broker, main, uid, wait_until  # noqa: E402
from tlsutil import Pki, s_client, serial_of, tls_raw  # noqa: E402

PKI = Pki()


def served_serial(port):
    rc, out = s_client(port, "-showcerts", cafile=PKI.ca.crt)
    assert rc == 0, out
    # The first PEM block is the server certificate; ask openssl for its serial.
    pem = out[out.index("-----BEGIN CERTIFICATE-----"):out.index("-----END CERTIFICATE-----")
              + len("-----END CERTIFICATE-----")]
    path = os.path.join(PKI.root, "served-%s.pem" % uid())
    with open(path, "w") as f:
        f.write(pem + "\n")
    return serial_of(path)


def reload(b, marker):
    before = b.log_text().count(marker)
    b.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: b.log_text().count(marker) > before, what=marker)


def test_reload_takes_new_certificate():
    d = os.path.join(PKI.root, "live")
    os.makedirs(d)
    crt, key = os.path.join(d, "server.crt"), os.path.join(d, "server.key")
    shutil.copy(PKI.server_crt, crt)
    shutil.copy(PKI.server_key, key)
    with Broker(listeners=[["certfile %s" % crt, "keyfile %s" % key]]) as b:
        first = served_serial(b.port)
        assert first == serial_of(PKI.server_crt)
        old_conn = tls_raw(b.port, PKI.ca.crt)
        assert old_conn.connect(uid("old"))[1] == 0
        # Renew: a new key and certificate are written over the old files.
        new_crt, new_key = PKI.ca.issue("server2", "/CN=localhost", server=True)
        shutil.copy(new_crt, crt)
        shutil.copy(new_key, key)
        reload(b, "reread its TLS certificate and key")
        second = served_serial(b.port)
        assert second == serial_of(new_crt) and second != first, (first, second)
        old_conn.ping()
        # A broken certificate keeps the running one, and the log says why.
        with open(crt, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
        reload(b, "keeps its running certificate")
        assert "cannot use the certificate in certfile %s" % crt in b.log_text(), b.log_tail()
        assert served_serial(b.port) == second
        # So does a certificate whose key was not renewed with it.
        shutil.copy(PKI.server_crt, crt)
        reload(b, "keeps its running certificate: ")
        wait_until(lambda: "does not match the certificate" in b.log_text(), what="mismatch")
        assert served_serial(b.port) == second
        # An unreadable key too.
        os.unlink(key)
        shutil.copy(new_crt, crt)
        before = b.log_text().count("cannot read keyfile")
        b.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: b.log_text().count("cannot read keyfile") > before, what="no key")
        assert served_serial(b.port) == second
        old_conn.ping()
        old_conn.disconnect()


if __name__ == "__main__":
    try:
        main()
    finally:
        PKI.cleanup()
