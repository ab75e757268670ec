/* Table-driven tests for lib/fold/summary.c and lib/fold/window.c: what
 * the metadata lines say about several captures (hosts once each, rules
 * once each, the first trigger in words, the wall-clock window, the CPUs
 * the slice keeps, losses added), and how --from/--to meet each capture's
 * start (kinds resolved per capture, an empty range refused, a capture
 * without a start refused, an empty window warned of). */
#include "fold/summary.h"
#include "fold/window.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S 1000000000LL

/* The value of "# KEY: VALUE" in TEXT (quotes kept), or "". */
static const char *meta(const char *text, const char *key, char *buf, size_t len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "# %s: ", key);
	buf[0] = '\0';
	for (p = text; (p = strstr(p, pat)); p++)
		if (p == text || p[-1] == '\n') {
			p += strlen(pat);
			snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
			break;
		}
	return buf;
}

/* Messages handed to a diag, joined by '|'. */
static char said[2048];

static void hear(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(said + strlen(said), sizeof(said) - strlen(said), "%s%s", *said ? "|" : "",
		 msg);
}

static void test_summary(void)
{
	struct trigger_cpu hot[] = { { 1, 62.5 }, { 2, 55 }, { 3, 51 }, { 4, 50 }, { 5, 50 },
				     { 6, 50 } }, one[] = { { 1, 12 } };
	struct trigger peak = { .rule = "peak", .window = 0.2, .gate = 50, .nhot = 6,
				.hot = hot };
	struct trigger intv = { .rule = "", .interval = 3, .gate = 10, .nhot = 1, .hot = one };
	struct psys_trigger_rec later[] = { { .t = intv }, { .t = peak }, { .t = intv } };
	struct capinfo a = { .host = "web;1", .kernel_release = "6.18.0", .cpus = "0-3",
		.h = { .freq_hz = 200, .start_wall_ns = 100 * S, .start_mono_ns = 5 * S },
		.stext_first = 0x1000, .etext_first = 0x2000, .trigger = &peak,
		.t = { .end_wall_ns = 102 * S, .lost = 3, .stack_errors = 1,
		       .triggers = later, .ntriggers = 3 } };
	/* No trailer: it ran until its last sample. */
	struct capinfo b = { .host = "db", .kernel_release = "6.1", .cpus = "2,5",
		.h = { .freq_hz = 99, .start_wall_ns = 99 * S, .start_mono_ns = 7 * S },
		.trigger = &intv, .stext_first = 0x5000, .t = { .lost = 4 } };
	struct slice sl = { 0 };
	struct summary s = { 0 };
	struct fold_counts c = { .folded = 10, .samples = 12, .user = 1, .idle = 1,
				 .last_ns = 7 * S + 4 * S };
	char *text = NULL, v[256];
	size_t len = 0;
	FILE *f;

	CHECK(idlist_parse("1-2,5", IDLIST_MAX_CPU, &sl.cpus) == 0, "cpu list");
	summary_add(&s, &sl, &a, &c);
	summary_add(&s, &sl, &b, &c);
	summary_add(&s, &sl, &a, &c);
	CHECK_STR(s.hosts, "web:1, db", "hosts: cleaned, each once");
	CHECK_STR(s.kernel, "6.18.0", "the first capture's kernel");
	CHECK(s.freq == 200, "the first rate: %ld", s.freq);
	CHECK(s.files == 3 && s.lost == 10 && s.stack_errors == 2, "sums: %d files, lost %llu",
	      s.files, (unsigned long long)s.lost);
	CHECK(s.kernel_start == 0x1000 && s.kernel_limit == 0x2000, "the first's kernel range");
	CHECK_STR(s.trigger, "peak: cpu 1 at 62.5%, 2 at 55.0%, 3 at 51.0%, 4 at 50.0% and 2 "
		  "more sys over 0.2 s (threshold 50%)", "the first trigger in words");
	CHECK_STR(s.rules, "peak, interval", "rules, each once");
	CHECK(s.wall_first == 99 * S && s.wall_last == 103 * S,
	      "window: from the earliest start to the latest end (b's last sample): %lld %lld",
	      (long long)s.wall_first, (long long)s.wall_last);
	CHECK(summary_period_ns(&s) == 5000000, "period at 200 Hz");

	snprintf(sl.desc, sizeof(sl.desc), " --cpu 1-2,5");
	f = open_memstream(&text, &len);
	summary_write(&s, &c, sl.desc, f);
	fclose(f);
	CHECK_STR(meta(text, "title", v, sizeof(v)), "\"sysHigh for cpu 1:2:5\"",
		  "title: the CPUs the slice keeps");
	CHECK_STR(meta(text, "slice", v, sizeof(v)), "\"--cpu 1-2,5\"", "slice line");
	CHECK_STR(meta(text, "samples_read", v, sizeof(v)),
		  "\"12 (user 1, idle 1, sliced off 0 not folded)\"", "samples_read");
	CHECK_STR(meta(text, "files", v, sizeof(v)), "\"3\"", "files");
	CHECK_STR(meta(text, "rules", v, sizeof(v)), "\"peak, interval\"", "rules line");
	free(text);
	summary_free(&s);
	slice_free(&sl);
}

