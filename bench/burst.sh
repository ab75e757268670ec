#!/bin/sh
# bench/burst.sh BUILD_DIR: short bursts at the defaults (figure 9 of
# `make bench`), printed as a markdown section:
#   - the burst table: `psys-watch | psys-record -o DIR` at their defaults
#     on every CPU, a read(2) burst (tests/loadgen; about 85% of its CPU
#     time is sys) of each of BURST_LENGTHS seconds on one CPU at a random
#     moment (a random phase against psys-watch's 3 s polls), and of each
#     of BURST_HALF_LENGTHS seconds busy 60% of every 20 ms (about 50% sys),
#     BURST_TRIALS times each: in how many
#     trials a capture held the burst, which rule started it, and the
#     fraction of the burst's samples the captures hold (HZ x the CPU time
#     the burst got; median, min-max). The burst's own CPU share (CPU time
#     / length) says how quiet the machine was: a burst sharing its CPU
#     with other work is that much less sys;
#   - the always-on cost: psys-record's CPU while waiting for a trigger
#     that never comes (its stdin a silent pipe, the machine idle), with
#     the peak rule (the default) and with --no-peak, BURST_COST_SECONDS
#     each, alternated BURST_COST_ROUNDS times (medians); beside it the other
#     place the rule could have lived, psys-watch polling /proc/stat every
#     0.1 s instead of every 3 s; and the rule alone, per sample and
#     projected for 256 CPUs (tests/peaksim, the same code on synthetic
#     samples).
# Settings: BURST_TRIALS (5), BURST_LENGTHS ("1 0.5 0.3 0.2 0.15"),
# BURST_HALF_LENGTHS ("0.2 0.15"), BURST_CPU (the least busy CPU),
# BURST_COST_SECONDS (10), BURST_COST_ROUNDS (3). About 7 minutes at the
# defaults. Needs root.
# Never part of `make test`.
set -eu
LC_ALL=C
export LC_ALL
PROG=bench/burst.sh
[ $# -eq 1 ] || { echo "usage: $PROG BUILD_DIR" >&2; exit 2; }
B=$(cd "$1" && pwd)
TRIALS=${BURST_TRIALS:-5}
LENGTHS=${BURST_LENGTHS:-"1 0.5 0.3 0.2 0.15"}
HALF_LENGTHS=${BURST_HALF_LENGTHS-"0.2 0.15"}
HALF_DUTY=0.6
COST_SECS=${BURST_COST_SECONDS:-10}
COST_ROUNDS=${BURST_COST_ROUNDS:-3}
HZ=200
NCPU=$(getconf _NPROCESSORS_ONLN)
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bench-burst.XXXXXX")
trap 'kill $(cat "$T/pids" 2>/dev/null) 2>/dev/null || true; rm -rf "$T"' EXIT INT TERM
say() { echo "bench: $*" >&2; }
for p in psys-record psys-watch psys-fold tests/loadgen tests/runstat tests/peaksim; do
	[ -x "$B/$p" ] || { echo "$PROG: build $p into $B first" >&2; exit 1; }
done
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" "$2" | tail -n 1; }
med() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%s", v[int((NR + 1) / 2)]; else printf "-" }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s-%s", lo, hi }'; }

# The CPU with the least sys+user time over a second.
if [ -z "${BURST_CPU:-}" ]; then
	cat /proc/stat > "$T/s0"; sleep 1; cat /proc/stat > "$T/s1"
	BURST_CPU=$(awk '$1 ~ /^cpu[0-9]/ {
		b = $2 + $3 + $4 + $7 + $8
		if (FILENAME == ARGV[1]) { b0[$1] = b; next }
		print substr($1, 4), b - b0[$1] }' "$T/s0" "$T/s1" | sort -k2,2n | head -n 1 | cut -d' ' -f1)
fi

