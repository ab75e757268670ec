#!/bin/sh
# bench/bpfcost.sh BUILD_DIR: the always-on cost. psys-record's BPF
# program cost per sample while it waits for a trigger that never comes
# (trigger lines on a pipe that stays silent: the pre-trigger ring mode a
# service spends its life in), on one mostly idle CPU and on the same CPU
# under a sys load (tests/tools/loadgen -w read), side by side with the
# program of an older psys (default: 0.1, which walked the idle task's
# stack on every sample), built from git history into a scratch folder.
# The peak rule is off (--no-peak, for a psys-record that has it): this is
# the cost of waiting without a trigger, and under the sys load the rule
# would take the load for a burst and capture it. The rule runs in user
# space, so the program measured is the one that runs with it on.
#
# Cost per sample = the program's run_time_ns / run_cnt over a window,
# from `bpftool prog show` with kernel.bpf_stats_enabled=1. Each round
# runs the four runs (old, new; idle, loaded) back to back, in an order
# rotated every round, all on one CPU; the figures are the median
# (min–max) over rounds, and new/old is the median of the per-round
# ratios. Prints markdown table rows with the columns of bench/run.sh's
# table (the perf columns hold the old psys) and a paragraph on the
# method; bench/run.sh includes them as figure 8.
#
# Why CPU 0 by default: on some virtual machines (this project's 2-CPU VM
# among them) the CPU_CLOCK event fires during idle only on CPU 0; an idle
# CPU 1 takes no samples at all (perf record -e cpu-clock sees the same),
# so it has no idle samples to make cheaper. The runs-per-second row shows
# which case a run was: about the frequency on a CPU that samples its idle
# time, about frequency x busy share on one that does not.
#
# Settings (environment): BPFCOST_ROUNDS (5), BPFCOST_SECONDS of window
# per run (4), BPFCOST_WARMUP s before the window (1), BPFCOST_FREQ Hz
# (200, psys-record's default), BPFCOST_CPU (0; "auto": the least busy
# CPU, chosen before each round), BPFCOST_BASE (the git revision to
# compare with; 8228b61 = psys 0.1), BPFCOST_BASE_NAME (what the table
# calls it; "psys 0.1 (REV)"), BPFCOST_BASE_RECORD (a psys-record built
# from it already: no build), BPFCOST_QUIET_WAIT (s to wait before a round
# for the CPU to be < 10% busy, 20). Needs root, git, make, clang,
# bpftool. Never part of `make test`.
set -eu
LC_ALL=C
export LC_ALL
PROG=bench/bpfcost.sh

[ $# -eq 1 ] || { echo "usage: $PROG BUILD_DIR" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
ROUNDS=${BPFCOST_ROUNDS:-5}
SECS=${BPFCOST_SECONDS:-4}
WARM=${BPFCOST_WARMUP:-1}
FREQ=${BPFCOST_FREQ:-200}
CPU=${BPFCOST_CPU:-0}
BASE=${BPFCOST_BASE:-8228b61}
QUIET_WAIT=${BPFCOST_QUIET_WAIT:-20}

say() { echo "bpfcost: $*" >&2; }
die() { echo "$PROG: $*" >&2; exit 1; }
fsum() { awk "BEGIN { print $* }"; }

[ "$(id -u)" -eq 0 ] || die "must run as root (BPF, and the kernel.bpf_stats_enabled sysctl)"
BPFTOOL=$(command -v bpftool || echo /usr/sbin/bpftool)
[ -x "$BPFTOOL" ] || die "bpftool missing (apt-get install bpftool)"
for p in psys-record tests/loadgen; do
	[ -x "$B/$p" ] || die "missing $B/$p (make BUILD=$1)"
done

T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bpfcost.XXXXXX")
STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled)
# Whatever was started is in $T/pids: an interrupted run stops exactly
# that, and restores the sysctl.
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

# ---- the old psys-record, from git history ----
OLD=${BPFCOST_BASE_RECORD:-}
if [ -z "$OLD" ]; then
	. "$TOP/bench/old.sh"
	say "building psys-record of $BASE in $T/old"
	OLD=$(build_old "$BASE" "$T/old" 2> "$T/old.why") ||
		die "$(cat "$T/old.why") (set BPFCOST_BASE, or BPFCOST_BASE_RECORD)"
fi
[ -x "$OLD" ] || die "not a program: $OLD"
NEW=$B/psys-record
OLD_NAME=${BPFCOST_BASE_NAME:-"psys 0.1 ($BASE)"}
"$NEW" --help | grep -q -- '--no-peak' || die "$NEW has no --no-peak"
# psys 0.1 had no peak rule, nor the option.
OLD_ARGS=""
"$OLD" --help 2>/dev/null | grep -q -- '--no-peak' && OLD_ARGS=--no-peak

