/* The recorder: the sampler feeding the pre-trigger ring and at most one
 * capture file at a time, driven by psys-record's event loop. */
#ifndef PSYS_CAPTURE_H
#define PSYS_CAPTURE_H

#include <limits.h>
#include <stdint.h>

#include "base/cpulist.h"
#include "base/hmap.h"
#include "symbols/ksyms.h"
#include "record/peak.h"
#include "record/pring.h"
#include "psysfile/psysblock.h"
#include "sampler.h"

#define NSEC 1000000000LL

struct capture;

struct recorder {
	/* Options, set by main. */
	struct cpulist cpus;		/* sampled */
	unsigned freq;
	int64_t duration_ns;		/* -s */
	const char *output;
	int no_symbols, verbose, user_stacks, idle_stacks;
	const char *debug_dirs;		/* --debug-dir, or NULL */
	uint64_t ring_bytes, pre_memory, max_bytes;
	int64_t pre_ns;			/* -1: twice the trigger's interval */
	int64_t max_ns;
	unsigned long max_files;
	struct ksyms *ksyms;
	/* The peak rule (triggered mode): window, threshold; off if 0. */
	int64_t peak_window_ns;
	double peak_threshold;

	/* State. */
	int triggered;
	int dirfd;			/* the output directory */
	struct sampler *sampler;
	struct pring *ring;		/* the pre-trigger buffer */
	/* One block builder per sampled CPU (by CPU number): every sample
	 * is encoded once, into its CPU's block; sealed blocks go to the
	 * ring and, when a capture wants them, to its file. */
	struct psysblock_builder **bld;
	size_t nbld;
	void *cctx, *dctx;		/* zstd contexts for sealing, trimming */
	int64_t sampling_since;		/* CLOCK_MONOTONIC: the sampler's start */
	struct usyms *usyms;		/* names user addresses (--user-stacks) */
	struct hmap comm_of;		/* pid -> hash of its comm: exec check */
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
	int stdout_broken;
	int pipe_gone;			/* stdout's reader left: end quietly */
	int to_stdout;			/* -o -: the capture goes to stdout */
	char tmpdir[PATH_MAX];		/* -o -: the private folder, until used */
	char last_error[256];
};

/* Loads the sampler on r->cpus and, when TRIGGERED, the pre-trigger ring.
 * Prints its own one-line error. Returns 0 or a negative errno. */
int recorder_open(struct recorder *r, int triggered);

/* Opens and checks the output directory (see capture.c). Returns 0 or a
 * negative errno after printing why. */
int recorder_open_dir(struct recorder *r);

/* Starts the one capture of standalone mode: now, for -s seconds. */
int recorder_start_now(struct recorder *r);

/* Hands over one line of standard input (without its newline). */
void recorder_line(struct recorder *r, const char *line, size_t len);
/* Counts a line that could not be taken (warns about the first one). */
void recorder_bad_line(struct recorder *r, const char *why);

/* Drains the sampler, writes what is due, ends the capture when its time
 * is up (or at once when STOPPING). */
void recorder_tick(struct recorder *r, int64_t now, int stopping);

/* When the loop must wake up next (CLOCK_MONOTONIC ns). */
int64_t recorder_next_wake(const struct recorder *r, int64_t now);

int recorder_capturing(const struct recorder *r);

/* Ends any capture (draining first), as at exit. */
void recorder_finish(struct recorder *r, int stopping);

/* Non-zero if any capture failed. */
int recorder_failed(const struct recorder *r);

void recorder_close(struct recorder *r);

/* Reads the first line of a small /proc or /sys file into BUF, without
 * the newline; an empty string if it cannot. */
void recorder_read_line(const char *path, char *buf, size_t len);

/* Non-zero if the reader of standard output has gone: the program ends
 * quietly, by SIGPIPE. */
int recorder_pipe_gone(const struct recorder *r);

/* Non-zero if PATH names a file (FILE.psys) rather than a directory. */
int capture_is_file_name(const char *path);

#endif
