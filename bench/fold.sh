#!/bin/sh
# Fold speed: psys-fold on a capture of about 1,000,000 samples (the sys
# load of tests/tools/loadgen on every sampled CPU, read(2) and stat(2)),
# with its embedded symbols and with --kallsyms, against `perf script`,
# perf's stackcollapse report (`perf script report stackcollapse`, when
# perf has python scripting) and `perf script | stackcollapse-perf.pl`
# (when that is installed) on a perf capture of the same load at the
# same rate. Prints the median wall
# time of RUNS runs of each and samples per second.
#
#   bench/fold.sh [BUILD_DIR]
#
# Settings (environment): RUNS (7), FOLD_CPUS ("0-1"), FOLD_HZ (4999),
# FOLD_SECONDS (101: 2 CPUs x 4999 Hz x 101 s is just over 1M samples),
# FOLD_CAPTURE / FOLD_PERF_DATA to reuse existing captures instead of
# recording (FOLD_KALLSYMS then names the kallsyms copy of that boot),
# STACKCOLLAPSE (path of stackcollapse-perf.pl; default: from PATH).
# Needs root to record. Never part of `make test`.
set -eu
LC_ALL=C; export LC_ALL
BUILD=$(cd "${1:-build}" && pwd)
RUNS=${RUNS:-7}
CPUS=${FOLD_CPUS:-0-1}
HZ=${FOLD_HZ:-4999}
SECS=${FOLD_SECONDS:-101}
COLLAPSE=${STACKCOLLAPSE:-$(command -v stackcollapse-perf.pl || true)}
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bench-fold.XXXXXX")
trap 'rc=$?; kill $(cat "$T/.loads" 2>/dev/null) 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT INT TERM
for p in psys-fold psys-record tests/loadgen; do
	[ -x "$BUILD/$p" ] || { echo "bench/fold.sh: build $p into $BUILD first" >&2; exit 1; }
done

# load SECONDS: loadgen on every CPU of $CPUS (read on even, stat on odd).
load() {
	: > "$T/.loads"
	for c in $(echo "$CPUS" | tr ',' ' '); do
		lo=${c%-*} hi=${c#*-}
		for n in $(seq "$lo" "$hi"); do
			w=read; [ $((n % 2)) -eq 1 ] && w=stat
			"$BUILD/tests/loadgen" -c "$n" -t "$1" -w $w -n "bench-$w" > /dev/null &
			echo $! >> "$T/.loads"
		done
	done
}

cap=${FOLD_CAPTURE:-}
ksyms=${FOLD_KALLSYMS:-}
if [ -z "$cap" ]; then
	cap=$T/cap.psys
	load $((SECS + 3))
	sleep 1
	"$BUILD/psys-record" -C "$CPUS" -f "$HZ" -s "$SECS" -o "$cap" > /dev/null
	wait
	ksyms=$T/kallsyms
	cp /proc/kallsyms "$ksyms"
fi
perfdata=${FOLD_PERF_DATA:-}
if [ -z "$perfdata" ] && command -v perf > /dev/null; then
	perfdata=$T/perf.data
	load $((SECS + 3))
	sleep 1
	perf record -q -e cpu-clock -F "$HZ" -C "$CPUS" -g -o "$perfdata" -- sleep "$SECS" \
		> /dev/null 2>&1
	wait
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now() { date +%s%N; }

# timed LABEL SAMPLES command...: median seconds of RUNS runs, output to
# /dev/null, and samples per second.
timed() {
	label=$1 samples=$2; shift 2
	: > "$T/times"
	for i in $(seq "$RUNS"); do
		t0=$(now)
		"$@" > /dev/null
		t1=$(now)
		echo $(( (t1 - t0) / 1000 )) >> "$T/times"
	done
	us=$(median < "$T/times")
	awk -v l="$label" -v us="$us" -v n="$samples" 'BEGIN {
		printf "%-44s %9.3f s %12.0f samples/s\n", l, us / 1e6, n / (us / 1e6) }'
	echo "$us" > "$T/last"
}

n=$("$BUILD/psys-fold" --idle --user "$cap" | sed -n 's/^# samples_read: "\([0-9]*\).*/\1/p')
sys=$("$BUILD/psys-fold" "$cap" | sed -n 's/^# samples: "\(.*\)"$/\1/p')
echo "capture: $n samples ($sys sys samples folded), $(stat -c %s "$cap") bytes, $RUNS runs, medians"
timed "psys-fold (embedded symbols)" "$n" "$BUILD/psys-fold" "$cap"
emb=$(cat "$T/last")
if [ -n "$ksyms" ]; then
	timed "psys-fold --kallsyms" "$n" "$BUILD/psys-fold" --kallsyms "$ksyms" "$cap"
	zstd -q -c "$ksyms" > "$T/kallsyms.zst" 2> /dev/null &&
		timed "psys-fold --kallsyms (zstd copy)" "$n" "$BUILD/psys-fold" -k "$T/kallsyms.zst" "$cap"
fi
timed "psys-fold --per-cpu --per-pid" "$n" "$BUILD/psys-fold" --per-cpu --per-pid "$cap"
timed "psys-fold --comm bench-read --from 10 --to 60" "$n" \
	"$BUILD/psys-fold" --comm bench-read --from 10 --to 60 "$cap"
timed "psys-fold -F speedscope" "$n" "$BUILD/psys-fold" -F speedscope "$cap"

if [ -n "$perfdata" ]; then
	pn=$(perf script -i "$perfdata" -F comm 2> /dev/null | wc -l)
	echo "perf capture: $pn samples, $(stat -c %s "$perfdata") bytes"
	timed "perf script" "$pn" perf script -i "$perfdata"
	ps=$(cat "$T/last")
	awk -v a="$ps" -v b="$emb" -v n="$n" -v pn="$pn" 'BEGIN {
		printf "psys-fold vs perf script, per sample: %.0fx faster\n", (a / pn) / (b / n) }'
	# perf's own stackcollapse report (python scripting), the folder
	# bench/run.sh's figure 3 compares with.
	if perf script -l 2> /dev/null | grep -q '^ *stackcollapse '; then
		timed "perf script report stackcollapse" "$pn" \
			sh -c 'perf script report stackcollapse -i "$1" 2> /dev/null' sh "$perfdata"
		awk -v a="$(cat "$T/last")" -v b="$emb" -v n="$n" -v pn="$pn" 'BEGIN {
			printf "psys-fold vs perf script report stackcollapse, per sample: %.0fx faster\n",
				(a / pn) / (b / n) }'
	else
		echo "perf has no stackcollapse report (no python scripting): its time is not measured"
	fi
	if [ -n "$COLLAPSE" ]; then
		timed "perf script | stackcollapse-perf.pl" "$pn" \
			sh -c 'perf script -i "$1" | "$2"' sh "$perfdata" "$COLLAPSE"
		awk -v a="$(cat "$T/last")" -v b="$emb" -v n="$n" -v pn="$pn" 'BEGIN {
			printf "psys-fold vs perf script | stackcollapse-perf.pl, per sample: %.0fx faster\n",
				(a / pn) / (b / n) }'
	else
		echo "stackcollapse-perf.pl not found (set STACKCOLLAPSE=): its time is not measured"
	fi
fi
