#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""resources/midge.service passes `systemd-analyze verify` (skipped where systemd-analyze
is absent) and its hardening scores "OK" in `systemd-analyze security`; the sample
resources/midge.conf it starts with is valid for `midge -t`."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403
import harness  # noqa: E402

UNIT = os.environ.get("MIDGE_UNIT") or os.path.join(REPO, "build", "resources", "midge.service")


def unit_for_build(d):
    """The configured unit with ExecStart pointing at the binary under test (verify
    insists that the executable exists)."""
    with open(UNIT) as f:
        text = f.read()
    m = re.search(r"^ExecStart=(\S+)", text, re.M)
    assert m and m.group(1).endswith("/midge"), text
    text = text.replace(m.group(1), harness.broker_path())
    path = os.path.join(d, "midge.service")
    with open(path, "w") as f:
        f.write(text)
    return path, text


def test_unit_verifies():
    if not shutil.which("systemd-analyze"):
        print("# systemd-analyze not installed; skipped")
        return
    d = tempfile.mkdtemp(prefix="midge-e2e-u-")
    try:
        path, text = unit_for_build(d)
        for line in ("Type=notify", "User=midge", "ProtectSystem=strict", "ProtectHome=true",
                     "PrivateTmp=true", "NoNewPrivileges=true", "StateDirectory=midge",
                     "RuntimeDirectory=midge", "LogsDirectory=midge",
                     "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                     "ExecReload=/bin/kill -HUP $MAINPID"):
            assert re.search("^" + re.escape(line) + "$", text, re.M), line
        p = subprocess.run(["systemd-analyze", "verify", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        out = p.stdout.decode()
        assert p.returncode == 0 and out.strip() == "", "verify: %s %s" % (p.returncode, out)
        p = subprocess.run(["systemd-analyze", "security", "--offline=true", path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = p.stdout.decode()
        m = re.search(r"Overall exposure level for midge.service: ([\d.]+)", out)
        assert m, out[-2000:]
        assert float(m.group(1)) < 3.0, "exposure %s:\n%s" % (m.group(1), out[-3000:])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_sample_config_is_valid():
    conf = os.path.join(REPO, "resources", "midge.conf")
    p = subprocess.run([harness.broker_path(), "-t", "-c", conf], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10)
    assert p.returncode == 0, p.stdout.decode()
    assert b"warning" not in p.stdout, p.stdout.decode()


if __name__ == "__main__":
    main()
