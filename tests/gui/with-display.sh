#!/bin/sh
# SPDX-License-Identifier: MIT
# Run a GUI test on the current X display, or on a private Xvfb when there is none.
[ -n "$DISPLAY" ] && exec "$@"
exec xvfb-run -a -s '-screen 0 1280x800x24 -nolisten tcp -noreset' "$@"
