# psys.service's exact ExecStart, run by hand the way systemd would run
# it: installed (make install), its options from the installed
# environment file, as an unprivileged user holding only the unit's
# AmbientCapabilities with no_new_privs, STATE_ and RUNTIME_DIRECTORY set.
# Under a sys load it captures a burst into the state directory; SIGTERM
# stops it cleanly (exit 0, the capture finished with its trailer); and a
# failure on either side of the pipe ends the service at once with that
# side's status (so Restart=on-failure sees it).
. "$TOP/tests/lib.sh"
require_bpf
command -v setpriv > /dev/null || fail "setpriv (util-linux) needed"

mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" BUILD="$BUILD" "$@"; }
# The unprivileged user must reach the installed programs and its folders.
chmod 0711 "$T"
p=$T/p
mk install PREFIX="$p" SYSCONFDIR="$p/etc" > "$T/install.out" 2>&1 ||
	fail "make install: $(tail -n 5 "$T/install.out")"
unit=$p/lib/systemd/system/psys.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
env_file=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
[ "$caps" = "$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")" ] ||
	fail "ambient and bounding capabilities differ"
[ -f "$env_file" ] || fail "no environment file $env_file"
# CAP_BPF CAP_PERFMON -> +bpf,+perfmon (setpriv's spelling).
set_caps=$(echo "$caps" | tr 'A-Z ' 'a-z\n' | sed 's/^cap_/+/' | paste -sd, -)
measure "ExecStart=$exec_start; capabilities $caps"

uid=65534
mkdir -m 0700 "$T/state" "$T/run"
chown $uid:$uid "$T/state" "$T/run"
# service ENV=VALUE...: ExecStart as the service user, the env file's
# settings first (as systemd reads them), then the test's. It execs: run
# it in a subshell, "service ... &" or "(service ...)", so that a signal
# sent to that PID reaches psys-service itself.
service() {
	set -a; . "$env_file"; set +a
	# shellcheck disable=SC2086
	exec setpriv --reuid=$uid --regid=$uid --clear-groups --no-new-privs \
		--inh-caps="$set_caps" --ambient-caps="$set_caps" \
		--bounding-set="-all,$set_caps" \
		env STATE_DIRECTORY="$T/state" RUNTIME_DIRECTORY="$T/run" "$@" $exec_start
}

read -r cpu pct <<EOF
$(least_loaded_cpu)
EOF
loadgen -c "$cpu" -t 5 -n psys-svc-load > /dev/null &
# A quick poll, so the test is short; the rest as the env file says. On a
# busy machine triggers keep extending the capture: stop the service a
# second after the capture file appears, not when it ends by itself.
service PSYS_WATCH_OPTS="-i 1 -g 10 -C $cpu" > "$T/out" 2> "$T/err" &
svc=$!
i=0
until [ -n "$(ls "$T/state")" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$(ls "$T/state")" ] || fail "no capture within 10 s: $(cat "$T/err")"
sleep 1.5
kill -TERM $svc
rc=0; wait $svc || rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc, $(cat "$T/err")"
first=$(head -n 1 "$T/out")
case $first in "$T/state/"*.psys) ;; *) fail "capture not in the state directory: $first" ;; esac
[ "$(stat -c '%u %a' "$first")" = "$uid 600" ] || fail "capture owner/mode: $(stat -c '%u %a' "$first")"
for f in $(cat "$T/out"); do
	psys-fold --info "$f" > "$T/info" 2> /dev/null || fail "$f does not read cleanly"
	grep -q '"end_reason"' "$T/info" || fail "$f has no trailer"
done
psys-fold "$first" | grep -q '^psys-svc-load;.*do_syscall_64' || fail "the load is not in $first"
grep -q "psys-service: psys-watch .* | psys-record -o $T/state" "$T/err" || fail "no start line: $(cat "$T/err")"
[ -z "$(ls -A "$T/run")" ] || fail "FIFO left in the runtime directory"

# Either side failing ends the service at once, with its status.
for side in record watch; do
	start=$(date +%s)
	rc=0
	if [ $side = record ]; then
		(service PSYS_RECORD_OPTS=--no-such-option) > /dev/null 2> "$T/err" || rc=$?
	else
		(service PSYS_WATCH_OPTS=--no-such-option) > /dev/null 2> "$T/err" || rc=$?
	fi
	[ $rc -eq 2 ] || fail "psys-$side usage error: service exit $rc"
	[ $(( $(date +%s) - start )) -le 3 ] || fail "psys-$side failed but the service lingered"
	grep -q "psys-$side exited with status 2; stopping" "$T/err" || fail "$(cat "$T/err")"
done
# Without CAP_BPF psys-record cannot start: the service fails with it.
set_caps=$(echo "$set_caps" | sed 's/+bpf,\{0,1\}//')
rc=0; (service) > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 1 ] || fail "without CAP_BPF: exit $rc"
grep -q "CAP_BPF" "$T/err" || fail "without CAP_BPF: $(cat "$T/err")"
exit 0
