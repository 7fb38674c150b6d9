#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Damaged persistence files: truncated, bad checksum, future format version, a
mosquitto database, garbage. The broker refuses to start, names the file and the byte
offset, and leaves the file exactly as it was; moving it aside starts it fresh."""
import os
import shutil
import struct
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403


def good_file():
    """A real file written by the broker: retained messages and a session with a queue."""
    with Broker(conf=["persistence true"]) as b:
        c = b.raw()
        c.connect("corrupt-sub", clean=False)
        c.subscribe([("cor/#", 2)])
        c.disconnect()
        pub = b.client()
        for i in range(3):
            pub.publish("cor/%d" % i, b"value-%d" % i, 1, retain=True)
        pub.disconnect()
        b.stop()
        with open(os.path.join(b.dir, "midge.db"), "rb") as f:
            return f.read()


def refused(data, expect):
    """Start the broker on a file holding data; it must exit 1 naming the file and
    `expect`, and leave the bytes alone."""
    d = tempfile.mkdtemp(prefix="midge-e2e-db-")
    try:
        path = os.path.join(d, "midge.db")
        with open(path, "wb") as f:
            f.write(data)
        port = free_ports()[0]
        rc, out, _ = run_broker_once(["listener %d 127.0.0.1" % port, "persistence true",
                                      "persistence_location " + d])
        assert rc == 1, "exit status %s, expected 1\n%s" % (rc, out)
        assert path in out, "the file is not named:\n" + out
        assert expect in out, "expected %r in:\n%s" % (expect, out)
        assert "move it aside" in out.lower() or "move the file away" in out, out
        with open(path, "rb") as f:
            assert f.read() == data, "the file was modified"
        assert os.listdir(d) == ["midge.db"], os.listdir(d)
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_truncated_files_refused():
    data = good_file()
    # Inside the header, at a record boundary, inside a record, and just the end record
    # missing its last byte.
    for n in (0, 5, 16, 17, 40, len(data) // 2, len(data) - 12, len(data) - 1):
        out = refused(data[:n], "byte offset")
        assert "truncated" in out, out


def test_bad_checksum_names_offset():
    data = bytearray(good_file())
    # Damage the last byte of the first record's body (the BROKER record at offset 16).
    first_len = struct.unpack(">I", data[20:24])[0]
    data[16 + 8 + first_len - 1] ^= 0x01
    refused(bytes(data), "checksum mismatch at byte offset 16")
    data = bytearray(good_file())
    data[len(data) // 2] ^= 0x80
    refused(bytes(data), "byte offset")


def test_future_version_refused():
    data = bytearray(good_file())
    data[8:12] = struct.pack(">I", 2)
    data[12:16] = struct.pack(">I", zlib.crc32(bytes(data[:12])))
    out = refused(bytes(data), "format version 2")
    assert "newer" in out, out


def test_other_files_refused():
    refused(b"\x00\xb5\x00mosquitto db\x00\x00\x00\x00\x00\x00\x00\x06", "mosquitto database")
    refused(b"listener 1883\n" * 4, "bad magic")
    data = good_file()
    refused(data + b"\x00", "after the end record")


def test_moved_aside_starts_fresh():
    data = good_file()
    with Broker(conf=["persistence true"]) as b:
        b.stop()
        path = os.path.join(b.dir, "midge.db")
        with open(path, "wb") as f:
            f.write(data[:-3])
        try:
            b.start()
            raise AssertionError("started on a truncated file")
        except BrokerError:
            pass
        b.proc = None
        os.rename(path, path + ".bad")  # what docs/persistence.md tells the user to do
        stale = os.path.join(b.dir, ".midge.db.Ab12Cd")  # as a save killed midway leaves
        with open(stale, "wb") as f:
            f.write(data[:10])
        b.start()
        assert not os.path.exists(stale), "stale temporary file kept"
        assert "removed 1 temporary file(s)" in b.log_text(), b.log_tail()
        assert "does not exist yet" in b.log_text()
        c = b.client()
        c.subscribe("cor/#", 0)
        c.expect_nothing(0.3)
        c.disconnect()
        # And the good file loads: all three retained messages and the session.
        b.stop()
        with open(path, "wb") as f:
            f.write(data)
        b.start()
        c = b.client()
        c.subscribe("cor/#", 0)
        assert len(c.collect_publishes()) == 3
        c.disconnect()
        c = b.raw()
        assert c.connect("corrupt-sub", clean=False) == (1, 0)
        c.disconnect()


if __name__ == "__main__":
    main()
