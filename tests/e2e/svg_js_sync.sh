#!/bin/sh
# lib/render/flamegraph_js.h is generated from lib/render/flamegraph.js (the script every
# SVG embeds): the two must agree, and the script must not contain the
# "]]>" that would end its CDATA section early.
. "$TOP/tests/lib.sh"

"$TOP/cmd/psys-svg/js2c.sh" "$TOP/lib/render/flamegraph.js" > "$T/js.h"
cmp -s "$T/js.h" "$TOP/lib/render/flamegraph_js.h" ||
	fail "lib/render/flamegraph_js.h is stale: run cmd/psys-svg/js2c.sh lib/render/flamegraph.js > lib/render/flamegraph_js.h"
grep -q ']]>' "$TOP/lib/render/flamegraph.js" && fail "flamegraph.js contains ]]>"
# The script in a rendered SVG is the file, byte for byte.
if [ -x "$BUILD/psys-svg" ]; then
	echo 'a;b 1' | psys-svg > "$T/g.svg"
	sed -n '/<!\[CDATA\[/,/\]\]>/p' "$T/g.svg" | sed -e '1d' -e '$d' > "$T/embedded.js"
	cmp -s "$T/embedded.js" "$TOP/lib/render/flamegraph.js" || fail "embedded script differs"
fi
exit 0
