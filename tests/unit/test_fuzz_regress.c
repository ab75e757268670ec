/* Regression cases for what fuzzing found (fuzz/), one block per finding,
 * small enough to read. Several are undefined behaviour that only a
 * sanitizer sees: run them with SANITIZE=1 as well (make test SANITIZE=1);
 * the fuzz corpora under fuzz/corpus/ replay the rest (make -C fuzz
 * regress). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold/fold.h"
#include "symbols/ksyms.h"
#include "fold/slice.h"
#include "watch/trigger.h"
#include "test.h"

/* fold_sort on a fold with no lines (a capture whose samples were all
 * filtered out) passed NULL to qsort: UBSan "null pointer passed as
 * argument 1" in fold.c. Found by fuzz_psysfile on a --no-symbols
 * capture. */
static void empty_fold(void)
{
	struct fold_opts o = { 0 };
	struct fold *f = fold_new(&o);
	FILE *out = fopen("/dev/null", "w");

	CHECK(f && out, "setup");
	if (!f || !out)
		goto out;
	CHECK(fold_sort(f) == 0, "sort of nothing");
	CHECK(fold_nlines(f) == 0, "no lines");
	CHECK(fold_write(f, out) == 0, "write of nothing");
	/* Lines added after an empty sort are found and sorted again. */
	CHECK(fold_add_line(f, "b;c", 3, 2) == 0, "add");
	CHECK(fold_add_line(f, "a", 1, 1) == 0, "add");
	CHECK(fold_sort(f) == 0 && fold_nlines(f) == 2, "two lines");
	uint64_t n = 0;
	CHECK_STR(fold_line(f, 0, &n), "a", "first line");
	CHECK(n == 1, "count %llu", (unsigned long long)n);
out:
	if (out)
		fclose(out);
	fold_free(f);
}

/* ksyms_finish on an empty table (kallsyms text with no parsable line)
 * passed NULL to qsort. Found by fuzz_ksyms on the empty input. */
static void empty_ksyms(void)
{
	struct ksyms *ks = ksyms_new();

	CHECK(ks != NULL, "ksyms_new");
	if (!ks)
		return;
	CHECK(ksyms_parse(ks, "", 0) == 0, "parse nothing");
	CHECK(ksyms_parse(ks, "zz\n\n", 4) == 0, "parse garbage");
	CHECK(ksyms_finish(ks) == 0, "finish an empty table");
	CHECK(ksyms_count(ks) == 0, "no symbols");
	CHECK(ksyms_lookup(ks, 0xffffffff81000000ull) == NULL, "lookup");
	CHECK(ksyms_etext(ks) == 0, "no _etext");
	ksyms_free(ks);
}

/* Dates outside the years an int64_t of ns can hold (1678-2261)
 * overflowed into a wrong time (UBSan: signed overflow in slice.c), and
 * header times near the limits overflowed slice_time_mono. Found by
 * fuzz_cpulist: "6022-11-26 10:15:04Z". */
static void slice_time_range(void)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
		{ "6022-11-26 10:15:04Z", 0 },
		{ "6022-11-26 10:15:04", 0 },
		{ "0000-01-01T00:00:00Z", 0 },
		{ "1600-03-01T00:00:00+01:00", 0 },
		{ "9999-12-31T23:59:59.999-23:59", 0 },
		{ "2261-12-31T23:59:59Z", 1 },
		{ "1970-01-01T00:00:00Z", 1 },
		{ "1680-01-01T00:00:00Z", 1 },
	};
	struct slice_time t;
	int64_t mono = 7;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int rc = slice_parse_time(cases[i].s, &t);

		CHECK(cases[i].ok ? rc == 0 : rc == -EINVAL, "'%s': %d", cases[i].s, rc);
	}
	/* 1680 against a capture of 2026: 1.1e19 ns before it. */
	CHECK(slice_parse_time("1680-01-01T00:00:00Z", &t) == 0, "1680");
	CHECK(slice_time_mono(&t, 1795684504123456789LL, 523456789012LL, &mono) == -EINVAL,
	      "1680 from 2026 wrapped to %lld", (long long)mono);
	/* A header whose start is near the limits. */
	CHECK(slice_parse_time("2261-12-31T23:59:59Z", &t) == 0, "2261");
	CHECK(slice_time_mono(&t, -9000000000000000000LL, 523456789012LL, &mono) == -EINVAL,
	      "2261 from a start in 1684 wrapped to %lld", (long long)mono);
	CHECK(slice_parse_time("999999999", &t) == 0, "relative");
	CHECK(slice_time_mono(&t, 1, INT64_MAX - 5, &mono) == -EINVAL,
	      "relative past INT64_MAX wrapped to %lld", (long long)mono);
	CHECK(slice_parse_time("10:15", &t) == 0, "time of day");
	CHECK(slice_time_mono(&t, INT64_MIN + 1, 1, &mono) == -EINVAL,
	      "time of day with a start at INT64_MIN");
	/* And in range, still right: 1 s after a start of 10 s. */
	CHECK(slice_parse_time("1970-01-01T00:00:11Z", &t) == 0, "1970");
	CHECK(slice_time_mono(&t, 10000000000LL, 500, &mono) == 0 && mono == 1000000500,
	      "in range: %lld", (long long)mono);
}

/* trigger_format wrote lines trigger_parse refuses: monotonic times under
 * 0.5 us apart gave "interval":0.0, more than 1e9 s apart an interval
 * above the parser's limit. It must refuse them (-EINVAL: "would not
 * parse back"); a gap of 1 us still works. Found by fuzz_trigger's
 * format/parse round trip. */
static void trigger_round_trip(void)
{
	static const struct {
		int64_t start, mono;
		int ok;
	} cases[] = {
		{ 522, 523, 0 },
		{ 0, 499, 0 },
		{ 1, INT64_MAX, 0 },
		{ 0, 1000000000001000000LL, 0 },
		{ 522, 1522, 1 },
		{ 522456123456LL, 523456789012LL, 1 },
		{ 0, 1000000000000000000LL, 1 },
	};
	struct trigger_cpu cpu = { 1, 50.0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct trigger t = { .wall_ns = 1795684504123456789LL, .gate = 10,
				     .hot = &cpu, .nhot = 1 }, u = { 0 };
		char *line = NULL, err[128] = "";
		int rc;

		t.mono_start_ns = cases[i].start;
		t.mono_ns = cases[i].mono;
		rc = trigger_format(&t, &line);
		if (!cases[i].ok) {
			CHECK(rc == -EINVAL, "case %zu: formatted '%s'", i, line ? line : "");
		} else {
			CHECK(rc == 0, "case %zu: format %d", i, rc);
			CHECK(rc || trigger_parse(line, strlen(line), &u, err, sizeof(err)) == 0,
			      "case %zu: '%s' does not parse back: %s", i, line, err);
			trigger_free(&u);
		}
		free(line);
	}
}

int main(void)
{
	empty_fold();
	empty_ksyms();
	slice_time_range();
	trigger_round_trip();
	return test_done("test_fuzz_regress");
}
