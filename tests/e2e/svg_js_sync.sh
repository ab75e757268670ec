#!/bin/sh
# The script every SVG embeds is lib/render/flamegraph.js, byte for byte:
# the build generates its C string (scripts/js2c.sh, into the build
# folder) from the file, so what the user gets must be the file. And the
# script must not contain the "]]>" that would end its CDATA section early.
. "$TOP/tests/lib.sh"

grep -q ']]>' "$TOP/lib/render/flamegraph.js" && fail "flamegraph.js contains ]]>"
[ -x "$BUILD/psys-svg" ] || fail "no $BUILD/psys-svg: build it first"
echo 'a;b 1' | psys-svg > "$T/g.svg"
sed -n '/<!\[CDATA\[/,/\]\]>/p' "$T/g.svg" | sed -e '1d' -e '$d' > "$T/embedded.js"
cmp -s "$T/embedded.js" "$TOP/lib/render/flamegraph.js" ||
	fail "the script in an SVG differs from lib/render/flamegraph.js (stale $BUILD/gen/flamegraph_js.h?)"
# Exactly one CDATA section, closed once, at the end of the script.
[ "$(grep -c ']]>' "$T/g.svg")" -eq 1 ] || fail "the SVG has more than one ]]>"
exit 0
