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
	{ "a 1\nb 1\n# timeline: \"version=2 start=1 utc_offset=0 end=9 freq=10 lines=2 "
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

int main(void)
{
	test_round_trip();
	test_damaged();
	return test_done("test_timeline");
}
