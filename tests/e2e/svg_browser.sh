#!/bin/sh
# psys-svg's interactive part in a real browser: headless Chromium loads
# the SVG, a script appended to a copy clicks a frame (a DOM click event
# through our handlers), hovers one, presses Ctrl-F (answering the prompt)
# and resets the zoom; Chromium's --dump-dom gives back the page, and the
# checks here read the zoomed widths, the hidden and faded frames, the
# matched percentage and the URL state. A second load opens a shared URL
# (?x=..&y=..&s=..&i=1) and checks that the view comes back.
. "$TOP/tests/lib.sh"

[ -x "$BUILD/psys-svg" ] || fail "psys-svg not built"
require_browser

cat > "$T/in.folded" <<'EOF'
# psys-fold 0.1.0
# title: sysHigh for cpu 1
loadgen;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_read;ksys_read 812
loadgen;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_write;ksys_write 300
loadgen;asm_sysvec_apic_timer_interrupt;nf_hook_slow [nf_tables] 88
EOF
psys-svg "$T/in.folded" > "$T/graph.svg" || fail "psys-svg: exit $?"

# The probe runs after psys-svg's own script (it comes later in the
# document) and writes what it saw into data-t-* attributes on the root.
cat > "$T/probe.js" <<'EOF'
(function () {
var root = document.documentElement, frames = document.getElementById('frames');
function put(k, v) { root.setAttribute('data-t-' + k, String(v)); }
function find(name) {
	for (var g = frames.firstElementChild; g; g = g.nextElementSibling)
		if (g.firstElementChild.textContent.indexOf(name + ' (') === 0)
			return g;
	throw new Error('no frame ' + name);
}
function rect(name) { return find(name).querySelector('rect'); }
function width(name) { return +rect(name).getAttribute('width'); }
function shown(name) { return getComputedStyle(find(name)).display !== 'none'; }
try {
	var mode = location.search.indexOf('x=') >= 0 ? 'shared' : 'fresh';
	put('mode', mode);
	if (mode === 'fresh') {
		put('before', width('__x64_sys_read'));
		rect('__x64_sys_read').dispatchEvent(new MouseEvent('click', { bubbles: true }));
		put('zoomed', width('__x64_sys_read'));
		put('zoomedx', +rect('__x64_sys_read').getAttribute('x'));
		put('child', width('ksys_read'));
		put('label', find('ksys_read').querySelector('text').textContent);
		put('sibling', shown('__x64_sys_write') ? 'shown' : 'hidden');
		put('cousin', shown('nf_hook_slow [nf_tables]') ? 'shown' : 'hidden');
		put('ancestor', find('do_syscall_64').getAttribute('class') + ' ' + width('do_syscall_64'));
		put('unzoom', document.getElementById('unzoom').getAttribute('class'));
		put('urlzoom', location.search);
		rect('ksys_read').dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
		put('details', document.getElementById('details').textContent);
		window.prompt = function () { return 'ksys_'; };
		window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true, bubbles: true, cancelable: true }));
		put('matched', document.getElementById('matched').textContent);
		put('hit', rect('ksys_write').getAttribute('fill'));
		put('miss', rect('do_syscall_64').getAttribute('fill'));
		put('urlsearch', location.search);
		document.getElementById('unzoom').dispatchEvent(new MouseEvent('click', { bubbles: true }));
		put('restored', width('__x64_sys_read') + ' ' + (shown('__x64_sys_write') ? 'shown' : 'hidden'));
		put('urlreset', location.search);
	} else {
		put('zoomed', width('asm_sysvec_apic_timer_interrupt'));
		put('sibling', shown('entry_SYSCALL_64_after_hwframe') ? 'shown' : 'hidden');
		put('matched', document.getElementById('matched').textContent);
		put('ic', document.getElementById('ignorecase').getAttribute('class'));
		put('hit', rect('nf_hook_slow [nf_tables]').getAttribute('fill'));
	}
} catch (e) {
	put('error', e);
}
})();
EOF
# A copy of the graph with the probe before </svg>.
sed '$d' "$T/graph.svg" > "$T/probe.svg"
{ printf '<script type="text/ecmascript"><![CDATA[\n'; cat "$T/probe.js"
  printf ']]></script>\n</svg>\n'; } >> "$T/probe.svg"

load() { # url -> DOM on stdout
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$T/profile" \
		--dump-dom "$1" 2> "$T/browser.err" ||
		fail "$browser failed: $(tail -n 5 "$T/browser.err")"
}
attr() { # name < dom
	sed -n "s/.* data-t-$1=\"\\([^\"]*\\)\".*/\\1/p" "$T/dom" | head -n 1 |
		sed -e 's/&amp;/\&/g' -e 's/&quot;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g'
}
expect() { # name value
	got=$(attr "$1")
	[ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"
}

load "file://$T/probe.svg" > "$T/dom"
grep -q 'data-t-mode="fresh"' "$T/dom" ||
	fail "the probe did not run: $(head -c 300 "$T/dom")"
[ -z "$(attr error)" ] || fail "probe error: $(attr error)"
# __x64_sys_read: 812 of 1200 samples in 1180 px; zoomed it fills them.
expect before 798.47
expect zoomed 1180
expect zoomedx 10
expect child 1180
expect label ksys_read
expect sibling hidden
expect cousin hidden
expect ancestor "parent 1180"
expect unzoom button
expect urlzoom "?x=88&y=4"
expect details "Function: ksys_read (812 samples, 67.67%, 100% of parent)"
# ksys_read 812 + ksys_write 300 of 1200.
expect matched "Matched: 92.67%"
expect hit "rgb(230,0,230)"
[ "$(attr miss)" != "rgb(230,0,230)" ] || fail "do_syscall_64 matched ksys_"
expect urlsearch "?x=88&y=4&s=ksys_"
expect restored "798.47 shown"
expect urlreset "?s=ksys_"

# A shared link: zoom on asm_sysvec_apic_timer_interrupt (x 0, depth 2),
# a case-insensitive search for nf_hook (88 of 1200 samples).
load "file://$T/probe.svg?x=0&y=2&s=NF_HOOK&i=1" > "$T/dom"
grep -q 'data-t-mode="shared"' "$T/dom" || fail "the probe did not run (shared)"
[ -z "$(attr error)" ] || fail "probe error: $(attr error)"
expect zoomed 1180
expect sibling hidden
expect matched "Matched: 7.33%"
expect ic "button on"
expect hit "rgb(230,0,230)"
exit 0
