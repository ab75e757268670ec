/* The recorder (lib/record/recorder.c, capture.c) driven deterministically
 * through what it is handed: a fake clock, a fake sample source and file
 * writes that fail where a test says. Every capture written is read back
 * with the .psys reader, the oracle: what it holds, what its trailer
 * says, and that no sample is outside its window or in two files. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ptime.h"
#include "psysfile/header.h"
#include "psysfile/psysfile.h"
#include "record/recorder.h"
#include "test.h"
#include "watch/trigger.h"

#define MS 1000000LL
#define FREQ 100
#define PERIOD (NSEC / FREQ)
#define T0 (1000 * NSEC)		/* the monotonic clock as a test starts */
#define WALL0 1796000000000000000LL	/* and the wall clock */
#define NCPU 3

/* ---- The fake world: clocks, CPUs making samples, a disk. ---- */

enum fault { F_NONE, F_ENOSPC_FROM, F_EIO_ONCE, F_EIO_FROM, F_SHORT };

struct world {
	struct recorder *r;
	int64_t mono, wall_step;
	/* Each CPU samples every PERIOD while online, from NEXT on. */
	int online[NCPU];
	int64_t next[NCPU];
	uint64_t lost;
	uint64_t burst;			/* a drain hands this many at once */
	/* The disk: the writes counted, the fault from write FAULT_AT on. */
	enum fault fault;
	long writes, fault_at;
	off_t alloc_end[1024];		/* by fd: fallocate's reach */
	char msgs[8192];		/* what the recorder said */
	char paths[4096];		/* the paths it handed over */
};

static int64_t now_of(void *ctx, enum recorder_clock_id which)
{
	struct world *w = ctx;

	return which == RECORDER_MONO ? w->mono : WALL0 + (w->mono - T0) + w->wall_step;
}

static void said(void *ctx, const char *msg)
{
	struct world *w = ctx;
	size_t n = strlen(w->msgs);

	snprintf(w->msgs + n, sizeof(w->msgs) - n, "%s\n", msg);
}

static int finished(void *ctx, const char *path)
{
	struct world *w = ctx;
	size_t n = strlen(w->paths);

	snprintf(w->paths + n, sizeof(w->paths) - n, "%s\n", path);
	return 0;
}

static const uint64_t frames[] = { 0xffffffff81000100ull, 0xffffffff81000200ull };

static void one_sample(struct world *w, int cpu, int64_t t)
{
	struct psysfile_sample s = {
		.time_ns = (uint64_t)t, .cpu = (uint32_t)cpu, .pid = 100 + cpu, .tid = 100 + cpu,
		.comm = "load", .nframes = 2, .frames = frames,
	};
	recorder_sample(w->r, &s, NULL);
}

static int drain(void *ctx)
{
	struct world *w = ctx;
	int n = 0;

	for (int cpu = 0; cpu < NCPU; cpu++)
		for (; w->online[cpu] && w->next[cpu] <= w->mono; w->next[cpu] += PERIOD, n++)
			one_sample(w, cpu, w->next[cpu]);
	/* A burst: as many samples as asked, in the last millisecond. */
	for (uint64_t i = 0; i < w->burst; i++)
		one_sample(w, 0, w->mono - MS + (int64_t)(i % 1000) * 1000);
	n += (int)w->burst;
	w->burst = 0;
	return n;
}

static void counts(void *ctx, struct recorder_counts *c)
{
	struct world *w = ctx;

	*c = (struct recorder_counts){ w->lost, 0, 0 };
}

/* Disk full from the fault on: a write within what fallocate reserved
 * goes (the blocks are there), anything past it fails. */
static ssize_t fake_write(void *ctx, int fd, const void *p, size_t n)
{
	struct world *w = ctx;
	long k = w->writes++;

	if (w->fault == F_SHORT && n > 7)
		n = 7;
	if ((w->fault == F_EIO_ONCE && k == w->fault_at) ||
	    (w->fault == F_EIO_FROM && k >= w->fault_at)) {
		errno = EIO;
		return -1;
	}
	if (w->fault == F_ENOSPC_FROM && k >= w->fault_at) {
		off_t at = lseek(fd, 0, SEEK_CUR), room = fd < 1024 ? w->alloc_end[fd] - at : 0;
		if (room <= 0) {
			errno = ENOSPC;
			return -1;
		}
		if ((off_t)n > room)
			n = (size_t)room;
	}
	return write(fd, p, n);
}

