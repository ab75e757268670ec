#!/bin/sh
# Turns lib/render/flamegraph.js (the script every SVG embeds) into the C
# string psys-svg compiles in. The Makefile runs it into the build folder
# ($(BUILD)/gen/flamegraph_js.h), so the header is never committed:
#   scripts/js2c.sh lib/render/flamegraph.js > OUT.h
set -eu
echo '/* Generated from flamegraph.js by scripts/js2c.sh: do not edit. */'
echo 'static const char FLAMEGRAPH_JS[] ='
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$1"
echo ';'
