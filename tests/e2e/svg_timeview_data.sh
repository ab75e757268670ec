#!/bin/sh
# The time view's data, decoded by the script at scale, without BPF: a
# generated input (4,000 distinct stacks of tests/tools/gen-folded, so a
# tree of tens of thousands of frames whose names psys-svg codes by their
# place among their parent name's children) with a made-up timeline of 4
# CPUs at 999 Hz that skips periods, jitters across the 0.1 ms steps and
# puts two samples of a CPU in one step. In headless Chromium the graph
# of the whole capture, refolded from the data, must equal the frames the
# SVG was drawn with, and the graph of each of a few ranges must equal
# psys-svg's drawing of exactly the stack lines whose samples fall in it
# (what psys-fold --from --to would fold), with the same sample count.
. "$TOP/tests/lib.sh"
require_browser

gen-folded -n 4000 -s 40000 > "$T/plain.folded"
python3 - "$T/plain.folded" > "$T/timeline" <<'PY'
import random, sys
rnd = random.Random(5)
lines = [l for l in open(sys.argv[1]) if not l.startswith('#')]
samples = []
for i, l in enumerate(lines):
    samples += [i] * int(l.split()[-1])
rnd.shuffle(samples)
period = 1e9 / 999
cpus = {c: [] for c in range(4)}
tick = {c: rnd.randrange(0, 20) for c in range(4)}
for k, line in enumerate(samples):
    c = rnd.randrange(4)
    r = rnd.random()
    tick[c] += 1 if r < 0.8 else rnd.randrange(2, 9) if r < 0.98 else 0
    t = int(tick[c] * period + rnd.random() * 30000)
    cpus[c].append((t, line))
print('# timeline: "version=1 start=1796195334817604865 utc_offset=3600 end=%d freq=999 '
      'lines=%d samples=%d"' % (max(t for v in cpus.values() for t, _ in v) + 1, len(lines), len(samples)))
print('# timeline-trigger: "at=2000000000 from=1000000000 gate=10 hot=1:50"')
for c, v in cpus.items():
    v.sort()
    for i in range(0, len(v), 4096):
        chunk, prev = v[i:i + 4096], v[i][0]
        print('# timeline-samples: "cpu=%d t=%d s=%s"' % (c, prev, ','.join(
            '%d:%d' % (t - (chunk[j - 1][0] if j else prev), ln) for j, (t, ln) in enumerate(chunk))))
PY
cat "$T/plain.folded" "$T/timeline" > "$T/in.folded"
psys-svg "$T/in.folded" > "$T/tv.svg" 2> "$T/err" || fail "psys-svg: $(cat "$T/err")"
[ -s "$T/err" ] && fail "psys-svg warned: $(cat "$T/err")"
grep -q '<g id="timedata"' "$T/tv.svg" || fail "no time data"
nframes=$(grep -c '<g data-x=' "$T/tv.svg")

# The ranges, in seconds from the start, and for each the folded lines of
# its samples: the stacks with the counts psys-fold --from --to gives.
ranges="0 100;2.5 4.0001;7.3 7.9;1.0003 1.0107"
python3 - "$T/in.folded" "$ranges" "$T" "$TOP/tests/tools" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[4])
from timeline_read import read
lines, ts = read(sys.argv[1])
lines = [l.rsplit(' ', 1)[0] for l in lines]
for k, r in enumerate(sys.argv[2].split(';')):
    a, b = (round(float(x) * 1e9) for x in r.split())
    n = [0] * len(lines)
    for t, ln in ts:
        if a <= t < b:
            n[ln] += 1
    with open('%s/range%d.folded' % (sys.argv[3], k), 'w') as out:
        for i, c in enumerate(n):
            if c:
                out.write('%s %d\n' % (lines[i], c))
PY

# The probe, after the start every time view probe shares.
cat > "$T/probe.js" <<'EOF'
try {
	if (pf.time.error)
		throw new Error(pf.time.error);
	put('drawn', frames());
	put('whole', pf.time.samples());
	RANGES.split(';').forEach(function (r, k) {
		var ab = r.split(' ');
		pf.time.select(ab[0], ab[1]);
		put('n' + k, document.getElementById('timeview').getAttribute('data-samples'));
		put('f' + k, frames());
	});
} catch (e) {
	put('error', e + ' ' + e.stack);
}
})();
EOF
sed '$d' "$T/tv.svg" > "$T/probe.svg"
{ printf '<script type="text/ecmascript"><![CDATA[\n(function () {\n'; cat "$TOP/tests/tools/probe-frames.js"
  sed "s/RANGES/'$ranges'/" "$T/probe.js"
  printf ']]></script>\n</svg>\n'; } >> "$T/probe.svg"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/profile" --dump-dom "file://$T/probe.svg" > "$T/dom" 2> "$T/browser.err" ||
	fail "$browser failed: $(tail -n 5 "$T/browser.err")"
attr() { # name -> value, entities decoded
	python3 - "$T/dom" "$1" <<'PY'
import html, re, sys
m = re.search(r' data-t-%s="([^"]*)"' % sys.argv[2], open(sys.argv[1]).read())
print(html.unescape(m.group(1)) if m else "")
PY
}
[ -z "$(attr error)" ] || fail "probe error: $(attr error)"
[ "$(attr whole)" = 40000 ] || fail "whole capture: $(attr whole) samples, want 40000"
python3 "$TOP/tests/tools/svg-frames.py" "$T/tv.svg" > "$T/svg.frames"
attr drawn > "$T/probe.frames"
[ "$(wc -l < "$T/svg.frames")" -eq "$nframes" ] || fail "read $(wc -l < "$T/svg.frames") frames of $nframes"
cmp -s "$T/svg.frames" "$T/probe.frames" || fail "the probe does not read the SVG's frames as the SVG has them"
k=0
IFS=';'
for r in $ranges; do
	IFS=' '
	set -- $r
	want=$(awk '{ s += $NF } END { print s + 0 }' "$T/range$k.folded")
	[ "$(attr n$k)" = "$want" ] || fail "range $1..$2: $(attr n$k) samples, want $want"
	psys-svg "$T/range$k.folded" > "$T/range$k.svg" || fail "psys-svg of range $k's lines"
	python3 "$TOP/tests/tools/svg-frames.py" "$T/range$k.svg" > "$T/want$k"
	attr f$k > "$T/got$k"
	cmp -s "$T/want$k" "$T/got$k" ||
		fail "range $1..$2: the graph differs from psys-svg's of its lines: $(diff "$T/want$k" "$T/got$k" | head -n 4)"
	measure "range $1..$2: $want samples, $(wc -l < "$T/got$k") frames as psys-svg draws its lines"
	k=$((k + 1))
done
