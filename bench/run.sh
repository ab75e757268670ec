#!/bin/sh
# bench/run.sh BUILD_DIR: the psys benchmark behind `make bench`. Measures
# psys side by side with perf on this machine and prints one table (and
# writes it, with the machine it came from, to $BENCH_RESULTS):
#   1. recorder cost at each of $BENCH_FREQS on all CPUs: psys-record vs
#      perf record -g (and -z): workload slowdown, recorder CPU seconds,
#      in-kernel cost per sample (kernel.bpf_stats_enabled), samples
#      captured vs expected, lost samples;
#   2. bytes per sample of the same captures;
#   3. fold speed: psys-fold vs perf script (and its stackcollapse report),
#      and vs zstd -d of the file's own compressed payloads;
#   4. psys-svg on the generated 100,000-stack input (bench/svg.sh when
#      present), with wc -l and sort as floors; the time view's size per
#      sample and redraw time in headless Chromium (bench/timeview.sh);
#   5. the pre-trigger buffer: psys-watch | psys-record --no-peak
#      idle-waiting (the peak rule off: the figure is waiting without a
#      trigger, and the rule would fire on the workload itself);
#   6. psys-watch CPU seconds per hour at -i 1;
#   7. the always-on recorder's memory, against psys 0.1 (bench/ring.sh);
#   8. the BPF program's cost per sample while waiting for a trigger, on an
#      idle and on a loaded CPU, against psys 0.1's program (bench/bpfcost.sh,
#      which builds 0.1 from git history);
#   9. short bursts at the defaults and the peak rule's always-on cost
#      (bench/burst.sh);
#  10. psys-watch --cgroups' cost per poll at 1,000 and 10,000 cgroups,
#      in cgroup v2 and v1 cpuacct (bench/cgwatch.sh);
#  11. what a capture's cgroup ids and names cost in its bytes, exactly
#      (bench/who.sh).
# Method: comparisons are paired and interleaved (the conditions of one
# round run back to back, in an order rotated every round), $BENCH_PAIRS
# rounds; each figure is the median (min–max) over rounds, and each
# comparison is the median of the per-round ratios. The workloads are
# tests/tools/loadgen on every CPU at once: read(2) (syscall-heavy) and
# mmap/munmap (page faults), each in its own runs. The table ends with how
# each figure is measured (bench/table.sh).
#
# Settings (environment): BENCH_PAIRS rounds (5), BENCH_SECONDS of
# workload per run (4), BENCH_WARMUP seconds between recorder start and
# workload start (1), BENCH_FREQS ("200 1000 4999"), BENCH_WORKLOADS
# ("read mmap"), BENCH_KREPS runs per in-kernel-cost figure (3),
# BENCH_FIGURES to run ("1 3 4 5 6 7 8 9 10 11"; 3 folds 1's captures, 2 comes with 1),
# BENCH_QUIET_WAIT / BENCH_QUIET_BUDGET seconds to wait for a quiet
# machine before a round / in all (30 / 180), BENCH_CALLGRIND=0 to skip
# callgrind, BENCH_OUT (scratch and raw figures; default BUILD_DIR/bench),
# BENCH_RESULTS (the markdown; default $BENCH_OUT/RESULTS.md).
# Defaults take about 21 minutes on a 2-CPU machine (figure 9: about 6). Needs root. Never
# part of `make test`. A figure that could not be measured is marked so in
# the table, and the bench then exits 1 naming it.
set -eu
LC_ALL=C
export LC_ALL
PROG=bench/run.sh

[ $# -eq 1 ] || { echo "usage: $PROG BUILD_DIR" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
PAIRS=${BENCH_PAIRS:-5}
SECS=${BENCH_SECONDS:-4}
WARM=${BENCH_WARMUP:-1}
TAIL=0.5
FREQS=${BENCH_FREQS:-"200 1000 4999"}
WORKS=${BENCH_WORKLOADS:-"read mmap"}
KREPS=${BENCH_KREPS:-3}
OUT=${BENCH_OUT:-$B/bench}
RESULTS=${BENCH_RESULTS:-$OUT/RESULTS.md}
CALLGRIND=${BENCH_CALLGRIND:-1}
FIGS=${BENCH_FIGURES:-"1 3 4 5 6 7 8 9 10 11"}
NCPU=$(getconf _NPROCESSORS_ONLN)
FMAX=$(echo $FREQS | tr ' ' '\n' | sort -n | tail -n 1)

. "$TOP/bench/stats.sh"

say() { echo "bench: $*" >&2; }
want() { case " $FIGS " in *" $1 "*) return 0 ;; esac; return 1; }
die() { echo "$PROG: $*" >&2; exit 1; }
fsum() { awk "BEGIN { print $* }"; }
# unmeasured FIGURE WHY: a figure (or a script of one) that could not be
# measured. The bench goes on with the others, writes the table with the
# figure marked NOT MEASURED, and then exits 1 naming it: a table with a
# hole in it is no success.
UNMEASURED=""
unmeasured() {
	say "figure $1 NOT MEASURED: $2"
	UNMEASURED="$UNMEASURED
  figure $1: $2"
}

