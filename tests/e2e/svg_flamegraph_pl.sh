#!/bin/sh
# psys-svg's share of flamegraph.pl's options, from the command line:
# --cp (palette.map read, extended, kept across runs, flamegraph.pl's
# format), --random, --factor, --total, --nameattr FILE, --flamechart,
# --encoding, --colors js|perl|wakeup|chain; their usage errors; and every
# SVG well-formed XML.
. "$TOP/tests/lib.sh"

[ -x "$BUILD/psys-svg" ] || fail "psys-svg not built"
command -v xmllint > /dev/null || skip "xmllint not installed (apt-get install libxml2-utils)"
printf 'main;read;vfs_read 3\nmain;write 1\nidle 4\n' > "$T/in.folded"
wf() { xmllint --noout "$1" 2> "$T/xml.err" || fail "$1 is not well-formed: $(head -3 "$T/xml.err")"; }
# tip SVG NAME: the tooltip of the first frame named NAME.
tip() { sed -n "s/.*<title>\\($2 ([^<]*\\)<\\/title>.*/\\1/p" "$1" | head -n 1; }
# fill SVG NAME: the colours of the frames named NAME, one per line.
fill() { sed -n "s/.*<title>$2 ([^<]*<\\/title><rect [^>]*fill=\"\\(#[0-9a-f]*\\)\".*/\\1/p" "$1"; }

for o in --cp --random --factor --total --nameattr --flamechart --encoding; do
	psys-svg --help | grep -q -- "$o" || fail "--help does not mention $o"
done
psys-svg --help | grep -q 'js, perl; wakeup' || fail "--help: palettes"

# Usage errors: exit 2 and one message.
usage_error() { # expected-stderr, args...
	want=$1; shift
	rc=0; psys-svg "$@" < "$T/in.folded" > "$T/out" 2> "$T/err" || rc=$?
	[ $rc -eq 2 ] || fail "'$*': exit $rc, want 2"
	grep -qF -- "$want" "$T/err" || fail "'$*': $(cat "$T/err")"
}
usage_error "bad colors 'pink': want hot, mem, io, red, green, blue, aqua, yellow, purple, orange, grey, java, js, perl, wakeup or chain" --colors pink
usage_error "bad factor '0'" --factor 0
usage_error "bad factor 'x'" --factor x
usage_error "bad total '-5'" --total -5
usage_error "bad encoding 'no-such-set': want a character set iconv knows" --encoding no-such-set
usage_error "keeps ASCII as it is" --encoding UTF-16

# --factor and --total: counts shown scaled, the scale widened.
psys-svg --factor 2.5 --total 16 "$T/in.folded" > "$T/ft.svg" || fail "--factor --total"
wf "$T/ft.svg"
[ "$(tip "$T/ft.svg" all)" = "all (40 samples, 100%)" ] || fail "root: $(tip "$T/ft.svg" all)"
[ "$(tip "$T/ft.svg" main)" = "main (10 samples, 25%, 25% of parent)" ] ||
	fail "main: $(tip "$T/ft.svg" main)"
grep -q 'data-total="16"' "$T/ft.svg" || fail "--total: not the script's total"
psys-svg --total 2 "$T/in.folded" > "$T/t2.svg" 2> "$T/err" || fail "--total below the sum"
grep -q "warning: --total 2 is less than the input's total 8: ignored" "$T/err" ||
	fail "--total below: $(cat "$T/err")"
psys-svg "$T/in.folded" | cmp -s - "$T/t2.svg" || fail "an ignored --total changed the graph"

# --flamechart: input order, neighbours merged, titled so.
printf 'a;b 1\na;c 1\na;b 1\nx 1\na;b 2\n' | psys-svg --flamechart > "$T/chart.svg" ||
	fail "--flamechart"
wf "$T/chart.svg"
order=$(sed -n 's/.*<title>\([a-z]*\) (.*/\1/p' "$T/chart.svg" | tr '\n' ' ')
[ "$order" = "all a b c b x a b " ] || fail "--flamechart order: $order"
grep -q '>Flame Chart</text>' "$T/chart.svg" || fail "--flamechart title"

# --encoding: Latin-1 names arrive as UTF-8; without it the byte is
# replaced.
printf 'caf\351;na\357ve 2\n' > "$T/latin1.folded"
psys-svg --encoding ISO-8859-1 "$T/latin1.folded" > "$T/enc.svg" || fail "--encoding"
wf "$T/enc.svg"
grep -q "<title>caf$(printf '\303\251') (2 samples" "$T/enc.svg" || fail "--encoding: no café"
grep -q "<title>na$(printf '\303\257')ve (2 samples" "$T/enc.svg" || fail "--encoding: no naïve"
psys-svg "$T/latin1.folded" > "$T/raw.svg" || fail "no --encoding"
grep -q "<title>caf$(printf '\357\277\275') (2" "$T/raw.svg" || fail "invalid byte not replaced"

# --colors: the multi palettes, and the backgrounds of wakeup and chain.
printf 'off;schedule;--;waker;wake_up 3\noff;io 1\n' | psys-svg --colors chain > "$T/chain.svg" ||
	fail "--colors chain"
