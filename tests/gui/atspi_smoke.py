#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""AT-SPI smoke test of the real midge-admin binary (run by with-a11y.sh on its own Xvfb
and D-Bus session): start a real midge broker with a control socket, start midge-admin,
find its window, pages, buttons, graphs and labels by accessible name, and add a user
through the accessibility interfaces only."""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

RESULTS = {"passed": 0, "failed": 0}


def check(cond, what):
    RESULTS["passed" if cond else "failed"] += 1
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
    return cond


def wait_for(fn, timeout=15.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            v = fn()
        except gi.repository.GLib.Error:
            v = None
        if v:
            return v
        time.sleep(0.1)
    print("# timed out waiting for %s" % what, flush=True)
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_broker(binary, d):
    port = free_port()
    ctl = os.path.join(d, "ctl", "control.sock")
    pw = os.path.join(d, "passwd")
    open(pw, "w").close()
    os.chmod(pw, 0o600)
    conf = os.path.join(d, "broker.conf")
    with open(conf, "w") as f:
        f.write("log_dest stderr\nuser root\nallow_anonymous true\npassword_file %s\n"
                "listener %d 127.0.0.1\ncontrol_socket %s\n" % (pw, port, ctl))
    log = open(os.path.join(d, "broker.log"), "wb")
    proc = subprocess.Popen([binary, "-c", conf, "-v"], stdout=log, stderr=subprocess.STDOUT)
    if not wait_for(lambda: os.path.exists(ctl), what="control socket"):
        raise SystemExit("broker did not start")
    return proc, port, ctl


def find(node, role, name, depth=0):
    """Depth-first search for a node with role (an Atspi.Role) and accessible name."""
    if node is None or depth > 40:
        return None
    try:
        if node.get_role() == role and node.get_name() == name:
            return node
        n = node.get_child_count()
    except gi.repository.GLib.Error:
        return None
    for i in range(n):
        hit = find(node.get_child_at_index(i), role, name, depth + 1)
        if hit:
            return hit
    return None


def find_app(pid):
    desk = Atspi.get_desktop(0)
    for i in range(desk.get_child_count()):
        app = desk.get_child_at_index(i)
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def text_of(node):
    return Atspi.Text.get_text(node, 0, Atspi.Text.get_character_count(node))


def click(node):
    return Atspi.Action.do_action(node, 0)


def label_text(app, name):
    lab = find(app, Atspi.Role.LABEL, name)
    return text_of(lab) if lab else ""


def run(args, d):
    broker, port, ctl = start_broker(args.broker, d)
    env = dict(os.environ, GDK_BACKEND="x11")
    admin = subprocess.Popen([args.admin, "--socket", ctl], env=env)
    try:
        Atspi.set_timeout(5000, 15000)
        app = wait_for(lambda: find_app(admin.pid), what="midge-admin on the a11y bus")
        if not check(app is not None, "midge-admin appears on the accessibility bus"):
            return
        frame = wait_for(lambda: find(app, Atspi.Role.FRAME, "midge Admin"), what="window")
        check(frame is not None, "window 'midge Admin'")
        check(wait_for(lambda: "Connected to midge" in label_text(app, "Connection status"),
                       what="connected"), "connection status says Connected")
        for page in ("Dashboard", "Listeners", "Users", "Clients"):
            check(find(app, Atspi.Role.RADIO_BUTTON, page) is not None, "page button " + page)
        for graph in ("Messages per second graph", "Bytes per second graph",
                      "Connected clients graph", "Heap graph"):
            node = find(app, Atspi.Role.DRAWING_AREA, graph)
            ok = node is not None
            if ok:
                ext = Atspi.Component.get_extents(node, Atspi.CoordType.SCREEN)
                ok = ext.width > 100 and ext.height > 80
            check(ok, "graph '%s' is shown" % graph)
        check(find(app, Atspi.Role.PUSH_BUTTON, "Refresh") is not None, "Refresh button")
        check(find(app, Atspi.Role.PUSH_BUTTON, "About") is not None, "About button")

        click(find(app, Atspi.Role.RADIO_BUTTON, "Listeners"))
        check(wait_for(lambda: label_text(app, "Listener count") == "1 listener",
                       what="listener count"), "listeners page lists 1 listener")
        for b in ("Add listener", "Edit listener", "Remove listener"):
            check(find(app, Atspi.Role.PUSH_BUTTON, b) is not None, "button " + b)
        table = find(app, Atspi.Role.TABLE, "Listeners")
        cells = [table.get_child_at_index(i).get_name()
                 for i in range(table.get_child_count())] if table else []
        check(str(port) in cells, "listener table shows port %d" % port)

        click(find(app, Atspi.Role.RADIO_BUTTON, "Users"))
        check(wait_for(lambda: label_text(app, "User count") == "0 users",
                       what="user count"), "users page lists 0 users")
        for b in ("Change password", "Remove user"):
            check(find(app, Atspi.Role.PUSH_BUTTON, b) is not None, "button " + b)
        add = find(app, Atspi.Role.PUSH_BUTTON, "Add user")
        if check(add is not None, "button Add user"):
            click(add)
            name = wait_for(lambda: find(app, Atspi.Role.TEXT, "User name"), what="dialog")
            pw = find(app, Atspi.Role.PASSWORD_TEXT, "Password")
            rep = find(app, Atspi.Role.PASSWORD_TEXT, "Repeat password")
            if check(None not in (name, pw, rep), "user dialog fields by name"):
                Atspi.EditableText.set_text_contents(name, "frank")
                Atspi.EditableText.set_text_contents(pw, "Frank-2026-pw!")
                Atspi.EditableText.set_text_contents(rep, "Frank-2026-pw!")
                check(wait_for(lambda: label_text(app, "Password strength hint") == "Strong.",
                               what="hint"), "strength hint says Strong.")
                click(find(app, Atspi.Role.PUSH_BUTTON, "Save user"))
                check(wait_for(lambda: label_text(app, "User count") == "1 user",
                               what="user added"), "adding a user reaches the broker")
                with open(os.path.join(d, "passwd")) as f:
                    check(f.read().startswith("frank:"), "password file holds frank")

        click(find(app, Atspi.Role.RADIO_BUTTON, "Clients"))
        check(find(app, Atspi.Role.PUSH_BUTTON, "Disconnect client") is not None,
              "button Disconnect client")
        check(admin.poll() is None, "midge-admin still running")
    finally:
        admin.terminate()
        admin.wait(10)
        broker.terminate()
        check(broker.wait(10) == 0, "broker exits cleanly")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--admin", required=True)
    ap.add_argument("--broker", required=True)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="midge-atspi-")
    try:
        run(args, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    sys.exit(1 if RESULTS["failed"] or not RESULTS["passed"] else 0)


if __name__ == "__main__":
    main()
