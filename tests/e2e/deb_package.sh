# make deb: builds psys's Debian package (dpkg-buildpackage, from a copy
# of the tree: the tree and its build folder are left as they were) and
# lintian passes it with no error or warning. The package holds the
# programs (hardened with dpkg-buildflags' flags), man pages, completion,
# psys.service and /etc/default/psys as a conffile, depends on the
# libraries it links. apt installs it: the programs run, the unit is in
# place and NOT enabled; remove takes all but the conffile, purge the
# conffile and the service's captures too. The machine is left as it was
# (the package purged even if the test fails half-way).
. "$TOP/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "not root: installing a package needs root"
for t in dpkg-buildpackage dh lintian apt-get; do
	command -v $t > /dev/null ||
		skip "$t not installed (apt-get install dpkg-dev debhelper lintian)"
done
status() { dpkg-query -W -f='${db:Status-Status}' psys 2> /dev/null || :; }
case $(status) in
''|not-installed) ;;
*) skip "a psys package is on this machine ($(status)): the test would remove it" ;;
esac
for d in /var/lib/psys /var/lib/private/psys; do
	[ ! -e $d ] && [ ! -L $d ] || skip "$d exists: purging the package would remove it"
done

# Whatever happens, the package goes (and the captures the test made).
made_state=""
undo() {
	case $(status) in
	''|not-installed) ;;
	*) dpkg --purge psys > /dev/null 2>&1 || echo "cleanup: dpkg --purge psys failed" >&2 ;;
	esac
	[ -z "$made_state" ] || rm -rf /var/lib/private/psys /var/lib/psys
	rm -rf "$T"
}
trap 'rc=$?; undo; exit $rc' EXIT
trap 'exit 1' INT TERM
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"
}

version=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
arch=$(dpkg --print-architecture)
git_state() { git -C "$TOP" status --porcelain --ignored 2> /dev/null | grep -v '^!! build' || :; }
git_state > "$T/tree.before"
ls "$TOP/.." | grep '^psys_' > "$T/parent.before" || :

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$TOP" -s BUILD="$T/b" deb > "$T/deb.log" 2>&1 ||
	fail "make deb: $(tail -n 30 "$T/deb.log")"
deb=$T/b/deb/psys_${version}_$arch.deb
[ -f "$deb" ] || fail "no $deb: $(ls "$T/b/deb")"
# lintian's verdict, as make deb printed it.
sed -n '/^lintian /,$p' "$T/deb.log" | grep -v '^running with root privileges' > "$T/lintian"
grep -q '^lintian ' "$T/lintian" || fail "make deb did not run lintian: $(tail -n 5 "$T/deb.log")"
grep -E '^[EW]: ' "$T/lintian" && fail "lintian errors or warnings: $(cat "$T/lintian")"
measure "lintian: $(sed 1d "$T/lintian" | wc -l) tags not overridden$(sed 1d "$T/lintian" | sed 's/^/; /' | tr -d '\n')"
measure "$(basename "$deb"): $(wc -c < "$deb") bytes"

# The tree is as it was: nothing built or left in it or next to it.
git_state > "$T/tree.after"
diff "$T/tree.before" "$T/tree.after" > "$T/d" || fail "make deb changed the tree: $(cat "$T/d")"
ls "$TOP/.." | grep '^psys_' > "$T/parent.after" || :
cmp -s "$T/parent.before" "$T/parent.after" || fail "make deb left files next to the tree"
for f in debian/psys debian/.debhelper debian/files debian/debhelper-build-stamp; do
	[ ! -e "$TOP/$f" ] || fail "make deb left $f in the tree"
done

# The package: its fields, its files, its conffile, hardened programs.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Version)" = "$version" ] || fail "Version $(field Version), Makefile says $version"
for lib in libc6 libbpf1 libelf1 libzstd1 libjansson4; do
	field Depends | grep -q "\\b$lib\\b" || fail "Depends lacks $lib (shlibs): $(field Depends)"
done
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./||; s|/$||' | sort > "$T/files"
for f in usr/bin/psys-watch usr/bin/psys-record usr/bin/psys-fold usr/bin/psys-svg \
	usr/share/man/man1/psys-watch.1.gz usr/share/man/man1/psys-record.1.gz \
	usr/share/man/man1/psys-fold.1.gz usr/share/man/man1/psys-svg.1.gz \
	usr/share/man/man7/psys.7.gz usr/libexec/psys/psys-service etc/default/psys \
	usr/share/bash-completion/completions/psys-fold usr/share/doc/psys/copyright \
	usr/share/doc/psys/changelog.gz; do
	grep -qx "$f" "$T/files" || fail "$f not in the package"
