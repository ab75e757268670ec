#!/bin/sh
# The house rules of docs/HACKING.md, checked on the tree as it is:
# - lib/ is one folder per stage, and a stage includes only the stages it
#   stands on (the table below, the same as HACKING.md's);
# - lib/ never includes cmd/, libbpf or a header of another folder by a
#   bare name;
# - only lib/symbols/usyms.c uses elfutils' libdw (the workstation tools
#   build without it), and only cmd/psys-record uses libbpf;
# - programs stay thin: cmd/*/main.c at most 450 lines, no source file
#   over 800 (generated files apart).
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1

# stage: the stages its files may include (itself always).
allowed() {
	case $1 in
	base) echo "" ;;
	cgroup) echo "base" ;;
	watch) echo "base cgroup" ;;
	symbols) echo "base" ;;
	psysfile) echo "base symbols watch" ;;
	record) echo "base cgroup watch psysfile symbols" ;;
	folded) echo "base" ;;
	fold) echo "base cgroup psysfile symbols folded" ;;
	render) echo "base folded" ;;
	*) echo "?" ;;
	esac
}

bad=""
for dir in lib/*/; do
	stage=$(basename "$dir")
	ok="$stage $(allowed "$stage")"
	case $ok in *"?"*) bad="$bad
$dir: a stage HACKING.md does not list"; continue ;; esac
	for f in "$dir"*.[ch]; do
		[ -e "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
			sed 's/^\([0-9]*\):.*"\(.*\)".*/\1 \2/' > "$T/inc"
		while read -r line inc; do
			case $inc in
			*/*) want=${inc%%/*} ;;
			*.pb-c.h|flamegraph_js.h) continue ;;	# generated
			*) bad="$bad
$f:$line: \"$inc\" names no stage (lib/ includes are \"STAGE/name.h\")"; continue ;;
			esac
			case " $ok " in
			*" $want "*) ;;
			*) bad="$bad
$f:$line: $stage includes $want/ (allowed: $ok)" ;;
			esac
		done < "$T/inc"
	done
done
grep -ln '#[[:space:]]*include[[:space:]]*<bpf/' lib/*/*.[ch] > "$T/bpf" && bad="$bad
libbpf in lib/: $(cat "$T/bpf")"
grep -ln '#[[:space:]]*include[[:space:]]*<elfutils/' lib/*/*.[ch] | grep -vx 'lib/symbols/usyms\.[ch]' > "$T/dw" &&
	bad="$bad
libdw outside lib/symbols/usyms.c: $(cat "$T/dw")"
[ -z "$bad" ] || fail "include rules broken:$bad"

# Sizes.
big=""
for f in cmd/*/*.c lib/*/*.c lib/*/*.h; do
	case $f in *_js.h) continue ;; esac
	n=$(wc -l < "$f")
	limit=800
	case $f in cmd/*/main.c) limit=450 ;; esac
	[ "$n" -le $limit ] || big="$big $f:$n(>$limit)"
done
measure "lib/: $(ls -d lib/*/ | wc -l) stages, $(ls lib/*/*.[ch] | wc -l) files; programs: $(wc -l cmd/*/main.c | sed '$d' | awk '{printf "%s%s %d", s, $2, $1; s=", "}')"
[ -z "$big" ] || fail "files over their size:$big"
exit 0