static int fake_fallocate(void *ctx, int fd, int mode, off_t off, off_t len)
{
	struct world *w = ctx;

	if (w->fault == F_ENOSPC_FROM && w->writes >= w->fault_at && !(mode & FALLOC_FL_PUNCH_HOLE)) {
		errno = ENOSPC;
		return -1;
	}
	if (fallocate(fd, mode, off, len))
		return -1;
	if (!(mode & FALLOC_FL_PUNCH_HOLE) && fd < 1024 && off + len > w->alloc_end[fd])
		w->alloc_end[fd] = off + len;
	return 0;
}

static int fake_ftruncate(void *ctx, int fd, off_t len)
{
	struct world *w = ctx;

	/* As a file system may: cutting a file frees what lay past its end. */
	if (fd < 1024 && w->alloc_end[fd] > len)
		w->alloc_end[fd] = len;
	return ftruncate(fd, len);
}

static int fake_fsync(void *ctx, int fd, int data_only)
{
	return 0;
}

static char top[] = "/tmp/psys-test-recorder.XXXXXX";
static int seq;

struct run {
	struct world w;
	struct psysfile_io io;
	struct recorder_opts o;
	char out[300];
};

/* A recorder of CPUs 0-(NCPU-1) (all online), writing to a new folder
 * (TRIGGERED) or to one FILE.psys; attached at T0. */
static struct recorder *start(struct run *u, int triggered, int64_t duration)
{
	struct recorder *r = NULL;

	memset(u, 0, sizeof(*u));
	for (int i = 0; i < NCPU; i++) {
		u->w.online[i] = 1;
		u->w.next[i] = T0;
		cpulist_add(&u->o.cpus, i);
	}
	u->w.mono = T0;
	u->w.fault_at = -1;
	u->io = (struct psysfile_io){ &u->w, fake_write, fake_fallocate, fake_ftruncate,
				      fake_fsync };
	snprintf(u->out, sizeof(u->out), triggered ? "%s/d%d" : "%s/c%d.psys", top, seq++);
	u->o.freq = FREQ;
	u->o.duration_ns = duration;
	u->o.output = u->out;
	u->o.no_symbols = 1;
	u->o.pre_memory = 64ull << 20;
	u->o.pre_ns = NSEC;
	u->o.max_ns = 60 * NSEC;
	u->o.max_files = 100;
	u->o.max_bytes = UINT64_MAX;
	u->o.stack_max = 127;
	u->o.diag = (struct diag){ said, &u->w };
	u->o.clock = (struct recorder_clock){ &u->w, now_of };
	u->o.finished = finished;
	u->o.finished_ctx = &u->w;
	u->o.out_fd = -1;
	u->o.io = &u->io;
	if (recorder_new(&u->o, triggered, &r)) {
		CHECK(0, "recorder_new: %s", u->w.msgs);
		recorder_free(r);
		return NULL;
	}
	u->w.r = r;
	struct recorder_source src = { &u->w, drain, counts };
	recorder_attach(r, &src);
	return r;
}

/* Moves the clock to T, ticking every 100 ms as psys-record's loop. */
static void run_to(struct run *u, int64_t t)
{
	while (u->w.mono < t) {
		u->w.mono += 100 * MS;
		if (u->w.mono > t)
			u->w.mono = t;
		recorder_tick(u->w.r, u->w.mono, 0);
	}
}

static void stop(struct run *u)
{
	recorder_free(u->w.r);
	u->w.r = NULL;
	cpulist_free(&u->o.cpus);
}

/* What a capture file holds, read back. */
struct got {
	int exists, opened, has_trailer;
	uint64_t samples, by_cpu[NCPU], outside;
	int64_t first, last;
	struct psys_header h;
	struct psys_trailer t;
	json_t *hj, *tj;
};

