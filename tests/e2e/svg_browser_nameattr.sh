#!/bin/sh
# --nameattr in a real browser (headless Chromium, as svg_browser): a
# frame that is a link follows it on a plain click and zooms on Ctrl-click,
# as in flamegraph.pl; a frame whose tooltip the file replaced is still
# found by its name in Search; a class from the file survives zooming and
# unzooming (the script adds and removes only its own).
. "$TOP/tests/lib.sh"

[ -x "$BUILD/psys-svg" ] || fail "psys-svg not built"
require_browser

printf 'main;read;vfs_read 3\nmain;write 1\nidle 4\n' > "$T/in.folded"
printf 'vfs_read\ttitle=Reads from the VFS\thref=#docs\nread\tclass=mark\n' > "$T/attrs"
psys-svg --nameattr "$T/attrs" "$T/in.folded" > "$T/graph.svg" || fail "psys-svg: exit $?"

cat > "$T/probe.js" <<'EOF'
(function () {
var root = document.documentElement, frames = document.getElementById('frames');
function put(k, v) { root.setAttribute('data-t-' + k, String(v)); }
function find(text) {
	for (var g = frames.firstElementChild; g; g = g.nextElementSibling)
		if (g.firstElementChild.textContent.indexOf(text) === 0)
			return g;
	throw new Error('no frame ' + text);
}
function click(g, ctrl) {
	g.querySelector('rect').dispatchEvent(new MouseEvent('click',
		{ bubbles: true, cancelable: true, ctrlKey: ctrl }));
}
try {
	var link = find('Reads from the VFS');
	put('tag', link.localName);
	click(link, false);
	put('plain', document.getElementById('unzoom').getAttribute('class'));
	put('hash', location.hash);
	click(link, true);
	put('ctrl', document.getElementById('unzoom').getAttribute('class'));
	put('width', link.querySelector('rect').getAttribute('width'));
	put('zoomclass', find('read (').getAttribute('class'));
	document.getElementById('unzoom').dispatchEvent(new MouseEvent('click', { bubbles: true }));
	put('unzoomclass', find('read (').getAttribute('class'));
	link.querySelector('rect').dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
	put('details', document.getElementById('details').textContent);
	window.prompt = function () { return '^vfs_read$'; };
	window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true, bubbles: true, cancelable: true }));
	put('matched', document.getElementById('matched').textContent);
	put('hit', link.querySelector('rect').getAttribute('fill'));
	put('label', link.querySelector('text') ? link.querySelector('text').textContent : '');
} catch (e) {
	put('error', e);
}
})();
EOF
sed '$d' "$T/graph.svg" > "$T/probe.svg"
{ printf '<script type="text/ecmascript"><![CDATA[\n'; cat "$T/probe.js"
  printf ']]></script>\n</svg>\n'; } >> "$T/probe.svg"

timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/profile" --dump-dom "file://$T/probe.svg" > "$T/dom" \
	2> "$T/browser.err" || fail "$browser failed: $(tail -n 5 "$T/browser.err")"
attr() { sed -n "s/.* data-t-$1=\"\\([^\"]*\\)\".*/\\1/p" "$T/dom" | head -n 1; }
expect() {
	got=$(attr "$1")
	[ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"
}
grep -q 'data-t-tag=' "$T/dom" || fail "the probe did not run: $(head -c 300 "$T/dom")"
[ -z "$(attr error)" ] || fail "probe error: $(attr error)"
expect tag a
expect plain "button hidden"		# a plain click is the link's
expect hash "#docs"
expect ctrl button			# Ctrl-click zooms
expect width 1180.00
expect zoomclass "mark parent"
expect unzoomclass mark
expect details "Function: Reads from the VFS"
# vfs_read: 3 of 8 samples, found by its name under its own title.
expect matched "Matched: 37.50%"
expect hit "rgb(230,0,230)"
expect label vfs_read
exit 0
