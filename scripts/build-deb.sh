#!/bin/sh
# make deb: psys's Debian binary package, built by dpkg-buildpackage from
# debian/ in a copy of the tree under BUILD/deb/, so that neither the tree
# nor its build folder is touched (debian/rules clean would remove it).
# The .deb, .buildinfo and .changes land in BUILD/deb/; then lintian checks
# them, and any error or warning it reports (overrides aside, each with its
# reason in debian/psys.lintian-overrides) fails the build.
#   scripts/build-deb.sh BUILD
set -eu
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/build-deb.sh BUILD}
for tool in dpkg-buildpackage dh; do
	command -v $tool > /dev/null || {
		echo "make deb: $tool not found (apt-get install dpkg-dev debhelper)" >&2; exit 1; }
done
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
deb_version=$(dpkg-parsechangelog -S Version)
[ "$version" = "$deb_version" ] || {
	echo "make deb: Makefile's VERSION $version is not debian/changelog's $deb_version" >&2; exit 1; }

out=$build/deb
src=$out/psys-$version
rm -rf "$out"
mkdir -p "$src"
# The files: in a git checkout, those git tracks, as they are in the
# working tree (so uncommitted edits are in, new files need a git add);
# in an unpacked release tarball, everything but build and output folders.
if [ "$(git rev-parse --show-toplevel 2> /dev/null)" = "$(pwd -P)" ]; then
	git ls-files -z | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; :' sh |
		tar --null -T - -cf - | tar -xf - -C "$src"
else
	tar --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./psys-out \
		--exclude="./${build#./}" -cf - . | tar -xf - -C "$src"
fi

# A make of its own, not a child of the make that runs this script, and
# none of that make's variables: make exports those given on its command
# line, and BUILD=DIR would make debian/rules clean remove DIR itself.
unset MAKEFLAGS MFLAGS MAKELEVEL BUILD SANITIZE HARDEN V CC CLANG BPFTOOL \
	CPPFLAGS CFLAGS LDFLAGS PREFIX DESTDIR BINDIR MANDIR LIBEXECDIR \
	BASHCOMPDIR SYSTEMDUNITDIR SYSCONFDIR
( cd "$src" && dpkg-buildpackage --build=binary --no-sign -Jauto )
rm -rf "$src"
changes=$(ls "$out"/psys_"$version"_*.changes)
ls "$out"/*.deb

if ! command -v lintian > /dev/null; then
	echo "make deb: lintian not installed: the package was not checked" >&2
	exit 0
fi
echo "lintian $changes"
lintian --fail-on error,warning --display-info "$changes"
