# Sourced by bench/run.sh: the raw-figure store and the statistics drawn
# from it. Every measurement is one line "KEY ROUND VALUE" in $RAW; a
# figure in the table is the median and min-max over rounds, and a
# comparison is computed per round (per pair) first, then summarised, so
# drift between rounds cancels out of ratios.

# put KEY ROUND VALUE: records one measurement (empty values are skipped).
put() {
	[ -n "${3:-}" ] && echo "$1 $2 $3" >> "$RAW"
	return 0
}

# pairs OP KEY_A [KEY_B [KEY_C]]: one value per round in which every key
# has a value, computed from a, b, c:
#   id      a                     div   a / b
#   pct     100 * a / b           slow  100 * (1 - a / b)   (b: the baseline)
#   sratio  (1 - a / c) / (1 - b / c): slowdown ratio of a and b vs c
#   usps    1e6 * (1 - a / b) / c: workload microseconds lost per sample
#           at c Hz (a fraction of CPU time lost, over samples per second)
#   inv     c / a
#   permin  1000 * (a - b) / c: ms per second of a cost a beyond b over c s
# KEY_C may be a number instead of a key.
pairs() {
	awk -v op="$1" -v ka="$2" -v kb="${3:-}" -v kc="${4:-}" -v rounds="${ROUNDS:-}" '
	$1 == ka { A[$2] = $3 } $1 == kb { B[$2] = $3 } $1 == kc { C[$2] = $3 }
	END {
		for (r in A) {
			if (kb != "" && !(r in B)) continue
			if (kc != "" && kc !~ /^[0-9.]+$/ && !(r in C)) continue
			a = A[r]; b = B[r]; c = (kc ~ /^[0-9.]+$/) ? kc : C[r]
			if (op == "id") v = a
			else if (op == "div") { if (b == 0) continue; v = a / b }
			else if (op == "pct") { if (b == 0) continue; v = 100 * a / b }
			else if (op == "slow") { if (b == 0) continue; v = 100 * (1 - a / b) }
			else if (op == "sratio") {
				if (c == 0 || b == c) continue
				v = (1 - a / c) / (1 - b / c)
			} else if (op == "inv") { if (a == 0) continue; v = c / a }
			else if (op == "permin") { if (c == 0) continue; v = 1000 * (a - b) / c }
			else if (op == "usps") {
				if (b == 0 || c == 0) continue
				v = 1e6 * (1 - a / b) / c
			}
			if (rounds) printf "%s %.9g\n", r, v
			else printf "%.9g\n", v
		}
	}' "$RAW"
}

# ratio2 "PAIRS ARGS A" "PAIRS ARGS B": per round, the value of the first
# pairs computation over the second (rounds where both exist and B > 0).
ratio2() {
	ROUNDS=1
	pairs $1 | sort > "$T/ra"
	pairs $2 | sort > "$T/rb"
	ROUNDS=
	join "$T/ra" "$T/rb" | awk '$3 > 0 { printf "%.9g\n", $2 / $3 }'
}

# summ FORMAT: reads numbers, prints "MEDIAN (MIN–MAX)" in FORMAT, or
# "MEDIAN" when there is one number, "–" when none.
summ() {
	sort -g | awk -v f="$1" '
	{ v[++n] = $1 }
	END {
		if (n == 0) { print "–"; exit }
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		if (n == 1) { printf f "\n", m; exit }
		printf f " (" f "–" f ")\n", m, v[1], v[n]
	}'
}

# med: the median alone of the numbers read ("" when none).
med() {
	sort -g | awk '{ v[++n] = $1 }
	END { if (n) print n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

# fig FORMAT OP KEYS...: the summary of pairs OP KEYS.
fig() {
	f=$1
	shift
	pairs "$@" | summ "$f"
}

# kv KEY FILE: the value of KEY=VALUE in the last line of a runstat file.
kv() {
	tail -n 1 "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