RAW=$T/raw
: > "$RAW"
put() { [ -n "${3:-}" ] && echo "$1 $2 $3" >> "$RAW"; return 0; }

# cpu_times CPU: "BUSY TOTAL" jiffies of one CPU from /proc/stat (idle
# and iowait are not busy).
cpu_times() {
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 11; i++) t += $i
		print t - $5 - $6, t }' /proc/stat
}

# busy_cpus: "CPU BUSY%" of every CPU over half a second, least busy
# first.
busy_cpus() {
	cat /proc/stat > "$T/st0"
	sleep 0.5
	cat /proc/stat > "$T/st1"
	awk '$1 ~ /^cpu[0-9]/ {
		t = 0; for (i = 2; i <= 11; i++) t += $i
		b = t - $5 - $6
		if (FILENAME == ARGV[1]) { b0[$1] = b; t0[$1] = t; next }
		if (!($1 in t0) || t == t0[$1]) next
		printf "%s %.0f\n", substr($1, 4), 100 * (b - b0[$1]) / (t - t0[$1])
	}' "$T/st0" "$T/st1" | sort -k2,2n
}

# prog_stats PROG_ID: "RUN_TIME_NS RUN_CNT".
prog_stats() {
	"$BPFTOOL" prog show id "$1" --json |
	sed -n 's/.*"run_time_ns":\([0-9]*\).*"run_cnt":\([0-9]*\).*/\1 \2/p'
}

