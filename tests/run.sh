#!/bin/sh
# Runs every unit test program and every end-to-end script, prints each
# result and a closing "N passed, N failed, N skipped" line; exit 1 if any
# failed. An end-to-end script exits 0 (pass), 77 (skip, with a reason on
# its last line) or anything else (fail). Usage: tests/run.sh BUILD_DIR [NAME...]
set -u
LC_ALL=C; export LC_ALL
BUILD=$(cd "${1:-build}" && pwd) || exit 1
shift 2>/dev/null
TOP=$(cd "$(dirname "$0")/.." && pwd)
export BUILD TOP
logs=$(mktemp -d "${TMPDIR:-/tmp}/psys-tests.XXXXXX")
trap 'rm -rf "$logs"' EXIT
pass=0 fail=0 skip=0 failed=""

run_one() { # name, command...
	name=$1; shift
	start=$(date +%s)
	"$@" </dev/null >"$logs/out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS %-34s %3ss\n' "$name" "$secs"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		printf 'SKIP %-34s %s\n' "$name" "$(tail -n 1 "$logs/out")"
	else
		fail=$((fail + 1)); failed="$failed $name"
		printf 'FAIL %-34s %3ss (exit %d)\n' "$name" "$secs" "$rc"
		tail -n 40 "$logs/out" | sed 's/^/    | /'
	fi
	# Figures a test wants in the log (lines starting "measure:") are shown.
	grep '^measure:' "$logs/out" | sed 's/^/    /'
}

want() {
	[ -z "$FILTER" ] && return 0
	for f in $FILTER; do case "$1" in *"$f"*) return 0 ;; esac; done
	return 1
}
FILTER="$*"

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	want "$n" && run_one "$n" "$t"
done
for t in "$TOP"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	want "$n" && run_one "$n" sh "$t"
done

echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
