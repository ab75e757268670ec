#!/bin/sh
# Endurance (not part of make test: it takes ENDURANCE_SECONDS, default
# 600): psys-watch -i 0.5 -g 5 | psys-record --max-files 5 under continuous
# sys load. Every 10 s it samples psys-record's RSS and open fds and the
# output folder's file count and size; at the end it checks that they
# stayed bounded and flat and that no sample was lost at 200 Hz.
# Usage: tests/endurance/run.sh BUILD_DIR   (as root)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SECS=${ENDURANCE_SECONDS:-600}
T=$(mktemp -d /tmp/psys-endurance.XXXXXX)
trap 'kill $(cat "$T/pids" 2>/dev/null) 2>/dev/null || true; rm -rf "$T"' EXIT
PATH="$BUILD:$BUILD/tests:$PATH"

loadgen -c 1 -t $((SECS + 30)) -n endure-load > /dev/null & echo $! >> "$T/pids"
mkfifo "$T/trig"
psys-watch -i 0.5 -g 5 > "$T/trig" &
watch=$!
echo $watch >> "$T/pids"
psys-record -o "$T/out" --max-files 5 -f 200 -s 2 < "$T/trig" > "$T/paths" 2> "$T/err" &
rec=$!
sleep 1
echo "$rec" >> "$T/pids"
echo "t_s rss_kib fds files bytes" > "$T/series"
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$SECS" ]; do
	sleep 10
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$rec/status")
	fds=$(ls "/proc/$rec/fd" | wc -l)
	files=$(ls "$T/out" | wc -l)
	bytes=$(du -sk "$T/out" | awk '{print $1 * 1024}')
	echo "$(( $(date +%s) - start )) $rss $fds $files $bytes" >> "$T/series"
done
kill -INT "$watch" 2>/dev/null || true	# ours only: others may run one
wait "$rec" 2>/dev/null || true
cat "$T/series"
captures=$(wc -l < "$T/paths")
lost=0
for f in "$T"/out/*.psys; do
	l=$(psys-fold --info "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["trailer"]["lost"])')
	lost=$((lost + l))
done
echo "captures written: $captures; kept: $(ls "$T/out" | wc -l); lost samples in kept files: $lost"
awk 'NR == 2 { r0 = $2; f0 = $3 } NR > 1 { if ($4 > 5) bad = "files " $4 " > --max-files 5";
	if ($3 > f0) bad = "fds grew " f0 " -> " $3; rmax = $2 > rmax ? $2 : rmax }
	END { if (rmax > r0 * 1.5 + 1024) bad = bad " rss grew " r0 " -> " rmax " KiB";
	      if (bad) { print "FAIL: " bad; exit 1 } print "ok: bounded and flat" }' "$T/series"
[ "$lost" -eq 0 ] || { echo "FAIL: $lost samples lost"; exit 1; }
