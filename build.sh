#!/bin/sh
# Installs whatever psys needs that this Debian/Ubuntu machine lacks (with
# apt-get, only when something is missing), then runs make with the given
# targets. As root:   ./build.sh run        ./build.sh test      ./build.sh deb
# or with sudo:       sudo ./build.sh run   sudo ./build.sh test
# Needs nothing but sh and dpkg (any Debian or Ubuntu has them): no sudo,
# no git. Under sudo, what root makes in the source tree (build/, the
# output folder) is handed back to the user who ran sudo, so that make,
# make test and the SVGs work for them afterwards.
set -eu
cd "$(dirname "$0")"

# What each kind of work needs, as Debian package names.
BUILD_PKGS="make gcc libc6-dev pkg-config libelf-dev libzstd-dev libjansson-dev zlib1g-dev libprotobuf-c-dev protobuf-c-compiler"
BPF_PKGS="clang llvm libbpf-dev libdw-dev"
TEST_PKGS="python3 libxml2-utils chromium zstd procps util-linux linux-perf groff-base libclang-rt-dev golang-go python3-jsonschema libc6-dbg binutils xz-utils"
# A real container runtime for the "which container was it" tests (runc:
# crun refuses hybrid cgroups).
TEST_PKGS="$TEST_PKGS podman runc busybox-static"
# From npm (the tests check psys-fold's speedscope output against the
# schema this package ships).
NPM_TEST_PKGS="speedscope@1.25.0"
BENCH_PKGS="linux-perf valgrind hyperfine"
# make deb (debian/control's Build-Depends beyond the above: systemd for
# its unit directory) and its lintian check; the tests build and install
# the package, and check hardening with devscripts' hardening-check.
DEB_PKGS="dpkg-dev debhelper lintian systemd"
TEST_PKGS="$TEST_PKGS $DEB_PKGS devscripts"

want="$BUILD_PKGS $BPF_PKGS"
npm_want=""
for target in "$@"; do
	case $target in
	test|check) want="$want $TEST_PKGS"; npm_want=$NPM_TEST_PKGS ;;
	bench) want="$want $TEST_PKGS $BENCH_PKGS"; npm_want=$NPM_TEST_PKGS ;;
	deb) want="$want $DEB_PKGS" ;;
	esac
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# bpftool is its own package on Debian; Ubuntu ships it in linux-tools.
command -v bpftool >/dev/null 2>&1 || [ -x /usr/sbin/bpftool ] ||
	missing="$missing bpftool"
# npm may come with another build of Node.js: the package only if absent.
[ -z "$npm_want" ] || command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	echo "build.sh: installing:$missing" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "build.sh: need root to install packages: run it as root (su -c" \
			"'./build.sh $*'), or with sudo, or install them yourself:" \
			"apt-get install$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	if ! apt-get install -y -qq --no-install-recommends $missing >&2; then
		# Ubuntu: bpftool lives in the kernel's linux-tools packages.
		missing=$(echo "$missing" | sed 's/ bpftool//')
		apt-get install -y -qq --no-install-recommends $missing \
			linux-tools-common "linux-tools-$(uname -r)" >&2
	fi
fi

for p in $npm_want; do
	[ -d "$(npm root -g)/${p%@*}" ] && continue
	echo "build.sh: installing $p from npm" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "build.sh: need root to install packages (run with sudo)" >&2
		exit 1
	fi
	npm install -g --no-audit --no-fund "$p" >&2
done

BPFTOOL=$(command -v bpftool || echo /usr/sbin/bpftool)
# Under sudo, from a tree that belongs to the user who ran it: whatever
# root makes in the tree is theirs afterwards (chown -h: links are not
# followed). Captures keep mode 0600: only that user and root read them.
owner=""
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ] &&
	[ "$(stat -c %u .)" = "$SUDO_UID" ]; then
	owner="$SUDO_UID:${SUDO_GID:-$SUDO_UID}"
fi
if [ -z "$owner" ]; then
	exec make -j"$(nproc)" BPFTOOL="$BPFTOOL" "$@"
fi
# Ctrl-C (make run's way to stop) must not end this script before the
# files are handed back: a handler, not an ignore, which make would
# inherit.
trap 'interrupted=1' INT TERM
interrupted=0 rc=0
make -j"$(nproc)" BPFTOOL="$BPFTOOL" "$@" || rc=$?
if ! find . -xdev -user 0 -exec chown -h "$owner" {} +; then
	echo "build.sh: cannot give the files root made back to user $SUDO_UID" >&2
	[ "$rc" -ne 0 ] || rc=1
fi
[ "$interrupted" -eq 0 ] || [ "$rc" -ne 0 ] || rc=130
exit "$rc"
