/* The recorder: samples into blocks, the pre-trigger ring, triggers and
 * the loop's ticks; see recorder.h. One capture's file is capture.c's. */
#include "record/recorder_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "base/buf.h"
#include "symbols/usyms.h"
#include "watch/trigger.h"

#define BLOCK_NS NSEC			/* a capture's block spans at most this */
/* While no capture wants a CPU, its blocks span longer: their tables are
 * shared by more samples, so the ring holds fewer bytes per sample. */
#define RING_BLOCK_NS (4 * NSEC)
#define DRAIN_BUSY_NS (100 * 1000000LL)	/* capturing: drain this often */
#define DRAIN_IDLE_NS (250 * 1000000LL)	/* waiting: the rings have room */
#define RETAIN_DEFAULT_NS (20 * NSEC)	/* pre-trigger ring: -i up to 10 s */
#define PEAK_LEAD_NS (NSEC / 2)		/* the peak rule's capture starts this
					 * long before the burst (--pre) */

void recorder_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

/* Names the user frames of S into NAMES; returns how many. */
static uint32_t name_user_frames(struct recorder *r, const struct psysfile_sample *s,
				 const uint64_t *uaddrs, const char **names)
{
	uint64_t h = hash_bytes(s->comm, strlen(s->comm), 0) >> 1;
	uint32_t seen = hmap_get(&r->comm_of, s->pid, NULL, NULL);

	/* A new comm for a pid means exec (or a recycled pid): its maps
	 * changed. 31 bits of the hash are kept: a miss only costs a reload. */
	if (seen != (uint32_t)(h & 0x7fffffff)) {
		if (seen != HMAP_NONE)
			usyms_forget(r->usyms, s->pid);
		hmap_set(&r->comm_of, s->pid, (uint32_t)(h & 0x7fffffff));
	}
	for (uint32_t i = 0; i < s->nuframes; i++) {
		names[i] = usyms_name(r->usyms, s->pid, uaddrs[i], i > 0);
		if (!names[i])
			names[i] = "[unknown]";
	}
	return s->nuframes;
}

static int wanted(const struct capture *c, const struct psysfile_sample *s)
{
	return !c->err && (int64_t)s->time_ns >= c->start_mono &&
	       (int64_t)s->time_ns < c->end_mono && cpulist_has(&c->cpus, s->cpu);
}

/* Seals the block of builder BB: into the capture where it is wanted,
 * then into the ring, which keeps it. */
static void seal(struct recorder *r, struct psysblock_builder *bb)
{
	struct psysblock *b;
	int err = psysblock_seal(bb, r->cctx, BLOCK_LEVEL, &b);

	if (err) {
		if (r->cur && !r->cur->err)
			r->cur->err = err;
		psysblock_reset(bb);
		return;
	}
	if (!b)
		return;
	if (r->cur)
		capture_block(r, r->cur, b);
	if (r->ring)
		pring_push(r->ring, b);
	else
		free(b);
}

static struct psysblock_builder *builder_for(struct recorder *r, uint32_t cpu)
{
	if (cpu >= r->nbld) {
		size_t cap = r->nbld, lcap = r->nbld;

		if (buf_grow((void **)&r->bld, &cap, (size_t)cpu + 1, sizeof(*r->bld)))
			return NULL;
		if (buf_grow((void **)&r->last_ns, &lcap, cap, sizeof(*r->last_ns)))
			return NULL;
		memset(r->bld + r->nbld, 0, (cap - r->nbld) * sizeof(*r->bld));
		memset(r->last_ns + r->nbld, 0, (cap - r->nbld) * sizeof(*r->last_ns));
		r->nbld = cap;
	}
	if (!r->bld[cpu] && (r->bld[cpu] = psysblock_builder_new(cpu)))
		psysblock_set_period(r->bld[cpu], NSEC / r->o.freq);
	return r->bld[cpu];
}

/* How long CPU's open block may span: a second when a capture takes it
 * (what SIGKILL may cost the file), longer otherwise. */
static int64_t block_span(const struct recorder *r, uint32_t cpu)
{
	return r->cur && cpulist_has(&r->cur->cpus, (int)cpu) ? BLOCK_NS : RING_BLOCK_NS;
}

