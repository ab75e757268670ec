# Sourced by tests/e2e/*.sh: a scratch folder removed on exit, fail/skip
# helpers, and the rule that BPF tests fail instead of skipping under CI.
set -eu
LC_ALL=C; export LC_ALL
: "${BUILD:?run through tests/run.sh or set BUILD}"
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-e2e.XXXXXX")
# jobs -p in $(...) would run in a subshell that has no jobs: write the
# list to a file so the background loads really are stopped.
trap 'rc=$?; jobs -p > "$T/.jobs"; kill $(cat "$T/.jobs") 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT
PATH="$BUILD:$BUILD/tests:$PATH"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
measure() { echo "measure: $*"; }

# require_bpf: BPF sampling needs root (or CAP_BPF+CAP_PERFMON) and perf
# software events. Outside CI a machine without them skips, saying why; in
# CI (CI=true) that is a failure: CI machines can run these tests.
require_bpf() {
	why=""
	[ "$(id -u)" -eq 0 ] || why="not root"
	[ -e /sys/kernel/btf/vmlinux ] || why="${why:+$why, }no BTF"
	[ -x "$BUILD/psys-record" ] || why="${why:+$why, }psys-record not built"
	[ -z "$why" ] && return 0
	[ "${CI:-}" = true ] && fail "BPF test cannot run under CI: $why"
	skip "$why"
}
