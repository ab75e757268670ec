/* Tests for lib/base's one-way-to-do-each-thing modules: the id-list
 * parser (a table, then random lists against a bitmap), numbers and
 * sizes, whole-file reads, interning (against a linear search) and the
 * option table (parsing, errors, help layout). */
#include "base/cli.h"
#include "base/file.h"
#include "base/idlist.h"
#include "base/intern.h"
#include "base/num.h"
#include "test.h"
#include "rng.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *in;
	int err;
	const char *has, *hasnt;	/* comma-separated numbers */
} ids[] = {
	{ "0", 0, "0", "1" },
	{ "1,5-7, 12", 0, "1,5,6,7,12", "0,2,4,8,11,13" },
	{ "7-5", -EINVAL, NULL, NULL },
	{ "3-3,2-4,10", 0, "2,3,4,10", "1,5,9" },
	{ "4194304", 0, "4194304", "0" },
	{ "4194305", -ERANGE, NULL, NULL },
	{ "99999999999999999999", -ERANGE, NULL, NULL },
	{ "1,,2", -EINVAL, NULL, NULL },
	{ "\t2-4\t,9", 0, "2,3,4,9", "5,8" },
	{ "", -EINVAL, NULL, NULL },
	{ "1,", -EINVAL, NULL, NULL },
	{ ",1", -EINVAL, NULL, NULL },
	{ "a", -EINVAL, NULL, NULL },
	{ "1-", -EINVAL, NULL, NULL },
	{ "-1", -EINVAL, NULL, NULL },
	{ "1 2", -EINVAL, NULL, NULL },
	{ "123456\n", 0, "123456", "123455" },
};

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(xorshift64(&rng) % n);
}

static void test_ids_table(void)
{
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct idlist l = { 0 };
		int err = idlist_parse(ids[i].in, IDLIST_MAX_PID, &l);

		CHECK(err == ids[i].err, "ids '%s': %d, want %d", ids[i].in, err, ids[i].err);
		if (err) {
			CHECK(l.n == 0 && !l.r, "ids '%s': output touched on error", ids[i].in);
			continue;
		}
		for (int pass = 0; pass < 2; pass++) {
			const char *p = pass ? ids[i].hasnt : ids[i].has;
			while (p && *p) {
				char *end;
				unsigned long v = strtoul(p, &end, 10);
				CHECK(idlist_has(&l, (uint32_t)v) == !pass, "ids '%s': %lu %s",
				      ids[i].in, v, pass ? "should be out" : "should be in");
				p = *end ? end + 1 : end;
			}
		}
		idlist_free(&l);
	}
	struct idlist empty = { 0 };
	CHECK(!idlist_has(&empty, 0) && idlist_count(&empty) == 0, "empty list");
	char buf[64];
	CHECK_STR(idlist_want(-ERANGE, 65535, buf, sizeof(buf)), "numbers up to 65535", "want");
}

/* Random lists of ranges below 200, written out in random order with
 * random spacing: membership and count equal a bitmap's. */
static void test_ids_random(void)
{
	for (int t = 0; t < 2000; t++) {
		unsigned char bits[200] = { 0 };
		char s[512];
		size_t len = 0;
		int items = 1 + (int)rnd(6);
		struct idlist l = { 0 };

		for (int k = 0; k < items; k++) {
			uint32_t a = rnd(200), b = rnd(4) ? a : a + rnd(200 - a);
			for (uint32_t v = a; v <= b; v++)
				bits[v] = 1;
			len += (size_t)snprintf(s + len, sizeof(s) - len, "%s%s%u", k ? "," : "",
						rnd(3) ? "" : " ", a);
			if (b != a)
				len += (size_t)snprintf(s + len, sizeof(s) - len, "-%u", b);
		}
		int err = idlist_parse(s, 199, &l);
		CHECK(err == 0, "'%s': %d", s, err);
		uint64_t want = 0;
		for (uint32_t v = 0; v < 200; v++) {
			want += bits[v];
			if (idlist_has(&l, v) != bits[v]) {
				CHECK(0, "'%s': %u should be %s", s, v, bits[v] ? "in" : "out");
				break;
			}
		}
		CHECK(idlist_count(&l) == want, "'%s': count %llu, want %llu", s,
		      (unsigned long long)idlist_count(&l), (unsigned long long)want);
		for (size_t i = 1; i < l.n; i++)
			CHECK(l.r[i - 1][1] + 1 < l.r[i][0], "'%s': ranges %zu not merged", s, i);
		idlist_free(&l);
	}
}

static void test_num(void)
{
	double d;
	uint64_t u;

	CHECK(num_double("0.25", 0, 1, &d) == 0 && d == 0.25, "0.25");
	CHECK(num_double("1e3", 0, 1e4, &d) == 0 && d == 1000, "1e3");
	CHECK(num_double("2", 0, 1, &d) == -ERANGE, "2 > 1");
	CHECK(num_double("nan", 0, 1, &d) == -EINVAL, "nan");
	CHECK(num_double("inf", 0, 1e308, &d) == -EINVAL, "inf");
	CHECK(num_double("", 0, 1, &d) == -EINVAL, "empty");
	CHECK(num_double("1x", 0, 10, &d) == -EINVAL, "1x");
	CHECK(num_u64("010", 0, 100, &u) == 0 && u == 10, "010 is ten");
	CHECK(num_u64("-1", 0, 100, &u) == -EINVAL, "-1");
	CHECK(num_u64("18446744073709551615", 0, UINT64_MAX, &u) == 0 && u == UINT64_MAX, "max");
	CHECK(num_u64("18446744073709551616", 0, UINT64_MAX, &u) == -ERANGE, "max + 1");
	CHECK(num_u64("0", 1, 100, &u) == -ERANGE, "below min");
	CHECK(num_size("64M", 0, UINT64_MAX, &u) == 0 && u == 64ull << 20, "64M");
	CHECK(num_size("512KiB", 0, UINT64_MAX, &u) == 0 && u == 512ull << 10, "512KiB");
	CHECK(num_size("1g", 0, UINT64_MAX, &u) == 0 && u == 1ull << 30, "1g");
	CHECK(num_size("4096", 0, UINT64_MAX, &u) == 0 && u == 4096, "4096");
	CHECK(num_size("16777216T", 0, UINT64_MAX, &u) == -ERANGE, "2^64");
	CHECK(num_size("1X", 0, UINT64_MAX, &u) == -EINVAL, "1X");
	CHECK(num_size("1M", 0, 1000, &u) == -ERANGE, "1M > 1000");
}

