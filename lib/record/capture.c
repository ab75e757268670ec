/* One capture of the recorder, from its header to its trailer; see
 * recorder_int.h. */
#include "record/recorder_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/ptime.h"
#include "symbols/usyms.h"

_Static_assert(CGROUP_V1 == PSYSFILE_CGROUP_V1 && CGROUP_V2 == PSYSFILE_CGROUP_V2,
	       "cgroup hierarchy numbers differ");

/* The writer's names of cgroup ids: what the recorder resolved. */
static const char *cgroup_name_of(void *ctx, int hier, uint64_t id)
{
	return cgroup_paths_lookup(ctx, hier, id);
}

/* The header of capture C, filled as a psys_header (psysfile/header.h). */
static json_t *build_header(const struct recorder *r, const struct capture *c)
{
	struct utsname u;
	char boot_id[64], cpus[4096], hot[4096], online[4096], when[64];
	struct cpulist on = { 0 };
	const struct ksym *ref[8], *etext;
	struct psys_ref_symbol refs[9];
	struct psys_header h = {
		.format = "psys", .version = PSYSFILE_VERSION_MAJOR,
		.tool = PROG " " PSYS_VERSION, .clock = "CLOCK_MONOTONIC",
		.freq_hz = r->o.freq, .duration_s = r->o.duration_ns / 1e9,
		.start_wall_ns = c->start_wall, .start_mono_ns = c->start_mono,
		.mode = r->triggered ? "triggered" : "now",
		.symbols = r->o.no_symbols ? "none" : "embedded",
		.user_stacks = r->o.user_stacks, .idle_stacks = r->o.idle_stacks,
		.stack_max = r->o.stack_max, .ref_symbols = refs,
	};
	size_t n = r->o.ksyms ? ksyms_pick_refs(r->o.ksyms, ref, 8) : 0;

	uname(&u);
	recorder_read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	cpulist_format(&r->o.cpus, cpus, sizeof(cpus));
	cpulist_format(&c->cpus, hot, sizeof(hot));
	online[0] = '\0';
	if (cpulist_online(NULL, &on) == 0)
		cpulist_format(&on, online, sizeof(online));
	cpulist_free(&on);
	ptime_iso(c->start_wall, when, sizeof(when));
	h.host = u.nodename;
	h.kernel_release = u.release;
	h.kernel_version = u.version;
	h.kernel_machine = u.machine;
	h.boot_id = boot_id;
	h.ncpus = sysconf(_SC_NPROCESSORS_CONF);
	h.cpus_online = online;
	/* cpus: what the file holds samples of; sampled: what was sampled. */
	h.cpus = hot;
	h.sampled_cpus = cpus;
	h.start_wall = when;
	h.has = (PSYS_BIT(PSYS_H_NFIELDS) - 1) & ~(PSYS_BIT(PSYS_H_HOT_CPUS) | PSYS_BIT(PSYS_H_TRIGGER) |
			  PSYS_BIT(PSYS_H_PEAK_WINDOW_S) | PSYS_BIT(PSYS_H_PEAK_THRESHOLD) |
			  PSYS_BIT(PSYS_H_PRE_S) | PSYS_BIT(PSYS_H_PRE_WANTED_S) |
			  PSYS_BIT(PSYS_H_CGROUP_V2) | PSYS_BIT(PSYS_H_CGROUP_V1) |
			  PSYS_BIT(PSYS_H_CGROUP_V1_MOUNT));
	/* Which hierarchies the samples' cgroup ids are of. */
	if (r->cgpaths && r->o.cgroups->v2[0]) {
		h.cgroup_v2 = r->o.cgroups->v2;
		PSYS_SET(&h, PSYS_H_CGROUP_V2);
	}
	if (r->cgpaths && r->o.cgroup1 && r->o.cgroups->v1[0]) {
		h.cgroup_v1 = r->o.cgroups->v1_controller;
		h.cgroup_v1_mount = r->o.cgroups->v1;
		h.has |= PSYS_BIT(PSYS_H_CGROUP_V1) | PSYS_BIT(PSYS_H_CGROUP_V1_MOUNT);
	}
	if (r->triggered) {
		h.hot_cpus = hot;
		PSYS_SET(&h, PSYS_H_HOT_CPUS);
		if (c->ntrig) {
			h.trigger = c->trig[0];
			PSYS_SET(&h, PSYS_H_TRIGGER);
		}
		if (r->peak) {
			h.peak_window_s = r->o.peak_window_ns / 1e9;
			h.peak_threshold = r->o.peak_threshold;
			h.has |= PSYS_BIT(PSYS_H_PEAK_WINDOW_S) | PSYS_BIT(PSYS_H_PEAK_THRESHOLD);
		}
		h.pre_s = (c->end_mono - c->start_mono - r->o.duration_ns) / 1e9;
		PSYS_SET(&h, PSYS_H_PRE_S);
		/* The lead asked for, when sampling had not reached that far
		 * back (the recorder had just started). */
		if (c->want_start_mono < c->start_mono) {
			h.pre_wanted_s = (c->end_mono - c->want_start_mono - r->o.duration_ns) / 1e9;
			PSYS_SET(&h, PSYS_H_PRE_WANTED_S);
		}
	}
	for (size_t i = 0; i < n; i++)
		refs[h.nref_symbols++] = (struct psys_ref_symbol){ ref[i]->name, ref[i]->addr };
	/* The end of the core text too: a reader tells "past the end of
	 * text" from "unknown" with it. */
	if (r->o.ksyms && (etext = ksyms_find(r->o.ksyms, "_etext")))
		refs[h.nref_symbols++] = (struct psys_ref_symbol){ "_etext", etext->addr };
	return psys_header_to_json(&h);
}