wf "$T/chain.svg"
grep -q 'stop-color="#e0e0ff"' "$T/chain.svg" || fail "chain: not the blue background"
[ "$(fill "$T/chain.svg" -- )" = "#a0a0a0" ] || fail "chain: -- not grey"
case $(fill "$T/chain.svg" waker) in \#[3-6]?[a-d]?[a-d]?) ;; *) fail "chain: waker not aqua: $(fill "$T/chain.svg" waker)" ;; esac
case $(fill "$T/chain.svg" io) in \#[5-8]?[5-8]?[c-f]?) ;; *) fail "chain: io not blue: $(fill "$T/chain.svg" io)" ;; esac
for p in js perl wakeup; do
	psys-svg --colors $p "$T/in.folded" > "$T/$p.svg" || fail "--colors $p"
	wf "$T/$p.svg"
done

# --random: one name, several colours; two runs, two graphs.
printf 'a;f 1\nb;f 1\nc;f 1\nd;f 1\ne;f 1\n' > "$T/many.folded"
psys-svg --random "$T/many.folded" > "$T/r1.svg" || fail "--random"
psys-svg --random "$T/many.folded" > "$T/r2.svg" || fail "--random again"
[ "$(fill "$T/r1.svg" f | sort -u | wc -l)" -ge 3 ] || fail "--random: f has one colour"
cmp -s "$T/r1.svg" "$T/r2.svg" && fail "--random: two runs alike"
psys-svg "$T/many.folded" > "$T/s.svg"
[ "$(fill "$T/s.svg" f | sort -u | wc -l)" -eq 1 ] || fail "without --random f varies"

# --cp: palette.map in the current folder, created, then obeyed and
# extended; rewritten only when a name is added.
mkdir "$T/cp" && cd "$T/cp"
psys-svg --cp "$T/in.folded" > a.svg || fail "--cp"
[ -f palette.map ] || fail "--cp wrote no palette.map"
sed 's/->.*//' palette.map | tr '\n' ' ' > names
[ "$(cat names)" = "idle main read vfs_read write " ] || fail "palette.map names: $(cat names)"
grep -qv -- '->rgb([0-9]*,[0-9]*,[0-9]*)$' palette.map && fail "not flamegraph.pl's format"
[ "$(fill a.svg main)" = "$(printf '#%02x%02x%02x' $(sed -n 's/^main->rgb(\(.*\),\(.*\),\(.*\))$/\1 \2 \3/p' palette.map))" ] ||
	fail "main's colour is not the map's"
sed -i 's/^write->.*/write->rgb(1,2,3)/' palette.map
echo 'stray line' >> palette.map
ino=$(ls -i palette.map | cut -d' ' -f1)
psys-svg --cp "$T/in.folded" > b.svg 2> err || fail "--cp again"
[ "$(fill b.svg write)" = "#010203" ] || fail "--cp: the map's colour not used: $(fill b.svg write)"
grep -q "palette.map': 1 line not NAME->rgb(R,G,B) skipped (the first is line 6)" err ||
	fail "--cp: bad line: $(cat err)"
[ "$(ls -i palette.map | cut -d' ' -f1)" = "$ino" ] || fail "--cp rewrote an unchanged map"
printf 'new;write 1\n' | psys-svg --cp > c.svg || fail "--cp with a new name"
grep -q '^new->rgb(' palette.map && grep -qx 'write->rgb(1,2,3)' palette.map ||
	fail "--cp: not extended: $(cat palette.map)"
ls palette.map.tmp.* > /dev/null 2>&1 && fail "--cp left a temporary"
for f in a b c; do wf $f.svg; done
cd "$T"

# --nameattr: titles, links, classes and ids from a file, escaped; raw
# markup keys ignored with a warning; errors name the file and line.
printf 'vfs_read\ttitle=<VFS> "read"\thref=https://example.org/?f=vfs_read&x=1\tclass=hot\n' > "$T/attrs"
printf 'write\tid=w1\tg_extra=onclick="alert(1)"\n' >> "$T/attrs"
psys-svg --nameattr "$T/attrs" "$T/in.folded" > "$T/na.svg" 2> "$T/err" || fail "--nameattr"
wf "$T/na.svg"
grep -q '<a data-x="4" data-n="3" class="hot" href="https://example.org/?f=vfs_read&amp;x=1" target="_top" data-name="vfs_read"><title>&lt;VFS&gt; &quot;read&quot;</title>' "$T/na.svg" ||
	fail "--nameattr: no link with its title"
grep -q '<g data-x="7" data-n="1" id="w1"><title>write (1 samples' "$T/na.svg" || fail "--nameattr: id"
grep -q 'alert' "$T/na.svg" && fail "--nameattr: raw markup copied"
grep -q "warning: '$T/attrs': 1 attribute ignored (the first is 'g_extra'" "$T/err" ||
	fail "--nameattr warning: $(cat "$T/err")"
rc=0; psys-svg --nameattr "$T/nope" "$T/in.folded" > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 1 ] && grep -q "cannot read '$T/nope': No such file" "$T/err" || fail "missing --nameattr: $rc"
printf 'good\ttitle=x\nbad line\n' > "$T/bad-attrs"
rc=0; psys-svg --nameattr "$T/bad-attrs" "$T/in.folded" > /dev/null 2> "$T/err" || rc=$?
[ $rc -eq 1 ] && grep -qx "psys-svg: '$T/bad-attrs': line 2 is not NAME<TAB>KEY=VALUE..." "$T/err" ||
	fail "bad --nameattr: exit $rc: $(cat "$T/err")"
exit 0
