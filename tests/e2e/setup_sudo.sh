#!/bin/sh
# The README's set-up, as the three kinds of people who follow it:
# - a user with sudo (sudo ./build.sh run, simulated as sudo leaves it:
#   root, with SUDO_USER/SUDO_UID/SUDO_GID naming the user, here nobody):
#   afterwards the whole tree is the user's, make and the unit tests run as
#   them, the output folder, SVG and capture are theirs, and the capture is
#   still mode 0600;
# - root without sudo (a bare Debian has none: a sudo that fails is first
#   in PATH): it works, and the capture is root's, 0600;
# - a user without root on a machine that lacks packages: build.sh says
#   how to get them (as root, with su, or apt-get) and exits 1.
# The tree is a copy of this one, its build folder copied with its times
# so that nothing needs rebuilding.
. "$TOP/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (it plays root, sudo and a user)"
command -v setpriv > /dev/null || fail "setpriv (util-linux) needed"
require_bpf
uid=65534 gid=65534
as_user() { setpriv --reuid=$uid --regid=$gid --clear-groups "$@"; }
b=$(basename "$BUILD")
chmod 0711 "$T"
src=$T/src
mkdir "$src"
(cd "$TOP" && tar -cf - --exclude=./build --exclude='./build-*' --exclude="./$b" --exclude=./.git --exclude='./psys-out*' .) |
	tar -xf - -C "$src"
cp -a "$BUILD" "$src/$b"
chown -R $uid:$gid "$src"
# What root made in an earlier run: build/ belongs to root.
chown -R 0:0 "$src/$b"

# The environment build.sh gets: none of the test harness's make state,
# this build folder's name and flags, a short main job that ends by itself.
job() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL BUILD="$b" SANITIZE="${SANITIZE:-}" \
		PSYS_OUT= WATCH_OPTS="-i 0.2 -g 0 --once" RECORD_OPTS="-s 0.3 -f 99" "$@"
}

# 1. With sudo.
rc=0
(cd "$src" && job SUDO_USER=nobody SUDO_UID=$uid SUDO_GID=$gid sh ./build.sh run) \
	> "$T/o" 2> "$T/e" || rc=$?
[ $rc -eq 0 ] || fail "sudo ./build.sh run: exit $rc: $(tail -n 5 "$T/e")"
left=$(find "$src" ! -user $uid | head -n 5)
[ -z "$left" ] || fail "not the user's after sudo: $left"
set -- "$src"/psys-out/*.psys
cap=$1 svg=${1%.psys}.svg
[ -f "$cap" ] && [ -f "$svg" ] || fail "no capture and SVG: $(ls -la "$src/psys-out")"
[ "$(stat -c '%u %a' "$cap")" = "$uid 600" ] || fail "capture: $(stat -c '%u %a' "$cap"), want $uid 600"
# The user opens the SVG and folds the capture, without root.
as_user head -c 100 "$svg" | grep -q '<svg\|<?xml' || fail "the user cannot read the SVG"
as_user "$src/$b/psys-fold" "$cap" > "$T/folded" || fail "the user cannot fold the capture"
grep -q '^# samples: ' "$T/folded" || fail "folded: $(head -n 3 "$T/folded")"
# make and the tests work for the user: an edited source is rebuilt into
# the build folder, and the unit tests run.
as_user touch "$src/lib/base/cli.c"
(cd "$src" && as_user env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL HOME="$T" \
	make -s BUILD="$b" SANITIZE="${SANITIZE:-}" "$b/psys-fold") > "$T/o" 2> "$T/e" ||
	fail "make as the user after sudo: $(tail -n 5 "$T/e")"
(cd "$src" && as_user env BUILD= HOME="$T" tests/run.sh "$b" test_cpulist test_folded) \
	> "$T/o" 2>&1 || fail "unit tests as the user after sudo: $(cat "$T/o")"
grep -q '^2 passed, 0 failed' "$T/o" || fail "unit tests as the user: $(cat "$T/o")"

# 2. Root without sudo, on a machine whose sudo does not work.
mkdir "$T/nosudo"
printf '#!/bin/sh\necho "sudo: command not found" >&2\nexit 127\n' > "$T/nosudo/sudo"
chmod +x "$T/nosudo/sudo"
rm -rf "$src/psys-out"
rc=0
(cd "$src" && job env -u SUDO_USER -u SUDO_UID -u SUDO_GID PATH="$T/nosudo:$PATH" \
	sh ./build.sh run) > "$T/o" 2> "$T/e" || rc=$?
[ $rc -eq 0 ] || fail "./build.sh run as root: exit $rc: $(tail -n 5 "$T/e")"
grep -q "sudo: command not found" "$T/e" && fail "build.sh called sudo"
set -- "$src"/psys-out/*.psys
[ "$(stat -c '%u %a' "$1")" = "0 600" ] || fail "root's capture: $(stat -c '%u %a' "$1")"
[ -f "${1%.psys}.svg" ] || fail "no SVG as root"

# 3. A user without root, on a machine that lacks a package.
mkdir "$T/fake"
printf '#!/bin/sh\necho "unknown ok not-installed"\n' > "$T/fake/dpkg-query"
chmod +x "$T/fake/dpkg-query"
rc=0
(cd "$src" && as_user env PATH="$T/fake:$PATH" sh ./build.sh tools) > "$T/o" 2> "$T/e" || rc=$?
[ $rc -eq 1 ] || fail "missing packages without root: exit $rc"
grep -q "need root to install packages: run it as root (su -c" "$T/e" ||
	fail "no advice: $(cat "$T/e")"
grep -q "apt-get install .*make" "$T/e" || fail "the packages are not named: $(cat "$T/e")"
exit 0