/* Keeps trigger line REC (moved into C: REC is emptied) in C's list. */
int capture_take_trigger(struct capture *c, struct psys_trigger_rec *rec)
{
	if (buf_grow((void **)&c->trig, &c->trig_cap, c->ntrig + 1, sizeof(*c->trig)))
		return -ENOMEM;
	c->trig[c->ntrig++] = *rec;
	memset(rec, 0, sizeof(*rec));
	return 0;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	if (c->tee_fd >= 0)
		close(c->tee_fd);
	psysfile_writer_free(c->w);
	cpulist_free(&c->cpus);
	for (size_t i = 0; i < c->ntrig; i++) {
		trigger_free(&c->trig[i].t);
		json_decref(c->trig[i].line);
	}
	free(c->trig);
	free(c);
}

/* Writes block B, or the part of it in C's window, to C's file when B is
 * of one of C's CPUs. */
void capture_block(struct recorder *r, struct capture *c, const struct psysblock *b)
{
	struct psysblock *t;

	if (c->err || !cpulist_has(&c->cpus, b->cpu) ||
	    (int64_t)b->last_ns < c->start_mono || (int64_t)b->first_ns >= c->end_mono)
		return;
	if ((int64_t)b->first_ns >= c->start_mono && (int64_t)b->last_ns < c->end_mono) {
		c->err = psysfile_write_block(c->w, b);
	} else if (!(c->err = psysblock_trim(b, c->start_mono, c->end_mono, r->cctx, r->dctx,
					     BLOCK_LEVEL, &t)) && t) {
		c->err = psysfile_write_block(c->w, t);
		free(t);
	}
	c->dirty = 1;
}

struct backfill {
	struct recorder *r;
	struct capture *c;
	int cpu;		/* -1: every CPU of the capture */
	uint64_t n;
};

static int backfill_one(void *ctx, const struct psysblock *b)
{
	struct backfill *f = ctx;

	if (f->cpu < 0 || (int)b->cpu == f->cpu) {
		capture_block(f->r, f->c, b);
		f->n += b->nsamples;
	}
	return f->c->err;
}

uint64_t capture_backfill(struct recorder *r, struct capture *c, int cpu)
{
	struct backfill b = { r, c, cpu, 0 };

	if (r->ring)
		pring_each(r->ring, c->start_mono, backfill_one, &b);
	return b.n;
}

/* Streams C if it goes to standard output; a failure ends the capture:
 * a reader that left (EPIPE) quietly, anything else as a write error. */
void capture_stream_or_stop(struct recorder *r, struct capture *c)
{
	int err;

	if (c->tee_fd < 0 || c->err || r->pipe_gone)
		return;
	if (!(err = outdir_stream(c->tee_fd, &c->streamed, psysfile_bytes(c->w),
				  r->o.out_fd)))
		return;
	if (err == -EPIPE)
		r->pipe_gone = 1;
	c->err = err;
}

