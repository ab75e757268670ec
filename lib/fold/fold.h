/* Folding: turns the samples of one or more .psys captures into folded
 * stacks ("comm;root;...;leaf COUNT", Brendan Gregg's format), naming each
 * kernel address with a symbol table. Samples are counted per (thread,
 * stack[, cpu]) first and each distinct stack is named once, and each
 * distinct address looked up once, so the cost per sample is one hash
 * lookup whatever the size of the symbol table. */
#ifndef PSYS_FOLD_H
#define PSYS_FOLD_H

#include <stdint.h>
#include <stdio.h>

#include "symbols/ksyms.h"
#include "psysfile/psysfile.h"
#include "fold/slice.h"
#include "fold/who.h"

struct fold_opts {
	int idle;	/* keep samples of the idle task (pid 0); those recorded
			   without a stack fold as the comm alone */
	int user;	/* keep user-mode samples, as one [user] frame */
	int no_comm;	/* no process-name root frame */
	int addrs;	/* +0xOFF on named frames, the address on unknown ones */
	int per_cpu;	/* a "cpu N" frame at the root */
	int per_pid;	/* a "pid N" frame at the root (after cpu N) */
	/* Root frames naming who ran (fold/who.h), before cpu N, in this
	 * order: "container ID12", "service NAME", "cgroup PATH". */
	int per_container, per_service, per_cgroup;
	int annotate;	/* kernel frames get the "_[k]" suffix (flamegraph.pl's
			   mark, which psys-svg colours) */
	/* Each line also carries its samples' comm, pid, tid, cpu and the
	 * input's host (fold_line_labels): lines that differ only in those
	 * stay apart. For profile formats with sample labels (pprof);
	 * independent of the root frames the options above add. */
	int labels;
	/* Keep every folded sample's time, CPU and line (fold_timeline):
	 * 16 bytes a sample. For formats that show time order. */
	int timeline;
	const struct slice *slice; /* CPU/pid/tid/comm filters; NULL: none.
				      Borrowed: must outlive the fold. */
};

/* How to read one capture. */
struct fold_input {
	/* Symbols to name kernel addresses with; NULL: those embedded in
	 * the file. Borrowed. */
	const struct ksyms *ks;
	/* Added to core-kernel addresses before they are looked up in KS:
	 * the KASLR offset between the capture's boot and KS (see
	 * ksyms_match_refs). When REBASE is set, module addresses are looked
	 * up unshifted and only module symbols may name them. */
	int rebase;
	int64_t delta;
	/* The capture's _etext when its header records one (0: use KS's). */
	uint64_t etext;
	/* A root frame naming the host (NULL: none). */
	const char *host;
	/* The host for the "host" label of fold_opts.labels (NULL: none). */
	const char *host_label;
	/* Added to sample times in the timeline (fold_opts.timeline): the
	 * capture's wall clock minus its CLOCK_MONOTONIC, so that several
	 * captures share one clock. */
	int64_t clock_offset_ns;
	/* Keep samples with FROM_NS <= time_ns < TO_NS (CLOCK_MONOTONIC of
	 * the capture); 0 and UINT64_MAX keep all. */
	uint64_t from_ns, to_ns;
};

/* What happened to the samples read. */
struct fold_counts {
	uint64_t samples;	/* read from the files */
	uint64_t folded;	/* written as stacks */
	uint64_t user;		/* user mode, left out (no --user) */
	uint64_t idle;		/* idle task, left out (no --idle) */
	uint64_t filtered;	/* left out by the slice or time window */
	uint64_t stack_errors;	/* kept, as a [stack error] frame */
	uint64_t unknown_frames; /* distinct addresses no symbol covered */
	/* Times of the first and last sample of the latest fold_add call
	 * (CLOCK_MONOTONIC of that capture, before any filter); 0 when it
	 * had none. */
	uint64_t first_ns, last_ns;
	/* Samples of the latest fold_add call inside its time window (before
	 * the other filters): 0 says the window missed the capture. */
	uint64_t in_window;
	/* Who ran the samples folded, over every fold_add. */
	struct who_seen who;
};

struct fold;

/* NULL with errno set on failure. */
struct fold *fold_new(const struct fold_opts *o);

/* Reads every sample of R and folds those the options and IN keep
 * (IN NULL: embedded symbols, no window). Returns 0 or -ENOMEM. */
int fold_add(struct fold *f, struct psysfile_reader *r, const struct fold_input *in);

/* Adds COUNT to the folded stack STACK (LEN bytes, frames joined by ';',
 * root first), as read from folded text. Returns 0 or -ENOMEM. */
int fold_add_line(struct fold *f, const char *stack, size_t len, uint64_t count);

/* Sorts the lines bytewise (deterministic output). After this,
 * fold_line(F, I) walks them in order; adding more lines is allowed and
 * needs another sort. Returns 0 or -ENOMEM. */
int fold_sort(struct fold *f);

/* Number of distinct lines, and line I (NUL-terminated; its count in
 * *COUNT). The pointer is valid until the next add. */
size_t fold_nlines(const struct fold *f);
const char *fold_line(const struct fold *f, size_t i, uint64_t *count);

/* With fold_opts.labels: the labels of line I (as fold_line numbers it)
 * in *OUT, whose strings are valid until the next add. Returns 0, or
 * -ENOENT when the fold keeps no labels or I is past the end. */
struct fold_labels {
	uint32_t pid, tid, cpu;
	/* As frames show them (fold_clean): ';' as ':', no control bytes;
	 * "" when there is none. */
	const char *comm;
	const char *host;
	/* Who ran (fold/who.h): the cgroup path ("cgroup id N" when only
	 * the id is known), the container id, pod UID and systemd unit
	 * named after it; "" when none. */
	const char *cgroup, *container, *pod, *service;
};
int fold_line_labels(const struct fold *f, size_t i, struct fold_labels *out);

/* With fold_opts.timeline: every sample folded, in time order (ties in
 * the order read), with its time (CLOCK_MONOTONIC of its capture plus
 * fold_input.clock_offset_ns), CPU and line, numbered as fold_line
 * numbers them after the sort this call does. Returns the array (owned
 * by F, valid until the next call or add) and its length in *N; NULL
 * with *N 0 when there is none, and NULL with errno ENOMEM on failure. */
struct fold_event {
	uint64_t time_ns;
	uint32_t cpu;
	uint32_t line;
};
const struct fold_event *fold_timeline(struct fold *f, size_t *n);

/* Sorts and writes "stack COUNT" lines. Returns 0, -ENOMEM or -EIO
 * (check ferror for the cause). */
int fold_write(struct fold *f, FILE *out);

/* Sorts both and writes every stack of either as "stack BASE_COUNT
 * COUNT" (flamegraph.pl's difffolded form; 0 where a side lacks it).
 * Returns 0, -ENOMEM or -EIO. */
int fold_write_diff(struct fold *base, struct fold *f, FILE *out);

const struct fold_counts *fold_counts(const struct fold *f);

void fold_free(struct fold *f);	/* accepts NULL */

/* Copies S into OUT (at most LEN bytes with the terminator, cut between
 * characters) as a safe frame name: bytes that are not valid UTF-8 become
 * U+FFFD, ';' becomes ':', control bytes become '?', so an untrusted name
 * can neither split a frame nor start a new line, and output stays valid
 * UTF-8. Returns OUT. */
char *fold_clean(const char *s, char *out, size_t len);

/* The frame naming an address no symbol covers, for frames past the core
 * kernel's text. */
#define FOLD_PAST_ETEXT "[past _etext]"

#endif
