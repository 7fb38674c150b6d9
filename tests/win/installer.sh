#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end test of the NSIS installer under Wine (ctest label win), in a fresh Wine
# prefix and, when possible, a private network namespace (so the default listener,
# port 1883 on loopback, cannot collide with anything on the machine):
#  1. silent install of an "older" build (the staged tree plus a file that the current
#     build no longer ships): files exactly as staged, Start menu entries, the default
#     config in %ProgramData%\midge, the service and Add/Remove Programs keys; the
#     service runs and Linux mosquitto_pub/mosquitto_sub talk through port 1883;
#  2. upgrade to the current build: an edited config, a password file and a retained
#     message (persistence in %ProgramData%\midge\midge.db) survive, the dropped file
#     is gone, and the service runs again (restarted);
#  3. silent uninstall: service, program files, shortcuts and keys gone, data kept;
#  4. a variant built with an admin app folder, installed with /D= to a path with spaces
#     over a broken config: exit code 3 (service not started), the admin app and its
#     shortcut present; uninstall /S /PURGE removes %ProgramData%\midge too.
#   tests/win/installer.sh BUILD_WIN_DIR
set -euo pipefail
B=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${MIDGE_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  exec env MIDGE_NETNS=1 unshare -n -- "$0" "$@"
fi
if [ -n "${MIDGE_NETNS:-}" ]; then # bring up lo in the new namespace (SIOCGIFFLAGS/SIOCSIFFLAGS)
  /usr/bin/python3 -c 'import fcntl, socket, struct
s = socket.socket(); r = struct.pack("16sh", b"lo", 0)
f = struct.unpack("16sh", fcntl.ioctl(s, 0x8913, r))[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sh", b"lo", f | 1))'
fi
SETUP=$(ls "$B"/midge-*-win64-setup.exe)
STAGE=$B/installer/stage
T=$(mktemp -d /tmp/midge-win-inst.XXXXXX)
export WINEPREFIX=$T/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY
cleanup() {
  wineserver -k 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
[ -n "${MIDGE_WIN_KEEP:-}" ] && trap "wineserver -k 2>/dev/null; echo kept $T" EXIT
pass=0
ok() { pass=$((pass + 1)); echo "ok $pass - $* (at ${SECONDS}s)"; }
die() { echo "FAIL - $*" >&2; exit 1; }
PORT=1883
(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && die "port $PORT is in use (no network namespace)"
C=$WINEPREFIX/drive_c
PF=$C/Program\ Files/midge
DATA=$C/ProgramData/midge
MENU=$C/ProgramData/Microsoft/Windows/Start\ Menu/Programs/midge
ARP='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\midge'
SVC='HKLM\System\CurrentControlSet\Services\midge'
wait_port() { # PORT up|down
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then [ "$2" = up ] && return 0
    else [ "$2" = down ] && return 0; fi
    sleep 0.1
  done
  return 1
}
roundtrip() { # HOST TOPIC PAYLOAD
  timeout 10 mosquitto_sub -h "$1" -p $PORT -t "$2" -C 1 >"$T/sub.out" &
  local sub=$!
  for _ in $(seq 1 50); do
    mosquitto_pub -h "$1" -p $PORT -t "$2" -m "$3" -q 1
    if ! kill -0 $sub 2>/dev/null; then break; fi
    sleep 0.1
  done
  wait $sub || true
  [ "$(cat "$T/sub.out")" = "$3" ]
}
svc_state() { wine sc query midge 2>/dev/null | sed -n 's/.*STATE *: *[0-9]* *//p' | tr -d '\r '; }
has_key() { wine reg query "$1" >/dev/null 2>&1; }
wait_gone() { # PATH: the uninstaller re-runs itself from %TEMP% and returns at once
  for _ in $(seq 1 100); do [ -e "$1" ] || return 0; sleep 0.1; done
  return 1
}
starts() { grep -c "midge .* running" "$DATA/midge.log" 2>/dev/null || true; }

wineboot -i >/dev/null 2>&1 & # the prefix is created while the variants are built
BOOT=$!
# Variants built from the staged tree (zlib: quicker to build): an "older" one with one
# more file, and one with a stand-in admin app.
variant() { # NAME STAGE GUI_DIR
  cmake -DSTAGE="$2" -DGUI_DIR="$3" -DOUT="$T/files-$1.nsh" -P "$SRC/installer/filelist.cmake"
  makensis -V2 -NOCD '-XSetCompressor /FINAL zlib' -DMIDGE_FILES_NSH="$T/files-$1.nsh" \
    -DOUTFILE="$T/setup-$1.exe" "$B/installer/midge.nsi" >/dev/null
}
cp -r "$STAGE" "$T/stage-old"
mkdir "$T/stage-old/legacy"
echo "dropped in the next version" >"$T/stage-old/legacy/old-tool.txt"
variant old "$T/stage-old" ""
mkdir -p "$T/gui/bin" "$T/gui/share/glib-2.0/schemas"
cp "$STAGE/midge-passwd.exe" "$T/gui/bin/midge-admin.exe"
echo schemas >"$T/gui/share/glib-2.0/schemas/gschemas.compiled"
variant gui "$STAGE" "$T/gui"

wait $BOOT
wineserver -w
wineserver -p # keep the service alive between wine commands
wine cmd /c exit >/dev/null 2>&1 || true
echo "# prefix ready at ${SECONDS}s"

# 1. Fresh silent install (of the older variant).
wine "$T/setup-old.exe" /S || die "silent install exited $?"
(cd "$T/stage-old" && find . -type f | sort) >"$T/staged"
(cd "$PF" && find . -type f ! -name uninstall.exe | sort) >"$T/installed"
diff "$T/staged" "$T/installed" || die "installed files differ from the staged install tree"
for f in midge.exe midge-passwd.exe uninstall.exe LICENSE.txt THIRD-PARTY-NOTICES.txt \
  licenses/OpenSSL-Apache-2.0.txt licenses/mingw-w64-runtime.txt midge.ico; do
  [ -s "$PF/$f" ] || die "missing $f"
done
sed 's/%ProgramData%/C:\\ProgramData/g' "$SRC/installer/midge.conf" >"$T/default.conf"
cmp -s "$T/default.conf" "$DATA/midge.conf" || die "default midge.conf not written"
for l in "Edit configuration" "Configuration and data folder" "Uninstall midge"; do
  [ -e "$MENU/$l.lnk" ] || die "Start menu entry '$l' missing"
done
[ ! -e "$MENU/midge admin.lnk" ] || die "admin shortcut without the admin app"
ok "silent install: $(wc -l <"$T/installed") files as staged, default config, Start menu"
wine reg query "$ARP" | tr -d '\r' >"$T/arp"
for v in DisplayName DisplayVersion Publisher DisplayIcon InstallLocation UninstallString \
  QuietUninstallString EstimatedSize NoModify NoRepair; do
  grep -q "^ *$v " "$T/arp" || die "ARP value $v missing"
done
grep -q 'QuietUninstallString.*uninstall.exe" /S' "$T/arp" || die "QuietUninstallString"
grep -qi 'InstallLocation.*C:\\Program Files\\midge' "$T/arp" || die "InstallLocation"
wine reg query "$SVC" | tr -d '\r' >"$T/svc"
grep -qi 'ImagePath.*midge.exe" service -c "C:\\ProgramData\\midge\\midge.conf"' "$T/svc" ||
  die "service ImagePath: $(grep ImagePath "$T/svc")"
ok "Add/Remove Programs values and the service registration"
wait_port $PORT up || die "service not listening on $PORT"
[ "$(svc_state)" = RUNNING ] || die "service state $(svc_state)"
roundtrip 127.0.0.1 inst/v4 hello-v4 || die "publish/subscribe on 127.0.0.1"
roundtrip ::1 inst/v6 hello-v6 || die "publish/subscribe on ::1"
ok "service RUNNING; mosquitto_pub -> midge -> mosquitto_sub on 127.0.0.1 and ::1:$PORT"
grep -q "New client connected" "$DATA/midge.log" 2>/dev/null ||
  grep -q "connected" "$DATA/midge.log" || die "no log in $DATA/midge.log"
ok "the service logs to %ProgramData%\\midge\\midge.log"

# 2. Upgrade to the current build over the running install: user files survive, the
# dropped file goes, the service restarts.
echo "# edited by the installer test" >>"$DATA/midge.conf"
cp "$DATA/midge.conf" "$T/edited.conf"
echo "user:not-a-real-hash" >"$DATA/passwd"
mosquitto_pub -h 127.0.0.1 -p $PORT -t inst/retained -m kept-across-upgrade -r -q 1
n0=$(starts)
wine "$SETUP" /S || die "upgrade install exited $?"
cmp -s "$T/edited.conf" "$DATA/midge.conf" || die "upgrade replaced the edited midge.conf"
(cd "$STAGE" && find . -type f | sort) >"$T/staged"
(cd "$PF" && find . -type f ! -name uninstall.exe | sort) >"$T/installed"
diff "$T/staged" "$T/installed" || die "after the upgrade the files differ from the current build"
[ ! -e "$PF/legacy" ] || die "the upgrade left the old version's folder legacy"
[ "$(cat "$DATA/passwd")" = "user:not-a-real-hash" ] || die "upgrade lost the password file"
[ -s "$DATA/midge.db" ] || die "no persistence file $DATA/midge.db after the upgrade"
wait_port $PORT up || die "service not listening after the upgrade"
[ "$(svc_state)" = RUNNING ] || die "service state after upgrade $(svc_state)"
[ "$(starts)" -gt "$n0" ] || die "the service was not restarted by the upgrade"
roundtrip 127.0.0.1 inst/upgrade after-upgrade || die "publish/subscribe after the upgrade"
got=$(timeout 10 mosquitto_sub -h 127.0.0.1 -p $PORT -t inst/retained -C 1 -W 5 || true)
[ "$got" = kept-across-upgrade ] || die "retained message lost across the upgrade: '$got'"
ok "upgrade keeps midge.conf, passwd, persisted retained message; drops the old file"

# 3. Silent uninstall keeps %ProgramData%\midge.
wine "$PF/uninstall.exe" /S || die "uninstall exited $?"
wait_gone "$PF" || die "program folder still present after uninstall"
wait_port $PORT down || die "broker still listening after uninstall"
! has_key "$SVC" || die "service key still present"
! has_key "$ARP" || die "Add/Remove Programs key still present"
! has_key 'HKLM\Software\midge' || die "HKLM\\Software\\midge still present"
[ ! -e "$MENU" ] || die "Start menu folder still present"
cmp -s "$T/edited.conf" "$DATA/midge.conf" && [ -e "$DATA/passwd" ] && [ -s "$DATA/midge.db" ] ||
  die "uninstall without /PURGE removed the configuration"
ok "silent uninstall: service, files, shortcuts and keys gone; %ProgramData%\\midge kept"

# 4. A build with the admin app, to a folder with spaces, over a broken config.
echo "bogus_option 1" >>"$DATA/midge.conf"
cp "$T/setup-gui.exe" "$C/setup-gui.exe"
rc=0
wine cmd /c 'C:\setup-gui.exe /S /D=C:\midge alt' || rc=$?
ALT=$C/midge\ alt
[ $rc -eq 3 ] || die "install with a broken config: exit $rc, expected 3 (service not started)"
[ -s "$ALT/midge.exe" ] && [ -s "$ALT/admin/bin/midge-admin.exe" ] &&
  [ -s "$ALT/admin/share/glib-2.0/schemas/gschemas.compiled" ] || die "files in C:\\midge alt"
[ -e "$MENU/midge admin.lnk" ] || die "no Start menu entry for the admin app"
wine reg query "$ARP" | tr -d '\r' | grep -qi 'InstallLocation.*C:\\midge alt' ||
  die "InstallLocation of the /D= install"
grep -q "unknown configuration keyword 'bogus_option'" "$DATA/midge-service.log" ||
  die "the start-up failure is not in midge-service.log"
ok "/D= with spaces, admin app + shortcut; a service that cannot start gives exit 3"
sed -i '/bogus_option/d' "$DATA/midge.conf"
wine "$ALT/midge.exe" start >/dev/null || die "midge start after fixing the config"
wait_port $PORT up || die "service not listening after net start"
wine "$ALT/uninstall.exe" /S /PURGE || die "uninstall /PURGE exited $?"
wait_gone "$DATA" || die "/PURGE left %ProgramData%\\midge"
wait_gone "$ALT" || die "uninstall left C:\\midge alt"
! has_key "$SVC" || die "service key still present after the second uninstall"
ok "uninstall /S /PURGE removes the admin app, the program folder and %ProgramData%\\midge"
echo "$pass checks passed"
