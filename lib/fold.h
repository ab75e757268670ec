/* Folding: turns the samples of one or more .psys captures into folded
 * stacks ("comm;root;...;leaf COUNT", Brendan Gregg's format), naming each
 * kernel address with a symbol table. Samples are counted per (thread,
 * stack) id first and named once per distinct stack, so the cost per
 * sample is one hash lookup. */
#ifndef PSYS_FOLD_H
#define PSYS_FOLD_H

#include <stdint.h>
#include <stdio.h>

#include "ksyms.h"
#include "psysfile.h"

struct fold_opts {
	int idle;	/* keep samples of the idle task (pid 0) */
	int user;	/* keep user-mode samples, as one [user] frame */
	int no_comm;	/* no process-name root frame */
	int addrs;	/* +0xOFF on named frames, the address on unknown ones */
};

/* What happened to the samples read. */
struct fold_counts {
	uint64_t samples;	/* read from the files */
	uint64_t folded;	/* written as stacks */
	uint64_t user;		/* user mode, left out (no --user) */
	uint64_t idle;		/* idle task, left out (no --idle) */
	uint64_t stack_errors;	/* kept, as a [stack error] frame */
	uint64_t unknown_frames; /* frames no symbol covered */
	/* Times of the first and last sample of the latest fold_add call
	 * (CLOCK_MONOTONIC of that capture); 0 when it had none. */
	uint64_t first_ns, last_ns;
};

struct fold;

/* NULL with errno set on failure. */
struct fold *fold_new(const struct fold_opts *o);

/* Reads every sample of R, naming addresses with KS (NULL: the symbols
 * embedded in the file). Returns 0 or -ENOMEM. */
int fold_add(struct fold *f, struct psysfile_reader *r, const struct ksyms *ks);

/* Writes the folded lines, sorted bytewise so output is deterministic.
 * Returns 0 or -EIO (check ferror for the cause). */
int fold_write(struct fold *f, FILE *out);

const struct fold_counts *fold_counts(const struct fold *f);

void fold_free(struct fold *f);	/* accepts NULL */

/* Copies S into OUT (at most LEN bytes with the terminator) as a safe
 * frame name: ';' becomes ':', control bytes become '?', so an untrusted
 * name can neither split a frame nor start a new line. Returns OUT. */
char *fold_clean(const char *s, char *out, size_t len);

#endif