# ---- what the bench needs ----
[ "$(id -u)" -eq 0 ] || die "must run as root: psys-record and perf record -a sample \
every CPU, and kernel.bpf_stats_enabled is a root sysctl (try: sudo make bench)"
missing=""
command -v perf >/dev/null 2>&1 || missing="$missing perf(linux-perf)"
command -v zstd >/dev/null 2>&1 || missing="$missing zstd(zstd)"
BPFTOOL=$(command -v bpftool || echo /usr/sbin/bpftool)
[ -x "$BPFTOOL" ] || missing="$missing bpftool(bpftool)"
for p in psys-record psys-fold psys-svg psys-watch tests/loadgen tests/runstat \
	 tests/psys-zframes tests/gen-folded; do
	[ -x "$B/$p" ] || missing="$missing $B/$p(make BUILD=$1)"
done
[ -z "$missing" ] || die "missing (program(package or fix)):$missing"
if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
	say "valgrind missing (apt-get install valgrind): no instruction counts"
	CALLGRIND=0
fi
HAVE_COLLAPSE=1
perf script -l 2>/dev/null | grep -q '^ *stackcollapse ' || HAVE_COLLAPSE=0
[ $HAVE_COLLAPSE = 1 ] || say "perf has no python scripting (perf script -l lists no \
stackcollapse): that column stays empty"
max_rate=$(cat /proc/sys/kernel/perf_event_max_sample_rate)
[ "$max_rate" -ge "$FMAX" ] || die "kernel.perf_event_max_sample_rate is $max_rate, \
below $FMAX Hz: lower BENCH_FREQS or raise the sysctl"

PATH="$B:$B/tests:$PATH"
mkdir -p "$OUT"
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bench.XXXXXX")
RAW=$OUT/raw.txt
: > "$RAW"
KEEP=$OUT/captures
rm -rf "$KEEP"
mkdir -p "$KEEP"
STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
# Everything started in the background is listed in $T/pids, so that an
# interrupted bench stops exactly what it started and restores the sysctl.
cleanup() {
	rc=$?
	trap - EXIT INT TERM
	echo "$STATS_OLD" > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || true
	[ -f "$T/pids" ] && for p in $(cat "$T/pids"); do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bg_pid() { echo "$1" >> "$T/pids"; }

START=$(date +%s)
say "$PAIRS rounds, $SECS s of workload per run, freqs $FREQS, workloads $WORKS, \
$NCPU CPUs; raw figures in $RAW"

# quiet: waits (at most $BENCH_QUIET_WAIT s, default 30, and at most
# $BENCH_QUIET_BUDGET s over the whole bench, default 180) until the
# machine's CPUs are less than 10% busy over half a second, so that a round
# does not start on top of someone else's load. Counts the waits in
# $T/waited and the rounds that started busy anyway in $T/busy.
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
QUIET_BUDGET=${BENCH_QUIET_BUDGET:-180}
busy_pct() {
	s0=$(head -n 1 /proc/stat)
	sleep 0.5
	s1=$(head -n 1 /proc/stat)
	echo "$s0 $s1" | awk '{ for (i = 2; i <= 11; i++) { t0 += $i; t1 += $(i + 11) }
		i0 = $5 + $6; i1 = $16 + $17
		print (t1 > t0) ? int(100 * (1 - (i1 - i0) / (t1 - t0))) : 0 }'
}
quiet() {
	waited=0
	while [ "$(busy_pct)" -ge 10 ]; do
		if [ $waited -ge "$QUIET_WAIT" ] || [ "$QUIET_BUDGET" -le 0 ]; then
			echo x >> "$T/busy"
			break
		fi
		sleep 2
		waited=$((waited + 3))
		QUIET_BUDGET=$((QUIET_BUDGET - 3))
	done
	[ $waited -eq 0 ] || echo "$waited" >> "$T/waited"
}

