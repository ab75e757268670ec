#!/bin/sh
# Hostile input through psys-svg: markup, "]]>", NULs, control bytes,
# invalid UTF-8, every byte value, 100 KB names, stacks 5000 frames deep,
# hostile metadata and options. Every output must be well-formed XML
# (xmllint, from Debian's libxml2-utils) in valid UTF-8, with exactly one
# script (ours), only the elements psys-svg writes, and no event handler
# attributes: no input can add markup or script.
. "$TOP/tests/lib.sh"

[ -x "$BUILD/psys-svg" ] || fail "psys-svg not built"
if ! command -v xmllint > /dev/null; then
	[ "${CI:-}" = true ] && fail "xmllint missing under CI (apt-get install libxml2-utils)"
	skip "xmllint not installed (apt-get install libxml2-utils)"
fi

xpath() { # file expression
	xmllint --xpath "$2" "$1" 2>/dev/null
}

# check NAME [psys-svg options...] < input: renders and inspects.
check() {
	name=$1; shift
	svg="$T/$name.svg"
	psys-svg "$@" > "$svg" 2> "$T/$name.err" && rc=0 || rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 2 ] || fail "$name: exit $rc: $(cat "$T/$name.err")"
	xmllint --noout "$svg" 2> "$T/$name.xml" ||
		fail "$name: not well-formed XML: $(head -c 600 "$T/$name.xml")"
	iconv -f UTF-8 -t UTF-8 "$svg" > /dev/null 2>&1 || fail "$name: not valid UTF-8"
	# One xmllint run for all the counts: scripts, elements we never
	# write, event handler attributes, namespaced attributes (xlink).
	counts=$(xpath "$svg" 'concat(count(//*[local-name()="script"]), " ",
		count(//*[not(contains(" svg desc style defs linearGradient stop rect text g title script path ", concat(" ", local-name(), " ")))]), " ",
		count(//@*[starts-with(translate(local-name(), "ON", "on"), "on")]), " ",
		count(//@*[namespace-uri() != ""]), " ",
		count(//processing-instruction()))')
	set -- $counts
	[ "$1" = 1 ] || [ "$rc" = 2 -a "$1" = 0 ] || fail "$name: $1 script elements"
	[ "$2" = 0 ] || fail "$name: $2 unexpected elements"
	[ "$3" = 0 ] || fail "$name: $3 event handler attributes"
	[ "$4" = 0 ] || fail "$name: $4 namespaced attributes (xlink:href?)"
	[ "$5" = 0 ] || fail "$name: processing instructions"
	grep -q '<!DOCTYPE\|<!ENTITY' "$svg" && fail "$name: DTD content"
	return 0
}

# Markup and CDATA ends in frame names; the text must survive as text.
printf '%s\n' '<script>alert(1)</script>;&amp;;"q" '\''s'\'' 5' \
	']]>;<![CDATA[x]]>;-->;<!--;<?php ?> 3' > "$T/markup"
check markup < "$T/markup"
t=$(xpath "$T/markup.svg" 'string(//*[local-name()="g"][starts-with(*[local-name()="title"], "<script")]/*[local-name()="title"])')
[ "$t" = '<script>alert(1)</script> (5 samples, 62.5%, 62.5% of parent)' ] ||
	fail "markup name not kept as text: '$t'"

# NULs, control characters, invalid UTF-8.
printf 'a\000b;c\000 4\nx\001\002\033[31m;\177;\302\205 2\n' > "$T/ctrl"
printf '\377\376;\303;\300\257;\355\240\200;\364\220\200\200;\370\210\200\200\200 1\n' >> "$T/ctrl"
printf 'bidi\342\200\256evil;caf\303\251;\360\237\224\245 1\n' >> "$T/ctrl"
check ctrl < "$T/ctrl"
grep -q 'café' "$T/ctrl.svg" || fail "valid UTF-8 was not kept"
printf '\342\200\256' > "$T/rlo"
grep -qF "$(cat "$T/rlo")" "$T/ctrl.svg" && fail "bidi override passed through"

# Every byte value but newline and ';' in frame names.
i=0
: > "$T/bytes"
while [ $i -lt 256 ]; do
	case $i in 10|59) ;; *) printf "b$(printf '\\%03o' $i)x;" >> "$T/bytes" ;; esac
	i=$((i + 1))
done
printf 'end 7\n' >> "$T/bytes"
check bytes < "$T/bytes"
n=$(xpath "$T/bytes.svg" 'count(//*[local-name()="g"][@data-x])')
[ "$n" = 256 ] || fail "every byte: $n frames, want 256 (254 + end + all)"

