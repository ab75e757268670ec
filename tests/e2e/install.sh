# make install / uninstall / dist: the programs, man pages, bash
# completion, the systemd unit (paths filled in, accepted by
# systemd-analyze verify), its script and environment file land where
# they should with the right modes; an edited environment file survives
# both a reinstall and uninstall; uninstall leaves nothing behind; the
# completion completes options and CPU lists; make dist packs exactly the
# committed files.
. "$TOP/tests/lib.sh"

# A make of our own, not a child of the make running the tests.
# With the flags the programs under test were built with (SANITIZE).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" BUILD="$BUILD" \
	SANITIZE="${SANITIZE:-}" "$@"; }
progs="psys-watch psys-record psys-fold psys-svg"

d=$T/root
mk install DESTDIR="$d" PREFIX=/usr/local > "$T/install.out" 2>&1 ||
	fail "make install: $(tail -n 5 "$T/install.out")"
( cd "$d" && find . ! -type d | sort ) > "$T/files"
cat > "$T/want" <<'EOF'
./etc/default/psys
./usr/local/bin/psys-fold
./usr/local/bin/psys-record
./usr/local/bin/psys-svg
./usr/local/bin/psys-watch
./usr/local/lib/systemd/system/psys.service
./usr/local/libexec/psys/psys-service
./usr/local/share/bash-completion/completions/psys-fold
./usr/local/share/bash-completion/completions/psys-record
./usr/local/share/bash-completion/completions/psys-svg
./usr/local/share/bash-completion/completions/psys-watch
./usr/local/share/man/man1/psys-fold.1
./usr/local/share/man/man1/psys-record.1
./usr/local/share/man/man1/psys-svg.1
./usr/local/share/man/man1/psys-watch.1
./usr/local/share/man/man7/psys.7
EOF
diff "$T/want" "$T/files" > "$T/d" || fail "installed files (> extra, < missing): $(cat "$T/d")"
mode() { stat -c %a "$d/$1"; }
for p in $progs; do
	[ "$(mode usr/local/bin/$p)" = 755 ] || fail "$p mode $(mode usr/local/bin/$p)"
	"$d/usr/local/bin/$p" --version | grep -q "^$p " || fail "installed $p --version"
done
[ "$(mode usr/local/libexec/psys/psys-service)" = 755 ] || fail "psys-service not 0755"
for f in lib/systemd/system/psys.service share/man/man7/psys.7; do
	[ "$(mode usr/local/$f)" = 644 ] || fail "$f mode $(mode usr/local/$f)"
done
[ "$(mode etc/default/psys)" = 644 ] || fail "env file mode $(mode etc/default/psys)"

unit=$d/usr/local/lib/systemd/system/psys.service
grep -q '@[A-Z]*@' "$unit" && fail "placeholders left in the unit: $(grep '@[A-Z]*@' "$unit")"
grep -qx 'ExecStart=/usr/local/libexec/psys/psys-service /usr/local/bin' "$unit" ||
	fail "ExecStart: $(grep ExecStart "$unit")"
grep -qx 'EnvironmentFile=-/etc/default/psys' "$unit" || fail "EnvironmentFile: $(grep Environment "$unit")"
bash -n "$d/usr/local/libexec/psys/psys-service" || fail "psys-service: syntax"
# The environment file is shell-compatible and sets both option lists.
( . "$d/etc/default/psys"; [ -n "$PSYS_WATCH_OPTS" ] && [ -n "$PSYS_RECORD_OPTS" ] ) ||
	fail "env file does not set PSYS_WATCH_OPTS and PSYS_RECORD_OPTS"

# Completion, as bash runs it: options, a format, a CPU list.
cpus=$(cat /sys/devices/system/cpu/online)
bash -c '
	. "$1"
	t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
	      _psys "$1"; echo "${COMPREPLY[*]}"; }
	t psys-record --max-f
	t psys-fold -F pp
	t psys-watch -C ""
	t psys-fold --cpu 0,
