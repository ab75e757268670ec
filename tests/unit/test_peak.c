/* Tests for lib/record/peak.c, the peak rule, on synthetic sample streams at
 * 200 Hz: an idle CPU, then a burst of D ms where P% of the samples are
 * sys time (spread evenly), then idle again. At the defaults (0.2 s, 50%)
 * a burst fires when P x min(D, 200) / 200 reaches 50: the table below
 * is that arithmetic, written out. Also: where it says the burst began,
 * once per burst, about once a second for a long one, never on idle or
 * steady loads under the threshold, other windows, bad options. */
#include "record/peak.h"
#include "test.h"

#include <errno.h>

#define MS 1000000LL
#define HZ 200
#define STEP (1000000000LL / HZ)

struct run {
	int fires;
	struct peak_fire first;
};

/* Feeds CPU a stream: IDLE_MS idle (sys 0), BURST_MS at PCT% sys (the
 * rest user or idle, alternately), then TAIL_MS idle. The burst starts at
 * 1 s + PHASE. */
static int64_t epoch;	/* added to every time: later streams come later */

static struct run stream(struct peak *p, uint32_t cpu, int64_t burst_ms, int pct,
			 int64_t tail_ms, int64_t phase)
{
	struct run r = { 0 };
	struct peak_fire f;
	int64_t t0 = epoch + 1000 * MS + phase, t = t0 - 1000 * MS;
	int64_t end = t0 + burst_ms * MS + tail_ms * MS;

	for (long i = 0, k = 0; t < end; t += STEP, i++) {
		int sys = 0;
		if (t >= t0 && t < t0 + burst_ms * MS) {
			/* Sample k of the burst is sys when the running count
			 * of PCT% steps up: exactly PCT% of any run, evenly. */
			sys = (k + 1) * pct / 100 > k * pct / 100;
			k++;
		}
		int ret = peak_sample(p, cpu, t, sys, &f);
		CHECK(ret >= 0, "peak_sample: %d", ret);
		if (ret == 1 && r.fires++ == 0)
			r.first = f;
	}
	return r;
}

static struct peak *make(int64_t window_ns, double threshold)
{
	struct peak_opts o = { window_ns, threshold, HZ };
	struct peak *p = peak_new(&o);

	CHECK(p, "peak_new failed");
	return p;
}

static void table_test(void)
{
	static const struct { int ms, pct, fires; } want[] = {
		{ 100, 30, 0 }, { 100, 50, 0 }, { 100, 100, 1 },
		{ 150, 30, 0 }, { 150, 50, 0 }, { 150, 100, 1 },
		{ 200, 30, 0 }, { 200, 50, 1 }, { 200, 100, 1 },
		{ 500, 30, 0 }, { 500, 50, 1 }, { 500, 100, 1 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* Two phases of the burst against the sample clock. */
		for (int64_t phase = 0; phase < STEP; phase += STEP / 2) {
			struct peak *p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
			struct run r = stream(p, 1, want[i].ms, want[i].pct, 2000, phase);
			int64_t t0 = epoch + 1000 * MS + phase;

			CHECK(r.fires == want[i].fires, "%d ms at %d%% (phase %lld): %d fires, want %d",
			      want[i].ms, want[i].pct, (long long)phase, r.fires, want[i].fires);
			if (r.fires) {
				/* The burst's start: its first sys sample. */
				CHECK(r.first.start_ns >= t0 && r.first.start_ns < t0 + 2 * STEP,
				      "%d ms at %d%%: start %lld, burst at %lld", want[i].ms,
				      want[i].pct, (long long)r.first.start_ns, (long long)t0);
				CHECK(r.first.end_ns <= t0 + want[i].ms * MS,
				      "%d ms at %d%%: fired at %lld, after the burst", want[i].ms,
				      want[i].pct, (long long)r.first.end_ns);
				CHECK(r.first.cpu == 1 && r.first.share >= 50 && r.first.n == 40,
				      "cpu %u share %.2f n %u", r.first.cpu, r.first.share, r.first.n);
			}
			peak_free(p);
		}
	}
}

static void other_test(void)
{
	struct peak *p;
	struct run r;

	/* An idle CPU, and steady loads under the threshold: 30% and 45%
	 * sys for 10 s never fire. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	r = stream(p, 0, 0, 0, 10000, 0);
	CHECK(r.fires == 0, "idle: %d fires", r.fires);
	r = stream(p, 2, 10000, 30, 0, 0);
	CHECK(r.fires == 0, "steady 30%%: %d fires", r.fires);
	r = stream(p, 3, 10000, 45, 0, 0);
	CHECK(r.fires == 0, "steady 45%%: %d fires", r.fires);
	peak_free(p);

	/* A long burst fires about once a second: 3 s at 100%, 3 fires. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	r = stream(p, 0, 3000, 100, 1000, 0);
	CHECK(r.fires == 3, "3 s at 100%%: %d fires, want 3", r.fires);
	/* Two bursts 2 s apart on one CPU: two fires; CPUs are apart. */
	epoch = 10000 * MS;
	r = stream(p, 0, 200, 100, 1800, 0);
	CHECK(r.fires == 1, "second burst: %d fires, want 1", r.fires);
	r = stream(p, 5, 200, 100, 0, 0);
	CHECK(r.fires == 1, "cpu 5: %d fires, want 1", r.fires);
	epoch = 0;
	peak_free(p);

	/* Not on a few samples at start: 10 sys samples are 10 of the 40 a
	 * window should hold. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	struct peak_fire f;
	int fired = 0;
	for (int i = 0; i < 10; i++)
		fired |= peak_sample(p, 0, 1000 * MS + i * STEP, 1, &f);
	CHECK(!fired, "fired on 10 samples");
	peak_free(p);

	/* Other settings: a 0.1 s window catches 150 ms at 50%; a 75%
	 * threshold misses 200 ms at 70%. */
	p = make(100 * MS, 50);
	r = stream(p, 0, 150, 50, 500, 0);
	CHECK(r.fires == 1, "0.1 s window, 150 ms at 50%%: %d fires", r.fires);
	peak_free(p);
	p = make(PEAK_WINDOW_DEFAULT_NS, 75);
	r = stream(p, 0, 200, 70, 500, 0);
	CHECK(r.fires == 0, "75%%, 200 ms at 70%%: %d fires", r.fires);
	peak_free(p);

	/* Samples out of order within a CPU do not break it. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	for (int i = 0; i < 100; i++)
		CHECK(peak_sample(p, 0, 1000 * MS + (i % 2 ? -i : i) * STEP, i % 2, &f) >= 0,
		      "out of order");
	peak_free(p);

	/* Bad options. */
	struct peak_opts bad[] = {
		{ 0, 50, HZ }, { 100 * MS, 0, HZ }, { 100 * MS, 101, HZ }, { 100 * MS, 50, 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(!peak_new(&bad[i]) && errno == EINVAL, "bad options %zu accepted", i);
	}
}

int main(void)
{
	table_test();
	other_test();
	return test_done("test_peak");
}