done
unit=$(grep -E '^(usr/)?lib/systemd/system/psys\.service$' "$T/files") ||
	fail "psys.service not in the package: $(grep systemd "$T/files")"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles > "$T/conffiles"
[ "$(cat "$T/conffiles")" = /etc/default/psys ] || fail "conffiles: $(cat "$T/conffiles")"
dpkg-deb -x "$deb" "$T/x"
for p in psys-watch psys-record psys-fold psys-svg; do
	gaps=$(hardening_gaps "$T/x/usr/bin/$p")
	[ -z "$gaps" ] || fail "packaged $p is not hardened: $gaps"
done

# Installed by apt, as a user would.
apt_get install "$deb" > "$T/apt.log" 2>&1 || fail "apt-get install: $(tail -n 20 "$T/apt.log")"
[ "$(status)" = installed ] || fail "after install: $(status)"
for p in psys-watch psys-record psys-fold psys-svg; do
	/usr/bin/$p --version > "$T/v" 2>&1 || fail "installed $p --version: $(cat "$T/v")"
	grep -q "^$p $version" "$T/v" || fail "installed $p --version: $(cat "$T/v")"
done
for f in /usr/share/man/man1/psys-record.1.gz /usr/share/man/man7/psys.7.gz "/$unit" \
	/etc/default/psys /usr/libexec/psys/psys-service; do
	[ -f "$f" ] || fail "$f not installed"
done
if command -v man > /dev/null; then
	[ "$(man -w psys-record)" = /usr/share/man/man1/psys-record.1.gz ] ||
		fail "man -w psys-record: $(man -w psys-record 2>&1)"
fi
grep -qx 'ExecStart=/usr/libexec/psys/psys-service /usr/bin' "/$unit" ||
	fail "installed unit: $(grep ExecStart "/$unit")"
grep -qx 'EnvironmentFile=-/etc/default/psys' "/$unit" ||
	fail "installed unit: $(grep EnvironmentFile "/$unit")"
# Installed, not enabled (no WantedBy link) and so not started.
ls /etc/systemd/system/*.wants/psys.service 2> /dev/null &&
	fail "the package enabled psys.service"
if [ -d /run/systemd/system ]; then
	systemctl is-enabled psys.service > "$T/en" 2>&1 || :
	[ "$(cat "$T/en")" = disabled ] || fail "systemctl is-enabled: $(cat "$T/en")"
	systemctl is-active psys.service > "$T/act" 2>&1 || :
	[ "$(cat "$T/act")" = inactive ] || fail "systemctl is-active: $(cat "$T/act")"
fi

# remove: the conffile stays (edited or not), everything else goes.
echo 'PSYS_WATCH_OPTS="-i 1 -g 20"' >> /etc/default/psys
apt_get remove psys > "$T/apt.log" 2>&1 || fail "apt-get remove: $(tail -n 20 "$T/apt.log")"
[ "$(status)" = config-files ] || fail "after remove: $(status)"
for f in /usr/bin/psys-watch /usr/bin/psys-record /usr/bin/psys-fold /usr/bin/psys-svg \
	/usr/share/man/man7/psys.7.gz "/$unit" /usr/libexec/psys \
	/usr/share/bash-completion/completions/psys-fold; do
	[ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f left after remove"
done
grep -q 'PSYS_WATCH_OPTS="-i 1 -g 20"' /etc/default/psys || fail "remove did not keep /etc/default/psys"

# purge: the conffile and the service's captures go too.
made_state=1
mkdir -p -m 0700 /var/lib/private/psys
touch /var/lib/private/psys/20261126_101504.psys
ln -s private/psys /var/lib/psys
apt_get purge psys > "$T/apt.log" 2>&1 || fail "apt-get purge: $(tail -n 20 "$T/apt.log")"
case $(status) in ''|not-installed) ;; *) fail "after purge: $(status)" ;; esac
for f in /etc/default/psys /var/lib/psys /var/lib/private/psys; do
	[ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f left after purge"
done
made_state=""
exit 0