# rotate N WORDS...: the words, starting at the Nth (round-robin order).
rotate() {
	n=$1
	shift
	k=$(( (n - 1) % $# ))
	i=0
	for x in "$@"; do [ $i -ge $k ] && printf '%s ' "$x"; i=$((i + 1)); done
	i=0
	for x in "$@"; do [ $i -lt $k ] && printf '%s ' "$x"; i=$((i + 1)); done
	echo
}

# load W: loadgen running workload W on every CPU for $SECS s after a
# $WARM s delay; waits for them and prints two rates: iterations per
# second of wall time, and iterations per CPU second the loadgens got
# (wait4 rusage). The second does not drop when someone else's process
# shares the CPUs, yet still pays for the sampling, which the kernel
# charges to the interrupted task.
load() {
	pids=""
	cpu=0
	rm -f "$T"/lg.* "$T"/lgrs.*
	while [ $cpu -lt "$NCPU" ]; do
		runstat "$T/lgrs.$cpu" loadgen -c $cpu -t "$SECS" -d "$WARM" -w "$1" \
			-n "bench-$1" > "$T/lg.$cpu" 2>&1 &
		pids="$pids $!"
		cpu=$((cpu + 1))
	done
	for p in $pids; do wait "$p" || die "loadgen failed: $(cat "$T"/lg.*)"; done
	cat "$T"/lg.* "$T"/lgrs.* | awk '$1 == "iterations" { n += $2; s += $6 }
		/^wall=/ { sub(/^cpu=/, "", $2); c += $2 }
		END { printf "%.1f %.1f\n", s, (c > 0 ? n / c : 0) }'
}

# ---- 6. psys-watch, for the whole bench ----
WATCH=""
if want 6; then
	runstat "$T/watch.rs" psys-watch -i 1 -g 100 > /dev/null 2> "$T/watch.err" &
	WATCH=$!
	bg_pid $WATCH
fi

# ---- 1 and 2. recorder cost and file size ----

# record W COND F ROUND: one run of workload W with recorder COND (none,
# psys, perf, perfz) at F Hz; records rate, CPU, samples, lost, bytes.
record() {
	w=$1 c=$2 f=$3 r=$4
	rm -rf "$T/cap" "$T/rs"
	mkdir "$T/cap"
	dur=$(fsum "$WARM + $SECS + $TAIL")
	rpid=""
	case $c in
	psys)
		runstat "$T/rs" psys-record -f "$f" -s "$dur" -o "$T/cap/x.psys" < /dev/null \
			> "$T/rec.out" 2> "$T/rec.err" &
		rpid=$! ;;
	perf|perfz)
		runstat "$T/rs" perf record -e cpu-clock -F "$f" -a -g \
			$([ $c = perfz ] && echo -z) -o "$T/cap/perf.data" -- sleep "$dur" \
			> "$T/rec.out" 2> "$T/rec.err" &
		rpid=$! ;;
	esac
	[ -n "$rpid" ] && bg_pid "$rpid"
	rates=$(load "$w")
	if [ -n "$rpid" ]; then
		wait "$rpid" || die "$c at $f Hz failed: $(cat "$T/rec.err")"
	fi
	k="$w.$c.$f"
	[ $c = none ] && k=$w.none
	put "rate.$k" "$r" "${rates% *}"
	put "crate.$k" "$r" "${rates#* }"
	[ $c = none ] && return
	put "cpu.$k" "$r" "$(kv cpu "$T/rs")"
	put "dur.$k" "$r" "$dur"
	case $c in
	psys)
		# From the file's own trailer (psys-fold --info, JSON): header
		# start and trailer end times, samples, lost, BPF misses.
		psys-fold --info "$T/cap/x.psys" > "$T/info"
		set -- $(awk -F'[:,]' '
			/"mono_ns"/ { m[++nm] = $2 }
			/"samples"/ { s = $2 } /"lost"/ { l = $2 } /"bpf_misses"/ { b = $2 }
			END { print s + 0, l + b, (m[nm] - m[1]) / 1e9 }' "$T/info")
		put "samples.$k" "$r" "$1"
		put "lost.$k" "$r" "$2"
		put "expected.$k" "$r" "$(fsum "$f * $NCPU * $3")"
		put "bytes.$k" "$r" "$(stat -c %s "$T/cap/x.psys")"
		file=$T/cap/x.psys ext=psys ;;
	perf*)
		# perf -z does not print its sample count: read it back for all.
		perf report --stats -i "$T/cap/perf.data" > "$T/stats" 2>/dev/null
		n=$(awk '/^[^ ].* stats:$/ { ev = ($1 == "cpu-clock") }
			ev && /SAMPLE events:/ { print $3; exit }' "$T/stats")
		d=$(perf report --header-only -i "$T/cap/perf.data" 2>/dev/null |
		    sed -n 's/^# sample duration : *\([0-9.]*\) ms/\1/p')
		lost=$(awk '/^[^ ].* stats:$/ { ev = ($1 == "cpu-clock") }
			ev && /LOST_SAMPLES events:/ { l += $3 } END { print l + 0 }' "$T/stats")
		thr=$(awk '/^ *THROTTLE events:/ { print $3 }' "$T/stats")
		put "samples.$k" "$r" "$n"
		put "lost.$k" "$r" "$lost"
		put "throttle.$k" "$r" "${thr:-0}"
		# perf -z files say 0 ms: count on the time perf was recording.
		case ${d:-0} in 0|0.000) d=$(fsum "$dur * 1000") ;; esac
		put "expected.$k" "$r" "$(fsum "$f * $NCPU * $d / 1000")"
		put "bytes.$k" "$r" "$(stat -c %s "$T/cap/perf.data")"
		file=$T/cap/perf.data ext=$c.data ;;
	esac
	# The captures at the top frequency feed the fold figure.
	[ "$f" = "$FMAX" ] && cp "$file" "$KEEP/$w.$ext.$r"
	return 0
}

