#!/bin/sh
# The time view, end to end: a triggered capture (real BPF sampling) with
# load A in the seconds before the trigger and load B after it, folded
# with its timeline and rendered. Headless Chromium then drags across A's
# part of the time view, zooms, searches, moves the selection with the
# arrow keys and clicks the trigger's mark: the graph of a selection must
# hold A's frames and not B's, its sample count and frames must be
# exactly psys-fold --from --to's, and a URL with from/to (and zoom and
# search) must bring the same view back. The peak rule is off: the loads
# would fire it, and the test counts the marks of its own trigger.
. "$TOP/tests/lib.sh"
require_bpf
require_browser

set -- $(least_loaded_cpu)
cpu=$1
A=psys-tv-load-a
B=psys-tv-load-b
{
	sleep 1
	loadgen -c $cpu -t 1.2 -w stat -n $A > /dev/null
	trigger $cpu
	sleep 0.6
	loadgen -c $cpu -t 1.2 -w mmap -n $B > /dev/null
} | psys-record --no-peak -s 2.2 -f 999 -o "$T/out" > "$T/paths" 2> "$T/rec.err" ||
	fail "psys-record: $(cat "$T/rec.err")"
cap=$(cat "$T/paths")
[ -f "$cap" ] || fail "no capture: $(cat "$T/rec.err")"
psys-fold "$cap" > "$T/folded" || fail "psys-fold: exit $?"
grep -q '^# timeline: "version=2 ' "$T/folded" || fail "no timeline in psys-fold's output"
psys-svg "$T/folded" > "$T/tv.svg" 2> "$T/svg.err" || fail "psys-svg: $(cat "$T/svg.err")"
[ -s "$T/svg.err" ] && fail "psys-svg warned: $(cat "$T/svg.err")"
grep -q '<g id="timeview"' "$T/tv.svg" || fail "no time view in the SVG"
# The lead and the trigger are marked.
[ "$(grep -c '<g class="tvmark"' "$T/tv.svg")" -eq 2 ] || fail "want 2 marks (lead, trigger)"
grep -q '<title>pre-trigger lead: ' "$T/tv.svg" || fail "no pre-trigger lead"
grep -q 'the interval that crossed the gate' "$T/tv.svg" || fail "no gate interval"
if command -v xmllint > /dev/null; then
	xmllint --noout "$T/tv.svg" || fail "not well-formed XML"
fi

# When A ended and B began, from the timeline: the cut between them, on
# the time view's 0.1 ms steps.
python3 - "$T/folded" $A $B "$TOP/tests/tools" > "$T/cut" <<'PY' || fail "loads A and B overlap or are missing"
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[4])
from timeline_read import read
lines, samples = read(sys.argv[1])
ts = {}
for t, ln in samples:
    ts.setdefault(lines[ln].split(';')[0], []).append(t)
a, b = ts[sys.argv[2]], ts[sys.argv[3]]
assert max(a) < min(b), (max(a), min(b))
print("%.4f %.4f %.4f" % (max(a) / 1e9, min(b) / 1e9, (max(a) + min(b)) / 2e9))
PY
read a_end b_start cut < "$T/cut"
measure "A ends at $a_end s, B starts at $b_start s"

