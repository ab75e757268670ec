/* Table-driven tests for lib/render/svg.c: escaping of hostile bytes, label
 * fitting, number formatting, and write errors. */
#include "render/svg.h"
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* Runs FN on a writer over a memory stream and returns what it wrote. */
static char *capture(void (*fn)(struct svg *, const void *), const void *arg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct svg w;

	svg_init(&w, f);
	fn(&w, arg);
	CHECK(svg_flush(&w) == 0, "flush");
	svg_free(&w);
	fclose(f);
	return out;
}

struct bytes {
	const char *s;
	size_t n;
	size_t max;
};

static void do_escape(struct svg *w, const void *arg)
{
	const struct bytes *b = arg;

	svg_escape(w, b->s, b->n);
}

static void do_fit(struct svg *w, const void *arg)
{
	const struct bytes *b = arg;

	svg_escape_fit(w, b->s, b->n, b->max);
}

#define B(lit) lit, sizeof(lit) - 1
#define FFFD "\xEF\xBF\xBD"

static const struct {
	const char *in;
	size_t n;
	const char *want;
} escapes[] = {
	{ B("plain_name"), "plain_name" },
	{ B("<script>alert(1)</script>"),
	  "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ B("a&b \"c\" 'd'"), "a&amp;b &quot;c&quot; &#39;d&#39;" },
	{ B("]]>"), "]]&gt;" },
	{ B("--><x>"), "--&gt;&lt;x&gt;" },
	{ B("a\0b"), "a" FFFD "b" },
	{ B("tab\there\nnl\r"), "tab" FFFD "here" FFFD "nl" FFFD },
	{ B("\x01\x1f\x7f"), FFFD FFFD FFFD },
	{ B("caf\xC3\xA9"), "caf\xC3\xA9" },			/* é */
	{ B("\xE2\x82\xAC"), "\xE2\x82\xAC" },			/* € */
	{ B("\xF0\x9F\x94\xA5"), "\xF0\x9F\x94\xA5" },		/* U+1F525 */
	{ B("\xC2\x85"), FFFD },				/* C1 NEL */
	{ B("\xC3"), FFFD },					/* cut */
	{ B("\xC3x"), FFFD "x" },
	{ B("\xC0\xAF"), FFFD FFFD },				/* overlong */
	{ B("\xE0\x80\xAF"), FFFD FFFD FFFD },			/* overlong */
	{ B("\xED\xA0\x80"), FFFD FFFD FFFD },			/* surrogate */
	{ B("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD },		/* > 10FFFF */
	{ B("\xF5\x80"), FFFD FFFD },
	{ B("\xFF\xFE"), FFFD FFFD },
	{ B("\xEF\xBF\xBE"), FFFD },				/* U+FFFE */
	{ B("\xEF\xBF\xBF"), FFFD },				/* U+FFFF */
	{ B("a\xE2\x80\xAE" "b"), "a" FFFD "b" },		/* RLO */
	{ B("\xE2\x81\xA6"), FFFD },				/* LRI */
	{ B("\xEF\xBF\xBD"), FFFD },				/* U+FFFD itself */
	{ B(""), "" },
};

static const struct {
	const char *in;
	size_t n, max;
	const char *want;
} fits[] = {
	{ B("do_syscall_64"), 20, "do_syscall_64" },
	{ B("do_syscall_64"), 13, "do_syscall_64" },
	{ B("do_syscall_64"), 12, "do_syscall.." },
	{ B("do_syscall_64"), 3, "d.." },
	{ B("do_syscall_64"), 2, "" },
	{ B("abc"), 3, "abc" },
	{ B("<<<<<"), 4, "&lt;&lt;.." },
	/* Cut by characters, never inside a UTF-8 sequence. */
	{ B("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), 3, "\xC3\xA9.." },
	{ B("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), 4, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9" },
	{ B("\xFF\xFF\xFF\xFFz"), 4, FFFD FFFD ".." },
};

struct num {
	double v;
	int decimals;
	int mode;	/* 0 fixed, 1 count, 2 grouped count */
};

static void do_num(struct svg *w, const void *arg)
{
	const struct num *n = arg;

	if (n->mode == 0)
		svg_fixed(w, n->v, n->decimals);
	else
		svg_count(w, n->v, n->mode == 2);
}

static const struct {
	struct num n;
	const char *want;
} nums[] = {
	{ { 0, 2, 0 }, "0" },
	{ { 12.5, 2, 0 }, "12.5" },
	{ { 12.345, 2, 0 }, "12.35" },	/* 12.345 is 12.3449...: either */
	{ { 1180, 2, 0 }, "1180" },
	{ { 0.004, 2, 0 }, "0" },
	{ { 0.005001, 2, 0 }, "0.01" },
	{ { -0.25, 2, 0 }, "-0.25" },
	{ { -0.001, 2, 0 }, "0" },
	{ { 7.1, 0, 0 }, "7" },
	{ { 0.59, 4, 0 }, "0.59" },
	{ { HUGE_VAL, 2, 0 }, "0" },	/* inf: still a number */
	{ { 0, 0, 1 }, "0" },
	{ { 1234567, 0, 1 }, "1234567" },
	{ { 1234567, 0, 2 }, "1,234,567" },
	{ { 999, 0, 2 }, "999" },
	{ { 1000, 0, 2 }, "1,000" },
	{ { 9007199254740992.0, 0, 1 }, "9007199254740992" },
	{ { 1.5, 0, 2 }, "1.5" },
	{ { 0.1 + 0.2, 0, 1 }, "0.3" },
	/* Past 2^53: all the digits, as flamegraph.pl's %.0f prints them. */
	{ { 1e20, 0, 1 }, "100000000000000000000" },
	{ { 368934881475497600.0, 0, 2 }, "368,934,881,475,497,600" },
	{ { 1e300, 0, 1 }, "1e+300" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		struct bytes b = { escapes[i].in, escapes[i].n, 0 };
		char *got = capture(do_escape, &b);

		CHECK_STR(got, escapes[i].want, escapes[i].want);
		free(got);
	}
	for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
		struct bytes b = { fits[i].in, fits[i].n, fits[i].max };
		char *got = capture(do_fit, &b);

		CHECK_STR(got, fits[i].want, fits[i].want);
		free(got);
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char *got = capture(do_num, &nums[i].n);

		if (i == 2)	/* binary rounding may go either way */
			CHECK(!strcmp(got, "12.35") || !strcmp(got, "12.34"),
			      "12.345: %s", got);
		else
			CHECK_STR(got, nums[i].want, nums[i].want);
		free(got);
	}
	CHECK(svg_charcount(B("a\xC3\xA9\xFF" "b")) == 4, "charcount");

	/* A long run goes through the buffer in pieces, intact. */
	{
		size_t n = 3 * 1024 * 1024 + 17;
		char *big = malloc(n), *got;
		struct bytes b;
		int ok = 1;

		for (size_t i = 0; i < n; i++)
			big[i] = "ab<"[i % 3];
		b.s = big;
		b.n = n;
		got = capture(do_escape, &b);
		CHECK(strlen(got) == n / 3 * 6 + (n % 3 >= 1) + (n % 3 >= 2),
		      "big length %zu", strlen(got));
		for (size_t i = 0, j = 0; i < n && ok; i++) {
			const char *want = big[i] == '<' ? "&lt;" : &big[i];
			size_t k = big[i] == '<' ? 4 : 1;

			ok = memcmp(got + j, want, k) == 0;
			j += k;
		}
		CHECK(ok, "big content");
		free(got);
		free(big);
	}

	/* Write errors stick and come back from svg_flush. */
	{
		FILE *f = fopen("/dev/full", "w");
		struct svg w;

		if (f) {
			svg_init(&w, f);
			for (int i = 0; i < 100000; i++)
				svg_puts(&w, "<g>frames</g>\n");
			CHECK(svg_flush(&w) == -ENOSPC, "/dev/full");
			svg_free(&w);
			fclose(f);
		}
		svg_free(NULL);
	}
	return test_done("test_svg");
}