# startup C ROUND: the CPU a recorder (psys or perf) costs with almost
# nothing to record (0.1 s, no load): starting (kallsyms, BPF load; perf's
# /proc synthesis) and finishing (perf's build-id pass). What a run costs
# beyond it is the cost per second of capture.
startup() {
	rm -rf "$T/cap" "$T/rs"
	mkdir "$T/cap"
	case $1 in
	psys) runstat "$T/rs" psys-record -f "$FMAX" -s 0.1 -o "$T/cap/x.psys" \
		< /dev/null > /dev/null 2> "$T/rec.err" || die "psys-record: $(cat "$T/rec.err")" ;;
	perf) runstat "$T/rs" perf record -e cpu-clock -F "$FMAX" -a -g \
		-o "$T/cap/perf.data" -- sleep 0.1 > /dev/null 2> "$T/rec.err" ||
		die "perf record: $(cat "$T/rec.err")" ;;
	esac
	put "cpu0.$1" "$2" "$(kv cpu "$T/rs")"
}

want 1 && say "1-2. recorder cost and file size: $(echo $WORKS | wc -w) workloads x $PAIRS rounds"
want 1 || WORKS_1=""
conds="none"
for f in $FREQS; do conds="$conds psys:$f perf:$f perfz:$f"; done
for w in ${WORKS_1-$WORKS}; do
	r=1
	while [ $r -le "$PAIRS" ]; do
		say "  $w round $r/$PAIRS"
		quiet
		for cf in $(rotate $r $conds); do
			record "$w" "${cf%%:*}" "${cf#*:}" "$r"
		done
		if [ "$w" = "${WORKS%% *}" ]; then
			for c in $(rotate $r psys perf); do startup $c $r; done
		fi
		r=$((r + 1))
	done
done

# ---- 1. in-kernel cost per sample (kernel.bpf_stats_enabled) ----

# prog_stats PROG_ID: "RUN_TIME_NS RUN_CNT" of a BPF program.
prog_stats() {
	"$BPFTOOL" prog show id "$1" --json |
	sed -n 's/.*"run_time_ns":\([0-9]*\).*"run_cnt":\([0-9]*\).*/\1 \2/p'
}

