#!/bin/sh
# bench/who.sh BUILD_DIR: what knowing who ran costs in the file, measured
# exactly on each capture by tests/tools/psys-cgcost (every block encoded
# again with and without its threads' cgroup ids; cgroups records counted
# whole): captures of one CPU with three sys loads in three cgroups of
# both the v2 tree and cpuacct, so every block holds threads of several
# cgroups, at psys-record's default 200 Hz and at 999 Hz. Prints markdown
# rows: bytes per sample in the blocks (the per-sample cost) and the
# cgroups records' bytes per capture (a cost per capture and cgroup), as
# medians (min-max) over WHO_ROUNDS captures. bench/run.sh includes it.
#
# Settings: WHO_ROUNDS (5), WHO_SECONDS (4), WHO_CPU (1). Needs root.
# Never part of `make test`.
set -eu
LC_ALL=C
export LC_ALL
PROG=bench/who.sh
[ $# -eq 1 ] || { echo "usage: $PROG BUILD_DIR" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
ROUNDS=${WHO_ROUNDS:-5}
SECS=${WHO_SECONDS:-4}
CPU=${WHO_CPU:-1}
die() { echo "$PROG: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"

T=$(mktemp -d "${TMPDIR:-/tmp}/psys-who.XXXXXX")
cgs=""
cleanup() {
	rc=$?
	trap - EXIT INT TERM
	for p in $(cat "$T/pids" 2> /dev/null); do kill "$p" 2> /dev/null || :; done
	sleep 0.2
	for d in $cgs; do
		for p in $(cat "$d/cgroup.procs" 2> /dev/null); do
			echo "$p" > "$(dirname "$d")/cgroup.procs" 2> /dev/null || :
		done
		rmdir "$d" 2> /dev/null || :
	done
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mnt() { awk -v w="$1" '{ for (i = 7; $i != "-"; i++) ; if (w == "v2" ? $(i+1) == "cgroup2" : $(i+1) == "cgroup" && index("," $(i+3) ",", ",cpuacct,")) { print $5; exit } }' /proc/self/mountinfo; }
v2=$(mnt v2)
acct=$(mnt cpuacct)
for k in 1 2 3; do
	dirs=""
	for m in $v2 $acct; do
		mkdir -p "$m/psys-who-$$-$k"
		cgs="$m/psys-who-$$-$k $cgs"
		dirs="$dirs $m/psys-who-$$-$k"
	done
	sh -c 'for d in '"$dirs"'; do echo $$ > "$d/cgroup.procs"; done; exec "$@"' sh \
		"$B/tests/loadgen" -c "$CPU" -t $(( ROUNDS * 2 * (SECS + 2) + 2 )) -w stat -n psys-who > /dev/null &
	echo $! >> "$T/pids"
done
sleep 1

# cost FREQ: psys-cgcost's line for one capture at FREQ.
cost() {
	"$B/psys-record" -C "$CPU" -f "$1" -s "$SECS" -o "$T/c.psys" < /dev/null > /dev/null \
		2> "$T/rec.err" || die "psys-record: $(cat "$T/rec.err")"
	"$B/tests/psys-cgcost" "$T/c.psys"
	rm -f "$T/c.psys"
}
med() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f-%.3f)", m, v[1], v[NR] }'; }
for f in 200 999; do
	: > "$T/raw"
	for r in $(seq "$ROUNDS"); do
		cost $f >> "$T/raw"
	done
	# samples N file_bytes F cgroup_bytes C (records R, in blocks K) per_sample P
	blocks=$(awk '{ k = $11; sub(/\)/, "", k); print k / $2 }' "$T/raw" | med)
	recs=$(awk '{ r = $8; sub(/,/, "", r); print r }' "$T/raw" | med)
	total=$(awk '{ print $NF }' "$T/raw" | med)
	smp=$(awk '{ print $2 }' "$T/raw" | med)
	echo "| cgroup ids in blocks, B/sample, $f Hz, $SECS s, 3 cgroups | $blocks | records: $recs B a capture | all: $total B/sample | samples $smp |"
done
echo
echo "Exact on each capture (tests/tools/psys-cgcost): each block encoded again with and without cgroup ids. $ROUNDS captures each, medians (min-max)."
