# Sourced by tests/e2e/*.sh: a scratch folder removed on exit, fail/skip
# helpers, and the rule that BPF tests fail instead of skipping under CI.
set -eu
LC_ALL=C; export LC_ALL
: "${BUILD:?run through tests/run.sh or set BUILD}"
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/psys-e2e.XXXXXX")
# jobs -p in $(...) would run in a subshell that has no jobs: write the
# list to a file so the background loads really are stopped.
trap 'rc=$?; jobs -p > "$T/.jobs"; kill $(cat "$T/.jobs") 2>/dev/null || true; cgroup_cleanup; rm -rf "$T"; exit $rc' EXIT
PATH="$BUILD:$BUILD/tests:$PATH"

fail() { echo "FAIL: $*" >&2; exit 1; }
# A skip says why. CI machines can run every test, so under CI a test that
# would skip fails instead.
skip() {
	[ "${CI:-}" = true ] && fail "cannot run under CI: $*"
	echo "skipped: $*"; exit 77
}
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
	skip "$why"
}

# trigger CPU...: prints one trigger line for the CPUs, stamped now (the
# same clocks psys-watch uses), as if its 1 s interval had just crossed;
# written by lib/watch/trigger.c, the one writer of the format.
trigger() {
	trigline "$@"
}

# folded_count FILE.psys COMM: samples of COMM in the capture, any mode.
folded_count() {
	psys-fold --user --idle "$1" | awk -v c="$2" 'index($0, c ";") == 1 { s += $NF } END { print s + 0 }'
}

# least_loaded_cpu: prints "CPU PCT", the CPU with the least sys time over
# the next second, for tests that need a quiet CPU on a shared machine.
least_loaded_cpu() {
	cat /proc/stat > "$T/.stat0"; sleep 1; cat /proc/stat > "$T/.stat1"
	awk '$1 ~ /^cpu[0-9]/ {
		t = 0; for (i = 2; i <= 9; i++) t += $i
		if (FILENAME == ARGV[1]) { s0[$1] = $4; t0[$1] = t; next }
		if (!($1 in t0) || t == t0[$1]) next
		printf "%s %.2f\n", substr($1, 4), 100 * ($4 - s0[$1]) / (t - t0[$1])
	}' "$T/.stat0" "$T/.stat1" | sort -k2,2n | head -n 1
}

# meta FILE KEY: the value of psys-fold's "# KEY: "VALUE"" line (values are
# JSON strings; these tests' values need no unescaping).
meta() {
	sed -n "s/^# $2: \"\\(.*\\)\"\$/\\1/p" "$1"
}

# require_browser: sets $browser to a headless-capable Chromium, or skips
# (which fails under CI, where build.sh installs it).
require_browser() {
	browser=""
	for b in chromium chromium-browser google-chrome; do
		command -v $b > /dev/null && browser=$b && return 0
	done
	skip "chromium not installed (apt-get install chromium)"
}

# hardening_gaps ELF [nofortify]: prints, one per line, what a hardened
# build should have given ELF and did not; nothing when all is there:
# PIE, full RELRO (a GNU_RELRO segment and BIND_NOW), the stack protector
# and, unless "nofortify", _FORTIFY_SOURCE (calls to glibc's __*_chk).
hardening_gaps() {
	readelf -hldW "$1" > "$T/.elf" 2> /dev/null || { echo "not an ELF file"; return 0; }
	nm -D "$1" > "$T/.syms" 2> /dev/null || :
	grep -q '^ *Type: *DYN' "$T/.elf" && grep -q '(FLAGS_1).* PIE' "$T/.elf" ||
		echo "not PIE: $(sed -n 's/^ *Type: *//p' "$T/.elf")"
	grep -q ' GNU_RELRO ' "$T/.elf" || echo "no GNU_RELRO segment (relro)"
	grep -Eq '\(FLAGS\).* BIND_NOW|\(FLAGS_1\).* NOW' "$T/.elf" ||
		echo "no BIND_NOW (-z now: partial RELRO only)"
	grep -q ' U __stack_chk_fail' "$T/.syms" || echo "no stack protector (__stack_chk_fail)"
	[ "${2:-}" = nofortify ] || grep -q ' U __[a-z0-9_]*_chk@' "$T/.syms" ||
		echo "no _FORTIFY_SOURCE (no __*_chk function called)"
	return 0
}

# cgroup_mount v2|CONTROLLER: where the cgroup2 tree, or a v1 controller's
# hierarchy, is mounted (from mountinfo); nothing when it is not.
cgroup_mount() {
	awk -v want="$1" '{
		for (i = 7; i <= NF && $i != "-"; i++) ;
		fs = $(i + 1); so = "," $(i + 3) ","
		if (want == "v2" ? fs == "cgroup2" : fs == "cgroup" && index(so, "," want ","))
			{ print $5; exit }
	}' /proc/self/mountinfo
}

# cgroup_tree v2|CONTROLLER: makes this test's own cgroup, psys-test-PID,
# at the root of that hierarchy and prints its path; it, everything made
# below it and the processes left in it are cleared at exit.
cgroup_tree() {
	m=$(cgroup_mount "$1")
	[ -n "$m" ] || return 1
	mkdir -p "$m/psys-test-$$" || return 1
	echo "$m/psys-test-$$" >> "$T/.cgtrees"
	echo "$m/psys-test-$$"
}

# in_cgroups "DIR..." CMD...: runs CMD with its process in every cgroup
# DIR (paths without spaces).
in_cgroups() {
	dirs=$1
	shift
	exec sh -c 'for d in '"$dirs"'; do echo $$ > "$d/cgroup.procs" || exit 1; done; exec "$@"' sh "$@"
}

cgroup_cleanup() {
	[ -f "$T/.cgtrees" ] || return 0
	while read -r d; do
		[ -d "$d" ] || continue
		root=$(dirname "$d")
		for i in 1 2 3 4 5 6 7 8 9 10; do
			find "$d" -name cgroup.procs -exec cat {} + 2> /dev/null |
				while read -r p; do echo "$p" > "$root/cgroup.procs"; done 2> /dev/null
			find "$d" -depth -type d -exec rmdir {} + 2> /dev/null
			[ -d "$d" ] || break
			sleep 0.2
		done
	done < "$T/.cgtrees"
	rm -f "$T/.cgtrees"
}