# kcost W F REP: psys-record's BPF program cost per run (= per sample)
# while workload W runs, from the kernel's own run_time_ns/run_cnt, read
# at the workload's start and end. Separate runs from figure 1, so the
# stats' own overhead (two clock reads per run) does not touch it.
kcost() {
	w=$1 f=$2 r=$3
	rm -rf "$T/cap"
	mkdir "$T/cap"
	echo 1 > /proc/sys/kernel/bpf_stats_enabled
	psys-record -f "$f" -s "$(fsum "$WARM + $SECS + $TAIL")" -o "$T/cap/k.psys" < /dev/null \
		> /dev/null 2> "$T/rec.err" &
	rp=$!
	bg_pid $rp
	(
		sleep "$WARM"
		# This run's program: the one whose fd psys-record holds (other
		# psys-record processes may be running on this machine).
		id=$(cat /proc/$rp/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u | head -n 1)
		[ -n "$id" ] || exit 0
		s0=$(prog_stats "$id")
		sleep "$(fsum "$SECS - 0.2")"
		s1=$(prog_stats "$id")
		echo "$s0 $s1" > "$T/kstats"
	) &
	sp=$!
	rm -f "$T/kstats"
	load "$w" > /dev/null
	wait $sp || true
	wait $rp || die "psys-record failed: $(cat "$T/rec.err")"
	echo "$STATS_OLD" > /proc/sys/kernel/bpf_stats_enabled
	if [ -s "$T/kstats" ]; then
		set -- $(cat "$T/kstats")
		[ "$4" -gt "$2" ] && put "kns.$w.$f" "$r" "$(fsum "($3 - $1) / ($4 - $2)")"
	else
		say "  no BPF program stats for psys-record (pid $rp)"
	fi
	return 0
}

want 1 && say "1. in-kernel cost per sample: $KREPS runs per frequency and workload"
r=1
want 1 || r=$((KREPS + 1))
while [ $r -le "$KREPS" ]; do
	for w in $WORKS; do
		quiet
		for f in $FREQS; do kcost "$w" "$f" "$r"; done
	done
	r=$((r + 1))
done

# ---- 5. pre-trigger buffer: psys-watch | psys-record, idle-waiting ----
PRE_STATUS=""

# sched_ns PID...: the summed run time (ns) of the processes.
sched_ns() {
	for p in "$@"; do cut -d' ' -f1 "/proc/$p/schedstat" 2>/dev/null || echo 0; done |
		awk '{ s += $1 } END { printf "%d\n", s }'
}

# pre W COND ROUND: workload W with nothing else (none) or with
# psys-watch -i 1 -g 100 | psys-record --no-peak -o DIR -f 200 waiting for
# a trigger that never comes (pre). The peak rule is off: it would take
# the workload's own sys time for a burst and capture it, and this figure
# is the cost of waiting.
pre() {
	w=$1 c=$2 r=$3
	if [ $c = none ]; then
		rates=$(load "$w")
		put "rate.$w.prenone" "$r" "${rates% *}"
		put "crate.$w.prenone" "$r" "${rates#* }"
		return
	fi
	rm -rf "$T/pre" "$T/fifo" "$T/rsw" "$T/rsr"
	mkdir "$T/pre"
	mkfifo "$T/fifo"
	runstat "$T/rsw" psys-watch -i 1 -g 100 > "$T/fifo" 2> "$T/prew.err" &
	wp=$!
	runstat "$T/rsr" psys-record --no-peak -o "$T/pre" -f 200 < "$T/fifo" \
		> "$T/prer.out" 2> "$T/prer.err" &
	rp=$!
	bg_pid $wp
	bg_pid $rp
	# The pipeline's steady CPU while it waits: the scheduler's run time
	# (/proc/PID/schedstat, ns) of psys-watch and psys-record over the
	# workload's window, so their start-up does not count.
	(
		sleep "$WARM"
		kids=$(cat /proc/$wp/task/$wp/children /proc/$rp/task/$rp/children 2>/dev/null)
		a=$(sched_ns $kids) t0=$(date +%s%N)
		sleep "$(fsum "$SECS - 0.2")"
		b=$(sched_ns $kids) t1=$(date +%s%N)
		echo "$((b - a)) $((t1 - t0))" > "$T/presched"
	) &
	sp=$!
	rm -f "$T/presched"
	rates=$(load "$w")
	wait $sp || true
	alive=1
	kill -0 $rp 2>/dev/null || alive=0
	kill -TERM $wp 2>/dev/null || true
	kill -TERM $rp 2>/dev/null || true
	wait $wp || true
	wait $rp || true
	nfiles=$(find "$T/pre" -name '*.psys' | wc -l)
	if [ $alive = 0 ] || [ "$nfiles" -gt 0 ]; then
		why="it exited (status $(kv status "$T/rsr") after $(kv wall "$T/rsr") s; \
psys-watch: status $(kv status "$T/rsw") after $(kv wall "$T/rsw") s) before the workload ended"
		[ $alive = 1 ] && why="it was still running"
		PRE_STATUS="psys-record did not idle-wait for a trigger: $why and wrote \
$nfiles file(s) with nothing triggered; it said: $(head -n 2 "$T/prer.err" | tr '\n' ' ')"
		return
	fi
	put "rate.$w.pre" "$r" "${rates% *}"
	put "crate.$w.pre" "$r" "${rates#* }"
	put "precpu.$w" "$r" "$(fsum "($(kv cpu "$T/rsw") + $(kv cpu "$T/rsr")) * 3600 / $(kv wall "$T/rsr")")"
	[ -s "$T/presched" ] && put "presteady.$w" "$r" \
		"$(awk '$2 > 0 { print 3600 * $1 / $2 }' "$T/presched")"
	return 0
}