/* Starts a capture of CPUS over [START, END); TRIG is the trigger line
 * (NULL in standalone mode), moved into the capture; NAME_NS names the
 * file. */
int capture_start(struct recorder *r, const struct cpulist *cpus, int64_t want_start,
		  int64_t end, struct psys_trigger_rec *trig, int64_t name_ns)
{
	struct capture *c = calloc(1, sizeof(*c));
	json_t *header = NULL;
	int64_t now = rec_mono(r);
	int err = -ENOMEM;

	if (!c)
		goto fail;
	c->tee_fd = -1;
	for (int i = 0; i < cpus->n; i++)
		if (cpulist_add(&c->cpus, cpus->cpus[i]))
			goto fail;
	if (trig && capture_take_trigger(c, trig))
		goto fail;
	if (r->usyms)
		usyms_mappings_begin(r->usyms);
	c->want_start_mono = want_start;
	/* Never twice the same samples: a new capture starts where the
	 * previous one ended at the earliest. And never before what was
	 * sampled: not before the sampler started, nor before what the ring
	 * still holds whole. The header then claims only what the file can
	 * hold. */
	int64_t floor = r->last_end_mono > r->sampling_since ? r->last_end_mono
							    : r->sampling_since;
	if (r->ring) {
		struct pring_stats ps;
		pring_stats(r->ring, &ps);
		if ((int64_t)ps.complete_since > floor)
			floor = (int64_t)ps.complete_since;
	}
	c->start_mono = want_start > floor ? want_start : floor;
	c->start_wall = rec_wall(r) - (now - c->start_mono);
	c->end_mono = end;
	c->limit_mono = c->start_mono + (r->triggered ? r->o.max_ns : end - c->start_mono);
	if (c->end_mono > c->limit_mono)
		c->end_mono = c->limit_mono;
	c->next_sync = now + NSEC;
	header = build_header(r, c);
	if (!header)
		goto fail;
	if (r->triggered && !outdir_is_file_name(r->dir.path))
		outdir_retain(&r->dir, r->o.max_files, r->o.max_bytes, 1, r->o.verbose,
			      &r->o.diag);
	err = outdir_create(&r->dir, name_ns ? name_ns : c->start_wall, header,
			    r->o.no_symbols ? NULL : r->o.ksyms, r->o.io, &c->w, &c->tee_fd, c->path,
			    sizeof(c->path), &r->o.diag);
	if (err) {
		diag_say(&r->o.diag, "cannot create '%s': %s", c->path, strerror(-err));
		goto fail;
	}
	if (r->cgpaths) {
		struct psysfile_cgroup_names names = { r->cgpaths, cgroup_name_of };
		psysfile_set_cgroup_names(c->w, &names);
	}
	capture_stream_or_stop(r, c);
	if (!c->err)
		c->err = capture_reserve(r, c);
	r->src.counts(r->src.ctx, &c->at_start);
	r->cur = c;
	if (r->ring) {
		uint64_t n = capture_backfill(r, c, -1);
		if (r->o.verbose) {
			char hot[4096];
			cpulist_format(&c->cpus, hot, sizeof(hot));
			diag_say(&r->o.diag, "capture %s: cpu %s, %llu samples from before the "
				"trigger", c->path, hot, (unsigned long long)n);
		}
	}
	json_decref(header);
	return 0;
fail:
	json_decref(header);
	capture_free(c);
	r->failures++;
	return err;
}

/* The files whose symbols named this capture's user frames, one entry
 * per process and file, with the build-id that tells which build it was;
 * the caller frees the array. */
static struct psys_user_mapping *user_mappings(const struct usyms *u, size_t *n)
{
	struct psys_user_mapping *a = NULL;
	const struct usyms_mapping *m;
	size_t it = 0, cap = 0;

	*n = 0;
	while ((m = usyms_mapping_next(u, &it))) {
		if (buf_grow((void **)&a, &cap, *n + 1, sizeof(*a)))
			break;
		a[(*n)++] = (struct psys_user_mapping){ m->pid, m->start, m->end, m->file,
							m->build_id, m->symbols };
	}
	return a;
}

/* What ends a capture, as its trailer says it. */
struct ending {
	const char *reason;
	int64_t end_mono, end_wall;
	struct recorder_counts now;
	uint64_t dropped;
	int brief;		/* without the lists (triggers, mappings, gaps, losses):
				   what fits where nothing else does */
};

