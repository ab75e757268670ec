/* Tests for lib/record/peak.c, the peak rule, on synthetic sample streams at
 * 200 Hz: an idle CPU, then a burst of D ms where P% of the samples are
 * sys time (spread evenly), then idle again. At the defaults (0.15 s, 35%
 * above the CPU's base) a burst on an idle CPU fires when its window of
 * 30 samples holds ceil(0.35 x 30) = 11 sys samples: P x min(D, 150) / 5
 * >= 11. The table below is that arithmetic, written out. Also: where it
 * says the burst began, once per burst, the base (a steady load's level
 * raises the bar; a CPU busy from its first sample is no rise), short
 * spikes, never on idle or steady loads, other windows, bad options.
 * Random streams (bursts and backgrounds at random): tests/tools/peaksim.c. */
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

/* Feeds CPU a stream: LEAD_MS idle (sys 0), BURST_MS at PCT% sys (the
 * rest user or idle), then TAIL_MS idle. The burst starts at LEAD_MS +
 * PHASE. */
static int64_t epoch;	/* added to every time: later streams come later */

static struct run stream_lead(struct peak *p, uint32_t cpu, int64_t lead_ms, int64_t burst_ms,
			      int pct, int64_t tail_ms, int64_t phase)
{
	struct run r = { 0 };
	struct peak_fire f;
	int64_t t0 = epoch + lead_ms * MS + phase, t = t0 - lead_ms * MS;
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

/* The same after 1 s of idle: a CPU whose base is known and zero. */
static struct run stream(struct peak *p, uint32_t cpu, int64_t burst_ms, int pct,
			 int64_t tail_ms, int64_t phase)
{
	return stream_lead(p, cpu, 1000, burst_ms, pct, tail_ms, phase);
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
		/* 100 ms: 6, 10 and 20 sys samples; 150 ms and more: a
		 * window of 30 holds 9, 15 and 30. */
		{ 100, 30, 0 }, { 100, 50, 0 }, { 100, 100, 1 },
		{ 150, 30, 0 }, { 150, 50, 1 }, { 150, 100, 1 },
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
				CHECK(r.first.cpu == 1 && r.first.n == 30 && r.first.need == 11 &&
				      r.first.sys == 11 && r.first.base == 0,
				      "cpu %u: %u of %u samples, %u asked for, base %.2f%%",
				      r.first.cpu, r.first.sys, r.first.n, r.first.need,
				      r.first.base);
			}
			peak_free(p);
		}
	}
}

