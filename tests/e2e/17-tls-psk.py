#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""TLS-PSK listeners (psk_hint + psk_file) with mosquitto_pub --psk/--psk-identity over
TLS 1.3 and 1.2: the right key works, a wrong key or unknown identity fails, bad lines
of psk_file are reported with file:line, use_identity_as_username makes the identity the
username, and SIGHUP rereads psk_file (an unreadable file keeps the old keys)."""
import os
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Broker, main, wait_until  # noqa: E402
from tlsutil import MOSQUITTO_PUB, Pki, mosq, s_client  # noqa: E402

KEY_A = "00a1b2c3d4e5f60718293a4b5c6d7e8f"
KEY_B = "deadbeefcafe0123456789abcdef0011"


def psk_file(text):
    path = os.path.join(tempfile.mkdtemp(prefix="midge-psk-"), "psk")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def pub(port, identity, key, *extra):
    rc, out = mosq(MOSQUITTO_PUB, port, "--psk", key, "--psk-identity", identity, "-t",
                   "psk/t", "-m", "x", "-q", "1", *extra)
    return rc, out


def sighup(b, marker):
    before = b.log_text().count(marker)
    b.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: b.log_text().count(marker) > before, what="reload logged")


def test_psk_login():
    path = psk_file("# identities\nsensor1:%s\nbadline\nsensor2 : %s \n" % (KEY_A, KEY_B))
    with Broker(conf=["psk_file %s" % path], listeners=[["psk_hint midge-test"]]) as b:
        assert "%s:3: PSK line has no ':'" % path in b.log_text(), b.log_tail()
        for version in ("tlsv1.3", "tlsv1.2"):
            rc, out = pub(b.port, "sensor1", KEY_A, "--tls-version", version)
            assert rc == 0, (version, out)
            rc, out = pub(b.port, "sensor2", KEY_B, "--tls-version", version)
            assert rc == 0, (version, out)
        rc, out = pub(b.port, "sensor1", KEY_B)
        assert rc != 0, out
        rc, out = pub(b.port, "nobody", KEY_A)
        assert rc != 0, out
        # A certificate handshake has nothing to offer here.
        rc, out = s_client(b.port, "-tls1_2")
        assert rc != 0, out
        wait_until(lambda: "TLS handshake failed" in b.log_text(), what="failure logged")


def test_psk_identity_as_username():
    path = psk_file("sensor1:%s\n" % KEY_A)
    with Broker(conf=["psk_file %s" % path], anonymous=False,
                listeners=[["psk_hint h", "use_identity_as_username true"]]) as b:
        rc, out = pub(b.port, "sensor1", KEY_A)
        assert rc == 0, out
        wait_until(lambda: "username 'sensor1'" in b.log_text(), what="identity as username")
    # Without use_identity_as_username the client still needs normal authentication.
    with Broker(conf=["psk_file %s" % path], anonymous=False,
                listeners=[["psk_hint h"]]) as b:
        rc, out = pub(b.port, "sensor1", KEY_A)
        assert rc != 0 and "not authorised" in out.lower(), out


def test_psk_reload():
    path = psk_file("old:%s\n" % KEY_A)
    with Broker(conf=["psk_file %s" % path], listeners=[["psk_hint h"]]) as b:
        assert pub(b.port, "old", KEY_A)[0] == 0
        with open(path + ".new", "w") as f:
            f.write("new:%s\n" % KEY_B)
        os.replace(path + ".new", path)
        sighup(b, "configuration reloaded")
        assert pub(b.port, "new", KEY_B)[0] == 0
        assert pub(b.port, "old", KEY_A)[0] != 0
        # An unreadable file keeps the keys that were loaded last.
        os.unlink(path)
        sighup(b, "configuration reloaded")
        assert "keeping the previous PSK keys" in b.log_text(), b.log_tail()
        assert pub(b.port, "new", KEY_B)[0] == 0


def test_psk_file_missing_at_start():
    missing = os.path.join(tempfile.mkdtemp(prefix="midge-psk-"), "none")
    from harness import run_broker_once
    rc, out, _ = run_broker_once(["psk_file %s" % missing, "listener 1885 127.0.0.1",
                                  "psk_hint h"], args=["-t"])
    assert rc != 0 and "cannot read" in out and missing in out, out


if __name__ == "__main__":
    main()
