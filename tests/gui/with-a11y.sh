#!/bin/sh
# SPDX-License-Identifier: MIT
# Run an AT-SPI test on its own Xvfb with its own D-Bus session bus: the accessibility bus
# is announced on the X root window, so two such tests must never share a display.
unset NO_AT_BRIDGE
exec xvfb-run -a -s '-screen 0 1280x800x24 -nolisten tcp -noreset' dbus-run-session -- "$@"
