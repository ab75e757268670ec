/* The recorder: psys-record's capture lifecycle. Samples from the sampler
 * are encoded once, into per-CPU blocks (psysblock.h) that go to the
 * pre-trigger ring and to at most one capture file at a time; trigger
 * lines (from psys-watch or the peak rule) start and extend captures,
 * each a .psys file with its header and trailer (psysfile/header.h).
 *
 * It decides, and is handed everything it acts through, so that a test
 * drives it through every fault: the time (struct recorder_clock: it
 * reads no clock itself), the samples (psys-record's sampler hands each
 * to recorder_sample, in the file's terms, and is driven through struct
 * recorder_source), the file writes (OPTS.io) and its messages (OPTS.diag,
 * one line each; it never prints). Each finished file's path goes to
 * OPTS.finished; with -o -, the capture itself to OPTS.out_fd. */
#ifndef PSYS_RECORDER_H
#define PSYS_RECORDER_H

#include <stdint.h>

#include "base/cpulist.h"
#include "base/diag.h"
#include "cgroup/cgroup_path.h"
#include "psysfile/psysblock.h"
#include "psysfile/psysfile.h"
#include "symbols/ksyms.h"

#ifndef NSEC
#define NSEC 1000000000LL
#endif

/* The clocks, in ns: CLOCK_MONOTONIC (windows, ticks: every time the
 * recorder keeps) and CLOCK_REALTIME (names and wall times only). */
enum recorder_clock_id { RECORDER_MONO, RECORDER_WALL };
struct recorder_clock {
	void *ctx;
	int64_t (*now)(void *ctx, enum recorder_clock_id which);
};

struct recorder_opts {
	struct cpulist cpus;		/* sampled (borrowed) */
	unsigned freq;			/* Hz */
	int64_t duration_ns;		/* -s */
	const char *output;		/* -o: DIR, FILE.psys or "-" */
	int no_symbols, verbose, user_stacks, idle_stacks;
	const char *debug_dirs;		/* --debug-dir, or NULL */
	uint64_t pre_memory, max_bytes;
	int64_t pre_ns;			/* -1: twice the trigger's interval */
	int64_t max_ns;			/* --max-seconds */
	unsigned long max_files;
	const struct ksyms *ksyms;	/* names addresses; must outlive the recorder */
	unsigned stack_max;		/* most kernel frames the sampler takes */
	/* The peak rule (triggered mode): window, threshold; off if 0. */
	int64_t peak_window_ns;
	double peak_threshold;
	/* The cgroup hierarchies whose ids samples carry (v1 only once
	 * recorder_set_cgroup1 says so); NULL: none. Paths are resolved
	 * while the recorder runs. Borrowed. */
	const struct cgroup_mounts *cgroups;
	int cgroup1;
	struct diag diag;		/* messages, without the program's name */
	struct recorder_clock clock;
	/* The path of each finished capture (psys-record prints it);
	 * returns 0 or a negative errno, -EPIPE when its reader left. */
	int (*finished)(void *ctx, const char *path);
	void *finished_ctx;
	int out_fd;			/* -o -: where the capture goes */
	const struct psysfile_io *io;	/* the file writes; NULL: the system's */
};

/* What the recorder asks of the sampler. */
struct recorder_counts {
	uint64_t lost, stack_err, bpf_misses;
};

struct recorder_source {
	void *ctx;
	/* Hands every waiting sample to recorder_sample. Returns how many,
	 * or a negative errno. */
	int (*drain)(void *ctx);
	/* The in-kernel counters so far, summed over every CPU. */
	void (*counts)(void *ctx, struct recorder_counts *c);
};

struct recorder;

/* Opens the output directory (outdir.h) and, when TRIGGERED, the
 * pre-trigger ring and the peak rule; OPTS is copied. Says what failed on
 * OPTS->diag. Returns 0 or a negative errno; *OUT must be freed either
 * way. */
int recorder_new(const struct recorder_opts *opts, int triggered, struct recorder **out);

/* The output directory's descriptor (for the capability policy). */
int recorder_dirfd(const struct recorder *r);

/* Takes one sample: S as a capture stores it, except for its user stack,
 * which is S->nuframes addresses at UADDRS (named here, with
 * --user-stacks: S->uframes is not used). */
void recorder_sample(struct recorder *r, const struct psysfile_sample *s,
		     const uint64_t *uaddrs);

/* Whether samples carry v1 cgroup ids (the sampler found where they are). */
void recorder_set_cgroup1(struct recorder *r, int on);

/* Sampling has started: from now on SRC (copied) is drained. */
void recorder_attach(struct recorder *r, const struct recorder_source *src);

/* CPU went offline (ONLINE 0) or sampling it began again, or for the
 * first time (ONLINE 1), at NOW (CLOCK_MONOTONIC ns): each stretch a CPU
 * was not sampled is kept, and a capture of that CPU lists it in its
 * trailer ("cpu_gaps"). A CPU seen offline at NOW may have gone since
 * LAST_SEEN, when it was last known online (0: NOW). */
void recorder_cpu_state(struct recorder *r, int cpu, int online, int64_t now,
			int64_t last_seen);

/* Starts the one capture of standalone mode: now, for -s seconds. */
int recorder_start_now(struct recorder *r);

/* Hands over one line of standard input (without its newline). */
void recorder_line(struct recorder *r, const char *line, size_t len);
/* Counts a line that could not be taken (warns about the first one). */
void recorder_bad_line(struct recorder *r, const char *why);

/* Drains the sampler, writes what is due, ends the capture when its time
 * is up (or at once when STOPPING, the signal that stops us). */
void recorder_tick(struct recorder *r, int64_t now, int stopping);

/* When the loop must wake up next (CLOCK_MONOTONIC ns). */
int64_t recorder_next_wake(const struct recorder *r, int64_t now);

int recorder_capturing(const struct recorder *r);

/* Ends any capture (draining first), as at exit. */
void recorder_finish(struct recorder *r, int stopping);

/* Non-zero if any capture failed. */
int recorder_failed(const struct recorder *r);

/* Non-zero if the reader of the paths (or of -o -) has gone: the program ends quietly,
 * by SIGPIPE. */
int recorder_pipe_gone(const struct recorder *r);

/* Non-zero if handing a path to OPTS.finished failed (already said). */
int recorder_out_broken(const struct recorder *r);

/* Frees R (accepts NULL); with -v, says what the ring held. */
void recorder_free(struct recorder *r);

/* Reads the first line of a small /proc or /sys file into BUF, without
 * the newline; an empty string if it cannot. */
void recorder_read_line(const char *path, char *buf, size_t len);

#endif