/* The trailer of C as E ends it. */
static json_t *trailer_json(const struct recorder *r, const struct capture *c,
			    const struct ending *e)
{
	char when[64], cpus[4096];
	/* How much of the window asked for the pre-trigger ring no longer
	 * had (it started recently, or memory ran short). */
	struct pring_stats ps = { 0 };

	if (r->ring)
		pring_stats(r->ring, &ps);
	ptime_iso(e->end_wall, when, sizeof(when));
	cpulist_format(&c->cpus, cpus, sizeof(cpus));
	struct psys_trailer t = {
		.end_wall = when, .end_wall_ns = e->end_wall, .end_mono_ns = e->end_mono,
		.samples = c->w ? psysfile_samples(c->w) : 0,
		/* Counted on every sampled CPU while the capture ran. */
		.lost = e->now.lost - c->at_start.lost,
		.stack_errors = e->now.stack_err - c->at_start.stack_err,
		.bpf_misses = e->now.bpf_misses - c->at_start.bpf_misses,
		.stacks = c->w ? psysfile_stacks(c->w) : 0,
		.symbols = c->w ? psysfile_symbols(c->w) : 0,
		.hot_cpus = cpus, .end_reason = c->err ? "write error" : e->reason,
		.triggers = c->trig, .ntriggers = e->brief ? 0 : c->ntrig,
		.pre_ring_evicted_full = ps.evicted_full, .dropped = e->dropped,
	};
	struct psys_user_mapping *maps = NULL;
	/* Every capture's fields, END_WALL to TRIGGERS; then the others. */
	t.has = PSYS_BIT(PSYS_T_PRE_RING_EVICTED_FULL) - 1;
	if (r->ring)
		PSYS_SET(&t, PSYS_T_PRE_RING_EVICTED_FULL);
	if (r->usyms && !e->brief) {
		t.user_mappings = maps = user_mappings(r->usyms, &t.nuser_mappings);
		PSYS_SET(&t, PSYS_T_USER_MAPPINGS);
	}
	if (c->err) {
		t.write_error = strerror(-c->err);
		t.has |= PSYS_BIT(PSYS_T_WRITE_ERROR) | PSYS_BIT(PSYS_T_DROPPED);
	}
	/* The stretches its CPUs were not sampled, within its window. */
	struct psys_cpu_gap *gaps = calloc(r->ngaps + 1, sizeof(*gaps));
	for (size_t i = 0; gaps && !e->brief && i < r->ngaps; i++) {
		const struct psys_cpu_gap *g = &r->gaps[i];
		if (cpulist_has(&c->cpus, (int)g->cpu) && g->offline_mono_ns < e->end_mono &&
		    (!g->online_mono_ns || g->online_mono_ns > c->start_mono))
			gaps[t.ncpu_gaps++] = *g;
	}
	if (t.ncpu_gaps) {
		t.cpu_gaps = gaps;
		PSYS_SET(&t, PSYS_T_CPU_GAPS);
	}
	/* Losses counted from the window's start to its end (the drain
	 * that ends it counts them a little after). */
	struct psys_loss *loss = calloc(r->nlosses + 1, sizeof(*loss));
	for (size_t i = 0; loss && !e->brief && i < r->nlosses; i++)
		if (r->losses[i].mono_ns > c->start_mono)
			loss[t.nlost_at++] = r->losses[i];
	if (t.nlost_at) {
		t.lost_at = loss;
		PSYS_SET(&t, PSYS_T_LOST_AT);
	}
	json_t *j = psys_trailer_to_json(&t);
	free(maps);
	free(gaps);
	free(loss);
	return j;
}

int capture_reserve(struct recorder *r, struct capture *c)
{
	/* The trailer as a write error would leave it, every count at its
	 * widest: what it can take, and a margin for what comes later. */
	struct ending e = { .reason = "write error", .end_mono = INT64_MAX,
			    .end_wall = INT64_MAX, .dropped = UINT64_MAX };
	int err = c->err;
	char *s;

	e.now = (struct recorder_counts){ UINT64_MAX, UINT64_MAX, UINT64_MAX };
	c->err = -EIO;
	json_t *j = trailer_json(r, c, &e);
	c->err = err;
	if (!j || !(s = json_dumps(j, JSON_COMPACT))) {
		json_decref(j);
		return -ENOMEM;
	}
	uint64_t need = strlen(s) + 1024;
	free(s);
	json_decref(j);
	return need > PSYSFILE_RESERVE ? psysfile_set_reserve(c->w, need) : 0;
}

