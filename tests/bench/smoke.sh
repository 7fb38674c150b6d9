#!/bin/bash
# SPDX-License-Identifier: MIT
# Smoke test: midge-bench against a midge started here on a free loopback port, and the
# latency scenario against midge-bench-floor; every run must exit 0.
set -u
BENCH=$1 MIDGE=$2 FLOOR=$3
dir=$(mktemp -d)
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
    for _ in $(seq 50); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return
        sleep 0.1
    done
}
port=$(free_port)
printf 'allow_anonymous true\nlistener %s 127.0.0.1\n' "$port" >"$dir/midge.conf"
"$MIDGE" -c "$dir/midge.conf" >"$dir/midge.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
wait_port "$port"
rc=0
for args in "fan-in --qos 0" "fan-in --qos 1" "fan-in --qos 2" "fan-out --qos 1" \
    "latency --seconds 0.3"; do
    # shellcheck disable=SC2086
    if ! timeout 60 "$BENCH" --port "$port" --scenario $args --messages 2000 --timeout 30; then
        echo "FAILED: $args" >&2
        rc=1
    fi
done
# The other scenarios at tiny sizes, so that they cannot rot.
for args in "idle --conns 200" "retained --messages 1000" \
    "conns --conns 200 --seconds 0.5"; do
    # shellcheck disable=SC2086
    if ! timeout 60 "$BENCH" --port "$port" --scenario $args --broker-pid $pid --timeout 30; then
        echo "FAILED: $args" >&2
        rc=1
    fi
done
# The floor forwarder bench-compare reports next to the brokers: it must carry every QoS.
fport=$(free_port)
"$FLOOR" "$fport" &
fpid=$!
trap 'kill $pid $fpid 2>/dev/null; wait $pid $fpid 2>/dev/null; rm -rf "$dir"' EXIT
wait_port "$fport"
for q in 0 1 2; do
    if ! timeout 60 "$BENCH" --port "$fport" --scenario latency --qos $q --seconds 0.3 --timeout 30; then
        echo "FAILED: latency --qos $q against the floor" >&2
        rc=1
    fi
done
if ! kill -0 $pid 2>/dev/null; then
    echo "midge died:" >&2
    cat "$dir/midge.log" >&2
    rc=1
fi
exit $rc