/* Seals the blocks whose span is up by NOW (or all of CPUS' blocks when
 * CPUS is given, as a capture ends). */
static void seal_due(struct recorder *r, int64_t now, const struct cpulist *cpus)
{
	for (size_t i = 0; i < r->nbld; i++) {
		struct psysblock_builder *bb = r->bld[i];

		if (!bb || !psysblock_count(bb))
			continue;
		if (cpus ? cpulist_has(cpus, (int)i)
			 : (int64_t)psysblock_first_ns(bb) + block_span(r, (uint32_t)i) <= now)
			seal(r, bb);
	}
}

/* Names the cgroups of S while they exist: checked only when they differ
 * from the previous sample's on that CPU. */
static void see_cgroups(struct recorder *r, const struct psysfile_sample *s)
{
	if (s->cpu >= r->ncg_last) {
		size_t cap = r->ncg_last;

		if (buf_grow((void **)&r->cg_last, &cap, (size_t)s->cpu + 1, sizeof(*r->cg_last)))
			return;
		memset(r->cg_last + r->ncg_last, 0, (cap - r->ncg_last) * sizeof(*r->cg_last));
		r->ncg_last = cap;
	}
	uint64_t *last = r->cg_last[s->cpu];
	if (last[0] == s->cgroup_id && last[1] == s->cgroup1_id)
		return;
	last[0] = s->cgroup_id;
	last[1] = s->cgroup1_id;
	cgroup_paths_see(r->cgpaths, CGROUP_V2, s->cgroup_id, s->tid);
	cgroup_paths_see(r->cgpaths, CGROUP_V1, s->cgroup1_id, s->tid);
}

void recorder_sample(struct recorder *r, const struct psysfile_sample *s,
		     const uint64_t *uaddrs)
{
	struct psysfile_sample fs = *s;
	const char *unames[PSYSFILE_MAX_FRAMES];
	struct psysblock_builder *bb;

	if (r->cgpaths && (s->cgroup_id || s->cgroup1_id))
		see_cgroups(r, s);

	/* The peak rule sees every sample: sys time is kernel mode, not the
	 * idle task, nor this recorder (its start, its captures being
	 * written must not trigger more). What fires is taken after the
	 * drain (recorder_tick). */
	if (r->peak) {
		struct peak_fire f;
		int fired = peak_sample(r->peak, s->cpu, (int64_t)s->time_ns,
					s->pid != 0 && s->pid != r->self_pid &&
					!(s->flags & PSYSFILE_USER), &f);
		if (fired == 1 && (r->nfires < r->fires_cap ||
				   !buf_grow((void **)&r->fires, &r->fires_cap, r->nfires + 1,
					     sizeof(*r->fires))))
			r->fires[r->nfires++] = f;
	}
	/* Without a ring, only the capture's window is kept. */
	if (!r->ring && !(r->cur && wanted(r->cur, s)))
		return;
	if (!(bb = builder_for(r, s->cpu))) {
		if (r->cur && !r->cur->err)
			r->cur->err = -ENOMEM;
		return;
	}
	if (psysblock_count(bb) &&
	    (int64_t)(s->time_ns - psysblock_first_ns(bb)) >= block_span(r, s->cpu))
		seal(r, bb);
	r->last_ns[s->cpu] = (int64_t)s->time_ns;
	if (fs.nuframes > PSYSFILE_MAX_FRAMES)
		fs.nuframes = PSYSFILE_MAX_FRAMES;
	fs.nuframes = r->usyms && fs.nuframes ? name_user_frames(r, &fs, uaddrs, unames) : 0;
	fs.uframes = unames;
	int err = psysblock_add(bb, &fs);
	if (err == -E2BIG) {
		seal(r, bb);
		err = psysblock_add(bb, &fs);
	}
	if (err && r->cur && !r->cur->err)
		r->cur->err = err;
}

/* When CPU's last sample was taken (0: none yet). */
static int64_t last_sample_ns(const struct recorder *r, int cpu)
{
	return (size_t)cpu < r->nbld ? r->last_ns[cpu] : 0;
}