static void read_back(const char *path, struct got *g)
{
	struct psysfile_reader *rd = NULL;
	struct psysfile_sample s;
	char why[200];

	memset(g, 0, sizeof(*g));
	g->exists = access(path, F_OK) == 0;
	if (!g->exists || psysfile_open(path, &rd))
		return;
	g->opened = 1;
	while (psysfile_next(rd, &s) == 1) {
		if (!g->samples || (int64_t)s.time_ns < g->first)
			g->first = (int64_t)s.time_ns;
		if ((int64_t)s.time_ns > g->last)
			g->last = (int64_t)s.time_ns;
		g->samples++;
		if (s.cpu < NCPU)
			g->by_cpu[s.cpu]++;
	}
	g->has_trailer = psysfile_stats(rd)->has_trailer;
	g->hj = json_incref(psysfile_header(rd));
	g->tj = json_incref(psysfile_trailer(rd));
	psys_header_from_json(g->hj, &g->h, why, sizeof(why));
	psys_trailer_from_json(g->tj, &g->t, why, sizeof(why));
	/* Every sample inside the window its header and trailer claim. */
	psysfile_reader_free(rd);
	if (psysfile_open(path, &rd) == 0) {
		while (psysfile_next(rd, &s) == 1)
			if ((int64_t)s.time_ns < g->h.start_mono_ns ||
			    (g->has_trailer && (int64_t)s.time_ns >= g->t.end_mono_ns))
				g->outside++;
		psysfile_reader_free(rd);
	}
}

static void got_free(struct got *g)
{
	psys_header_release(&g->h);
	psys_trailer_release(&g->t);
	json_decref(g->hj);
	json_decref(g->tj);
}

/* ---- The tests ---- */

/* A clean capture: 2 s of 3 CPUs at 100 Hz. The number of writes it
 * takes is what the fault tests walk through. */
static long test_clean(void)
{
	struct run u;
	struct got g;

	if (!start(&u, 0, 2 * NSEC))
		return 0;
	CHECK(recorder_start_now(u.w.r) == 0, "start: %s", u.w.msgs);
	run_to(&u, T0 + 3 * NSEC);
	CHECK(!recorder_capturing(u.w.r) && !recorder_failed(u.w.r), "clean: %s", u.w.msgs);
	long writes = u.w.writes;
	stop(&u);
	read_back(u.out, &g);
	CHECK(g.has_trailer && g.samples == 2 * FREQ * NCPU && g.t.samples == g.samples,
	      "clean: %llu samples, trailer %d", (unsigned long long)g.samples, g.has_trailer);
	CHECK(g.has_trailer && strcmp(g.t.end_reason, "duration") == 0, "clean: end reason");
	CHECK(g.outside == 0, "clean: %llu samples outside the window",
	      (unsigned long long)g.outside);
	CHECK(strstr(u.w.paths, u.out) != NULL, "clean: the path handed over");
	got_free(&g);
	return writes;
}

/* FAULT at write K of the capture: the file either was never made (its
 * creation failed, and said so) or ends with a trailer saying "write
 * error" — except where nothing more can be written at all (F_EIO_FROM):
 * then it has no trailer, and what it holds still reads. Never a sample
 * outside the window. */
