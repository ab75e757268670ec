# CPU hotplug during a capture: CPU 1 goes offline and comes back while
# psys-record samples every CPU, then a load runs on it. The samples
# after it came back are captured, none is inside the stretch it was
# offline, and that stretch is in the trailer (cpu_gaps) and in psys-fold's
# "# offline:" line, at the times this script took it down and up (read
# on CLOCK_MONOTONIC, the capture's clock). Then a CPU offline when
# psys-record starts (a vCPU hot-added later) is sampled once it is online.
. "$TOP/tests/lib.sh"
require_bpf
on=/sys/devices/system/cpu/cpu1/online
[ -w "$on" ] || skip "$on is not writable (CPU 1 cannot be offlined here)"
[ "$(cat "$on")" = 1 ] || fail "CPU 1 is offline before the test"
# Whatever happens, CPU 1 comes back.
trap 'rc=$?; echo 1 > '"$on"' 2>/dev/null; jobs -p > "$T/.jobs"; kill $(cat "$T/.jobs") 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT
freq=999

# set_online 0|1: writes the online file, printing the monotonic clock
# (ns) before and after the write.
set_online() {
	python3 -c '
import sys, time
t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
open(sys.argv[1], "w").write(sys.argv[2])
print(t0, time.clock_gettime_ns(time.CLOCK_MONOTONIC))' "$on" "$1"
}

# info FILE EXPR: a Python expression over the --info JSON (d).
info() {
	psys-fold --info "$1" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

# --- Offline and back during a capture.
psys-record -s 6 -f $freq --no-peak -o "$T/a.psys" > /dev/null 2> "$T/a.err" &
rec=$!
sleep 1.2
set -- $(set_online 0); off0=$1 off1=$2
sleep 1
set -- $(set_online 1); on0=$1 on1=$2
# Sampled again within a poll (0.1 s) and a drain; the load's CPU time
# (runstat, from the scheduler) is what its samples must match.
sleep 0.5
runstat "$T/a.cost" loadgen -c 1 -t 1.5 -n psys-hotplug > /dev/null &
wait $rec || fail "capture failed: $(cat "$T/a.err")"
wait

gaps=$(info "$T/a.psys" 'json.dumps(d["trailer"].get("cpu_gaps"))')
set -- $(info "$T/a.psys" '" ".join(str(g[k]) for g in d["trailer"].get("cpu_gaps", []) for k in ("cpu", "offline_mono_ns", "online_mono_ns") if k in g)')
[ $# -eq 3 ] || fail "want one stretch with its end, got $gaps"
[ "$1" = 1 ] || fail "the stretch is not CPU 1's: $gaps"
gap_off=$2 gap_on=$3
# It went between the write's start (less a sample period or two) and its
# end; sampling began again once it was back, within a poll and a drain.
[ "$gap_off" -ge $((off0 - 5000000)) ] && [ "$gap_off" -le $((off1 + 5000000)) ] ||
	fail "offline at $gap_off, the write ran $off0..$off1"
[ "$gap_on" -ge "$on0" ] && [ "$gap_on" -le $((on1 + 400000000)) ] ||
	fail "online at $gap_on, the write ran $on0..$on1"
measure "cpu 1 offline noticed $(( (gap_off - off0) / 1000000 )) ms after the write began, sampled again $(( (gap_on - on1) / 1000000 )) ms after it was back"

# The load on CPU 1 after it came back: a sample per 1/$freq s of the CPU
# time it had (a busy machine gives it less, and fewer samples).
want=$(awk -v f=$freq '{ sub("cpu=", "", $2); printf "%d", $2 * f * 0.8 }' "$T/a.cost")
[ "$want" -ge 100 ] || fail "the load had almost no CPU time: $(cat "$T/a.cost")"
n=$(psys-fold --cpu 1 "$T/a.psys" 2>/dev/null |
	awk 'index($0, "psys-hotplug;") == 1 { s += $NF } END { print s + 0 }')
u=$(psys-fold --user --cpu 1 "$T/a.psys" 2>/dev/null |
	awk 'index($0, "psys-hotplug;") == 1 { s += $NF } END { print s + 0 }')
measure "$u samples of the load on cpu 1 after it came back ($n in the kernel), $(cat "$T/a.cost")"
[ "$u" -ge "$want" ] || fail "$u samples of the load on cpu 1 after it came back, want >= $want"
[ "$n" -ge 1 ] || fail "no kernel sample of the load on cpu 1"

# Nothing of CPU 1 inside the stretch (from the capture's start, in s).
start=$(info "$T/a.psys" 'd["header"]["start"]["mono_ns"]')
from=$(awk -v a="$gap_off" -v s="$start" 'BEGIN { printf "%.3f", (a - s) / 1e9 + 0.01 }')
to=$(awk -v a="$gap_on" -v s="$start" 'BEGIN { printf "%.3f", (a - s) / 1e9 - 0.01 }')
inside=$(psys-fold --idle --user --cpu 1 --from "$from" --to "$to" "$T/a.psys" 2>/dev/null |
	awk '!/^#/ { s += $NF } END { print s + 0 }')
[ "$inside" -eq 0 ] || fail "$inside samples of cpu 1 between +$from and +$to s, while it was offline"
# Both CPUs otherwise: CPU 0 all along.
before=$(psys-fold --idle --user --cpu 1 --to "$from" "$T/a.psys" 2>/dev/null |
	awk '!/^#/ { s += $NF } END { print s + 0 }')
[ "$before" -ge $((freq / 2)) ] || fail "$before samples of cpu 1 before it went offline"

line=$(psys-fold "$T/a.psys" 2>/dev/null | sed -n 's/^# offline: //p')
want=$(awk -v a="$gap_off" -v b="$gap_on" -v s="$start" \
	'BEGIN { printf "\"cpu 1 +%.3f..+%.3f s\"", (a - s) / 1e9, (b - s) / 1e9 }')
# The window starts at the header's wall time: the same instant.
[ "$line" = "$want" ] || fail "# offline: $line, want $want"

# --- Offline when psys-record starts, online a second later.
set_online 0 > /dev/null
psys-record -s 4 -f $freq --no-peak -o "$T/b.psys" > /dev/null 2> "$T/b.err" &
rec=$!
sleep 1
set -- $(set_online 1); on0=$1
sleep 0.5
runstat "$T/b.cost" loadgen -c 1 -t 1.5 -n psys-hotadd > /dev/null &
wait $rec || fail "capture with cpu 1 offline at the start failed: $(cat "$T/b.err")"
wait
u=$(psys-fold --user --cpu 1 "$T/b.psys" 2>/dev/null |
	awk 'index($0, "psys-hotadd;") == 1 { s += $NF } END { print s + 0 }')
want=$(awk -v f=$freq '{ sub("cpu=", "", $2); printf "%d", $2 * f * 0.8 }' "$T/b.cost")
measure "$u samples of the load on a cpu that came online after the start, $(cat "$T/b.cost")"
[ "$want" -ge 100 ] || fail "the load had almost no CPU time: $(cat "$T/b.cost")"
[ "$u" -ge "$want" ] || fail "$u samples of the load on cpu 1, online after the start, want >= $want"
set -- $(info "$T/b.psys" '" ".join(str(g.get("online_mono_ns", 0)) for g in d["trailer"].get("cpu_gaps", []) if g["cpu"] == 1)')
[ $# -eq 1 ] && [ "$1" -ge "$on0" ] || fail "no stretch for cpu 1 offline at the start: $*"
[ "$(info "$T/b.psys" 'd["header"]["sampled_cpus"]')" = 0-1 ] ||
	fail "cpu 1 is not among the sampled CPUs"