void recorder_cpu_state(struct recorder *r, int cpu, int online, int64_t now,
			int64_t last_seen)
{
	struct psys_cpu_gap *open = NULL;

	for (size_t i = r->ngaps; i-- > 0;)
		if (r->gaps[i].cpu == cpu && !r->gaps[i].online_mono_ns) {
			open = &r->gaps[i];
			break;
		}
	if (online) {
		if (open)
			open->online_mono_ns = now > open->offline_mono_ns ? now
								 : open->offline_mono_ns + 1;
		return;
	}
	if (open)
		return;
	/* Its last samples may still wait in the sampler's buffer (drained
	 * only where something keeps them: before a standalone capture
	 * starts, they would be dropped). */
	if (r->src.drain && (r->ring || r->cur))
		r->src.drain(r->src.ctx);
	/* It went after its last sample, and after it was last seen. */
	int64_t from = last_sample_ns(r, cpu);
	if (from < last_seen)
		from = last_seen;
	if (!from || from > now)
		from = now;
	/* The oldest stretches, long over, make room. */
	if (r->ngaps >= 4096) {
		memmove(r->gaps, r->gaps + 1, (r->ngaps - 1) * sizeof(*r->gaps));
		r->ngaps--;
	}
	if (buf_grow((void **)&r->gaps, &r->gaps_cap, r->ngaps + 1, sizeof(*r->gaps)))
		return;
	r->gaps[r->ngaps++] = (struct psys_cpu_gap){ cpu, from, 0 };
	if (r->cur && !r->cur->err)
		r->cur->err = capture_reserve(r, r->cur);
	if (r->o.verbose)
		diag_say(&r->o.diag, "cpu %d went offline", cpu);
}

static void drain(struct recorder *r)
{
	if (r->src.drain(r->src.ctx) < 0 && r->cur && !r->cur->err)
		r->cur->err = -EBADMSG;
}

void recorder_set_cgroup1(struct recorder *r, int on)
{
	r->o.cgroup1 = on;
}

int recorder_new(const struct recorder_opts *opts, int triggered, struct recorder **out)
{
	struct recorder *r = calloc(1, sizeof(*r));
	char why[PATH_MAX + 128];
	int err;

	if (!(*out = r)) {
		diag_say(&opts->diag, "out of memory");
		return -ENOMEM;
	}
	r->o = *opts;
	r->triggered = triggered;
	outdir_init(&r->dir, r->o.output);
	if ((err = outdir_open(&r->dir, why, sizeof(why)))) {
		diag_say(&r->o.diag, "%s", why);
		return err;
	}
	if (r->o.user_stacks && (!(r->usyms = usyms_new()) ||
			       usyms_set_debug_dirs(r->usyms, r->o.debug_dirs))) {
		diag_say(&r->o.diag, "out of memory");
		return -ENOMEM;
	}
	if (r->o.cgroups && !(r->cgpaths = cgroup_paths_new(r->o.cgroups, "/proc"))) {
		diag_say(&r->o.diag, "out of memory");
		return -ENOMEM;
	}
	r->cctx = ZSTD_createCCtx();
	r->dctx = ZSTD_createDCtx();
	if (!r->cctx || !r->dctx) {
		diag_say(&r->o.diag, "out of memory");
		return -ENOMEM;
	}
	if (triggered) {
		/* It holds the time it must cover, as sealed blocks: what the
		 * samples take, at most --pre-memory. */
		r->retain_ns = r->o.pre_ns >= 0 ? r->o.pre_ns + NSEC : RETAIN_DEFAULT_NS;
		r->self_pid = (uint32_t)getpid();
		if (r->o.peak_window_ns > 0) {
			struct peak_opts po = { r->o.peak_window_ns, r->o.peak_threshold, r->o.freq };
			if (!(r->peak = peak_new(&po))) {
				diag_say(&r->o.diag, "cannot set up the peak rule: %s",
					strerror(errno));
				return -ENOMEM;
			}
		}
		r->ring = pring_new(r->o.pre_memory);
		if (!r->ring) {
			diag_say(&r->o.diag, "cannot make the pre-trigger ring: %s",
				strerror(errno));
			return -ENOMEM;
		}
		if (r->o.verbose) {
			char cpus[4096];
			cpulist_format(&r->o.cpus, cpus, sizeof(cpus));
			diag_say(&r->o.diag, "waiting for triggers; sampling cpu %s at %u Hz; "
				"pre-trigger ring for %.1f s, at most %.1f MiB", cpus, r->o.freq,
				r->retain_ns / 1e9, r->o.pre_memory / 1048576.0);
			if (r->peak)
				diag_say(&r->o.diag, "peak rule: %g%% sys over %g s on a CPU "
					"triggers", r->o.peak_threshold, r->o.peak_window_ns / 1e9);
		}
	}
	return 0;
}

