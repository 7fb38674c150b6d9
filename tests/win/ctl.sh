#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end test of the Windows control endpoint under Wine (ctest label win), in a fresh
# Wine prefix: midge.exe run listens on a named pipe (control_socket \\.\pipe\NAME);
# midge-ctl.exe stats, users add and users list work against it, the user added over
# the pipe can publish from Linux (mosquitto_pub/mosquitto_sub), anonymous clients stay
# refused, and midge-ctl.exe exits 2 when no endpoint exists.
#   tests/win/ctl.sh BUILD_WIN_DIR
set -euo pipefail
BIN=$(cd "$1/bin" && pwd)
T=$(mktemp -d /tmp/midge-win-ctl.XXXXXX)
export WINEPREFIX=$T/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY
WPID=
cleanup() {
  [ -n "$WPID" ] && kill -INT "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
  wineserver -k 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
pass=0
ok() { pass=$((pass + 1)); echo "ok $pass - $*"; }
die() { echo "FAIL - $*" >&2; [ -f "$T/midge.log" ] && tail -20 "$T/midge.log" >&2; exit 1; }
winpath() { echo "Z:${1//\//\\}"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # PORT
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# Publish one message and check that a subscriber receives it.
roundtrip() { # PORT TOPIC PAYLOAD [CLIENT-OPTION...]
  timeout 10 mosquitto_sub -p "$1" -t "$2" -C 1 "${@:4}" >"$T/sub.out" 2>/dev/null &
  local sub=$!
  for _ in $(seq 1 50); do
    mosquitto_pub -p "$1" -t "$2" -m "$3" -q 1 "${@:4}" 2>/dev/null || true
    if ! kill -0 $sub 2>/dev/null; then break; fi
    sleep 0.1
  done
  wait $sub || true
  [ "$(cat "$T/sub.out")" = "$3" ]
}
PIPE='\\.\pipe\midge-e2e-ctl'
ctl() { timeout 60 wine "$BIN/midge-ctl.exe" --socket "$PIPE" "$@" </dev/null; }

wineboot -i >/dev/null 2>&1
wineserver -w
wineserver -p

P=$(free_port)
: >"$T/passwd"
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\ncontrol_socket %s\n' \
  "$P" "$(winpath "$T/passwd")" "$PIPE" >"$T/midge.conf"
wine "$BIN/midge.exe" run -c "$(winpath "$T/midge.conf")" >"$T/midge.log" 2>&1 &
WPID=$!
wait_port "$P" || die "midge.exe did not listen on $P"
grep -qF "control socket $PIPE" "$T/midge.log" || die "no control socket in the log"
ok "midge.exe run listens on 127.0.0.1:$P and on the control pipe $PIPE"

ctl stats >"$T/stats.out" || die "midge-ctl.exe stats exited $?"
grep -q '^clients/connected' "$T/stats.out" || die "stats output: $(head -3 "$T/stats.out")"
grep -q '^version .*midge' "$T/stats.out" || die "no version in stats"
ok "midge-ctl.exe stats over the pipe"

roundtrip "$P" win/ctl nobody && die "anonymous publish accepted with allow_anonymous false"
ctl users add alice --password 'correct horse' >"$T/add.out" || die "users add exited $?"
ctl users list >"$T/list.out" || die "users list exited $?"
tr -d '\r' <"$T/list.out" | grep -qx alice || die "users list: $(cat "$T/list.out")"
grep -q '^alice:\$' "$T/passwd" || die "password file not written: $(cat "$T/passwd")"
ok "midge-ctl.exe users add alice / users list over the pipe; the password file has alice"

roundtrip "$P" win/ctl hello-alice -u alice -P 'correct horse' || die "alice cannot publish"
ok "mosquitto_pub -u alice -> midge.exe -> mosquitto_sub -u alice while the pipe is in use"

# A subscriber stays connected while control commands run; midge-ctl sees it.
timeout 60 mosquitto_sub -p "$P" -t win/live -C 2 -q 1 -i livesub -u alice -P 'correct horse' \
  >"$T/live.out" &
LSUB=$!
for _ in $(seq 1 100); do
  ctl clients list >"$T/clients.out" 2>/dev/null && grep -q livesub "$T/clients.out" && break
  sleep 0.2
done
grep -q livesub "$T/clients.out" || die "midge-ctl.exe clients list does not show livesub"
mosquitto_pub -p "$P" -t win/live -m one -q 1 -u alice -P 'correct horse' || die "publish one"
ctl users add bob --password b0b >/dev/null || die "users add bob exited $?"
mosquitto_pub -p "$P" -t win/live -m two -q 1 -u bob -P b0b || die "bob cannot publish"
wait $LSUB || die "the live subscriber did not get two messages: $(cat "$T/live.out")"
[ "$(tr '\n' ' ' <"$T/live.out")" = "one two " ] || die "live subscriber got: $(cat "$T/live.out")"
ok "a subscriber stays served across midge-ctl.exe clients list / users add bob; bob publishes"

ctl --json stats >"$T/stats.json" || die "midge-ctl.exe --json stats exited $?"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["stats"]["clients/connected"] >= 0' \
  "$T/stats.json" || die "--json stats is not JSON: $(head -c 200 "$T/stats.json")"
grep -c "control client pid=" "$T/midge.log" >/dev/null || die "no control client in the log"
ok "midge-ctl.exe --json stats; the broker logged the clients by pid and account"

rc=0
timeout 60 wine "$BIN/midge-ctl.exe" --socket '\\.\pipe\midge-e2e-nobody' stats \
  >/dev/null 2>"$T/none.err" </dev/null || rc=$?
[ $rc -eq 2 ] || die "midge-ctl.exe against a missing pipe exited $rc, not 2"
rc=0
timeout 60 wine "$BIN/midge-ctl.exe" --socket 'C:\midge\control.sock' stats \
  >/dev/null 2>"$T/bad.err" </dev/null || rc=$?
[ $rc -eq 2 ] && grep -q "named pipe" "$T/bad.err" || die "bad path: exit $rc, $(cat "$T/bad.err")"
ok "midge-ctl.exe exits 2 for a missing pipe and explains a non-pipe path"

kill -INT $WPID
wait $WPID && rc=0 || rc=$?
WPID=
[ $rc -eq 0 ] || die "midge.exe exited $rc after Ctrl-C"
ok "Ctrl-C stops the broker cleanly with control clients served"
echo "1..$pass"