void capture_end(struct recorder *r, const char *reason)
{
	struct capture *c = r->cur;
	struct ending e = { .reason = reason, .end_mono = rec_mono(r) };
	json_t *trailer;
	char cpus[4096];
	int perr;

	if (e.end_mono > c->end_mono)
		e.end_mono = c->end_mono;
	/* On the wall clock of the start: a clock stepped meanwhile (NTP,
	 * an operator) moves neither the window nor its length. */
	e.end_wall = c->start_wall + (e.end_mono - c->start_mono);
	r->src.counts(r->src.ctx, &e.now);
	cpulist_format(&c->cpus, cpus, sizeof(cpus));
	/* Write what is queued before counting; if that fails (disk full),
	 * drop it so the trailer, which says so, may still fit. */
	if (!c->err)
		c->err = psysfile_flush(c->w);
	if (c->err)
		e.dropped = psysfile_discard(c->w);
	uint64_t written = psysfile_samples(c->w);
	trailer = trailer_json(r, c, &e);
	if (!r->pipe_gone && !c->err) {
		c->err = psysfile_finish(c->w, trailer);
		capture_stream_or_stop(r, c);
		if (c->err && !r->pipe_gone) {
			diag_say(&r->o.diag, "cannot finish '%s': %s", c->path,
				strerror(-c->err));
			/* Once more, saying why it ended, the lists left out if
			 * they do not fit. */
			json_decref(trailer);
			trailer = trailer_json(r, c, &e);
			if (!trailer || psysfile_finish(c->w, trailer)) {
				json_decref(trailer);
				e.brief = 1;
				if ((trailer = trailer_json(r, c, &e)))
					psysfile_finish(c->w, trailer);
			}
			r->failures++;
		}
	} else if (!r->pipe_gone) {
		diag_say(&r->o.diag, "cannot write '%s': %s; the file holds what was "
			"written before the error", c->path, strerror(-c->err));
		/* The reserve holds the trailer; one grown past it (many
		 * user mappings) goes without its lists. */
		if (psysfile_finish(c->w, trailer)) {
			json_decref(trailer);
			e.brief = 1;
			trailer = trailer_json(r, c, &e);
			if (trailer)
				psysfile_finish(c->w, trailer);
		}
		if (c->tee_fd >= 0)
			outdir_stream(c->tee_fd, &c->streamed, psysfile_bytes(c->w),
				      r->o.out_fd);
		r->failures++;
	}
	if (r->pipe_gone || c->err) {
		/* Said above; or nobody reads the capture any more: nothing
		 * to finish, nothing to say. */
	} else {
		uint64_t bytes = psysfile_bytes(c->w);
		diag_say(&r->o.diag, "%s: %llu samples (%llu lost, %llu stack errors) on cpu %s "
			"over %.3f s, %llu bytes (%.2f B/sample)", c->path,
			(unsigned long long)written,
			(unsigned long long)(e.now.lost - c->at_start.lost),
			(unsigned long long)(e.now.stack_err - c->at_start.stack_err), cpus,
			(e.end_mono - c->start_mono) / 1e9, (unsigned long long)bytes,
			written ? (double)bytes / written : 0.0);
		if (r->dir.to_stdout) {
			/* The capture itself went to stdout: no path to print. */
		} else if ((perr = r->o.finished(r->o.finished_ctx, c->path))) {
			/* The reader of the paths has gone (| head): the file is
			 * finished, and we end quietly, as a filter does. */
			if (perr == -EPIPE)
				r->pipe_gone = 1;
			else if (!r->out_broken)
				diag_say(&r->o.diag, "cannot write the path to stdout: %s; "
					 "recording goes on", strerror(-perr));
			r->out_broken = 1;
		}
		r->captures++;
	}
	json_decref(trailer);
	r->last_end_mono = e.end_mono;
	r->cur = NULL;
	capture_free(c);
	if (r->triggered && !outdir_is_file_name(r->dir.path))
		outdir_retain(&r->dir, r->o.max_files, r->o.max_bytes, 0, r->o.verbose,
			      &r->o.diag);
}