want 5 && say "5. pre-trigger buffer: $PAIRS rounds"
for w in $(want 5 && echo $WORKS); do
	r=1
	while [ $r -le "$PAIRS" ] && [ -z "$PRE_STATUS" ]; do
		quiet
		for c in $(rotate $r none pre); do
			[ -z "$PRE_STATUS" ] && pre "$w" "$c" "$r"
		done
		r=$((r + 1))
	done
done
[ -z "$PRE_STATUS" ] || unmeasured 5 "$PRE_STATUS"

# ---- 3. fold speed ----

# callgrind_ir FILE: the instruction count callgrind wrote to FILE.
callgrind_ir() { sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$1"; }

want 3 && say "3. fold: $PAIRS rounds"
want 3 && ! want 1 && say "  figure 3 folds figure 1's captures: add 1 to BENCH_FIGURES"
FOLD_WORKS=""
COLLAPSE_CRASH=""
for w in $(want 3 && echo $WORKS); do
	# The latest round whose perf capture perf's stackcollapse report can
	# read: perf 6.1's python scripting crashes (SIGSEGV) on a process
	# name that is not UTF-8, which this machine's other users may run.
	r=$PAIRS
	while [ $r -ge 1 ] && [ $HAVE_COLLAPSE = 1 ]; do
		[ -f "$KEEP/$w.perf.data.$r" ] || { r=$((r - 1)); continue; }
		st=0
		perf script report stackcollapse -i "$KEEP/$w.perf.data.$r" \
			> /dev/null 2>&1 || st=$?
		[ $st = 0 ] && break
		COLLAPSE_CRASH="$COLLAPSE_CRASH $w round $r: exit $st;"
		r=$((r - 1))
	done
	[ $r -ge 1 ] || r=$PAIRS
	[ -f "$KEEP/$w.psys.$r" ] && [ -f "$KEEP/$w.perf.data.$r" ] || continue
	cp "$KEEP/$w.psys.$r" "$KEEP/$w.psys"
	cp "$KEEP/$w.perf.data.$r" "$KEEP/$w.perf.data"
	FOLD_WORKS="$FOLD_WORKS $w"
	psys-zframes "$KEEP/$w.psys" > "$KEEP/$w.zst" 2> "$T/zf.err"
	np=$(psys-fold --info "$KEEP/$w.psys" | sed -n 's/^ *"samples": \([0-9]*\).*/\1/p' | head -n 1)
	nf=$(perf report --stats -i "$KEEP/$w.perf.data" 2>/dev/null |
	     awk '/^ *SAMPLE events:/ { print $3; exit }')
	echo "$w $np $nf" >> "$T/fold.n"
	r=1
	while [ $r -le "$PAIRS" ]; do
		quiet
		for c in $(rotate $r psys zstd script collapse); do
			rm -f "$T/rs"
			case $c in
			psys) runstat "$T/rs" psys-fold "$KEEP/$w.psys" > /dev/null || true ;;
			zstd) runstat "$T/rs" zstd -q -d -c "$KEEP/$w.zst" > /dev/null || true ;;
			script) runstat "$T/rs" perf script -i "$KEEP/$w.perf.data" \
				> /dev/null 2>&1 || true ;;
			collapse) [ $HAVE_COLLAPSE = 1 ] || continue
				runstat "$T/rs" perf script report stackcollapse \
				-i "$KEEP/$w.perf.data" > /dev/null 2>&1 || true ;;
			esac
			[ "$(kv status "$T/rs")" = 0 ] || { echo "$w $c" >> "$T/foldfail"; continue; }
			t=$(kv cpu "$T/rs")
			put "fold.$w.$c" "$r" "$t"
			case $c in
			psys) put "tps.$w.$c" "$r" "$(fsum "$t / $np")" ;;
			script|collapse) put "tps.$w.$c" "$r" "$(fsum "$t / $nf")" ;;
			esac
		done
		r=$((r + 1))
	done
	if [ "$CALLGRIND" = 1 ]; then
		valgrind -q --tool=callgrind --callgrind-out-file="$T/cg.fold" \
			psys-fold "$KEEP/$w.psys" > /dev/null 2>&1 || true
		valgrind -q --tool=callgrind --callgrind-out-file="$T/cg.zstd" \
			zstd -q -d -c "$KEEP/$w.zst" > /dev/null 2>&1 || true
		put "ir.fold.$w" 1 "$(callgrind_ir "$T/cg.fold")"
		put "ir.zstd.$w" 1 "$(callgrind_ir "$T/cg.zstd")"
		# Where psys-fold spends its instructions, for the notes.
		callgrind_annotate "$T/cg.fold" 2>/dev/null | sed -n '/^-* *$/,$p' |
			grep -E '^ *[0-9,]+ \(' | head -n 8 > "$OUT/fold-$w.profile" || true
	fi