# The probe, after the start every time view probe shares.
cat > "$T/probe.js" <<'EOF'
function names() {
	return pf.frames().map(function (f) { return f.name; }).join('\n');
}
function has(n) { return names().split('\n').indexOf(n) >= 0; }
/* A mouse event at the time view's x for T seconds. */
function mouse(type, target, t) {
	var tv = document.getElementById('timeview'), plot = document.getElementById('tvplot');
	var px = +tv.getAttribute('data-px'), pw = +tv.getAttribute('data-pw');
	var span = tv.getAttribute('data-step') * tv.getAttribute('data-ncols') * tv.getAttribute('data-q') / 1e9;
	var pt = root.createSVGPoint();
	pt.x = px + t / span * pw;
	pt.y = +plot.getAttribute('y') + 5;
	pt = pt.matrixTransform(plot.getScreenCTM());
	target.dispatchEvent(new MouseEvent(type, { bubbles: true, button: 0, clientX: pt.x, clientY: pt.y }));
}
function key(k, shift) {
	window.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey: !!shift, bubbles: true, cancelable: true }));
}
function samples() { return document.getElementById('timeview').getAttribute('data-samples'); }
try {
	var mode = location.search.indexOf('from=') >= 0 ? 'shared' : 'fresh';
	put('mode', mode);
	put('whole', pf.time.samples());
	if (mode === 'fresh') {
		var cut = +location.hash.substring(1), plot = document.getElementById('tvplot');
		/* Drag from the start to a little before the cut. */
		mouse('mousedown', plot, 0.001);
		mouse('mousemove', window, cut / 2);
		mouse('mouseup', window, cut - 0.05);
		put('drag', location.search);
		put('dragsamples', samples());
		put('draginfo', document.getElementById('tvinfo').textContent);
		put('hasa', has(A));
		put('hasb', has(B));
		put('dragframes', frames());
		/* Zoom on A, search within the selection. */
		var fa = pf.frames().filter(function (f) { return f.name === A; })[0];
		fa.rect.dispatchEvent(new MouseEvent('click', { bubbles: true }));
		put('zoomw', +fa.rect.getAttribute('width'));
		window.prompt = function () { return 'do_syscall_64'; };
		window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true, bubbles: true, cancelable: true }));
		put('matched', document.getElementById('matched').textContent);
		put('zoomurl', location.search);
		/* Arrows: move the end a column later, then the whole a column. */
		key('ArrowRight', true);
		put('extend', location.search);
		put('extendsamples', samples());
		key('ArrowRight');
		put('move', location.search);
		put('movesamples', samples());
		put('moveframes', frames());
		put('movezoom', fa.g.style.display !== 'none' ? +fa.rect.getAttribute('width') : 'hidden');
		/* The trigger's mark: the interval that crossed the gate. */
		var mark = document.querySelectorAll('.tvmark')[1];
		var r = mark.querySelector('rect');
		r.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 0, clientX: 0, clientY: 0 }));
		window.dispatchEvent(new MouseEvent('mouseup', { bubbles: true, button: 0, clientX: 0, clientY: 0 }));
		put('mark', mark.getAttribute('data-a') + ' ' + mark.getAttribute('data-b'));
		put('markurl', location.search);
		/* Back to the whole capture. */
		document.getElementById('tvreset').dispatchEvent(new MouseEvent('click', { bubbles: true }));
		put('reset', pf.time.samples() + ' ' + /[?&](from|to)=/.test(location.search));
	} else {
		put('samples', samples());
		put('frames', frames());
		put('matched', document.getElementById('matched').textContent);
		var z = pf.frames().filter(function (f) { return f.name === A; })[0];
		put('zoomw', +z.rect.getAttribute('width'));
		put('hasb', has(B));
	}
} catch (e) {
	put('error', e + ' ' + e.stack);
}
})();
EOF
sed -e "s/\\bA\\b/'$A'/g" -e "s/\\bB\\b/'$B'/g" "$T/probe.js" > "$T/probe2.js"
sed '$d' "$T/tv.svg" > "$T/probe.svg"
{ printf '<script type="text/ecmascript"><![CDATA[\n(function () {\n'
  cat "$TOP/tests/tools/probe-frames.js" "$T/probe2.js"
  printf ']]></script>\n</svg>\n'; } >> "$T/probe.svg"