/* A capture that grew: it started for CPU 1, a trigger for CPU 0 came
 * while it ran; its trailer names both. The title and "# cpus:" name
 * every CPU captured, in perfSys's colon style. */
static void test_grown(void)
{
	struct capinfo g = { .host = "", .kernel_release = "", .cpus = "1", .h = { .freq_hz = 99, .start_wall_ns = 100 * S },
			     .t = { .end_wall_ns = 103 * S, .hot_cpus = "0-1" } };
	struct slice sl = { 0 };
	struct summary s = { 0 };
	struct fold_counts c = { 0 };
	char *text = NULL, v[256];
	size_t len = 0;
	FILE *f;

	summary_add(&s, &sl, &g, &c);
	f = open_memstream(&text, &len);
	summary_write(&s, &c, "", f);
	fclose(f);
	CHECK_STR(meta(text, "title", v, sizeof(v)), "\"sysHigh for cpu 0:1\"",
		  "a capture that grew: the title names every CPU");
	CHECK_STR(meta(text, "cpus", v, sizeof(v)), "\"0:1\"", "a capture that grew: # cpus");
	free(text);
	summary_free(&s);
}

static const struct {
	const char *from, *to;	/* NULL: not given */
	int64_t wall0, mono0;	/* the capture's start */
	int err;
	uint64_t from_ns, to_ns;
} windows[] = {
	{ NULL, NULL, 0, 0, 0, 0, UINT64_MAX },
	{ "1", "2.5", 100 * S, 10 * S, 0, 11 * S, 12 * S + S / 2 },
	{ "1", NULL, 100 * S, 10 * S, 0, 11 * S, UINT64_MAX },
	/* 00:01:40 UTC is the capture's start (TZ=UTC). */
	{ "00:01:41", "3", 100 * S, 10 * S, 0, 11 * S, 13 * S },
	{ "00:01:43", "2", 100 * S, 10 * S, -ERANGE, 0, 0 },
	{ "1", NULL, 0, 0, -EINVAL, 0, 0 },
};

static void test_window(void)
{
	const struct diag d = { hear, NULL };

	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		struct slice sl = { 0 };
		struct capinfo ci = { .h = { .start_wall_ns = windows[i].wall0,
					     .start_mono_ns = windows[i].mono0 } };
		struct fold_input in = { 0 };
		int err;

		if (windows[i].from)
			CHECK(slice_set_time(&sl, 0, windows[i].from) == 0, "--from %zu", i);
		if (windows[i].to)
			CHECK(slice_set_time(&sl, 1, windows[i].to) == 0, "--to %zu", i);
		said[0] = '\0';
		err = window_resolve(&sl, "x.psys", &ci, &in, &d);
		CHECK(err == windows[i].err, "window %zu: %d, want %d", i, err, windows[i].err);
		CHECK(!err == !*said, "window %zu: a message for an error only: '%s'", i, said);
		if (!err)
			CHECK(in.from_ns == windows[i].from_ns && in.to_ns == windows[i].to_ns,
			      "window %zu: %llu..%llu", i, (unsigned long long)in.from_ns,
			      (unsigned long long)in.to_ns);
		if (err == -ERANGE)
			CHECK_STR(said, "'x.psys': --to 2 is not after --from 00:01:43",
				  "the message names both as given");
		slice_free(&sl);
	}

	/* A window that missed every sample is warned of, naming the span. */
	struct slice sl = { 0 };
	struct capinfo ci = { .h = { .start_wall_ns = 100 * S, .start_mono_ns = 10 * S },
			      .t = { .end_mono_ns = 12 * S } };
	struct fold_counts c = { .in_window = 0, .last_ns = 11 * S };

	CHECK(slice_set_time(&sl, 0, "5") == 0, "--from 5");
	CHECK_STR(sl.desc, " --from 5", "the slice in words");
	said[0] = '\0';
	window_check_empty(&sl, "x.psys", &ci, &c, &d);
	CHECK_STR(said, "warning: 'x.psys': no samples in the range --from 5: the capture "
		  "covers 0 to 2.000 s (1970-01-01T00:01:40.000+00:00 .. "
		  "1970-01-01T00:01:42.000+00:00)", "empty window warning");
	c.in_window = 1;
	said[0] = '\0';
	window_check_empty(&sl, "x.psys", &ci, &c, &d);
	CHECK(!*said, "no warning once a sample was in the window: '%s'", said);
	slice_free(&sl);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	test_summary();
	test_grown();
	test_window();
	return test_done("test_summary");
}