done

# ---- 4. psys-svg ----
SVG_EXT=""
TV_EXT=""
if want 4; then
	say "4. svg"
	gen-folded > "$T/gen.folded"
	SVG_IN_BYTES=$(stat -c %s "$T/gen.folded")
	r=1
	while [ $r -le "$PAIRS" ]; do
		quiet
		for c in $(rotate $r svg wc sort); do
			rm -f "$T/rs"
			case $c in
			svg) runstat "$T/rs" psys-svg "$T/gen.folded" > "$T/gen.svg" ||
				die "psys-svg failed on the generated input"
			     put "svg.bytes" "$r" "$(stat -c %s "$T/gen.svg")"
			     put "svg.rss" "$r" "$(fsum "$(kv maxrss_kb "$T/rs") / 1024")" ;;
			wc) runstat "$T/rs" wc -l "$T/gen.folded" > /dev/null ;;
			sort) runstat "$T/rs" sort "$T/gen.folded" > /dev/null ;;
			esac
			put "svg.$c" "$r" "$(kv wall "$T/rs")"
		done
		r=$((r + 1))
	done
	if [ "$CALLGRIND" = 1 ]; then
		valgrind -q --tool=callgrind --callgrind-out-file="$T/cg.svg" \
			psys-svg "$T/gen.folded" > /dev/null 2>&1 || true
		put "ir.svg" 1 "$(callgrind_ir "$T/cg.svg")"
	fi
	if [ -x "$TOP/bench/svg.sh" ]; then
		say "  bench/svg.sh"
		RUNS=$PAIRS "$TOP/bench/svg.sh" "$B" > "$OUT/svg.sh.out" 2>&1 && SVG_EXT=$OUT/svg.sh.out ||
			unmeasured 4 "bench/svg.sh failed: $(tail -n 3 "$OUT/svg.sh.out")"
	fi
	if [ -x "$TOP/bench/timeview.sh" ]; then
		say "  bench/timeview.sh (records 60 s)"
		"$TOP/bench/timeview.sh" "$B" > "$OUT/timeview.sh.out" 2>&1 && TV_EXT=$OUT/timeview.sh.out ||
			unmeasured 4 "bench/timeview.sh failed: $(tail -n 3 "$OUT/timeview.sh.out")"
	fi
fi
FOLD_EXT=""
# bench/fold.sh times more psys-fold modes; it is given figure 1's read
# captures (same load, same length as the rest of figure 3) instead of
# recording its own 101 s ones, to keep the bench short.
if want 3 && [ -x "$TOP/bench/fold.sh" ]; then
	fw=$(echo $FOLD_WORKS | cut -d' ' -f1)
	if [ -n "$fw" ]; then
		say "  bench/fold.sh"
		cp /proc/kallsyms "$T/kallsyms"
		RUNS=$PAIRS FOLD_CAPTURE=$KEEP/$fw.psys FOLD_PERF_DATA=$KEEP/$fw.perf.data \
			FOLD_KALLSYMS=$T/kallsyms "$TOP/bench/fold.sh" "$B" \
			> "$OUT/fold.sh.out" 2>&1 && FOLD_EXT=$OUT/fold.sh.out ||
			unmeasured 3 "bench/fold.sh failed: $(tail -n 3 "$OUT/fold.sh.out")"
	else
		unmeasured 3 "no capture of figure 1 to fold (BENCH_FIGURES holds 3 without 1, or every round failed)"
	fi
