/* Tests for lib/folded/timeline.c: a timeline written and read back through
 * folded text whole; then table-driven damaged and hostile timelines,
 * which must be refused (never half read); then the check against the
 * stack lines' counts. */
#include "folded/folded.h"
#include "folded/timeline.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int no_stack(void *ctx, const struct folded_line *l)
{
	(*(int *)ctx)++;
	return 0;
}

/* Reads TEXT as folded input and its timeline into TL. */
static int read_text(const char *text, struct timeline *tl, int *stacks)
{
	struct folded in;
	char err[256];
	int rc;

	folded_init(&in);
	*stacks = 0;
	if (folded_read_mem(&in, text, strlen(text), no_stack, stacks))
		return -1000;
	rc = timeline_read(&in, tl, err, sizeof(err));
	folded_free(&in);
	return rc;
}

static void test_round_trip(void)
{
	struct timeline_mark marks[2] = {
		{ 3000000000, 2000000000, 10, "1:97.53,3:12" },
		{ 1500000000, 500000000, 25.5, "" },
	};
	struct timeline_sample s[] = {
		{ 5, 1, 0 }, { -7, 0, 2 }, { 1001000, 1, 1 }, { 1001000, 0, 1 },
		{ 999999999999, 3, 2 },
	};
	struct timeline tl = {
		.wall0_ns = 1796195334817604865, .utc_offset_s = -19800,
		.end_ns = 5000000000, .freq_hz = 999, .nlines = 3,
		.marks = marks, .nmarks = 2, .samples = s, .nsamples = 5,
	}, back;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int stacks, rc;

	fputs("# psys-fold 0.1.0\na;b 1\na;c 2\nd 2\n", f);
	CHECK(timeline_write(f, &tl) == 0, "write");
	fclose(f);
	/* Other tools must never read a timeline line as a stack: each ends
	 * in a quote. */
	for (char *l = strstr(text, "# timeline"); l; l = strstr(l + 1, "\n# "))
		CHECK(strchr(l + 1, '\n') && strchr(l + 1, '\n')[-1] == '"',
		      "a timeline line ends in a quote");
	rc = read_text(text, &back, &stacks);
	CHECK(rc == 1 && stacks == 3, "read back: %d, %d stacks", rc, stacks);
	if (rc == 1) {
		CHECK(back.wall0_ns == tl.wall0_ns && back.utc_offset_s == -19800 &&
		      back.end_ns == tl.end_ns && back.freq_hz == 999 && back.nlines == 3,
		      "header fields");
		CHECK(back.nmarks == 2 && back.marks[0].at_ns == 1500000000 &&
		      back.marks[1].from_ns == 2000000000 && back.marks[1].gate == 10 &&
		      strcmp(back.marks[1].hot, "1:97.53,3:12") == 0 &&
		      back.marks[0].gate == 25.5, "marks, sorted by time");
		/* Samples come back sorted by time, then CPU. */
		static const struct timeline_sample want[] = {
			{ -7, 0, 2 }, { 5, 1, 0 }, { 1001000, 0, 1 }, { 1001000, 1, 1 },
			{ 999999999999, 3, 2 },
		};
		CHECK(back.nsamples == 5, "5 samples, got %zu", back.nsamples);
		for (size_t i = 0; i < 5 && i < back.nsamples; i++)
			CHECK(back.samples[i].t_ns == want[i].t_ns && back.samples[i].cpu == want[i].cpu &&
			      back.samples[i].line == want[i].line, "sample %zu", i);
		double ok[] = { 1, 2, 2 }, bad[] = { 1, 3, 1 };
		char err[256];
		CHECK(timeline_check(&back, ok, 3, err, sizeof(err)) == 0, "check");
		CHECK(timeline_check(&back, bad, 3, err, sizeof(err)) == -EBADMSG, "counts differ");
		CHECK(timeline_check(&back, ok, 2, err, sizeof(err)) == -EBADMSG, "lines differ");
		timeline_free(&back);
	}
	/* A line index past the lines is a writer's bug, refused. */
	s[0].line = 3;
	f = fopen("/dev/null", "w");
	CHECK(timeline_write(f, &tl) == -EINVAL, "write a sample past the lines");
	fclose(f);
	free(text);
}