# A 100 KB name, and a stack 5000 frames deep.
head -c 100000 /dev/zero | tr '\0' 'n' > "$T/long"
printf ' 9\nshort 1\n' >> "$T/long"
check long < "$T/long"
len=$(xpath "$T/long.svg" 'string-length(//*[local-name()="g"][@data-n="9"]/*[local-name()="title"])')
[ "$len" -gt 100000 ] || fail "long name cut in its tooltip ($len)"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "f%d;", i; print "leaf 3" }' > "$T/deep"
check deep < "$T/deep"
n=$(xpath "$T/deep.svg" 'count(//*[local-name()="g"][@data-x])')
[ "$n" = 5002 ] || fail "deep stack: $n frames, want 5002"

# Hostile metadata and options.
cat > "$T/meta" <<'EOF'
# psys-fold 0.1.0
# title: </text><script>alert(1)</script>
# host: "><svg onload="alert(1)">
# window: ]]><!-- --> & &amp;
# samples: <1>
# lost: '"
a;b 1
EOF
check meta < "$T/meta"
t=$(xpath "$T/meta.svg" 'string(//*[@id="title"])')
[ "$t" = '</text><script>alert(1)</script>' ] || fail "title not kept as text: '$t'"
check options --title '<script>x</script>' --subtitle ']]>' \
	--countname '"/><script>' --nametype "'><g onclick=x>" \
	--notes ']]>--><script>alert(1)</script>' \
	--fonttype '"/><script>alert(1)</script>' < "$T/meta"

# A timeline (psys-fold's) over hostile names: the time view holds them
# as attribute text. Damaged timelines are left out with a warning.
tl_head='# timeline: "version=1 start=1700000000000000000 utc_offset=3600 end=2000000000 freq=100 lines=2 samples=3"'
tl_samples='# timeline-samples: "cpu=0 t=100000000 s=0:0,10000000:1,10000000:0"'
{
	printf '# psys-fold 0.1.0\n<script>alert(1)</script>;a"b 2\n]]><!--;x\302\205y 1\n'
	echo "$tl_head"
	echo '# timeline-trigger: "at=1000000000 from=500000000 gate=10 hot=0:50"'
	echo "$tl_samples"
} > "$T/tl"
check timeline < "$T/tl"
[ -s "$T/timeline.err" ] && fail "timeline: a warning: $(cat "$T/timeline.err")"
# Names of frames the SVG draws come from those frames; the others (all,
# with -m 100%) are in the data.
t=$(xpath "$T/timeline.svg" 'string(//*[@id="timedata"]/@data-names)')
[ "$t" = '' ] || fail "timeline names of drawn frames in the data: '$t'"
check timeline-pruned -m 100% < "$T/tl"
t=$(xpath "$T/timeline-pruned.svg" 'string(//*[@id="timedata"]/@data-names)')
[ "$t" = '<script>alert(1)</script>;a"b;]]><!--;x�y' ] || fail "timeline names: '$t'"
n=$(xpath "$T/timeline.svg" 'count(//*[@id="timeview"]//*[@class="tvmark"])')
[ "$n" = 2 ] || fail "timeline: $n marks, want 2 (lead, trigger)"
for bad in 'hot=0:50<b>' 'hot=0:50"' 'at=x' 'gate=1e3'; do
	sed "s/hot=0:50/$bad/; s/at=1000000000/$bad/; s/gate=10/$bad/" "$T/tl" > "$T/tlbad"
	check "timeline-bad" < "$T/tlbad"
	grep -q 'timeline left out' "$T/timeline-bad.err" || fail "damaged timeline ($bad): no warning"
	grep -q 'id="timeview"' "$T/timeline-bad.svg" && fail "damaged timeline ($bad) drawn"
done
# A count that is not the number of samples: not this input's timeline.
sed 's/;a"b 2$/;a"b 3/' "$T/tl" > "$T/tlbad"
check "timeline-count" < "$T/tlbad"
grep -q 'timeline left out' "$T/timeline-count.err" || fail "mismatched timeline: no warning"

# Generated hostile input, several seeds.
for seed in 1 2 3 4 5; do
	gen-hostile $seed 300 > "$T/gen$seed"
	check "gen$seed" < "$T/gen$seed"
	check "gen$seed-rev" --reverse --inverted < "$T/gen$seed"
done
# The same as a differential input.
gen-hostile 9 200 | awk '{ print $0, NR % 7 }' > "$T/gendiff"
check gendiff < "$T/gendiff"

# Random bytes, no structure at all (deterministic: a fixed seed).
gen-hostile 77 2000 | tr ';\n' '\n;' > "$T/scrambled"
check scrambled < "$T/scrambled"
exit 0