load() { # url -> $T/dom
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$T/profile" \
		--dump-dom "$1" > "$T/dom" 2> "$T/browser.err" ||
		fail "$browser failed: $(tail -n 5 "$T/browser.err")"
}
attr() { # name -> value, entities decoded
	python3 - "$T/dom" "$1" <<'PY'
import html, re, sys
m = re.search(r' data-t-%s="([^"]*)"' % sys.argv[2], open(sys.argv[1]).read())
print(html.unescape(m.group(1)) if m else "")
PY
}
expect() { got=$(attr "$1"); [ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"; }
# url_arg QUERY NAME: one parameter of a query string.
url_arg() { echo "$1" | tr '?&' '\n\n' | sed -n "s/^$2=//p"; }
# folded_frames FROM TO: psys-fold --from --to rendered by psys-svg, as
# the probe lists frames (depth|x|count|colour|tooltip, sorted).
folded_frames() {
	psys-fold --from "$1" --to "$2" "$cap" > "$T/slice.folded" || fail "psys-fold --from $1 --to $2"
	psys-svg "$T/slice.folded" > "$T/slice.svg" 2>/dev/null
	python3 "$TOP/tests/tools/svg-frames.py" "$T/slice.svg"
}
folded_samples() { meta "$T/slice.folded" samples; }

load "file://$T/probe.svg#$cut"
[ "$(attr mode)" = fresh ] || fail "the probe did not run: $(head -c 300 "$T/dom")"
[ -z "$(attr error)" ] || fail "probe error: $(attr error)"
expect whole "$(meta "$T/folded" samples)"

# The drag: from the start to a column edge before B began.
q=$(attr drag)
from=$(url_arg "$q" from) to=$(url_arg "$q" to)
[ "$from" = 0 ] || fail "drag: from=$from (URL $q), want 0"
python3 -c "import sys; sys.exit(not (float('$a_end') < float('$to') <= float('$b_start')))" ||
	fail "drag: to=$to, want between A's end $a_end and B's start $b_start"
expect hasa true
expect hasb false
folded_frames "$from" "$to" > "$T/want"
expect dragsamples "$(folded_samples)"
attr dragframes > "$T/got"
cmp -s "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; fail "drag: frames differ from psys-fold --from $from --to $to"; }
case $(attr draginfo | tr -d ,) in *": $(folded_samples) samples") ;;
	*) fail "the selection does not say its samples: $(attr draginfo)" ;; esac
measure "drag 0..$to s: $(attr dragsamples) samples of $(attr whole), frames as psys-fold's"

# Zoom and search inside the selection, kept in the URL with it.
expect zoomw 1180
case $(attr matched) in "Matched: "*%) ;; *) fail "search: '$(attr matched)'" ;; esac
zq=$(attr zoomurl)
[ "$(url_arg "$zq" from)" = "$from" ] && [ "$(url_arg "$zq" to)" = "$to" ] &&
	[ -n "$(url_arg "$zq" x)" ] && [ "$(url_arg "$zq" s)" = do_syscall_64 ] ||
	fail "URL after zoom and search: $zq"

# Arrows: shift extends the end by a column, then the whole moves one.
step=$(python3 -c "import re; s=open('$T/tv.svg').read(); print(int(re.search(r'data-step=\"(\d+)\"', s).group(1)) / 1e4)")
eq=$(attr extend) mq=$(attr move)
python3 - "$from" "$to" "$step" "$(url_arg "$eq" from)" "$(url_arg "$eq" to)" \
	"$(url_arg "$mq" from)" "$(url_arg "$mq" to)" <<'PY' || fail "arrows: $eq then $mq (step $step s)"
import sys
f, t, st, ef, et, mf, mt = map(float, sys.argv[1:])
ok = lambda a, b: abs(a - b) < 1e-9
assert ok(ef, f) and ok(et, t + st) and ok(mf, f + st) and ok(mt, t + 2 * st)
PY
folded_frames "$(url_arg "$mq" from)" "$(url_arg "$mq" to)" > "$T/want"
expect movesamples "$(folded_samples)"
attr moveframes > "$T/got"
cmp -s "$T/want" "$T/got" || fail "after the arrows: frames differ from psys-fold's"
[ "$(attr movezoom)" = 1180 ] || fail "the zoom on A was lost by the arrows: $(attr movezoom)"

# The trigger's mark selects the interval that crossed the gate.
set -- $(attr mark)
mq=$(attr markurl)
[ "$(url_arg "$mq" from)" = "$1" ] && [ "$(url_arg "$mq" to)" = "$2" ] ||
	fail "clicking the trigger's mark: URL $mq, want from=$1 to=$2"
# The whole capture again, and from/to gone from the URL.
expect reset "$(meta "$T/folded" samples) false"

# A shared link: the selection, zoom and search come back.
load "file://$T/probe.svg$zq"
[ "$(attr mode)" = shared ] || fail "the probe did not run (shared)"
[ -z "$(attr error)" ] || fail "probe error (shared): $(attr error)"
folded_frames "$from" "$to" > "$T/want"
expect samples "$(folded_samples)"
attr frames > "$T/got"
cmp -s "$T/want" "$T/got" || fail "shared URL: frames differ from psys-fold --from $from --to $to"
expect zoomw 1180
expect hasb false
case $(attr matched) in "Matched: "*%) ;; *) fail "shared URL: no search: '$(attr matched)'" ;; esac
exit 0
