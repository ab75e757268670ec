# Sourced by the bench parts that compare with an older psys (ring.sh,
# bpfcost.sh): builds that revision's psys-record from the history.

# build_old REV DIR: extracts REV of the tree at $TOP into DIR and builds
# its psys-record there (make's output in DIR.log). Prints the program's
# path; returns non-zero (the log's last lines on stderr) if REV is not
# in the history or does not build.
build_old() {
	_rev=$(git -C "$TOP" rev-parse --verify -q "$1^{commit}") || {
		echo "no revision '$1' in $TOP" >&2
		return 1
	}
	mkdir -p "$2" && git -C "$TOP" archive "$_rev" | tar -x -C "$2" || return 1
	if ! make -C "$2" -j"$(getconf _NPROCESSORS_ONLN)" BUILD=build \
		BPFTOOL="$(command -v bpftool || echo /usr/sbin/bpftool)" \
		build/psys-record > "$2.log" 2>&1; then
		echo "cannot build $1: $(tail -n 3 "$2.log")" >&2
		return 1
	fi
	echo "$2/build/psys-record"
}
