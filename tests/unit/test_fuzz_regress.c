/* Regression cases for what fuzzing found (fuzz/), one block per finding,
 * small enough to read. Several are undefined behaviour that only a
 * sanitizer sees: run them with SANITIZE=1 as well (make test SANITIZE=1);
 * the fuzz corpora under fuzz/corpus/ replay the rest (make -C fuzz
 * regress). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fold.h"
#include "ksyms.h"
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

int main(void)
{
	empty_fold();
	empty_ksyms();
	return test_done("test_fuzz_regress");
}