static void other_test(void)
{
	struct peak *p;
	struct run r;

	/* An idle CPU, and steady loads: under the interval gate (6% and
	 * 9.5%), and over it (30%, 45%) once the CPU's base knows them (the
	 * rise from idle to 45% fires once, as it should), never fire. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	r = stream(p, 0, 0, 0, 10000, 0);
	CHECK(r.fires == 0, "idle: %d fires", r.fires);
	static const int steady[] = { 6, 9, 30 };
	for (size_t i = 0; i < sizeof(steady) / sizeof(steady[0]); i++) {
		r = stream(p, 2 + (uint32_t)i, 10000, steady[i], 0, 0);
		CHECK(r.fires == 0, "steady %d%% after idle: %d fires", steady[i], r.fires);
	}
	r = stream(p, 6, 10000, 45, 0, 0);
	CHECK(r.fires == 1, "45%% after idle: %d fires, want 1 (the rise)", r.fires);
	peak_free(p);
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	r = stream_lead(p, 0, 0, 10000, 45, 0, 0);
	CHECK(r.fires == 0, "45%% from the start: %d fires", r.fires);
	r = stream_lead(p, 1, 0, 10000, 100, 0, 0);
	CHECK(r.fires == 0, "100%% from the start: %d fires", r.fires);
	peak_free(p);

	/* A CPU that takes no samples while idle (a tickless idle CPU on
	 * some virtual machines) and then a 200 ms burst: its silence was
	 * idle time, so the burst is a rise and fires at once. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	int64_t e0 = epoch;
	r = stream_lead(p, 0, 2000, 0, 0, 0, 0);
	CHECK(r.fires == 0, "idle CPU 0: %d fires", r.fires);
	epoch = e0;
	r = stream_lead(p, 1, 0, 200, 100, 0, 1500 * MS);
	CHECK(r.fires == 1, "a burst on a silent CPU: %d fires, want 1", r.fires);
	CHECK(r.fires == 0 || r.first.end_ns - r.first.start_ns <= 60 * MS,
	      "a burst on a silent CPU fired %lld ms in", (long long)((r.first.end_ns - r.first.start_ns) / MS));
	epoch = e0 + 10000 * MS;
	peak_free(p);

	/* The base raises the bar: after 3 s at a steady 12% (3.6 samples
	 * of a window of 30, 3 whole ones), a burst needs 11 + 3 sys samples:
	 * 150 ms at 40% (12) does not fire, though it would on an idle CPU;
	 * at 50% (15) it does. */
	for (int pct = 40; pct <= 50; pct += 10) {
		p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
		r = stream_lead(p, 0, 0, 3000, 12, 0, 0);
		CHECK(r.fires == 0, "3 s at 12%%: %d fires", r.fires);
		epoch = 3000 * MS;
		r = stream_lead(p, 0, 0, 150, pct, 500, 0);
		CHECK(r.fires == (pct == 50), "150 ms at %d%% on a 12%% base: %d fires", pct,
		      r.fires);
		if (r.fires)
			CHECK(r.first.need == 14 && r.first.base > 11 && r.first.base < 13,
			      "on a 12%% base: %u asked for, base %.2f%%", r.first.need,
			      r.first.base);
		epoch = 0;
		peak_free(p);
		p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
		r = stream(p, 0, 150, pct, 500, 0);
		CHECK(r.fires == 1, "150 ms at %d%% on an idle CPU: %d fires", pct, r.fires);
		peak_free(p);
	}

	/* Short spikes (a process starting, a few page faults): under 11 sys
	 * samples, 55 ms at 100%, never fire. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	r = stream(p, 0, 50, 100, 500, 0);
	CHECK(r.fires == 0, "50 ms at 100%%: %d fires", r.fires);
	r = stream(p, 1, 60, 100, 500, 0);
	CHECK(r.fires == 1, "60 ms at 100%%: %d fires", r.fires);
	peak_free(p);

	/* A long burst fires at its start and a second later; then its own
	 * level is the CPU's base (the interval gate sees a burst that long:
	 * 3 s at 100% is 100% of a 3 s poll). */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	r = stream(p, 0, 3000, 100, 1000, 0);
	CHECK(r.fires == 2, "3 s at 100%%: %d fires, want 2", r.fires);
	peak_free(p);
	/* Two bursts 2 s apart on one CPU: two fires; CPUs are apart. */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	r = stream(p, 0, 200, 100, 1800, 0);
	CHECK(r.fires == 1, "first burst: %d fires, want 1", r.fires);
	epoch = 3000 * MS;
	r = stream_lead(p, 0, 0, 200, 100, 1800, 0);
	CHECK(r.fires == 1, "second burst: %d fires, want 1", r.fires);
	r = stream(p, 5, 200, 100, 0, 0);
	CHECK(r.fires == 1, "cpu 5: %d fires, want 1", r.fires);
	epoch = 0;
	peak_free(p);

	/* Not on a few samples at start: a CPU is not judged before a
	 * window's worth of its samples has left the window (its base). */
	p = make(PEAK_WINDOW_DEFAULT_NS, PEAK_THRESHOLD_DEFAULT);
	struct peak_fire f;
	int fired = 0;
	for (int i = 0; i < 10; i++)
		fired |= peak_sample(p, 0, 1000 * MS + i * STEP, 1, &f);
	CHECK(!fired, "fired on 10 samples");
	peak_free(p);

	/* Other settings: a 0.1 s window at 50% catches 150 ms at 50% (10
	 * of 20); a 75% threshold misses 200 ms at 70% (21 of 30, 23 asked
	 * for). */
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