void recorder_attach(struct recorder *r, const struct recorder_source *src)
{
	struct recorder_counts c;

	r->src = *src;
	r->src.counts(r->src.ctx, &c);
	r->lost_seen = c.lost;
	r->sampling_since = rec_mono(r);
	r->lost_looked = r->sampling_since;
	r->next_drain = r->sampling_since;
}

int recorder_dirfd(const struct recorder *r)
{
	return r->dir.fd;
}

int recorder_start_now(struct recorder *r)
{
	int64_t now = rec_mono(r);

	return capture_start(r, &r->o.cpus, now, now + r->o.duration_ns, NULL, 0);
}

void recorder_bad_line(struct recorder *r, const char *why)
{
	if (r->bad_lines++ == 0 || r->o.verbose)
		diag_say(&r->o.diag, "skipping an input line that is not a trigger (%s)%s",
			why, r->o.verbose ? "" : "; further ones are skipped silently");
}

void recorder_line(struct recorder *r, const char *line, size_t len)
{
	struct psys_trigger_rec rec = { 0 };
	struct trigger *t = &rec.t;
	struct cpulist hot = { 0 };
	char why[160];
	int64_t now = rec_mono(r);

	if (len == 0)
		return;
	if (trigger_parse(line, len, t, why, sizeof(why))) {
		recorder_bad_line(r, why);
		return;
	}
	/* Kept as sent; and when it reached us: its latency after the poll
	 * that found the heat (mono_ns) is part of the record. */
	rec.line = json_loadb(line, len, 0, NULL);
	rec.received_mono_ns = now;
	/* A cgroup's threads run on any CPU: its capture takes them all. */
	for (int i = 0; trigger_is_cgroup(t) && i < r->o.cpus.n; i++)
		cpulist_add(&hot, r->o.cpus.cpus[i]);
	for (int i = 0; i < t->nhot; i++)
		if (cpulist_has(&r->o.cpus, t->hot[i].cpu))
			cpulist_add(&hot, t->hot[i].cpu);
	if (hot.n == 0) {
		/* Said once even without -v: a pipeline whose -C lists differ
		 * would otherwise wait in silence. */
		if (r->ignored_triggers++ == 0 || r->o.verbose)
			diag_say(&r->o.diag, "ignoring a trigger for CPUs not sampled here "
				"(see -C)%s", r->o.verbose ? "" : "; further ones silently");
		goto out;
	}
	/* The trigger's own clock reading anchors the window; a line from the
	 * future, or one older than the ring reaches, is anchored now. */
	int64_t anchor = t->mono_ns;
	if (anchor > now || anchor < now - r->retain_ns)
		anchor = now;
	int64_t pre = r->o.pre_ns >= 0 ? r->o.pre_ns : (int64_t)(2 * t->interval * 1e9);
	/* The kernel counts CPU time in 10 ms ticks: reach one tick further. */
	if (pre > 0)
		pre += 10 * 1000000LL;
	int64_t want_start = anchor - pre;
	/* The peak rule names where the burst began (its first sys sample):
	 * the lead is counted from there. */
	if (trigger_is_peak(t) && anchor == t->mono_ns)
		want_start = t->mono_start_ns - (r->o.pre_ns >= 0 ? r->o.pre_ns : PEAK_LEAD_NS);
	int64_t end = anchor + r->o.duration_ns;

	/* Samples taken so far must be in the ring before it is read. */
	drain(r);
	struct capture *c = r->cur;
	if (c) {
		if (end > c->end_mono)
			c->end_mono = end < c->limit_mono ? end : c->limit_mono;
		for (int i = 0; i < hot.n; i++) {
			if (cpulist_has(&c->cpus, hot.cpus[i]))
				continue;
			cpulist_add(&c->cpus, hot.cpus[i]);
			capture_backfill(r, c, hot.cpus[i]);
		}
		if (!capture_take_trigger(c, &rec) && !c->err)
			c->err = capture_reserve(r, c);
		if (r->o.verbose)
			diag_say(&r->o.diag, "trigger extends %s to +%.3f s", c->path,
				(c->end_mono - c->start_mono) / 1e9);
	} else {
		capture_start(r, &hot, want_start, end, &rec, t->wall_ns);
	}
out:
	json_decref(rec.line);
	cpulist_free(&hot);
	trigger_free(t);
}

