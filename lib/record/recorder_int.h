/* Inside the recorder: its state and one capture's, shared by recorder.c
 * (samples, blocks, triggers, the loop's ticks) and capture.c (one capture
 * file from start to trailer). Not for use outside lib/record. */
#ifndef PSYS_RECORDER_INT_H
#define PSYS_RECORDER_INT_H

#include <limits.h>
#include <stdint.h>

#include "base/cpulist.h"
#include "base/hmap.h"
#include "psysfile/header.h"
#include "psysfile/psysblock.h"
#include "psysfile/psysfile.h"
#include "record/outdir.h"
#include "record/peak.h"
#include "record/pring.h"
#include "record/recorder.h"

#define PROG "psys-record"
#define BLOCK_LEVEL 3			/* zstd level of blocks */

struct recorder {
	struct recorder_opts o;
	int triggered;
	struct outdir dir;
	struct recorder_source src;	/* the sampler, once attached */
	struct pring *ring;		/* the pre-trigger buffer */
	/* One block builder per sampled CPU (by CPU number): every sample
	 * is encoded once, into its CPU's block; sealed blocks go to the
	 * ring and, when a capture wants them, to its file. */
	struct psysblock_builder **bld;
	size_t nbld;
	int64_t *last_ns;		/* by CPU number, as BLD: its last sample */
	void *cctx, *dctx;		/* zstd contexts for sealing, trimming */
	int64_t sampling_since;		/* CLOCK_MONOTONIC: the sampler's start */
	struct usyms *usyms;		/* names user addresses (--user-stacks) */
	struct hmap comm_of;		/* pid -> hash of its comm: exec check */
	struct cgroup_paths *cgpaths;	/* cgroup ids -> paths, or NULL */
	/* Per CPU: the cgroup ids of its previous sample, known already. */
	uint64_t (*cg_last)[2];
	size_t ncg_last;
	int64_t retain_ns;		/* how far back the ring reaches */
	struct capture *cur;
	struct peak *peak;		/* the peak rule, or NULL */
	struct peak_fire *fires;	/* fired while draining, not yet taken */
	size_t nfires, fires_cap;
	uint64_t peak_fires;
	uint32_t self_pid;		/* not counted by the peak rule */
	int64_t last_end_mono;		/* where the previous capture ended */
	int64_t next_drain;
	uint64_t bad_lines, captures, failures, ignored_triggers;
	/* Stretches a sampled CPU was offline (online_mono_ns 0 while it
	 * still is), oldest first; those before the ring's reach go. */
	struct psys_cpu_gap *gaps;
	size_t ngaps, gaps_cap;
	/* Losses placed in time: at each drain, what the sampler's lost
	 * count grew by since the one before (LOST_SEEN). */
	struct psys_loss *losses;
	size_t nlosses, losses_cap;
	uint64_t lost_seen;
	int64_t lost_looked;		/* when LOST_SEEN was read */
	int out_broken;			/* a path could not be written to out */
	int pipe_gone;			/* out's reader left: end quietly */
};

struct capture {
	struct psysfile_writer *w;
	char path[PATH_MAX];
	struct cpulist cpus;		/* hot CPUs captured */
	int64_t start_mono, start_wall;	/* the window starts here... */
	int64_t end_mono, limit_mono;	/* ...ends here, at the latest there */
	int64_t want_start_mono;	/* where the pre-window should start */
	int64_t next_sync;
	int dirty;			/* records written since the last sync */
	struct psys_trigger_rec *trig;	/* every trigger line, as taken */
	size_t ntrig, trig_cap;
	struct recorder_counts at_start;
	int err;
	/* -o -: the file, unlinked, read back and copied to standard output
	 * as records are completed; STREAMED bytes of it went out. */
	int tee_fd;
	uint64_t streamed;
};

/* The recorder's clocks (it reads none itself). */
static inline int64_t rec_mono(const struct recorder *r)
{
	return r->o.clock.now(r->o.clock.ctx, RECORDER_MONO);
}

static inline int64_t rec_wall(const struct recorder *r)
{
	return r->o.clock.now(r->o.clock.ctx, RECORDER_WALL);
}

/* Starts a capture of CPUS over [WANT_START, END) (or from where sampling
 * reaches back), making R->cur; TRIG is the trigger line (NULL in
 * standalone mode), moved into the capture; NAME_NS names the file.
 * Returns 0 or a negative errno after saying why (counted as a failure). */
int capture_start(struct recorder *r, const struct cpulist *cpus, int64_t want_start,
		  int64_t end, struct psys_trigger_rec *trig, int64_t name_ns);

/* Finishes R->cur with its trailer (REASON: why it ended), reports it,
 * frees it and applies retention. */
void capture_end(struct recorder *r, const char *reason);

/* Keeps trigger line REC in C's list, moved (REC is emptied). Returns 0
 * or -ENOMEM. */
int capture_take_trigger(struct capture *c, struct psys_trigger_rec *rec);

/* Writes block B, or the part of it in C's window, to C's file when B is
 * of one of C's CPUs. */
void capture_block(struct recorder *r, struct capture *c, const struct psysblock *b);

/* Copies the ring's blocks of CPU (-1: every CPU of C) since C's start
 * into C. Returns the samples they held. */
uint64_t capture_backfill(struct recorder *r, struct capture *c, int cpu);

/* Streams C if it goes to standard output; a failure ends the capture:
 * a reader that left (EPIPE) quietly, anything else as a write error. */
void capture_stream_or_stop(struct recorder *r, struct capture *c);

/* Sizes the room C's file keeps for its trailer to what the trailer now
 * needs (its triggers grow it). Returns 0 or a negative errno (-ENOSPC:
 * the disk is full; the room kept before still holds a trailer without
 * the lists). */
int capture_reserve(struct recorder *r, struct capture *c);

void capture_free(struct capture *c);	/* accepts NULL */

#endif