static void test_file(void)
{
	char path[] = "/tmp/psys-test-file.XXXXXX";
	int fd = mkstemp(path);
	unsigned char *data;
	size_t len;
	char big[200000];

	CHECK(fd >= 0, "mkstemp");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	CHECK(write(fd, big, sizeof(big)) == (ssize_t)sizeof(big), "write");
	close(fd);
	CHECK(file_read_path(path, SIZE_MAX, &data, &len) == 0 && len == sizeof(big) &&
	      memcmp(data, big, len) == 0 && data[len] == 0, "read back");
	free(data);
	CHECK(file_read_path(path, 1000, &data, &len) == -EFBIG && !data, "over max");
	CHECK(file_read_path("/proc/self/stat", 1 << 20, &data, &len) == 0 && len > 0 &&
	      strlen((char *)data) == len, "/proc file of size 0");
	free(data);
	unlink(path);
	CHECK(file_read_path(path, 10, &data, &len) == -ENOENT, "missing file");
}

static void test_intern(void)
{
	struct intern t = { 0 };
	char words[3000][8];
	int nwords = 0;

	CHECK(intern_find(&t, "x", 1) == INTERN_NONE, "empty table");
	for (int i = 0; i < 20000; i++) {
		char w[8];
		int n = snprintf(w, sizeof(w), "%u", rnd(3000)), is_new, want = -1;

		for (int k = 0; k < nwords; k++)
			if (!strcmp(words[k], w))
				want = k;
		uint32_t id = intern_add(&t, w, (size_t)n, &is_new);
		if (want < 0) {
			CHECK(is_new && id == (uint32_t)nwords, "%s: new id %u, want %d", w, id, nwords);
			memcpy(words[nwords++], w, sizeof(w));
		} else {
			CHECK(!is_new && id == (uint32_t)want, "%s: id %u, want %d", w, id, want);
		}
	}
	for (int k = 0; k < nwords; k++) {
		size_t len;
		const char *s = intern_get(&t, (uint32_t)k, &len);
		CHECK(len == strlen(words[k]) && !memcmp(s, words[k], len), "get %d", k);
	}
	CHECK(intern_add(&t, "", 0, NULL) == (uint32_t)nwords, "empty string");
	CHECK(intern_find(&t, "", 0) == (uint32_t)nwords, "find empty string");
	intern_free(&t);
}

struct seen {
	int verbose;
	char value[32];
};

static int on_opt(int key, const char *value, void *ctx)
{
	struct seen *s = ctx;

	if (key == 'v')
		s->verbose++;
	else if (key == 'x')
		snprintf(s->value, sizeof(s->value), "%s", value);
	else if (key == 'q')
		return cli_bad("prog", "quality", value, "good");
	return 0;
}

static const struct cli_opt OPTS[] = {
	{ "verbose", 'v', NULL, "say more" },
	{ "xvalue", 'x', "N", "a value\nover two lines" },
	{ "quality", 'q', "Q", NULL },
	{ "long-option-name-here", 256, "SOMETHING", "on a line of its own" },
	{ 0 },
};

static void test_cli(void)
{
	char *argv[] = { "prog", "-vv", "--xvalue=7", "file", NULL };
	struct seen s = { 0 };
	int first;

	CHECK(cli_parse(4, argv, "prog", OPTS, on_opt, &s, &first) == 0, "parse");
	CHECK(s.verbose == 2 && !strcmp(s.value, "7") && first == 3, "values %d %s %d",
	      s.verbose, s.value, first);
	char *bad[] = { "prog", "--nope", NULL };
	CHECK(cli_parse(2, bad, "prog", OPTS, on_opt, &s, &first) == CLI_USAGE, "unknown");
	char *miss[] = { "prog", "-x", NULL };
	CHECK(cli_parse(2, miss, "prog", OPTS, on_opt, &s, &first) == CLI_USAGE, "no value");
	char *q[] = { "prog", "-q", "bad", NULL };
	CHECK(cli_parse(3, q, "prog", OPTS, on_opt, &s, &first) == CLI_USAGE, "callback's verdict");

	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	cli_help(f, OPTS);
	fclose(f);
	CHECK_STR(out, "  -v, --verbose   say more\n"
		       "  -x, --xvalue=N  a value\n"
		       "                  over two lines\n"
		       "      --long-option-name-here=SOMETHING\n"
		       "                  on a line of its own\n", "help");
	free(out);
}

int main(void)
{
	test_ids_table();
	test_ids_random();
	test_num();
	test_file();
	test_intern();
	test_cli();
	return test_done("test_base");
}
