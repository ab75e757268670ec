#!/bin/sh
# The main job: watch every CPU's sys time, capture each burst into a .psys
# file in the output folder, and render each finished capture as a flame
# graph SVG beside it (NAME.psys -> NAME.svg), until interrupted (Ctrl-C
# finishes the capture in progress). Usage:
#   scripts/psys-run.sh [BUILD_DIR]
# Options go through the environment, with perfSys's defaults:
#   PSYS_OUT=./psys-out  WATCH_OPTS="-i 3 -g 10"  RECORD_OPTS="-s 3 -f 200"
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 1
PATH="$BUILD:$PATH"
OUT=${PSYS_OUT:-./psys-out}
WATCH_OPTS=${WATCH_OPTS:--i 3 -g 10}
RECORD_OPTS=${RECORD_OPTS:--s 3 -f 200}

echo "psys: watching sys time ($WATCH_OPTS); captures and SVGs go to $OUT; Ctrl-C stops" >&2
# The SVG step must not die of the Ctrl-C meant for the recorder: it ends
# when psys-record closes the pipe after finishing its last capture.
# shellcheck disable=SC2086
psys-watch $WATCH_OPTS | psys-record -o "$OUT" $RECORD_OPTS | (
	trap '' INT
	while read -r f; do
		svg="${f%.psys}.svg"
		if psys-fold "$f" | psys-svg > "$svg.tmp" && mv "$svg.tmp" "$svg"; then
			echo "psys: $f -> $svg" >&2
		else
			rm -f "$svg.tmp"
			echo "psys: could not render $f" >&2
		fi
	done
)
