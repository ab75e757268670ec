#!/bin/sh
# bench/cgwatch.sh BUILD_DIR: psys-watch --cgroups' cost per poll (figure
# 10 of `make bench`), printed as a markdown section: with CGW_COUNTS
# ("1000 10000") empty leaf cgroups made under a test parent in cgroup v2
# and in v1 cpuacct (the hierarchies found in /proc/self/mountinfo, each
# skipped when not mounted), psys-watch --cgroups -i 0.2 -v runs
# CGW_SECONDS (5) per round, CGW_ROUNDS (3) rounds, each round beside a
# plain psys-watch -i 0.2 -v run. Figures: the CPU time (the scheduler's,
# /proc/PID/schedstat) per poll beyond the plain run's, and the wall time of each
# poll's cgroup walk as psys-watch -v reports it; medians (min-max) over
# rounds (walk: over every poll). Gates are out of reach, so nothing
# triggers. The cgroups are removed at the end (and on interrupt). Needs
# root. Never part of `make test`.
set -eu
LC_ALL=C
export LC_ALL
PROG=bench/cgwatch.sh
[ $# -eq 1 ] || { echo "usage: $PROG BUILD_DIR" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
COUNTS=${CGW_COUNTS:-"1000 10000"}
SECS=${CGW_SECONDS:-5}
ROUNDS=${CGW_ROUNDS:-3}
IVAL=0.2
[ "$(id -u)" -eq 0 ] || { echo "$PROG: must run as root (it makes cgroups)" >&2; exit 1; }
for p in psys-watch; do
	[ -x "$B/$p" ] || { echo "$PROG: build $p into $B first" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bench-cgw.XXXXXX")
PARENT=psys-bench-$$
say() { echo "bench: $*" >&2; }
. "$TOP/bench/stats.sh"

# mount_of TYPE [OPTION]: the first mount point of that cgroup type (and
# super option) in mountinfo.
mount_of() {
	awk -v t="$1" -v o="${2:-}" '{
		for (i = 1; $i != "-"; i++) ;
		if ($(i + 1) != t) next
		if (o != "" && ("," $(i + 3) ",") !~ ("," o ",")) next
		print $5; exit }' /proc/self/mountinfo
}
V2=$(mount_of cgroup2)
V1=$(mount_of cgroup cpuacct)
cleanup() {
	for m in $V2 $V1; do
		[ -d "$m/$PARENT" ] || continue
		find "$m/$PARENT" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$m/$PARENT" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make_to MOUNT N: the test parent in MOUNT holds c000000..N-1.
make_to() {
	mkdir -p "$1/$PARENT"
	have=$(find "$1/$PARENT" -mindepth 1 -maxdepth 1 -type d | wc -l)
	(cd "$1/$PARENT" && seq -f 'c%06g' "$have" $(($2 - 1)) | xargs -r mkdir)
}

# run TAG ARGS...: psys-watch ARGS for 1 + $SECS s; its CPU time per poll
# (ms, the scheduler's run time from /proc/PID/schedstat over the last
# $SECS s, so that start-up and the first walk, which opens every file,
# do not count) appended to $T/TAG.cpp, each poll's walk time (ms) to
# $T/TAG.walk, the cgroups it read to $T/TAG.n.
run() {
	tag=$1
	shift
	"$B/psys-watch" -i $IVAL -g 100 -v "$@" > /dev/null 2> "$T/err" &
	pid=$!
	sleep 1
	a=$(cut -d' ' -f1 /proc/$pid/schedstat)
	p0=$(grep -c '^psys-watch: poll ' "$T/err" || true)
	sleep "$SECS"
	b=$(cut -d' ' -f1 /proc/$pid/schedstat)
	p1=$(grep -c '^psys-watch: poll ' "$T/err" || true)
	kill -TERM $pid
	wait $pid || true
	[ "$p1" -gt "$p0" ] || { echo "$PROG: psys-watch $*: no poll: $(head -n 3 "$T/err")" >&2; exit 1; }
	awk -v a="$a" -v b="$b" -v n=$((p1 - p0)) 'BEGIN { printf "%.9g\n", (b - a) / 1e6 / n }' >> "$T/$tag.cpp"
	sed -n 's/.* cgroups read .* in \([0-9.]*\) ms$/\1/p' "$T/err" | tail -n +2 >> "$T/$tag.walk"
	sed -n 's/^psys-watch: \([0-9]*\) cgroups read .*/\1/p' "$T/err" | tail -n 1 > "$T/$tag.n"
}

echo "## Figure 10: psys-watch --cgroups, cost per poll (bench/cgwatch.sh)"
echo
echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(getconf _NPROCESSORS_ONLN) CPUs; kernel $(uname -r)"
echo "- $ROUNDS rounds of $SECS s at -i $IVAL per row, beside plain psys-watch -i $IVAL;"
echo "  load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| cgroups (test parent) | hierarchy | leaves read per poll | CPU per poll beyond plain psys-watch, ms | cgroup walk per poll, wall ms | target |"
echo "|---|---|---|---|---|---|"
for n in $COUNTS; do
	for h in v2 cpuacct; do
		m=$V2
		[ $h = cpuacct ] && m=$V1
		if [ -z "$m" ]; then
			say "cgwatch: no $h hierarchy mounted: row skipped"
			continue
		fi
		say "cgwatch: $n cgroups in $h ($m)"
		make_to "$m" "$n"
		r=1
		while [ $r -le "$ROUNDS" ]; do
			if [ $((r % 2)) -eq 1 ]; then
				run base.$n.$h
				run cg.$n.$h --cgroups --cgroup-hier $h --cgroup-gate 6553600
			else
				run cg.$n.$h --cgroups --cgroup-hier $h --cgroup-gate 6553600
				run base.$n.$h
			fi
			r=$((r + 1))
		done
		paste "$T/cg.$n.$h.cpp" "$T/base.$n.$h.cpp" |
			awk '{ printf "%.9g\n", $1 - $2 }' > "$T/d.$n.$h"
		cost=$(summ %.2f < "$T/d.$n.$h")
		walk=$(summ %.2f < "$T/cg.$n.$h.walk")
		target=""
		if [ "$n" -eq 1000 ]; then
			target="≤ 5 ms: **missed**"
			awk -v c="$(med < "$T/d.$n.$h")" 'BEGIN { exit !(c <= 5) }' && target="≤ 5 ms: **met**"
		fi
		echo "| $n | $h | $(cat "$T/cg.$n.$h.n") | $cost | $walk | $target |"
	done
	# Each count is its own: the next row makes more.
done
echo
echo "The CPU figure is psys-watch's own run time (the walk's system calls"
echo "included) after its first second; the walk's wall time is one poll's"
echo "cgroup part as -v reports it, over every poll but the first."