/* Hands what the peak rule fired on to recorder_line, as trigger lines:
 * the same path, the same record in the capture. */
static void take_fires(struct recorder *r)
{
	/* recorder_line drains: more may fire meanwhile, and are taken too. */
	for (size_t i = 0; i < r->nfires; i++) {
		const struct peak_fire fire = r->fires[i], *f = &fire;
		struct trigger t = { 0 };
		char *line = NULL;
		int64_t now = rec_mono(r);

		t.wall_ns = rec_wall(r) - (now - f->end_ns);
		t.mono_ns = f->end_ns;
		/* The burst's first sys sample; a window of one sample
		 * still spans something. */
		t.mono_start_ns = f->start_ns < f->end_ns ? f->start_ns : f->end_ns - 1;
		/* The option's threshold; the bar it crossed was that far
		 * above the CPU's own base (-v says both). */
		t.gate = r->o.peak_threshold;
		snprintf(t.rule, sizeof(t.rule), TRIGGER_RULE_PEAK);
		t.window = r->o.peak_window_ns / 1e9;
		r->peak_fires++;
		if (r->o.verbose)
			diag_say(&r->o.diag, "peak rule: cpu %u at %.1f%% sys (%u of %u samples, "
				"%u needed over a base of %.1f%%) over %g s", f->cpu, f->share,
				f->sys, f->n, f->need, f->base, t.window);
		if (!trigger_add_cpu(&t, (int)f->cpu, f->share) && !trigger_format(&t, &line))
			recorder_line(r, line, strlen(line));
		free(line);
		trigger_free(&t);
	}
	r->nfires = 0;
}

/* Places what the sampler lost since the last look at NOW. */
static void note_losses(struct recorder *r, int64_t now)
{
	struct recorder_counts c;

	int64_t since = r->lost_looked;

	r->src.counts(r->src.ctx, &c);
	r->lost_looked = now;
	if (c.lost <= r->lost_seen)
		return;
	/* The oldest, far behind any window, make room. */
	if (r->nlosses >= 4096) {
		memmove(r->losses, r->losses + 1, (r->nlosses - 1) * sizeof(*r->losses));
		r->nlosses--;
	}
	if (!buf_grow((void **)&r->losses, &r->losses_cap, r->nlosses + 1, sizeof(*r->losses)))
		r->losses[r->nlosses++] = (struct psys_loss){ now, c.lost - r->lost_seen, since };
	r->lost_seen = c.lost;
	/* The trailer grows with the list: its room too. */
	if (r->cur && !r->cur->err)
		r->cur->err = capture_reserve(r, r->cur);
}

