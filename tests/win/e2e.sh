#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end test of the Windows build under Wine (ctest label win), in a fresh Wine
# prefix in a temporary directory:
#  1. console mode: midge.exe run serves Linux mosquitto_pub/mosquitto_sub on loopback,
#     and Ctrl-C (SIGINT to wine) stops it cleanly;
#  2. service: midge install -> sc start -> clients connect -> paramchange reloads (a new
#     listener appears) -> sc stop -> a broken config is reported as a stop with a
#     service-specific exit code and its reason -> midge uninstall removes the service.
#   tests/win/e2e.sh BUILD_WIN_DIR
set -euo pipefail
BIN=$(cd "$1/bin" && pwd)
T=$(mktemp -d /tmp/midge-win-e2e.XXXXXX)
export WINEPREFIX=$T/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY
cleanup() {
  wineserver -k 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
[ -n "${MIDGE_WIN_KEEP:-}" ] && trap "wineserver -k 2>/dev/null; echo kept $T" EXIT
pass=0
ok() { pass=$((pass + 1)); echo "ok $pass - $*"; }
die() { echo "FAIL - $*" >&2; exit 1; }
winpath() { echo "Z:${1//\//\\}"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Wait (bounded) until a TCP port accepts connections, or until it refuses them.
wait_port() { # PORT up|down
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then [ "$2" = up ] && return 0
    else [ "$2" = down ] && return 0; fi
    sleep 0.1
  done
  return 1
}
# Publish one message and check that a subscriber receives it.
roundtrip() { # PORT TOPIC PAYLOAD [CLIENT-OPTION...]
  timeout 10 mosquitto_sub -p "$1" -t "$2" -C 1 "${@:4}" >"$T/sub.out" &
  local sub=$!
  for _ in $(seq 1 50); do
    mosquitto_pub -p "$1" -t "$2" -m "$3" -q 1 "${@:4}"
    if ! kill -0 $sub 2>/dev/null; then break; fi
    sleep 0.1
  done
  wait $sub || true
  [ "$(cat "$T/sub.out")" = "$3" ]
}
svc_state() { wine sc query midge 2>/dev/null | sed -n 's/.*STATE *: *[0-9]* *//p' | tr -d '\r '; }

wineboot -i >/dev/null 2>&1
wineserver -w
wineserver -p # keep services alive between wine commands (reference, section 5)

# 1. Console mode.
P1=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$P1" >"$T/console.conf"
# A TLS listener too: the Windows build runs the same TLS layer (test certificate only).
P1T=$(free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
printf 'listener %s 127.0.0.1\ncertfile %s\nkeyfile %s\n' "$P1T" "$(winpath "$T/tls.crt")" \
  "$(winpath "$T/tls.key")" >>"$T/console.conf"
wine "$BIN/midge.exe" run -c "$(winpath "$T/console.conf")" >"$T/console.log" 2>&1 &
WPID=$!
wait_port "$P1" up || die "console midge.exe did not listen on $P1"
ok "midge.exe run listens on 127.0.0.1:$P1"
roundtrip "$P1" win/console hello-console || die "console publish/subscribe"
ok "mosquitto_pub -> midge.exe -> mosquitto_sub"
wait_port "$P1T" up || die "console midge.exe did not listen on $P1T (TLS)"
roundtrip "$P1T" win/tls hello-tls --cafile "$T/tls.crt" || die "TLS publish/subscribe"
mosquitto_pub -p "$P1T" -t t -m plain -q 1 2>/dev/null && die "plain MQTT accepted on the TLS port"
ok "mosquitto_pub --cafile -> midge.exe TLS listener -> mosquitto_sub; plain MQTT refused there"
kill -INT $WPID
wait $WPID && rc=0 || rc=$?
[ $rc -eq 0 ] || die "midge.exe run exited $rc after Ctrl-C"
grep -q "shutting down" "$T/console.log" || die "no clean shutdown in the console log"
ok "Ctrl-C stops the console broker cleanly (exit 0)"

# 2. The service.
P2=$(free_port)
CONF=$T/service.conf
printf 'listener %s 127.0.0.1\nallow_anonymous true\nlog_dest file %s\n' "$P2" \
  "$(winpath "$T/service.log")" >"$CONF"
wine "$BIN/midge.exe" install --config "$(winpath "$CONF")" >"$T/install.out"
wine reg query 'HKLM\System\CurrentControlSet\Services\midge' >"$T/reg.out"
grep -q 'service -c' "$T/reg.out" && grep -q 'Start.*0x2' "$T/reg.out" || die "service key"
wine reg query 'HKLM\System\CurrentControlSet\Services\EventLog\Application\midge' \
  | grep -q EventMessageFile || die "Event Log source not registered"
ok "midge install registered an automatic service and the Event Log source"
wine sc start midge >/dev/null
wait_port "$P2" up || die "service did not listen on $P2"
[ "$(svc_state)" = RUNNING ] || die "service state $(svc_state)"
ok "sc start: RUNNING and listening on $P2"
roundtrip "$P2" win/service hello-service || die "service publish/subscribe"
ok "clients talk through the service"
echo "# edited while running" >>"$CONF"
# Wine's sc.exe lacks "control"; midge reload sends the same PARAMCHANGE control.
wine sc control midge paramchange >/dev/null 2>&1 || wine "$BIN/midge.exe" reload >/dev/null
for _ in $(seq 1 100); do grep -q "configuration reloaded" "$T/service.log" && break; sleep 0.1; done
grep -q "configuration reloaded" "$T/service.log" || die "PARAMCHANGE did not reload"
roundtrip "$P2" win/service after-reload || die "service after reload"
ok "PARAMCHANGE reloads the configuration; clients still served"
wine sc stop midge >/dev/null
wait_port "$P2" down || die "service still listening after sc stop"
ok "sc stop: port closed"
echo "bogus_option 1" >>"$CONF"
wine sc start midge >/dev/null 2>&1 || true
for _ in $(seq 1 100); do [ "$(svc_state)" = STOPPED ] && break; sleep 0.1; done
wine sc query midge >"$T/query.out"
grep -q '1066' "$T/query.out" || die "broken config: no service-specific exit code"
DATA=$WINEPREFIX/drive_c/ProgramData/midge
grep -q "unknown configuration keyword 'bogus_option'" "$DATA/midge-service.log" ||
  die "broken config: reason missing from $DATA/midge-service.log"
ok "a broken config stops the service with exit 1066/1 and logs why"
sed -i '/bogus_option/d' "$CONF"
wine sc start midge >/dev/null
wait_port "$P2" up || die "service did not restart"
wine "$BIN/midge.exe" uninstall >"$T/uninstall.out"
wait_port "$P2" down || die "uninstall left the broker running"
if wine reg query 'HKLM\System\CurrentControlSet\Services\midge' >/dev/null 2>&1; then
  die "service key still present after uninstall"
fi
ok "midge uninstall stopped and removed the running service"
echo "$pass checks passed"
