#!/bin/bash
# The main job: watch every CPU's sys time, capture each burst into a .psys
# file in the output folder, and render each finished capture as a flame
# graph SVG beside it (NAME.psys -> NAME.svg), until interrupted (Ctrl-C
# finishes the capture in progress). Usage:
#   scripts/psys-run.sh [BUILD_DIR]
# Options go through the environment, with perfSys's defaults:
#   PSYS_OUT=./psys-out  WATCH_OPTS="-i 3 -g 10"  RECORD_OPTS="-s 3 -f 200"
#
# psys-watch | psys-record runs under dist/psys-service, the service's own
# script: if either fails, both stop at once, with that program's message
# and status, instead of the failure hiding behind the pipe's last stage.
# A capture that cannot be rendered is said at once and makes the job end
# with status 1 when it stops. (A capture without sys samples, on a burst
# that was over, renders as a graph that says so: not a failure.)
#
# Under sudo (root, with SUDO_UID set), the output folder and everything in
# it belong to the user who ran sudo: they open the SVGs in their browser
# and fold the captures without root. Captures stay mode 0600 (they hold
# kernel addresses): only that user and root read them.
set -u -o pipefail
BUILD=$(cd "${1:-build}" && pwd) || exit 1
TOP=$(cd "$(dirname "$0")/.." && pwd) || exit 1
PATH="$BUILD:$PATH"
OUT=${PSYS_OUT:-./psys-out}
WATCH_OPTS=${WATCH_OPTS:--i 3 -g 10}
RECORD_OPTS=${RECORD_OPTS:--s 3 -f 200}

owner=""
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ]; then
	owner="$SUDO_UID:${SUDO_GID:-$SUDO_UID}"
fi
# give FILE...: hands files to the sudo user (never through a symlink).
give() {
	[ -z "$owner" ] || chown -h "$owner" "$@"
}
if [ ! -d "$OUT" ]; then
	mkdir -p -m 0700 "$OUT" || exit 1
fi
give "$OUT" || exit 1

echo "psys: watching sys time ($WATCH_OPTS); captures and SVGs go to $OUT; Ctrl-C stops" >&2
# The SVG step must not die of the Ctrl-C meant for the recorder: it ends
# when psys-record closes the pipe after finishing its last capture.
PSYS_WATCH_OPTS=$WATCH_OPTS PSYS_RECORD_OPTS=$RECORD_OPTS STATE_DIRECTORY=$OUT \
RUNTIME_DIRECTORY="" "$TOP/dist/psys-service" "$BUILD" | (
	trap '' INT
	failed=0
	while read -r f; do
		svg="${f%.psys}.svg"
		give "$f"
		psys-fold "$f" | psys-svg > "$svg.tmp"
		st=("${PIPESTATUS[@]}")
		# psys-fold 3: damaged, folded in part (it warned);
		# psys-svg 2: no samples, and a graph saying so.
		if { [ "${st[0]}" -eq 0 ] || [ "${st[0]}" -eq 3 ]; } &&
			{ [ "${st[1]}" -eq 0 ] || [ "${st[1]}" -eq 2 ]; } &&
			mv "$svg.tmp" "$svg"; then
			give "$svg"
			echo "psys: $f -> $svg" >&2
		else
			rm -f "$svg.tmp"
			echo "psys: could not render $f (the capture is kept)" >&2
			failed=1
		fi
	done
	exit $failed
)