static void fault_at(enum fault f, long k, long writes)
{
	struct run u;
	struct got g;
	const char *name = f == F_ENOSPC_FROM ? "ENOSPC" : f == F_EIO_ONCE ? "EIO once" : "EIO";

	if (!start(&u, 0, 2 * NSEC))
		return;
	u.w.fault = f;
	u.w.fault_at = k;
	int err = recorder_start_now(u.w.r);
	run_to(&u, T0 + 3 * NSEC);
	CHECK(!recorder_capturing(u.w.r), "%s at %ld: still capturing", name, k);
	int recorder_failed_now = recorder_failed(u.w.r);
	CHECK(recorder_failed_now || f == F_ENOSPC_FROM, "%s at write %ld of %ld: not a failure",
	      name, k, writes);
	stop(&u);
	read_back(u.out, &g);
	if (err) {
		CHECK(!g.exists, "%s at %ld: a file left by a capture that did not start", name, k);
		CHECK(strstr(u.w.msgs, "cannot create") != NULL, "%s at %ld: %s", name, k,
		      u.w.msgs);
	} else if (f == F_EIO_FROM) {
		CHECK(g.opened && !g.has_trailer, "%s from %ld: trailer %d", name, k,
		      g.has_trailer);
		CHECK(strstr(u.w.msgs, "cannot write") || strstr(u.w.msgs, "cannot finish"),
		      "%s from %ld: %s", name, k, u.w.msgs);
	} else if (!recorder_failed_now) {
		/* The disk filled as the trailer went into its room: the
		 * capture is whole. */
		CHECK(f == F_ENOSPC_FROM && g.has_trailer && g.samples == 2 * FREQ * NCPU &&
		      strcmp(g.t.end_reason, "duration") == 0,
		      "%s at %ld: no failure, but %llu samples, trailer %d", name, k,
		      (unsigned long long)g.samples, g.has_trailer);
	} else {
		CHECK(g.opened && g.has_trailer, "%s at write %ld of %ld: no trailer", name, k,
		      writes);
		CHECK(g.has_trailer && strcmp(g.t.end_reason, "write error") == 0 &&
		      g.t.write_error && strstr(g.t.write_error, f == F_ENOSPC_FROM ?
						 "No space" : "Input/output"),
		      "%s at %ld: end_reason '%s', write_error '%s'", name, k,
		      g.t.end_reason ? g.t.end_reason : "", g.t.write_error ? g.t.write_error : "");
		CHECK(g.t.samples == g.samples, "%s at %ld: trailer says %llu samples, file %llu",
		      name, k, (unsigned long long)g.t.samples, (unsigned long long)g.samples);
	}
	CHECK(g.outside == 0, "%s at %ld: samples outside the window", name, k);
	got_free(&g);
}

static void test_faults(long writes)
{
	CHECK(writes > 5, "the clean capture took %ld writes", writes);
	for (long k = 0; k < writes; k++) {
		fault_at(F_ENOSPC_FROM, k, writes);
		fault_at(F_EIO_ONCE, k, writes);
		fault_at(F_EIO_FROM, k, writes);
	}
}

/* Writes cut short (7 bytes at a time) lose nothing. */
static void test_short_writes(void)
{
	struct run u;
	struct got g;

	if (!start(&u, 0, 2 * NSEC))
		return;
	u.w.fault = F_SHORT;
	recorder_start_now(u.w.r);
	run_to(&u, T0 + 3 * NSEC);
	CHECK(!recorder_failed(u.w.r), "short writes: %s", u.w.msgs);
	stop(&u);
	read_back(u.out, &g);
	CHECK(g.has_trailer && g.samples == 2 * FREQ * NCPU, "short writes: %llu samples",
	      (unsigned long long)g.samples);
	got_free(&g);
}

/* The wall clock steps STEP in the middle of a capture; the monotonic
 * clock goes on. The window and its length stay the monotonic ones, and
 * its end on the wall clock its start's. */
static void test_wall_step(int64_t step)
{
	struct run u;
	struct got g;

	if (!start(&u, 0, 2 * NSEC))
		return;
	recorder_start_now(u.w.r);
	run_to(&u, T0 + NSEC);
	u.w.wall_step = step;
	run_to(&u, T0 + 3 * NSEC);
	stop(&u);
	read_back(u.out, &g);
	CHECK(g.has_trailer && g.samples == 2 * FREQ * NCPU, "wall step %+lld s: %llu samples",
	      (long long)(step / NSEC), (unsigned long long)g.samples);
	CHECK(g.t.end_mono_ns - g.h.start_mono_ns == 2 * NSEC, "wall step: window %lld ns",
	      (long long)(g.t.end_mono_ns - g.h.start_mono_ns));
	CHECK(g.t.end_wall_ns - g.h.start_wall_ns == 2 * NSEC,
	      "wall step %+lld s: the wall window is %lld ns", (long long)(step / NSEC),
	      (long long)(g.t.end_wall_ns - g.h.start_wall_ns));
	CHECK(g.h.start_wall_ns == WALL0, "wall step: start on the wall clock of the start");
	got_free(&g);
}

/* A trigger line for CPU at monotonic MONO, sent at wall WALL. */
static void send(struct run *u, int cpu, int64_t mono)
{
	struct trigger t = { 0 };
	char *line = NULL;

	t.wall_ns = now_of(&u->w, RECORDER_WALL);
	t.mono_ns = mono;
	t.mono_start_ns = mono - NSEC;
	t.gate = 10;
	trigger_add_cpu(&t, cpu, 50);
	if (trigger_format(&t, &line) == 0)
		recorder_line(u->w.r, line, strlen(line));
	free(line);
	trigger_free(&t);
}

