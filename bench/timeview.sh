#!/bin/sh
# The time view's cost: what the timeline adds to an SVG, per sample, and
# how long headless Chromium takes to redraw the flame graph after a
# selection. On a 60-second capture at 999 Hz of CPUs 0-1 under a mostly
# sys load (stat(2) loops on both CPUs, with read(2) and mmap loops:
# recorded here, as root, unless TIMEVIEW_CAPTURE names one), folded two
# ways: psys-fold's default (sys samples only) and --user (every sample,
# about 120,000); and on the generated
# 1,000,000-sample input of bench/svg.sh (tests/tools/gen-folded) with a
# timeline dealing its samples to 8 CPUs over 60 s. Sizes are psys-svg
# with the timeline minus psys-svg with --no-timeline (or without the
# timeline lines), per sample, and what that is made of. Redraws: the
# first selection (it creates the frames the whole capture's graph had
# pruned), then REDRAWS more
# selections (ranges of 1 to 10 s at pseudo-random places, and arrow-key
# moves), each timed in the page with performance.now() from the event to
# the end of the redraw; the median and the slowest are printed.
#
#   bench/timeview.sh [BUILD_DIR]   (REDRAWS=40; TIMEVIEW_CAPTURE=FILE.psys)
set -eu
LC_ALL=C; export LC_ALL
BUILD=$(cd "${1:-build}" && pwd)
REDRAWS=${REDRAWS:-40}
PROG=bench/timeview.sh
for p in psys-fold psys-svg tests/gen-folded tests/loadgen; do
	[ -x "$BUILD/$p" ] || { echo "$PROG: build $p into $BUILD first" >&2; exit 1; }
done
browser=""
for b in chromium chromium-browser google-chrome; do
	command -v $b > /dev/null && browser=$b && break
done
[ -n "$browser" ] || { echo "$PROG: needs chromium (apt-get install chromium)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-bench-tv.XXXXXX")
trap 'rm -rf "$T"' EXIT
PATH="$BUILD:$BUILD/tests:$PATH"

cap=${TIMEVIEW_CAPTURE:-}
if [ -z "$cap" ]; then
	[ -x "$BUILD/psys-record" ] && [ "$(id -u)" -eq 0 ] ||
		{ echo "$PROG: recording needs root and psys-record (or set TIMEVIEW_CAPTURE)" >&2; exit 1; }
	cap=$T/cap.psys
	loadgen -c 0 -t 62 -w stat -n bench-tv-stat0 > /dev/null &
	loadgen -c 0 -t 62 -w read -n bench-tv-read > /dev/null &
	loadgen -c 1 -t 62 -w stat -n bench-tv-stat1 > /dev/null &
	loadgen -c 1 -t 62 -w mmap -n bench-tv-mmap > /dev/null &
	sleep 0.5
	psys-record -C 0-1 -f 999 -s 60 -o "$cap" > /dev/null 2> "$T/rec.err" ||
		{ echo "$PROG: psys-record: $(cat "$T/rec.err")" >&2; exit 1; }
	wait
fi

meta() { sed -n "s/^# $2: \"\\(.*\\)\"\$/\\1/p" "$1"; }

# size LABEL FOLDED_WITH FOLDED_WITHOUT: SVG bytes and bytes per sample,
# then where they go: the tree the script refolds ranges from (the names
# and colours of frames the SVG does not draw, the frames, the frames
# samples end at), the samples (time, CPU, end frame), the view's own
# drawing (rows, marks, axis), and the rest (attribute names, the script's
# time-view code, frames moved down by the view).
size() {
	psys-svg "$2" > "$T/with.svg"
	psys-svg "$3" > "$T/without.svg"
	n=$(sed -n 's/^# timeline: ".* samples=\([0-9]*\)"$/\1/p' "$2")
	w=$(stat -c %s "$T/with.svg") wo=$(stat -c %s "$T/without.svg")
	printf '%-34s %7d samples: SVG %9d B with the timeline, %9d B without: %.2f B/sample\n' \
		"$1" "$n" "$w" "$wo" "$(echo "$w $wo $n" | awk '{ print ($1 - $2) / $3 }')"
	python3 - "$T/with.svg" "$((w - wo))" "$n" <<'PY'
import re, sys
svg, extra, n = open(sys.argv[1]).read(), int(sys.argv[2]), int(sys.argv[3])
at = lambda a: len(re.search(r' %s="([^"]*)"' % a, svg).group(1))
names = at('data-names') + at('data-colors') + at('data-drawn')
frames, ends, samples = at('data-nodes'), at('data-ends'), at('data-s') + at('data-cpus')
view = svg.index('<g id="timedata"') - svg.index('<g id="timeview"')
rest = extra - names - frames - ends - samples - view
print("%34s %7s  where: tree %.2f (names %.2f, frames %.2f, ends %.2f), samples %.2f, "
      "view %.2f, rest %.2f" % ("", "", (names + frames + ends) / n, names / n, frames / n,
                                ends / n, samples / n, view / n, rest / n))
PY
}

