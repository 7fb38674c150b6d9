# SPDX-License-Identifier: MIT
"""Test PKI and TLS client helpers for the 17-tls-* end-to-end tests.

Pki() makes a throw-away CA in a temporary directory with the `openssl` command (keys are
never committed): a server certificate for localhost/127.0.0.1, client certificates, a
second unrelated CA with its own client certificate, and CRLs. Everything is EC P-256,
so generation takes well under a second."""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile

OPENSSL = "/usr/bin/openssl"
MOSQUITTO_PUB = "mosquitto_pub"
MOSQUITTO_SUB = "mosquitto_sub"


def run(args, cwd, check=True, input=None, timeout=30):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       input=input, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s" % (" ".join(args), p.returncode,
                                                      p.stdout.decode(errors="replace")))
    return p.returncode, p.stdout.decode(errors="replace")


CA_CNF = """[ca]
default_ca = ca_default
[ca_default]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
unique_subject = no
crlnumber = {dir}/crlnumber
certificate = {dir}/ca.crt
private_key = {dir}/ca.key
default_md = sha256
default_crl_days = 2
default_days = 2
policy = policy_any
[policy_any]
commonName = supplied
organizationName = optional
countryName = optional
"""


class Ca:
    """One certificate authority in its own directory (an `openssl ca` database)."""

    def __init__(self, root, name, cn):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "index.txt"), "w"):
            pass
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(self.dir, "crlnumber"), "w") as f:
            f.write("01\n")
        self.cnf = os.path.join(self.dir, "ca.cnf")
        with open(self.cnf, "w") as f:
            f.write(CA_CNF.format(dir=self.dir))
        self.key = self.path("ca.key")
        self.crt = self.path("ca.crt")
        run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", self.key, "-out", self.crt, "-days", "2", "-subj",
             "/CN=%s" % cn], self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, subject, server=False):
        """Key and certificate signed by this CA: returns (certfile, keyfile)."""
        key, csr, crt = self.path(name + ".key"), self.path(name + ".csr"), \
            self.path(name + ".crt")
        run([OPENSSL, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", csr, "-subj", subject], self.dir)
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n" if server
                    else "extendedKeyUsage=clientAuth\n")
        run([OPENSSL, "ca", "-batch", "-config", self.cnf, "-in", csr, "-out", crt,
             "-extfile", ext, "-notext"], self.dir)
        return crt, key

    def revoke(self, crt):
        run([OPENSSL, "ca", "-config", self.cnf, "-revoke", crt], self.dir)

    def crl(self, name="crl.pem"):
        out = self.path(name)
        run([OPENSSL, "ca", "-config", self.cnf, "-gencrl", "-out", out], self.dir)
        return out


class Pki:
    """CA, server certificate and client certificates for one test file."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="midge-pki-")
        self.ca = Ca(self.root, "ca", "midge test CA")
        self.server_crt, self.server_key = self.ca.issue("server", "/CN=localhost",
                                                         server=True)
        self.alice_crt, self.alice_key = self.ca.issue("alice", "/CN=alice/O=Example/C=GB")
        self.other_ca = Ca(self.root, "other", "unrelated CA")
        self.stranger_crt, self.stranger_key = self.other_ca.issue("stranger", "/CN=alice")

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def listener(self, *extra, ca=True):
        """Listener lines of a certificate listener (with cafile unless ca=False)."""
        lines = ["certfile %s" % self.server_crt, "keyfile %s" % self.server_key]
        if ca:
            lines.append("cafile %s" % self.ca.crt)
        return lines + list(extra)


def serial_of(crt):
    _, out = run([OPENSSL, "x509", "-in", crt, "-noout", "-serial"], os.path.dirname(crt))
    return out.strip().split("=")[1]


def s_client(port, *args, input=b"", cafile=None):
    """Run `openssl s_client` against 127.0.0.1:port; returns (exit status, output)."""
    cmd = [OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port, "-servername",
           "localhost"] + (["-CAfile", cafile, "-verify_return_error"] if cafile else []) + \
        list(args)
    return run(cmd, None, check=False, input=input, timeout=20)


def mosq(tool, port, *args, timeout=20):
    """Run mosquitto_pub/mosquitto_sub against 127.0.0.1:port; returns (status, output)."""
    cmd = [tool, "-h", "127.0.0.1", "-p", str(port)] + list(args)
    return run(cmd, None, check=False, timeout=timeout)


def tls_socket(port, cafile, cert=None, key=None, timeout=5.0):
    """A Python TLS socket to 127.0.0.1:port verifying the server against cafile."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    if cert:
        ctx.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def tls_raw(port, cafile, cert=None, key=None, timeout=5.0):
    """A harness RawClient whose socket speaks TLS (verified against cafile)."""
    import harness
    c = harness.RawClient(port, timeout=timeout)
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    if cert:
        ctx.load_cert_chain(cert, key)
    c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
    return c