# ---- the burst table ----
# One pipeline for every trial; bursts far enough apart that each capture
# (0.5 s before the burst .. 3 s after its trigger) ends before the next.
mkdir "$T/out"
mkfifo "$T/fifo"
"$B/psys-watch" > "$T/fifo" &
echo $! >> "$T/pids"
"$B/psys-record" -o "$T/out" < "$T/fifo" > "$T/paths" 2> "$T/rec.err" &
echo $! >> "$T/pids"
sleep 2
n=0
for run in $(for l in $LENGTHS; do echo "$l:1"; done; for l in $HALF_LENGTHS; do echo "$l:$HALF_DUTY"; done); do
	len=${run%:*} duty=${run#*:}
	k=1
	while [ $k -le "$TRIALS" ]; do
		n=$((n + 1))
		sleep "$(awk -v s="$n" 'BEGIN { srand(s + systime()); printf "%.2f", 5 + rand() * 3 }')"
		say "burst: $len s busy $duty on cpu $BURST_CPU, trial $k"
		t0=$(date +%s%N)
		"$B/tests/loadgen" -c "$BURST_CPU" -t "$len" -u "$duty" -n "b$n" > "$T/b$n.load"
		t1=$(date +%s%N)
		echo "$len $k b$n $(awk '{ print $NF }' "$T/b$n.load") $t0 $t1 $duty" >> "$T/bursts"
		k=$((k + 1))
	done
done
sleep 5
kill -INT $(head -n 1 "$T/pids") 2>/dev/null || true
wait
# Per burst: its samples in the captures, and the triggers that were its
# own: on its CPU, from its start to the end of the window that can see it
# (the peak rule: 0.3 s after it, for the drain; the interval gate: the
# next poll, 3 s). Other triggers (other work on a shared machine) may
# have made or extended the same captures: they are counted apart.
for f in $(cat "$T/paths"); do
	"$B/psys-fold" --info "$f" > "$T/$(basename "$f").info"
	"$B/psys-fold" --user --idle "$f" | awk -v f="$f" '
		$1 ~ /^b[0-9]+;/ { split($1, a, ";"); s[a[1]] += $NF }
		END { for (c in s) print c, s[c] }'
done > "$T/held"
rows=$(python3 - "$T" "$BURST_CPU" "$HZ" "$TRIALS" <<'PY'
import glob, json, sys
T, cpu, hz, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
held = {}
for line in open(T + "/held"):
    c, n = line.split()
    held[c] = held.get(c, 0) + int(n)
trigs = []
for f in glob.glob(T + "/*.info"):
    for t in json.load(open(f))["trailer"].get("triggers", []):
        trigs.append(t)
bursts = [l.split() for l in open(T + "/bursts")]
kinds = []
for b in bursts:
    if (b[0], b[6]) not in kinds:
        kinds.append((b[0], b[6]))
def med(v):
    v = sorted(v)
    return v[(len(v) - 1) // 2] if v else float("nan")
own_walls = set()
for ln, duty in kinds:
    rows = [b for b in bursts if (b[0], b[6]) == (ln, duty)]
    hit, fr, sh, rules = 0, [], [], {}
    for b in rows:
        comm, cputime, t0, t1 = b[2], float(b[3]), int(b[4]), int(b[5])
        want = cputime * hz
        got = held.get(comm, 0)
        own = [t for t in trigs if any(h["cpu"] == cpu for h in t["hot"]) and
               t0 <= t["wall_ns"] <= t1 + (3.1e9 if t.get("rule", "interval") == "interval" else 0.3e9)]
        for t in own:
            own_walls.add((t["wall_ns"], t.get("rule")))
        names = sorted(set(t.get("rule", "interval") for t in own))
        for r in names or ["none"]:
            rules[r] = rules.get(r, 0) + 1
        if got and own:
            hit += 1
        fr.append(min(1.0, got / want) if want else 0.0)
        sh.append(100 * cputime / float(ln))
    print("| %d ms, %s | %d of %d | %s | %.2f (%.2f-%.2f) | %.0f%% (%.0f-%.0f%%) |" % (
        float(ln) * 1000, "read" if float(duty) == 1 else "read %d%% of every 20 ms" % (
        100 * float(duty)), hit, len(rows), ", ".join("%s %d" % kv for kv in sorted(rules.items())),
        med(fr), min(fr), max(fr), med(sh), min(sh), max(sh)))
print("OTHER %d" % (len(trigs) - len(own_walls)))
PY
)
other=$(echo "$rows" | sed -n 's/^OTHER //p')
rows=$(echo "$rows" | grep -v '^OTHER ')
ncap=$(wc -l < "$T/paths")

# ---- the always-on cost ----
# cost TAG ARGS...: psys-record waiting COST_SECS under runstat.
cost() {
	tag=$1; shift
	rm -rf "$T/w"; mkdir "$T/w"
	sleep "$COST_SECS" | "$B/tests/runstat" "$T/$tag.rs" "$B/psys-record" -o "$T/w" "$@" \
		> /dev/null 2> "$T/$tag.err" || true
	[ -z "$(ls "$T/w")" ] || say "burst: $tag made a capture while waiting (the machine is not idle)"
	awk -v c="$(kv cpu "$T/$tag.rs")" -v w="$(kv wall "$T/$tag.rs")" \
		'BEGIN { printf "%.4f\n", 100 * c / w }' >> "$T/cost.$tag"
}
watch_cost() {
	tag=$1; shift
	"$B/tests/runstat" "$T/$tag.rs" timeout -s INT "$COST_SECS" "$B/psys-watch" "$@" \
		> /dev/null 2>&1 || true
	awk -v c="$(kv cpu "$T/$tag.rs")" -v w="$(kv wall "$T/$tag.rs")" \
		'BEGIN { printf "%.4f\n", 100 * c / w }' >> "$T/cost.$tag"
}
r=1
while [ $r -le "$COST_ROUNDS" ]; do
	say "burst: always-on cost, round $r of $COST_ROUNDS"
	if [ $((r % 2)) -eq 1 ]; then cost peak; cost nopeak --no-peak
	else cost nopeak --no-peak; cost peak; fi
	watch_cost w3
	watch_cost w01 -i 0.1
	r=$((r + 1))
done
sim2=$("$B/tests/peaksim" "$NCPU" $HZ 600)
sim256=$("$B/tests/peaksim" 256 $HZ 60)
nsps=$(echo "$sim256" | awk '{ print $2 }')

cat <<EOF

## 9. Short bursts at the defaults (bench/burst.sh)

Machine: $NCPU CPUs, kernel $(uname -r). \`psys-watch | psys-record -o DIR\`
at their defaults (-i 3 -g 10; 200 Hz, peak rule: a rise of 35% sys over
0.15 s above the CPU's base, 0.5 s of lead); a read(2) burst
(tests/loadgen, about 85% sys while it runs) on cpu $BURST_CPU at a random
moment, busy all the time or $HALF_DUTY of every 20 ms (about 50% sys),
$TRIALS trial(s) per row, 5-8 s apart. "Captured" is the
fraction of the burst's samples (200 Hz x the CPU time it got) that the
captures hold; "CPU share" is the CPU time the burst got over its length
(under 100%, or under $HALF_DUTY busy: something else ran on its CPU).

| burst | triggered | triggers on its CPU as it ran, by rule (trials) | captured, median (min-max) | CPU share, median (min-max) |
|---|---|---|---|---|
$rows

"Triggered": a capture holds the burst and a trigger of its own (on its
CPU, while it ran or just after) started or extended it. $ncap capture(s)
in all; $other other trigger(s) came from other work on the machine.

Always-on cost: CPU of the process over its run, % of one CPU, medians
(min-max) of $COST_ROUNDS run(s) of $COST_SECS s each.

| | % of one CPU |
|---|---|
| psys-record waiting, peak rule on (default) | $(med < "$T/cost.peak") ($(range < "$T/cost.peak")) |
| psys-record waiting, --no-peak | $(med < "$T/cost.nopeak") ($(range < "$T/cost.nopeak")) |
| psys-watch -i 3 (default) | $(med < "$T/cost.w3") ($(range < "$T/cost.w3")) |
| psys-watch -i 0.1 (the other way to see short bursts) | $(med < "$T/cost.w01") ($(range < "$T/cost.w01")) |

The rule alone (tests/peaksim: lib/record/peak.c on synthetic samples at 200 Hz,
its own CPU time), $NCPU CPUs and projected for 256:

    $NCPU CPUs: $sim2
    256 CPUs: $sim256

It costs $nsps ns per sample already taken: it grows with the samples,
nothing else.
EOF