#define HEAD "# timeline: \"version=1 start=1 utc_offset=0 end=9 freq=10 lines=2 samples=2\"\n"
#define SAMPLES "# timeline-samples: \"cpu=0 t=5 s=0:0,4:1\"\n"
#define HEAD2 "# timeline: \"version=2 start=1 utc_offset=0 end=9 freq=10 lines=2 samples=2\"\n"
/* Samples at 5 (line 0) and 9 (line 1): steps 0 and 4 from p 0. */
#define S2(QPNB) "# timeline-samples: \"cpu=0 t=5 q=" QPNB "\"\n"
#define SAMPLES2 S2("1 p=0 n=2 b=AAAQAQ==")

static const struct {
	const char *text;
	int rc;
} cases[] = {
	{ "a 1\nb 1\n", 0 },
	{ "a 1\nb 1\n" HEAD SAMPLES, 1 },
	{ HEAD SAMPLES "a 1\nb 1\n", 1 },	/* leading, as sort puts it */
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0\"\n"
	  "# timeline-samples: \"cpu=7 t=-3 s=0:1\"\n", 1 },
	{ "a 1\nb 1\n" HEAD SAMPLES "# timeline-future: \"x\"\n", 1 },
	{ "a 1\nb 1\n# timeline: \"version=3 start=1 utc_offset=0 end=9 freq=10 lines=2 "
	  "samples=2\"\n" SAMPLES, -EBADMSG },
	{ "a 1\nb 1\n# timeline: \"version=1 start=1 end=9 freq=10 lines=2 samples=2\"\n"
	  SAMPLES, -EBADMSG },
	{ "a 1\nb 1\n# timeline: \"version=1 start=1 utc_offset=99999 end=9 freq=10 "
	  "lines=2 samples=2\"\n" SAMPLES, -EBADMSG },
	{ "a 1\nb 1\n# timeline: \"version=1 start=1 utc_offset=0 end=-9 freq=10 "
	  "lines=2 samples=2\"\n" SAMPLES, -EBADMSG },
	{ "a 1\nb 1\n" HEAD, -EBADMSG },				/* samples missing */
	{ "a 1\nb 1\n" HEAD SAMPLES SAMPLES, -EBADMSG },		/* too many */
	{ "a 1\nb 1\n" HEAD HEAD SAMPLES, -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0,4:2\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0,-4:1\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0,4:1,\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0;4:1\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0,4:1x\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"t=5 s=0:0,4:1\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0,"
	  "99999999999999999999:1\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=9223372036854775807 s=0:0,1:1\"\n",
	  -EBADMSG },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=4294967295 t=5 s=0:0,4:1\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD SAMPLES "# timeline-trigger: \"at=5 from=9 gate=10 hot=1:2\"\n",
	  -EBADMSG },
	{ "a 1\nb 1\n" HEAD SAMPLES "# timeline-trigger: \"at=5 from=1 gate=101 hot=1:2\"\n",
	  -EBADMSG },
	{ "a 1\nb 1\n" HEAD SAMPLES "# timeline-trigger: \"at=5 from=1 gate=10 "
	  "hot=1:2<script>\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD SAMPLES "# timeline-trigger: \"at=5 from=1 gate=10 hot=1:2\"\n", 1 },
	{ "a 1\nb 1\n" HEAD "# timeline-samples: \"cpu=0 t=5 s=0:0\\u0000,4:1\"\n", -EBADMSG },
	/* Version 2: base64 varints (docs/FORMAT.md). */
	{ "a 1\nb 1\n" HEAD2 SAMPLES2, 1 },
	{ "a 1\nb 1\n" HEAD2 S2("1000 p=200 n=2 b=ngYAAQcB"), 1 },	/* a remainder */
	{ "a 1\nb 1\n" HEAD2 SAMPLES2 "# timeline-trigger: \"at=5 from=1 gate=10 hot=1:2\"\n", 1 },
	{ "a 1\nb 1\n" HEAD2 SAMPLES, -EBADMSG },	/* version 1's samples */
	{ "a 1\nb 1\n" HEAD SAMPLES2, -EBADMSG },	/* version 2's samples */
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=3 b=AAAQAQ=="), -EBADMSG },	/* too few bytes */
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=1 b=AAAQAQ=="), -EBADMSG },	/* too many */
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=0 b="), -EBADMSG },
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=2 b=AAAQAQ=!"), -EBADMSG },
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=2 b=AAAQAQ="), -EBADMSG },
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=2 b=AA==AAAQAQ=="), -EBADMSG },
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=2 b=AAAQAR=="), -EBADMSG },	/* bits under '=' */
	{ "a 1\nb 1\n" HEAD2 S2("0 p=0 n=2 b=AAAQAQ=="), -EBADMSG },	/* q 0 */
	{ "a 1\nb 1\n" HEAD2 S2("1 p=0 n=2 b=AAAQAg=="), -EBADMSG },	/* line 2 of 2 */
	{ "a 1\nb 1\n" HEAD2 S2("1 p=-5 n=2 b=FAAAAQ=="), -EBADMSG },	/* a step back */
	{ "a 1\nb 1\n" HEAD2 S2("1000 p=200 n=2 b=AAABAAE="), -EBADMSG },	/* remainder 0 */
	{ "a 1\nb 1\n" HEAD2 S2("1000 p=200 n=2 b=ngYAAegHAQ=="), -EBADMSG },	/* remainder q */
	{ "a 1\nb 1\n" HEAD2 S2("1000 p=0 n=2 b=AACAgICAgICAgIABAQ=="), -EBADMSG },
	{ "a 1\nb 1\n" HEAD2 "# timeline-samples: \"cpu=0 t=9223372036854775806 q=1 p=1 "
	  "n=2 b=AAAEAQ==\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD2 "# timeline-samples: \"cpu=0 t=5 q=1 p=0 n=2\"\n", -EBADMSG },
	{ "a 1\nb 1\n" HEAD2 "# timeline-samples: \"cpu=0 t=5 p=0 n=2 b=AAAQAQ==\"\n",
	  -EBADMSG },
};

static void test_damaged(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct timeline tl;
		int stacks, rc = read_text(cases[i].text, &tl, &stacks);

		CHECK(rc == cases[i].rc, "case %zu: got %d, want %d", i, rc, cases[i].rc);
		CHECK(stacks == 2, "case %zu: %d stack lines, want 2 (timeline lines are "
		      "not stacks, nor invalid)", i, stacks);
		if (rc != 1)
			CHECK(tl.nsamples == 0 && tl.samples == NULL && tl.nmarks == 0,
			      "case %zu: refused but not empty", i);
		timeline_free(&tl);
	}
}

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct timeline_sample *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* TL in version 1, as earlier psys-fold wrote it (the samples one to a line:
 * the form allows any number): the oracle the version 2 text must read
 * back the same as. */