' sh "$d/usr/local/share/bash-completion/completions/psys-fold" > "$T/comp" 2>&1 ||
	fail "completion script: $(cat "$T/comp")"
sed -n 1p "$T/comp" | grep -qx -- '--max-files' || fail "option completion: $(sed -n 1p "$T/comp")"
sed -n 2p "$T/comp" | grep -qx 'pprof' || fail "format completion: $(sed -n 2p "$T/comp")"
sed -n 3p "$T/comp" | grep -qw 0 || fail "CPU completion ($cpus): $(sed -n 3p "$T/comp")"
sed -n 4p "$T/comp" | grep -qw '0,0' || fail "CPU list completion: $(sed -n 4p "$T/comp")"

# An edited environment file is the admin's: kept by install and uninstall.
echo 'PSYS_WATCH_OPTS="-i 1 -g 20"' >> "$d/etc/default/psys"
cp "$d/etc/default/psys" "$T/env.edited"
mk install DESTDIR="$d" PREFIX=/usr/local > "$T/install2.out" 2>&1 || fail "make install again"
cmp -s "$T/env.edited" "$d/etc/default/psys" || fail "reinstall overwrote the edited env file"
mk uninstall DESTDIR="$d" PREFIX=/usr/local > "$T/uninstall.out" 2>&1 || fail "make uninstall"
( cd "$d" && find . ! -type d ) > "$T/left"
[ "$(cat "$T/left")" = ./etc/default/psys ] || fail "left after uninstall: $(cat "$T/left")"
grep -q "keeping .*etc/default/psys" "$T/uninstall.out" || fail "uninstall did not say it kept the env file"
# Unedited, it goes.
rm -rf "$d"
mk install DESTDIR="$d" > /dev/null 2>&1 && mk uninstall DESTDIR="$d" > /dev/null 2>&1 ||
	fail "install/uninstall with the default prefix"
[ -z "$(cd "$d" && find . ! -type d)" ] || fail "left after uninstall: $(cd "$d" && find . ! -type d)"

# Installed at real paths (PREFIX, no DESTDIR), the unit passes systemd's
# own check, which also checks that ExecStart is there and executable.
if command -v systemd-analyze > /dev/null; then
	mk install PREFIX="$T/p" SYSCONFDIR="$T/p/etc" > /dev/null 2>&1 || fail "install to $T/p"
	systemd-analyze verify --man=no "$T/p/lib/systemd/system/psys.service" > "$T/verify" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$T/verify")"
	[ ! -s "$T/verify" ] || fail "systemd-analyze verify warns: $(cat "$T/verify")"
else
	echo "note: no systemd-analyze here: the unit's syntax was not verified"
fi

# make dist: HEAD's files under psys-VERSION/, nothing else.
version=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
if git -C "$TOP" rev-parse --git-dir > /dev/null 2>&1; then
	mk dist BUILD="$T/dist" > /dev/null 2>&1 || fail "make dist"
	tgz=$T/dist/psys-$version.tar.gz
	[ -s "$tgz" ] || fail "no $tgz"
	tar -tzf "$tgz" | grep -v '/$' | sed "s|^psys-$version/||" | sort > "$T/tar"
	git -C "$TOP" ls-tree -r --name-only HEAD | sort > "$T/git"
	diff "$T/git" "$T/tar" > "$T/d" || fail "tarball and HEAD differ: $(head "$T/d")"
	grep -qx Makefile "$T/tar" && grep -qx man/psys.7 "$T/tar" && grep -qx lib/fold/profile.proto "$T/tar" ||
		fail "tarball lacks Makefile, man pages or the .proto"
	tar -tzf "$tgz" | grep -v "^psys-$version/" && fail "files outside psys-$version/"
	measure "dist: $(wc -l < "$T/tar") files, $(wc -c < "$tgz") bytes"
else
	echo "note: not a git checkout (a dist tarball?): make dist not tested"
fi
exit 0
