# The man pages, --help and bash completion agree: every option a
# program's --help defines is in its man page's OPTIONS section (with the
# same short form) and in its completion list, and nothing else is; each
# page has the sections a Unix man page should, its EXIT STATUS lists the
# codes --help lists, and groff renders it without warnings.
. "$TOP/tests/lib.sh"

comp=$TOP/dist/psys.bash-completion
[ -f "$comp" ] || fail "no $comp"

# Options defined in --help: lines that start with spaces then "-x, --long"
# or "--long", as "-x --long" or "- --long" pairs, sorted.
help_opts() {
	"$1" --help | sed -n -E \
		-e 's/^ +(-[A-Za-z0-9]), (--[a-z][a-z0-9-]*).*/\1 \2/p' \
		-e 's/^ +(--[a-z][a-z0-9-]*).*/- \1/p' | sort -u
}
# The same from the man page: in OPTIONS (up to the next .SH), the line
# after each .TP, with roff's \- and font escapes undone.
man_opts() {
	awk '/^\.SH / { in_opts = ($2 == "OPTIONS") } in_opts' "$1" |
		awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' |
		sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/"//g' | sed -n -E \
		-e 's/^\.[A-Z]+ +(-[A-Za-z0-9]) *, *(--[a-z][a-z0-9-]*).*/\1 \2/p' \
		-e 's/^\.[A-Z]+ +(--[a-z][a-z0-9-]*).*/- \1/p' | sort -u
}
# Long options in the program's branch of the completion function.
comp_opts() {
	sed -n "/^	$1)\$/,/;;/p" "$comp" | sed -n '/opts="/,/"$/p' | sed 's/opts=//' |
		tr ' "\t' '\n\n\n' | grep -E '^--?[A-Za-z]' | sort -u
}

for p in psys-watch psys-record psys-fold psys-svg; do
	page=$TOP/man/$p.1
	[ -f "$page" ] || fail "no man page $page"
	help_opts "$BUILD/$p" > "$T/help"
	man_opts "$page" > "$T/man"
	[ "$(wc -l < "$T/help")" -ge 5 ] || fail "$p: too few options read from --help"
	diff "$T/help" "$T/man" > "$T/d" ||
		fail "$p: --help (<) and the man page's OPTIONS (>) differ: $(cat "$T/d")"
	# Completion: every short and long form, and no other.
	tr ' ' '\n' < "$T/help" | grep -v '^-$' | sort -u > "$T/want"
	comp_opts "$p" > "$T/comp"
	diff "$T/want" "$T/comp" > "$T/d" ||
		fail "$p: --help (<) and the bash completion (>) differ: $(cat "$T/d")"
	# Exit codes: those the help lists after "Exit status", and the man's.
	"$BUILD/$p" --help | sed -n '/[Ee]xit status/,$p' | tr -s ' \n;,:' '\n' |
		grep -xE '[0-9]' | sort -u > "$T/codes.help"
	awk '/^\.SH / { on = ($2 == "EXIT") } on' "$page" |
		awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' | sed -n 's/^\.B \([0-9]\)$/\1/p' |
		sort -u > "$T/codes.man"
	[ -s "$T/codes.help" ] || fail "$p: no exit codes in --help"
	cmp -s "$T/codes.help" "$T/codes.man" ||
		fail "$p: exit codes in --help ($(echo $(cat "$T/codes.help"))) and man ($(echo $(cat "$T/codes.man")))"
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES FILES "SEE ALSO"; do
		grep -q "^\.SH \"*$s\"*\$" "$page" || fail "$p.1: no $s section"
	done
	grep -q "^\.TH $(echo "$p" | tr a-z A-Z | sed 's/-/\\\\-/') 1 " "$page" || fail "$p.1: bad .TH"
	grep -q "\"psys $(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")\"" "$page" ||
		fail "$p.1: not this version"
	measure "$p: $(wc -l < "$T/help") options agree"
done

page=$TOP/man/psys.7
for s in NAME SYNOPSIS DESCRIPTION "FILE FORMAT" "EXIT STATUS" EXAMPLES FILES "SEE ALSO"; do
	grep -q "^\.SH \"*$s\"*\$" "$page" || fail "psys.7: no $s section"
done
# The format page names the magic, the record types and the sync word.
for w in PSYR 'Header record' 'Data records' 'Trailer record' '211PSYS'; do
	grep -q "$w" "$page" || fail "psys.7: nothing about $w"
done

# Every page renders without a groff warning (groff-base is in TEST_PKGS).
command -v groff > /dev/null || fail "groff needed to check the man pages"
for page in "$TOP"/man/*.[17]; do
	groff -man -Tutf8 -ww -z "$page" > "$T/groff" 2>&1 || fail "groff failed on $page"
	[ ! -s "$T/groff" ] || fail "groff warns on $page: $(head -n 3 "$T/groff")"
done
exit 0