fi

# ---- 6. psys-watch: stop it ----
WATCH_WALL=0
WATCH_NOTE=""
if [ -n "$WATCH" ]; then
	kill -0 $WATCH 2>/dev/null || WATCH_NOTE=yes
	kill -TERM $WATCH 2>/dev/null || true
	wait $WATCH || true
	put "watch.cph" 1 "$(fsum "$(kv cpu "$T/watch.rs") * 3600 / $(kv wall "$T/watch.rs")")"
	WATCH_WALL=$(kv wall "$T/watch.rs")
	[ -z "$WATCH_NOTE" ] || WATCH_NOTE="psys-watch ended by itself after $(printf %.0f \
"$WATCH_WALL") s, status $(kv status "$T/watch.rs"): $(head -n 2 "$T/watch.err" | tr '\n' ' ')"
fi

# ---- 7. the recorder's memory: its own script, its own section ----
RING_EXT=""
if want 7; then
	say "7. pre-trigger ring memory"
	"$TOP/bench/ring.sh" "$B" > "$OUT/ring.md" 2> "$OUT/ring.err" && RING_EXT=$OUT/ring.md ||
		unmeasured 7 "bench/ring.sh failed: $(tail -n 3 "$OUT/ring.err")"
fi

# ---- 8. the always-on cost: BPF cost per sample, waiting, vs 0.1 ----
BPFCOST_EXT=""
if want 8; then
	say "8. BPF cost while waiting, vs 0.1 (bench/bpfcost.sh): $PAIRS rounds"
	BPFCOST_ROUNDS=$PAIRS "$TOP/bench/bpfcost.sh" "$B" > "$OUT/bpfcost.out" \
		2> "$OUT/bpfcost.err" && BPFCOST_EXT=$OUT/bpfcost.out ||
		unmeasured 8 "bench/bpfcost.sh failed: $(tail -n 3 "$OUT/bpfcost.err")"
fi

# ---- 9. short bursts and the peak rule: its own script, its own section ----
BURST_EXT=""
if want 9; then
	say "9. short bursts at the defaults"
	"$TOP/bench/burst.sh" "$B" > "$OUT/burst.md" 2> "$OUT/burst.err" && BURST_EXT=$OUT/burst.md ||
		unmeasured 9 "bench/burst.sh failed: $(tail -n 3 "$OUT/burst.err")"
fi

# ---- 10. psys-watch --cgroups: its own script, its own section ----
CGW_EXT=""
if want 10; then
	say "10. psys-watch --cgroups cost per poll (makes and removes 11,000 cgroups)"
	"$TOP/bench/cgwatch.sh" "$B" > "$OUT/cgwatch.md" 2> "$OUT/cgwatch.err" && CGW_EXT=$OUT/cgwatch.md ||
		unmeasured 10 "bench/cgwatch.sh failed: $(tail -n 3 "$OUT/cgwatch.err")"
fi

# ---- 11. who ran: what cgroup ids cost in the file ----
WHO_EXT=""
if want 11; then
	say "11. what cgroup ids and names cost in a capture (bench/who.sh)"
	"$TOP/bench/who.sh" "$B" > "$OUT/who.md" 2> "$OUT/who.err" && WHO_EXT=$OUT/who.md ||
		unmeasured 11 "bench/who.sh failed: $(tail -n 3 "$OUT/who.err")"
fi

ELAPSED=$(( $(date +%s) - START ))
. "$TOP/bench/table.sh"
[ -z "$RING_EXT" ] || cat "$RING_EXT" >> "$RESULTS"
[ -z "$BURST_EXT" ] || cat "$BURST_EXT" >> "$RESULTS"
[ -z "$CGW_EXT" ] || cat "$CGW_EXT" >> "$RESULTS"
if [ -n "$WHO_EXT" ]; then
	printf '\n## 11. Who ran: what cgroup ids cost in a capture\n\n' >> "$RESULTS"
	cat "$WHO_EXT" >> "$RESULTS"
fi
if [ -n "$UNMEASURED" ]; then
	echo "$PROG: not measured (marked so in $RESULTS):$UNMEASURED" >&2
	exit 1
fi