# redraws LABEL SVG: the probe's timings.
cat > "$T/probe.js" <<'EOF'
(function () {
var root = document.documentElement, time = window.psysFlame.time, n = +location.hash.substring(1);
var tv = document.getElementById('timeview');
var span = tv.getAttribute('data-step') * tv.getAttribute('data-ncols') * tv.getAttribute('data-q') / 1e9;
var seed = 12345, out = [], t0;
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }
function key(k, shift) {
	window.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey: shift, bubbles: true }));
}
try {
	t0 = performance.now();
	time.select('10', '20');
	root.setAttribute('data-t-first', performance.now() - t0);
	for (var i = 0; i < n; i++) {
		t0 = performance.now();
		if (i % 4 === 3) {
			key('ArrowRight', i % 8 === 7);
		} else {
			var len = 1 + Math.floor(rnd() * 10), a = Math.floor(rnd() * Math.max(1, span - len));
			time.select(String(a), String(a + len));
		}
		out.push(performance.now() - t0);
	}
	root.setAttribute('data-t-times', out.join(' '));
	root.setAttribute('data-t-samples', time.nsamples);
} catch (e) {
	root.setAttribute('data-t-error', e);
}
})();
EOF
redraws() {
	sed '$d' "$2" > "$T/probe.svg"
	{ printf '<script type="text/ecmascript"><![CDATA[\n'; cat "$T/probe.js"
	  printf ']]></script>\n</svg>\n'; } >> "$T/probe.svg"
	timeout 300 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/profile" --dump-dom "file://$T/probe.svg#$REDRAWS" \
		> "$T/dom" 2> "$T/browser.err" || { echo "$PROG: $browser failed" >&2; exit 1; }
	grep -q 'data-t-times=' "$T/dom" ||
		{ echo "$PROG: the probe failed: $(grep -o 'data-t-error="[^"]*"' "$T/dom")" >&2; exit 1; }
	python3 - "$T/dom" "$1" <<'PY'
import re, statistics, sys
dom = open(sys.argv[1]).read()
get = lambda k: re.search(r' data-t-%s="([^"]*)"' % k, dom).group(1)
times = sorted(float(v) for v in get('times').split())
print("%-34s %7d samples: redraw after a selection: first %.0f ms, then median %.1f ms, "
      "slowest %.1f ms (%d redraws)" % (sys.argv[2], int(get('samples')), float(get('first')),
      statistics.median(times), times[-1], len(times)))
PY
}

psys-fold "$cap" > "$T/sys.folded"
psys-fold --no-timeline "$cap" > "$T/sys.plain"
psys-fold --user "$cap" > "$T/all.folded"
psys-fold --user --no-timeline "$cap" > "$T/all.plain"
echo "capture: $(meta "$T/all.folded" window), $(meta "$T/all.folded" freq), cpus $(meta "$T/all.folded" cpus), $(stat -c %s "$cap") bytes"
size "60 s capture, sys samples" "$T/sys.folded" "$T/sys.plain"
size "60 s capture, --user: all samples" "$T/all.folded" "$T/all.plain"

# The generated input with a made-up timeline: its samples in a
# pseudo-random order, dealt to 8 CPUs sampled at 2,083 Hz for 60 s (each
# sample up to 20 us late).
gen-folded > "$T/gen.plain"
awk 'BEGIN { srand(7) } !/^#/ { for (k = 0; k < $NF; k++) printf "%.9f %d\n", rand(), NR - 1 }' \
	"$T/gen.plain" | sort -k1,1 | awk -v lines="$(grep -vc '^#' "$T/gen.plain")" '
	BEGIN { srand(11); P = 1e9 / 2083 }
	{ j = NR - 1; printf "%d %.0f %d\n", j % 8, int(j / 8) * P + rand() * 20000, $2 }' |
	sort -n -k1,1 -k2,2 | awk -v lines="$(grep -vc '^#' "$T/gen.plain")" '
	{ cpu[NR] = $1; t[NR] = $2; ln[NR] = $3 }
	END {
		printf "# timeline: \"version=1 start=1796195334817604865 utc_offset=0 end=60000000000 freq=2083 lines=%d samples=%d\"\n", lines, NR
		for (i = 1; i <= NR; i++) {
			if (i == 1 || cpu[i] != cpu[i - 1] || k == 4096) {
				if (i > 1) print "\""
				printf "# timeline-samples: \"cpu=%d t=%.0f s=0:%d", cpu[i], t[i], ln[i]; k = 1
			} else {
				printf ",%.0f:%d", t[i] - t[i - 1], ln[i]; k++
			}
		}
		print "\""
	}' > "$T/gen.timeline"
cat "$T/gen.plain" "$T/gen.timeline" > "$T/gen.folded"
size "generated, 100,000 stacks" "$T/gen.folded" "$T/gen.plain"

redraws "60 s capture, sys samples" "$(psys-svg "$T/sys.folded" > "$T/sys.svg"; echo "$T/sys.svg")"
redraws "60 s capture, --user: all samples" "$(psys-svg "$T/all.folded" > "$T/all.svg"; echo "$T/all.svg")"
redraws "generated, 100,000 stacks" "$(psys-svg "$T/gen.folded" > "$T/gen.svg"; echo "$T/gen.svg")"
