#!/bin/sh
# Turns lib/render/flamegraph.js into lib/render/flamegraph_js.h, the C string that
# psys-svg embeds in every SVG. Run after editing the JavaScript:
#   cmd/psys-svg/js2c.sh lib/render/flamegraph.js > lib/render/flamegraph_js.h
# (tests/e2e/svg_js_sync.sh fails when the two disagree.)
set -eu
echo '/* Generated from flamegraph.js by cmd/psys-svg/js2c.sh: do not edit. */'
echo 'static const char FLAMEGRAPH_JS[] ='
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$1"
echo ';'
