#!/bin/sh
# The time view reads at a glance, in headless Chromium: over captures
# with one trigger, chained interval triggers close together (30 ms, as
# "trigger 8/9/10" once overprinted) and far apart, and peak triggers, at
# two widths, no two texts of the view overlap (their bounding boxes as
# the browser lays them out), every trigger is named by a label ("trigger
# 3" or "triggers 8-10"), the legend says what the pink, the red line and
# the bracket mean, and a peak trigger's tooltip gives its rule's window
# (0.15 s), not the 60 ms its mark spans. The inputs come from
# tests/tools/tvgen (lib/folded's timeline writer).
. "$TOP/tests/lib.sh"
require_browser
[ -x "$BUILD/tests/tvgen" ] || fail "tvgen not built"

cat > "$T/probe.js" <<'EOF'
<script type="text/ecmascript"><![CDATA[
(function () {
var root = document.documentElement;
function put(k, v) { root.setAttribute('data-t-' + k, String(v)); }
try {
	var texts = [].slice.call(document.querySelectorAll('#timeview text')).filter(function (t) {
		var r = t.getBoundingClientRect();
		return t.textContent.trim() !== '' && r.width > 0 && r.height > 0;
	});
	var boxes = texts.map(function (t) { return t.getBoundingClientRect(); }), bad = [];
	for (var i = 0; i < boxes.length; i++)
		for (var j = i + 1; j < boxes.length; j++) {
			var a = boxes[i], b = boxes[j];
			if (a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top)
				bad.push(texts[i].textContent + ' / ' + texts[j].textContent);
		}
	put('texts', texts.length);
	put('overlaps', bad.join('; '));
	put('labels', [].map.call(document.querySelectorAll('#timeview .tvtrig'),
				  function (t) { return t.textContent; }).join('|'));
	put('legend', [].map.call(document.querySelectorAll('#tvlegend text'),
				  function (t) { return t.textContent; }).join('|'));
	put('title1', document.querySelectorAll('.tvmark title')[1].textContent);
	put('ic', document.getElementById('ignorecase').textContent);
	put('ok', 1);
} catch (e) {
	put('error', e + ' ' + e.stack);
}
})();
]]></script>
</svg>
EOF
attr() { # name -> value, entities decoded
	python3 - "$T/dom" "$1" <<'PY'
import html, re, sys
m = re.search(r' data-t-%s="([^"]*)"' % sys.argv[2], open(sys.argv[1]).read())
print(html.unescape(m.group(1)) if m else "")
PY
}
# covered N LABELS: every trigger 1..N named once by the labels.
covered() {
	python3 - "$1" "$2" <<'PY'
import re, sys
n, seen = int(sys.argv[1]), []
for l in sys.argv[2].split('|'):
    m = re.fullmatch(r'trigger(?: (\d+))?|triggers (\d+)\u2013(\d+)', l)
    if not m:
        sys.exit('label %r' % l)
    if m.group(2):
        seen += range(int(m.group(2)), int(m.group(3)) + 1)
    else:
        seen.append(int(m.group(1) or 1))
sys.exit(0 if sorted(seen) == list(range(1, n + 1)) else 'triggers named: %s' % seen)
PY
}

cases=0
for width in 1200 700; do
	for c in "interval 1 1" "interval 12 30" "interval 10 150" "interval 4 400" \
		 "peak 1 1" "peak 3 30" "peak 6 200"; do
		set -- $c
		rule=$1 n=$2
		tvgen $c > "$T/in.folded" || fail "tvgen $c"
		psys-svg --width $width "$T/in.folded" > "$T/tv.svg" 2> "$T/err" || fail "psys-svg: $(cat "$T/err")"
		{ sed '$d' "$T/tv.svg"; cat "$T/probe.js"; } > "$T/probe.svg"
		timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
			--user-data-dir="$T/profile" --dump-dom "file://$T/probe.svg" > "$T/dom" \
			2> "$T/browser.err" || fail "$browser failed: $(tail -n 5 "$T/browser.err")"
		what="$c at $width px"
		[ "$(attr ok)" = 1 ] || fail "$what: the probe did not run: $(attr error)"
		[ -z "$(attr overlaps)" ] || fail "$what: texts overlap: $(attr overlaps)"
		[ "$(attr texts)" -ge 8 ] || fail "$what: only $(attr texts) texts measured"
		covered $n "$(attr labels)" || fail "$what: labels '$(attr labels)'"
		legend=$(attr legend)
		case $rule in
		interval) want='poll interval that crossed the gate|trigger|pre-trigger lead (recorded before the first trigger)' ;;
		peak) want='burst that fired the peak rule|trigger|pre-trigger lead (recorded before the first trigger)' ;;
		esac
		[ "$legend" = "$want" ] || fail "$what: legend '$legend'"
		case $rule in
		peak) echo "$(attr title1)" | grep -q 'over its 0.15 s window' ||
			fail "$what: peak tooltip without its window: $(attr title1)" ;;
		interval) echo "$(attr title1)" | grep -q 'the interval that crossed the gate' ||
			fail "$what: interval tooltip: $(attr title1)" ;;
		esac
		[ "$(attr ic)" = "Ignore case" ] || fail "the case button says '$(attr ic)'"
		cases=$((cases + 1))
	done
done
# Close triggers share a label: twelve 30 ms apart are not twelve labels.
tvgen interval 12 30 | psys-svg > "$T/close.svg"
[ "$(grep -c 'class="tvlabel tvtrig"' "$T/close.svg")" -lt 12 ] || fail "12 close triggers, 12 labels"
measure "time view: $cases layouts in Chromium, no texts overlapping, every trigger labelled"
exit 0
