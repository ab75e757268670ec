#!/bin/sh
# The timeline's two forms on a real capture (BPF sampling on every CPU at
# 4999 Hz under load): psys-fold writes version 2 (base64 varints);
# tests/tools/timeline_read.py, a decoder of its own, rewrites it as
# version 1 (decimal steps, earlier psys-fold's form), and psys-svg must draw
# the same SVG byte for byte from either. The decoded samples are checked
# against psys-fold's other views of the capture: each CPU's sequence of
# stacks against --time-order, and the samples in a dozen ranges against
# --from/--to. The version 2 text must also be a fraction of version 1's.
. "$TOP/tests/lib.sh"
require_bpf

ncpu=$(nproc)
for c in $(seq 0 $((ncpu - 1))); do
	w=stat; [ $((c % 2)) -eq 1 ] && w=read
	loadgen -c $c -t 2.3 -w $w -n psys-tl-$w > /dev/null &
done
sleep 0.3
psys-record -f 4999 -s 1.5 -o "$T/cap.psys" < /dev/null > /dev/null 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
wait

psys-fold "$T/cap.psys" > "$T/v2.folded" || fail "psys-fold: exit $?"
grep -q '^# timeline: "version=2 ' "$T/v2.folded" || fail "no version 2 timeline"
python3 "$TOP/tests/tools/timeline_read.py" --v1 "$T/v2.folded" > "$T/v1.folded" ||
	fail "timeline_read.py could not decode psys-fold's timeline"
grep -q '^# timeline: "version=1 ' "$T/v1.folded" || fail "no version 1 timeline after conversion"
cmp -s "$T/v1.folded" "$T/v2.folded" && fail "the conversion changed nothing"

psys-svg "$T/v2.folded" > "$T/v2.svg" 2> "$T/svg2.err" || fail "psys-svg (version 2): $(cat "$T/svg2.err")"
psys-svg "$T/v1.folded" > "$T/v1.svg" 2> "$T/svg1.err" || fail "psys-svg (version 1): $(cat "$T/svg1.err")"
[ -s "$T/svg2.err" ] && fail "psys-svg warned on version 2: $(cat "$T/svg2.err")"
[ -s "$T/svg1.err" ] && fail "psys-svg warned on version 1: $(cat "$T/svg1.err")"
grep -q '<g id="timedata"' "$T/v2.svg" || fail "no time view from version 2"
cmp -s "$T/v1.svg" "$T/v2.svg" || fail "the two forms draw different SVGs"

# Each CPU's stacks in time order, runs merged: psys-fold --time-order.
psys-fold --time-order --no-meta "$T/cap.psys" > "$T/to.folded" || fail "psys-fold --time-order"
python3 - "$T/v2.folded" "$TOP/tests/tools" > "$T/to.want" <<'PY' || fail "decoding the timeline"
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from timeline_read import read
lines, samples = read(sys.argv[1], cpus=True)
stack = [l.rsplit(' ', 1)[0] for l in lines]
runs = []
for t, c, ln in sorted(samples, key=lambda s: s[1]):	# stable: time order kept
    key = 'cpu %d;%s' % (c, stack[ln])
    if runs and runs[-1][0] == key:
        runs[-1][1] += 1
    else:
        runs.append([key, 1])
for k, n in runs:
    print('%s %d' % (k, n))
PY
cmp -s "$T/to.want" "$T/to.folded" ||
	{ diff "$T/to.want" "$T/to.folded" | head -n 5; fail "the timeline's stack order differs from --time-order"; }

# Samples in ranges, bounds between two samples' times: --from/--to.
python3 - "$T/v2.folded" "$TOP/tests/tools" > "$T/ranges" <<'PY' || fail "no ranges"
import random, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from timeline_read import read
ts = sorted(t for t, ln in read(sys.argv[1])[1])
cuts = [(a + b) // 2 for a, b in zip(ts, ts[1:]) if b - a >= 2000]
rnd = random.Random(24)
for _ in range(12):
    a, b = sorted(rnd.sample(cuts, 2))
    print('%d.%09d %d.%09d %d' % (a // 10**9, a % 10**9, b // 10**9, b % 10**9,
                                  sum(1 for t in ts if a <= t < b)))
PY
[ "$(wc -l < "$T/ranges")" -eq 12 ] || fail "want 12 ranges"
while read -r from to want; do
	psys-fold --from "$from" --to "$to" "$T/cap.psys" > "$T/slice" 2>/dev/null ||
		fail "psys-fold --from $from --to $to"
	got=$(meta "$T/slice" samples)
	[ "$got" = "$want" ] || fail "--from $from --to $to: $got samples, the timeline has $want"
done < "$T/ranges"

n=$(meta "$T/v2.folded" samples)
b1=$(grep '^# timeline-samples' "$T/v1.folded" | wc -c)
b2=$(grep '^# timeline-samples' "$T/v2.folded" | wc -c)
[ "$n" -gt 2000 ] || fail "only $n samples"
[ $((b2 * 2)) -lt "$b1" ] || fail "version 2 takes $b2 bytes, version 1 $b1"
measure "$n samples on $ncpu CPUs: timeline $b2 B in version 2, $b1 B in version 1; same SVG"