/* The captures of a triggered run, by name, in order; returns how many. */
static int captures(struct run *u, struct got *g, int max)
{
	char *save = NULL, paths[4096];
	int n = 0;

	snprintf(paths, sizeof(paths), "%s", u->w.paths);
	for (char *p = strtok_r(paths, "\n", &save); p && n < max; p = strtok_r(NULL, "\n", &save))
		read_back(p, &g[n++]);
	return n;
}

static void test_triggers(void)
{
	struct run u;
	struct got g[4];
	int n;

	/* Malformed lines: skipped, said once, no capture. */
	if (!start(&u, 1, 2 * NSEC))
		return;
	run_to(&u, T0 + 3 * NSEC);
	const char *bad[] = { "{not json", "{\"type\":\"psys-trigger\"}", "[1,2]", "\x01\xff" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		recorder_line(u.w.r, bad[i], strlen(bad[i]));
	run_to(&u, T0 + 6 * NSEC);
	CHECK(!*u.w.paths && !recorder_failed(u.w.r), "malformed lines made a capture");
	CHECK(strstr(u.w.msgs, "skipping an input line") &&
	      !strstr(strstr(u.w.msgs, "skipping an input line") + 1, "skipping an input line"),
	      "malformed lines: said once: %s", u.w.msgs);
	stop(&u);

	/* Duplicated and out of order: one capture; an older line does not
	 * shorten it. Far future and far past: anchored at arrival. */
	if (!start(&u, 1, 2 * NSEC))
		return;
	run_to(&u, T0 + 5 * NSEC);
	send(&u, 0, T0 + 5 * NSEC);
	send(&u, 0, T0 + 5 * NSEC);
	run_to(&u, T0 + 5 * NSEC + 500 * MS);
	send(&u, 0, T0 + 4 * NSEC);
	run_to(&u, T0 + 10 * NSEC);
	send(&u, 1, T0 + 1000000 * NSEC);	/* far future */
	run_to(&u, T0 + 15 * NSEC);
	send(&u, 1, NSEC);			/* far past: 1 s after boot */
	run_to(&u, T0 + 20 * NSEC);
	n = captures(&u, g, 4);
	CHECK(n == 3, "duplicated, out of order, future, past: %d captures, want 3", n);
	if (n >= 1) {
		CHECK(g[0].t.ntriggers == 3, "capture 1: %zu triggers, want 3", g[0].t.ntriggers);
		CHECK(g[0].h.start_mono_ns == T0 + 4 * NSEC - 10 * MS &&
		      g[0].t.end_mono_ns == T0 + 7 * NSEC,
		      "capture 1: window %lld..%lld", (long long)(g[0].h.start_mono_ns - T0),
		      (long long)(g[0].t.end_mono_ns - T0));
		CHECK(g[0].by_cpu[0] == g[0].samples, "capture 1: samples of other CPUs");
	}
	for (int i = 1; i < n; i++) {
		int64_t at = T0 + (i == 1 ? 10 : 15) * NSEC;
		CHECK(g[i].h.start_mono_ns == at - NSEC - 10 * MS && g[i].t.end_mono_ns == at + 2 * NSEC,
		      "capture %d: window %lld..%lld, want it anchored at its arrival", i + 1,
		      (long long)(g[i].h.start_mono_ns - T0), (long long)(g[i].t.end_mono_ns - T0));
		CHECK(g[i].by_cpu[1] == g[i].samples && g[i].samples == (uint64_t)(3 * FREQ + 1),
		      "capture %d: %llu samples", i + 1, (unsigned long long)g[i].samples);
	}
	for (int i = 0; i < n; i++)
		got_free(&g[i]);
	stop(&u);
}

/* A capture that grows: a trigger for CPU 1 while CPU 0's capture runs.
 * CPU 1 is captured over the whole window (from the ring), and the
 * trailer names both (the header, written first, names CPU 0). */
static void test_grown(void)
{
	struct run u;
	struct got g[2];

	if (!start(&u, 1, 2 * NSEC))
		return;
	run_to(&u, T0 + 5 * NSEC);
	send(&u, 0, T0 + 5 * NSEC);
	run_to(&u, T0 + 6 * NSEC);
	send(&u, 1, T0 + 6 * NSEC);
	run_to(&u, T0 + 10 * NSEC);
	int n = captures(&u, g, 2);
	CHECK(n == 1, "a capture that grew: %d captures", n);
	if (n == 1) {
		CHECK(g[0].t.hot_cpus && strcmp(g[0].t.hot_cpus, "0-1") == 0,
		      "a capture that grew: trailer hot_cpus '%s'", g[0].t.hot_cpus ? g[0].t.hot_cpus : "");
		CHECK(g[0].by_cpu[1] == g[0].by_cpu[0] && g[0].by_cpu[0] == 4 * FREQ + 1,
		      "a capture that grew: cpu 0 %llu, cpu 1 %llu samples",
		      (unsigned long long)g[0].by_cpu[0], (unsigned long long)g[0].by_cpu[1]);
	}
	for (int i = 0; i < n; i++)
		got_free(&g[i]);
	stop(&u);
}

/* A trigger as a capture closes: at the very tick it ends, the capture
 * is extended (the line came first) or the next one starts where it
 * ended (the line came after): never a sample lost or twice. */
static void test_trigger_at_close(int before)
{
	struct run u;
	struct got g[3];

	if (!start(&u, 1, 2 * NSEC))
		return;
	run_to(&u, T0 + 5 * NSEC);
	send(&u, 0, T0 + 5 * NSEC);		/* window 4 - 7 s */
	run_to(&u, T0 + 7 * NSEC - 100 * MS);
	u.w.mono = T0 + 7 * NSEC;
	if (before)
		send(&u, 0, u.w.mono);
	recorder_tick(u.w.r, u.w.mono, 0);
	if (!before)
		send(&u, 0, u.w.mono);
	run_to(&u, T0 + 12 * NSEC);
	int n = captures(&u, g, 3);
	uint64_t total = 0;
	for (int i = 0; i < n; i++)
		total += g[i].samples;
	CHECK(n == (before ? 1 : 2), "trigger %s the closing tick: %d captures", before ? "before" : "after", n);
	/* 4 s - 10 ms to 9 s on CPU 0. */
	CHECK(total == 5 * FREQ + 1, "trigger %s the closing tick: %llu samples, want %d",
	      before ? "before" : "after", (unsigned long long)total, 5 * FREQ + 1);
	if (n == 2)
		CHECK(g[0].last < g[1].first, "the two captures overlap");
	for (int i = 0; i < n; i++)
		got_free(&g[i]);
	stop(&u);
}

/* The sampler's buffer overflows: what it lost is counted and placed at
 * the drain that found it. */
static void test_lost(void)
{
	struct run u;
	struct got g;

	if (!start(&u, 0, 2 * NSEC))
		return;
	recorder_start_now(u.w.r);
	run_to(&u, T0 + 1200 * MS);
	u.w.lost += 500;
	run_to(&u, T0 + 3 * NSEC);
	stop(&u);
	read_back(u.out, &g);
	CHECK(g.t.lost == 500, "lost %llu, want 500", (unsigned long long)g.t.lost);
	CHECK(g.t.nlost_at == 1 && g.t.lost_at[0].lost == 500 &&
	      g.t.lost_at[0].mono_ns == T0 + 1300 * MS &&
	      g.t.lost_at[0].from_mono_ns == T0 + 1200 * MS,
	      "lost_at: %zu entries, the first %llu at %lld", g.t.nlost_at,
	      g.t.nlost_at ? (unsigned long long)g.t.lost_at[0].lost : 0ull,
	      g.t.nlost_at ? (long long)(g.t.lost_at[0].mono_ns - T0) : 0ll);
	got_free(&g);
}

/* Losses at every drain of a 30 s capture make a long trailer; the
 * disk fills half-way. Its room grew with the list: the whole trailer
 * is there. */
static void test_lost_full(void)
{
	struct run u;
	struct got g;

	if (!start(&u, 0, 30 * NSEC))
		return;
	recorder_start_now(u.w.r);
	for (int i = 0; i < 300; i++) {
		u.w.lost += 7;
		run_to(&u, u.w.mono + 100 * MS);
		if (i == 150) {
			u.w.fault = F_ENOSPC_FROM;
			u.w.fault_at = u.w.writes;
		}
	}
	run_to(&u, T0 + 31 * NSEC);
	stop(&u);
	read_back(u.out, &g);
	CHECK(g.has_trailer && strcmp(g.t.end_reason, "write error") == 0,
	      "losses and a full disk: trailer %d", g.has_trailer);
	CHECK(g.t.nlost_at >= 150, "losses and a full disk: %zu losses placed", g.t.nlost_at);
	got_free(&g);
}

/* CPU 1 offline from 0.5 s to 1.2 s; CPU 2 offline at the start and
 * online (hot-added) at 1 s. */
static void test_hotplug(void)
{
	struct run u;
	struct got g;

	if (!start(&u, 0, 2 * NSEC))
		return;
	u.w.online[2] = 0;
	recorder_cpu_state(u.w.r, 2, 0, T0, 0);
	recorder_start_now(u.w.r);
	run_to(&u, T0 + 500 * MS);
	u.w.online[1] = 0;
	recorder_cpu_state(u.w.r, 1, 0, T0 + 500 * MS, T0 + 400 * MS);
	run_to(&u, T0 + 1000 * MS);
	u.w.online[2] = 1;
	u.w.next[2] = T0 + NSEC;
	recorder_cpu_state(u.w.r, 2, 1, T0 + NSEC, 0);
	run_to(&u, T0 + 1200 * MS);
	u.w.online[1] = 1;
	u.w.next[1] = T0 + 1200 * MS;
	recorder_cpu_state(u.w.r, 1, 1, T0 + 1200 * MS, 0);
	run_to(&u, T0 + 3 * NSEC);
	stop(&u);
	read_back(u.out, &g);
	CHECK(g.by_cpu[2] == FREQ, "a CPU that appeared: %llu samples, want %d",
	      (unsigned long long)g.by_cpu[2], FREQ);
	CHECK(g.by_cpu[1] == 2 * FREQ - 70 + 1, "cpu 1: %llu samples (cpu 0: %llu)",
	      (unsigned long long)g.by_cpu[1], (unsigned long long)g.by_cpu[0]);
	CHECK(g.t.ncpu_gaps == 2, "%zu gaps, want 2", g.t.ncpu_gaps);
	for (size_t i = 0; i < g.t.ncpu_gaps; i++) {
		const struct psys_cpu_gap *p = &g.t.cpu_gaps[i];
		if (p->cpu == 1)
			/* It went after its last sample (0.5 s), back at 1.2 s. */
			CHECK(p->offline_mono_ns == T0 + 500 * MS &&
			      p->online_mono_ns == T0 + 1200 * MS, "cpu 1 gap %lld..%lld",
			      (long long)(p->offline_mono_ns - T0), (long long)(p->online_mono_ns - T0));
		else
			CHECK(p->cpu == 2 && p->offline_mono_ns == T0 &&
			      p->online_mono_ns == T0 + NSEC, "cpu %lld gap %lld..%lld",
			      (long long)p->cpu, (long long)(p->offline_mono_ns - T0),
			      (long long)(p->online_mono_ns - T0));
	}
	got_free(&g);
}

/* A million samples handed over in one drain: every one in the file. */
static void test_million(void)
{
	struct run u;
	struct got g;

	if (!start(&u, 0, 2 * NSEC))
		return;
	recorder_start_now(u.w.r);
	run_to(&u, T0 + NSEC);
	u.w.burst = 1000000;
	run_to(&u, T0 + 3 * NSEC);
	CHECK(!recorder_failed(u.w.r), "a million samples: %s", u.w.msgs);
	stop(&u);
	read_back(u.out, &g);
	CHECK(g.samples == 2 * FREQ * NCPU + 1000000 && g.t.samples == g.samples,
	      "a million samples in one tick: %llu in the file", (unsigned long long)g.samples);
	got_free(&g);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

int main(void)
{
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	long writes = test_clean();
	test_faults(writes);
	test_short_writes();
	test_wall_step(3600 * NSEC);
	test_wall_step(-3600 * NSEC);
	test_triggers();
	test_grown();
	test_trigger_at_close(1);
	test_trigger_at_close(0);
	test_lost();
	test_lost_full();
	test_hotplug();
	test_million();
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test_done("test_recorder");
}