static void write_v1(FILE *f, const struct timeline *tl)
{
	fprintf(f, "# timeline: \"version=1 start=%lld utc_offset=%d end=%lld freq=%u "
		"lines=%llu samples=%zu\"\n", (long long)tl->wall0_ns, tl->utc_offset_s,
		(long long)tl->end_ns, tl->freq_hz, (unsigned long long)tl->nlines, tl->nsamples);
	for (size_t i = 0; i < tl->nsamples; i++)
		fprintf(f, "# timeline-samples: \"cpu=%u t=%lld s=0:%u\"\n", tl->samples[i].cpu,
			(long long)tl->samples[i].t_ns, tl->samples[i].line);
}

/* Timelines of many shapes (one CPU or several, CPU numbers past the
 * counting sort's reach, in time order or none, whole microseconds or
 * not, gaps, two samples at one time, more than a line's chunk, no
 * sampling rate) written in version 2 and read back: the same samples as
 * their version 1 text reads as, and as were written. */
static void test_shapes(void)
{
	for (int round = 0; round < 60; round++) {
		size_t n = round == 0 ? 1 : rnd(3) == 0 ? 9000 + rnd(3000) : 1 + rnd(600);
		uint32_t ncpu = 1 + (uint32_t)rnd(round % 3 ? 5 : 1), big = rnd(6) == 0;
		uint32_t nlines = 1 + (uint32_t)rnd(round % 4 ? 300 : 3);
		int64_t q = rnd(2) ? 1000 : 1, period = (int64_t)rnd(3) * 100000 + 333333;
		int64_t at[8];
		struct timeline tl = { .wall0_ns = 1796195334817604865, .end_ns = 5000000000,
				       .freq_hz = rnd(4) ? (uint32_t)(1e9 / period) : 0,
				       .nlines = nlines };
		struct timeline_sample *s = calloc(n, sizeof(*s));
		struct timeline v1, v2;
		char *t1 = NULL, *t2 = NULL;
		size_t l1 = 0, l2 = 0;
		FILE *f1 = open_memstream(&t1, &l1), *f2 = open_memstream(&t2, &l2);
		int stacks, r1, r2;

		for (uint32_t c = 0; c < 8; c++)
			at[c] = (int64_t)rnd(5000000) - 2000000;
		for (size_t i = 0; i < n; i++) {
			uint32_t c = (uint32_t)rnd(ncpu);
			uint64_t r = rnd(100);
			int64_t step = r < 80 ? period / q * q + ((int64_t)rnd(11) - 5) * q :
				       r < 90 ? (int64_t)rnd(9) * (period / q * q) : r < 95 ? 0 :
				       r < 98 ? (int64_t)rnd(3000000000) : (int64_t)rnd(999) + 1;

			at[c] += step;
			s[i] = (struct timeline_sample){ at[c], big ? c * 70001 : c,
							 (uint32_t)rnd(nlines) };
		}
		/* In time order, as fold_timeline hands them, mostly; else
		 * each CPU's in order, or none. */
		switch (rnd(4)) {
		case 0:
			for (size_t i = n; i > 1; i--) {
				size_t j = (size_t)rnd(i);
				struct timeline_sample x = s[i - 1];

				s[i - 1] = s[j];
				s[j] = x;
			}
			break;
		case 1:
			break;
		default:
			qsort(s, n, sizeof(*s), cmp_sample);
		}
		tl.samples = s;
		tl.nsamples = n;
		write_v1(f1, &tl);
		CHECK(timeline_write(f2, &tl) == 0, "round %d: write", round);
		fclose(f1);
		fclose(f2);
		r1 = read_text(t1, &v1, &stacks);
		r2 = read_text(t2, &v2, &stacks);
		qsort(s, n, sizeof(*s), cmp_sample);
		CHECK(r1 == 1 && r2 == 1 && v1.nsamples == n && v2.nsamples == n,
		      "round %d: read %d %d, %zu and %zu of %zu samples", round, r1, r2,
		      v1.nsamples, v2.nsamples, n);
		if (r1 == 1 && r2 == 1 && v1.nsamples == n && v2.nsamples == n) {
			CHECK(memcmp(v1.samples, s, n * sizeof(*s)) == 0,
			      "round %d: version 1 reads what was written", round);
			CHECK(memcmp(v2.samples, s, n * sizeof(*s)) == 0,
			      "round %d: version 2 reads what was written", round);
			CHECK(v2.freq_hz == tl.freq_hz && v2.nlines == nlines, "round %d: header",
			      round);
		}
		timeline_free(&v1);
		timeline_free(&v2);
		free(t1);
		free(t2);
		free(s);
	}
}

/* A capture's shape (one CPU at 4999 Hz, times in whole microseconds a
 * few off the period, now and then a period skipped, under 128 lines):
 * about two bytes a sample, three characters of base64. Version 1 took
 * eleven. */
static void test_size(void)
{
	size_t n = 20000;
	struct timeline_sample *s = calloc(n, sizeof(*s));
	struct timeline tl = { .wall0_ns = 1, .freq_hz = 4999, .nlines = 120,
			       .samples = s, .nsamples = n };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int64_t t = 1067119;

	for (size_t i = 0; i < n; i++) {
		t += (rnd(20) ? 200 : 400) * 1000 + ((int64_t)rnd(7) - 3) * 1000;
		s[i] = (struct timeline_sample){ t, 1, (uint32_t)rnd(120) };
	}
	CHECK(timeline_write(f, &tl) == 0, "write");
	fclose(f);
	CHECK(len < n * 3 + 1000, "%zu bytes for %zu samples", len, n);
	free(text);
	free(s);
}

int main(void)
{
	test_round_trip();
	test_damaged();
	test_shapes();
	test_size();
	return test_done("test_timeline");
}