void recorder_tick(struct recorder *r, int64_t now, int stopping)
{
	if (now >= r->next_drain || stopping || (r->cur && now >= r->cur->end_mono)) {
		drain(r);
		note_losses(r, now);
		/* Cgroups /proc could not name are looked for before any block
		 * that needs them is written. */
		if (r->cgpaths)
			cgroup_paths_refresh(r->cgpaths);
		r->next_drain = now + (r->cur ? DRAIN_BUSY_NS : DRAIN_IDLE_NS);
		/* A block spans at most about a second: what a capture loses
		 * to SIGKILL or a power cut. */
		seal_due(r, now, NULL);
		/* While a capture runs, back to its start: a CPU a trigger
		 * adds is captured from there too (the memory cap stands). */
		int64_t keep = now > r->retain_ns ? now - r->retain_ns : 0;
		if (r->cur && r->cur->start_mono < keep)
			keep = r->cur->start_mono;
		if (r->ring)
			pring_expire(r->ring, keep);
	}
	if (r->nfires && !stopping)
		take_fires(r);
	struct capture *c = r->cur;
	if (!c)
		return;
	if (stopping && now < c->end_mono)
		c->end_mono = now;
	if (now >= c->end_mono || c->err) {
		/* Everything up to the end must be in before the trailer. */
		r->src.drain(r->src.ctx);
		seal_due(r, now, &c->cpus);
		capture_end(r, stopping == SIGINT ? "SIGINT" : stopping == SIGTERM ? "SIGTERM" :
			       c->end_mono >= c->limit_mono && r->triggered ? "max-seconds" : "duration");
		return;
	}
	if (now >= c->next_sync) {
		if (c->dirty)
			c->err = psysfile_sync_now(c->w);
		c->dirty = 0;
		c->next_sync = now + NSEC;
	}
	/* Records the writer completed by itself count too. */
	capture_stream_or_stop(r, c);
}

int64_t recorder_next_wake(const struct recorder *r, int64_t now)
{
	int64_t t = r->next_drain;

	if (r->cur) {
		if (r->cur->next_sync < t)
			t = r->cur->next_sync;
		if (r->cur->end_mono < t)
			t = r->cur->end_mono;
	}
	return t > now ? t : now;
}

int recorder_capturing(const struct recorder *r)
{
	return r->cur != NULL;
}

void recorder_finish(struct recorder *r, int stopping)
{
	if (r->cur)
		recorder_tick(r, rec_mono(r), stopping ? stopping : SIGTERM);
}

int recorder_failed(const struct recorder *r)
{
	return r->failures != 0;
}

int recorder_pipe_gone(const struct recorder *r)
{
	return r->pipe_gone;
}

int recorder_out_broken(const struct recorder *r)
{
	return r->out_broken;
}

/* What the pre-trigger ring holds now, for -v and the benchmark. */
static void ring_report(const struct recorder *r)
{
	struct pring_stats ps;
	size_t building = 0;
	uint64_t open = 0;

	pring_stats(r->ring, &ps);
	for (size_t i = 0; i < r->nbld; i++)
		if (r->bld[i]) {
			building += psysblock_builder_bytes(r->bld[i]);
			open += psysblock_count(r->bld[i]);
		}
	diag_say(&r->o.diag, "pre-trigger ring: %llu samples in %zu bytes (%.2f B/sample), "
		"%llu blocks; %llu samples being built in %zu bytes",
		(unsigned long long)ps.samples, ps.bytes,
		ps.samples ? (double)ps.bytes / ps.samples : 0.0, (unsigned long long)ps.blocks,
		(unsigned long long)open, building);
}

void recorder_free(struct recorder *r)
{
	if (!r)
		return;
	if (r->ring && r->o.verbose)
		ring_report(r);
	capture_free(r->cur);
	pring_free(r->ring);
	peak_free(r->peak);
	free(r->fires);
	free(r->gaps);
	free(r->losses);
	for (size_t i = 0; i < r->nbld; i++)
		psysblock_builder_free(r->bld[i]);
	free(r->bld);
	free(r->last_ns);
	ZSTD_freeCCtx(r->cctx);
	ZSTD_freeDCtx(r->dctx);
	usyms_free(r->usyms);
	if (r->cgpaths && r->o.verbose) {
		const struct cgroup_paths_stats *st = cgroup_paths_stats(r->cgpaths);
		diag_say(&r->o.diag, "cgroups: %llu named from /proc, %llu by %llu walks, "
			 "%llu gone before they could be named", (unsigned long long)st->named_proc,
			 (unsigned long long)st->named_walk, (unsigned long long)st->walks,
			 (unsigned long long)st->unnamed);
	}
	cgroup_paths_free(r->cgpaths);
	free(r->cg_last);
	outdir_close(&r->dir, &r->o.diag);
	hmap_free(&r->comm_of);
	free(r);
}