# run VERSION LOAD CPU ROUND: psys-record VERSION (new, old) waiting on
# CPU with a trigger pipe that stays silent, with LOAD (idle: nothing of
# ours; sys: loadgen -w read pinned there); records the program's ns per
# run over the window, runs per second, and how busy the CPU was.
run() {
	v=$1 l=$2 cpu=$3 r=$4
	prog=$NEW args=--no-peak
	[ "$v" = old ] && prog=$OLD args=$OLD_ARGS
	# Again before every run: another bench that ends on this machine
	# puts the sysctl back to what it found.
	echo 1 > /proc/sys/kernel/bpf_stats_enabled
	rm -rf "$T/out" "$T/fifo"
	mkdir "$T/out"
	mkfifo "$T/fifo"
	"$prog" $args -C "$cpu" -f "$FREQ" -o "$T/out" < "$T/fifo" > /dev/null 2> "$T/rec.err" &
	rp=$!
	bg_pid $rp
	exec 3> "$T/fifo"	# the trigger pipe: open, silent
	lp=""
	if [ "$l" = sys ]; then
		"$B/tests/loadgen" -c "$cpu" -t "$(fsum "$WARM + $SECS + 1")" -w read \
			-n bpfcost-load > /dev/null 2>&1 &
		lp=$!
		bg_pid $lp
	fi
	sleep "$WARM"
	# This run's program: the one whose fd psys-record holds.
	id=$(cat /proc/$rp/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' |
	     sort -u | head -n 1)
	if [ -n "$id" ]; then
		s0=$(prog_stats "$id")
		c0=$(cpu_times "$cpu")
		sleep "$SECS"
		s1=$(prog_stats "$id")
		c1=$(cpu_times "$cpu")
	fi
	alive=1
	kill -0 $rp 2>/dev/null || alive=0
	kill -TERM $rp 2>/dev/null || true
	wait $rp || true
	exec 3>&-
	[ -z "$lp" ] || { kill $lp 2>/dev/null || true; wait $lp || true; }
	[ $alive = 1 ] && [ -n "$id" ] ||
		die "$v psys-record did not wait for triggers: $(head -n 2 "$T/rec.err")"
	[ -z "$(ls "$T/out")" ] || die "figure 8 not measured: $v psys-record wrote a capture with no trigger"
	set -- $s0 $s1 $c0 $c1
	if [ $# -eq 8 ] && [ "$4" -gt "$2" ]; then
		put "ns.$v.$l" "$r" "$(fsum "($3 - $1) / ($4 - $2)")"
		put "hz.$v.$l" "$r" "$(fsum "($4 - $2) / $SECS")"
		[ "$8" -gt "$6" ] && put "busy.$v.$l" "$r" "$(fsum "100 * ($7 - $5) / ($8 - $6)")"
	else
		say "  round $r, $v, $l: no runs counted (kernel.bpf_stats_enabled reset?)"
	fi
	return 0
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

say "$ROUNDS rounds: $NEW vs $OLD_NAME, $FREQ Hz, $SECS s windows"
START=$(date +%s)
echo 1 > /proc/sys/kernel/bpf_stats_enabled
: > "$T/cpus"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# A mostly idle CPU: wait (a bounded time) for one under 10% busy.
	waited=0
	while :; do
		busy_cpus > "$T/busy"
		if [ "$CPU" = auto ]; then
			set -- $(head -n 1 "$T/busy")
		else
			set -- $(awk -v c="$CPU" '$1 == c' "$T/busy")
		fi
		[ $# -eq 2 ] || die "no cpu $CPU online (BPFCOST_CPU)"
		cpu=$1 busy=$2
		[ "$busy" -lt 10 ] || [ $waited -ge "$QUIET_WAIT" ] && break
		sleep 2
		waited=$((waited + 2))
	done
	echo "$cpu" >> "$T/cpus"
	say "  round $r/$ROUNDS on cpu $cpu"
	for c in $(rotate "$r" old:idle new:idle old:sys new:sys); do
		run "${c%%:*}" "${c#*:}" "$cpu" "$r"
	done
	r=$((r + 1))
done
echo "$STATS_OLD" > /proc/sys/kernel/bpf_stats_enabled
ELAPSED=$(( $(date +%s) - START ))

# ---- the rows ----

# vals KEY: the values of KEY, one per line. med: their median.
vals() { awk -v k="$1" '$1 == k { print $3 }' "$RAW"; }
med() {
	sort -g | awk '{ v[++n] = $1 }
	END { if (n) print n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
# summ FORMAT: "MEDIAN (MIN–MAX)" of the numbers read, "–" for none.
summ() {
	sort -g | awk -v f="$1" '{ v[++n] = $1 }
	END {
		if (n == 0) { print "–"; exit }
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		if (n == 1) { printf f "\n", m; exit }
		printf f " (" f "–" f ")\n", m, v[1], v[n]
	}'
}
# ratios A B: A / B per round, for rounds with both.
ratios() {
	awk -v a="$1" -v b="$2" '$1 == a { A[$2] = $3 } $1 == b { B[$2] = $3 }
		END { for (r in A) if ((r in B) && B[r] > 0) print A[r] / B[r] }' "$RAW"
}
row() {
	for cell in "$@"; do printf '| %s ' "$(printf '%s\n' "$cell" | sed 's/|/\\|/g')"; done
	echo '|'
}
verdict() {
	[ -n "$1" ] || { echo "no figure"; return; }
	awk -v v="$1" -v l="$2" 'BEGIN { print v <= l ? "**met**" : "**missed**" }'
}

# A figure with no number is not measured: say which, and fail.
for k in ns.new.idle ns.old.idle ns.new.sys ns.old.sys; do
	[ -n "$(vals "$k")" ] || die "figure 8 not measured: no program runs counted for $k in any round"
done
cpus=$(sort -n "$T/cpus" | uniq -c | awk '{ printf "%s%s (%s rounds)", s, $2, $1; s = ", " }')
for l in idle sys; do
	case $l in
	idle) what="a mostly idle CPU" ;;
	sys) what="the same CPU under a sys load (loadgen -w read)" ;;
	esac
	rt=$(ratios "ns.new.$l" "ns.old.$l" | med)
	row 8 "BPF program cost per sample while waiting for a trigger \
(\`psys-record --no-peak -C CPU -f $FREQ -o DIR\` on a silent trigger pipe), $what: \
run_time_ns / run_cnt; perf columns: $OLD_NAME" \
	    "$(vals "ns.new.$l" | summ %.0f) ns" \
	    "$(vals "ns.old.$l" | summ %.0f) ns" "" \
	    "new / old $(ratios "ns.new.$l" "ns.old.$l" | summ %.2f)" \
	    "$([ $l = idle ] && echo "≤ 0.5 (at least halved): $(verdict "$rt" 0.5)")"
	row 8 "$l: program runs per second; CPU busy %, over the same windows" \
	    "$(vals "hz.new.$l" | summ %.0f)/s; $(vals "busy.new.$l" | summ %.0f)%" \
	    "$(vals "hz.old.$l" | summ %.0f)/s; $(vals "busy.old.$l" | summ %.0f)%" "" "" ""
done
cat <<EOM

Figure 8 ($PROG, $(date -u '+%Y-%m-%d %H:%M UTC'), $((ELAPSED / 60)) min \
$((ELAPSED % 60)) s): $ROUNDS rounds of four runs (old and new psys-record;
idle and loaded), order rotated each round, on cpu $cpus (waiting up to
$QUIET_WAIT s before a round for it to be < 10% busy); in each run psys-record waits $WARM s, then the
program's run_time_ns and run_cnt (\`bpftool prog show\`,
kernel.bpf_stats_enabled=1) are read at the start and end of a $SECS s
window. The peak rule is off (\`--no-peak\`; ${OLD_ARGS:-the old one has none}): the
figure is the cost of waiting without a trigger, and the rule would take
the sys load for a burst and capture it; it runs in user space, so the
program is the same with it on. The old program is $OLD_NAME, built from git history. "Busy" is
the CPU's non-idle share (/proc/stat) over the window: the idle rows are
only as idle as the shared machine let them be.
EOM
