#!/bin/sh
# bench/ring.sh BUILD_DIR: the always-on recorder's memory (figure 7 of
# `make bench`), psys side by side with psys 0.1 built from this
# repository's history (commit $RING_BASE), printed as a markdown section:
#   - peak RSS of psys-record waiting for a trigger that never comes, at
#     RING_HZ (4999) on every CPU for RING_SECONDS (45), with a read(2)
#     load on even CPUs and a stat(2) load on odd ones;
#   - what the pre-trigger ring holds per sample while waiting at 200 Hz
#     on the same load (psys-record -v's report at exit);
#   - the ring projected for CPU counts this machine lacks (tests/ringsim:
#     the same encoder and ring, synthetic samples), 256 CPUs at the
#     defaults (200 Hz, 20 s), every CPU busy or every CPU idle.
# Rounds alternate the two versions (RING_ROUNDS, default 1: each round is
# 2 x RING_SECONDS). Needs root. Never part of `make test`.
set -eu
LC_ALL=C
export LC_ALL
PROG=bench/ring.sh
[ $# -eq 1 ] || { echo "usage: $PROG BUILD_DIR" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$1" && pwd)
HZ=${RING_HZ:-4999}
SECS=${RING_SECONDS:-45}
ROUNDS=${RING_ROUNDS:-1}
BASE=${RING_BASE:-8228b61}
NCPU=$(getconf _NPROCESSORS_ONLN)
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bench-ring.XXXXXX")
trap 'kill $(cat "$T/loads" 2>/dev/null) 2>/dev/null || true; rm -rf "$T"' EXIT INT TERM
say() { echo "bench: $*" >&2; }
for p in psys-record tests/loadgen tests/runstat tests/ringsim; do
	[ -x "$B/$p" ] || { echo "$PROG: build $p into $B first" >&2; exit 1; }
done

# psys 0.1's psys-record, built from the history into $T/v01.
. "$TOP/bench/old.sh"
say "ring: building psys-record of $BASE"
OLD=$(build_old "$BASE" "$T/v01" 2> "$T/v01.why") ||
	{ OLD=""; say "ring: $(cat "$T/v01.why")"; }

# load SECONDS: read on even CPUs, stat on odd ones.
load() {
	: > "$T/loads"
	c=0
	while [ $c -lt "$NCPU" ]; do
		w=read; [ $((c % 2)) -eq 1 ] && w=stat
		"$B/tests/loadgen" -c $c -t "$1" -w $w -n "ring-$w" > /dev/null &
		echo $! >> "$T/loads"
		c=$((c + 1))
	done
}

# wait_rec RECORDER HZ SECONDS TAG: psys-record waiting (its stdin a pipe
# that stays open and silent) under runstat; figures in $T/TAG.rs, its
# stderr in $T/TAG.err.
wait_rec() {
	rm -rf "$T/out"
	mkdir "$T/out"
	load $(( $3 + 2 ))
	sleep "$3" | "$B/tests/runstat" "$T/$4.rs" "$1" -v -f "$2" -o "$T/out" \
		> /dev/null 2> "$T/$4.err" || true
	wait
	[ -z "$(ls "$T/out")" ] || say "ring: $4 wrote a capture with nothing triggered"
}
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" "$2" | tail -n 1; }

r=1
while [ $r -le "$ROUNDS" ]; do
	for v in new old; do
		[ $v = old ] && [ -z "$OLD" ] && continue
		rec=$B/psys-record
		[ $v = old ] && rec=$OLD
		say "ring: round $r, $v, $HZ Hz, $SECS s waiting"
		wait_rec "$rec" "$HZ" "$SECS" "$v.$r"
		echo "$(kv maxrss_kb "$T/$v.$r.rs")" >> "$T/rss.$v"
	done
	r=$((r + 1))
done
say "ring: bytes per sample held at 200 Hz"
wait_rec "$B/psys-record" 200 25 b200
held200=$(sed -n 's/.*pre-trigger ring: \(.*\)/\1/p' "$T/b200.err")
held_hz=$(sed -n 's/.*pre-trigger ring: \(.*\)/\1/p' "$T/new.1.err")
sim_busy=$("$B/tests/ringsim" 256 200 20 busy)
sim_idle=$("$B/tests/ringsim" 256 200 20 idle)
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.1f MB", k / 1024 }'; }

cat <<EOF

## 7. The always-on recorder's memory (bench/ring.sh)

Machine: $NCPU CPUs, kernel $(uname -r). psys-record waiting for a trigger
that never comes, $SECS s at $HZ Hz on every CPU under a read/stat load;
$ROUNDS round(s), medians.

| | psys (this tree) | psys 0.1 ($BASE) |
|---|---|---|
| peak RSS after $SECS s waiting at $HZ Hz | $(mb "$(med < "$T/rss.new")") | $(mb "$([ -s "$T/rss.old" ] && med < "$T/rss.old" || echo -)") |
| ring at exit, $HZ Hz | $held_hz | 113 B/sample (fixed slots; issue 11) |
| ring at exit, 200 Hz, 25 s | $held200 | - |

Projected with tests/ringsim (the same block encoder and ring, synthetic
samples: 40 kernel stacks of 8-20 frames drawn with a skew, a third of the
samples in user mode; blocks of 4 s as while waiting):

    $sim_busy
    $sim_idle
EOF
