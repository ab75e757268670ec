/* One run of psys-fold: its inputs (.psys captures, folded text for a
 * differential base) folded into one output in the format asked for,
 * with the summary, symbol checks, time window and timeline that go with
 * them. The program sets the options and names the files; this does the
 * rest and says what went wrong through a struct diag. */
#ifndef PSYS_FOLDRUN_H
#define PSYS_FOLDRUN_H

#include <stdio.h>

#include "base/diag.h"
#include "fold/fold.h"
#include "fold/slice.h"

enum foldrun_format { FOLDRUN_FOLDED, FOLDRUN_SPEEDSCOPE, FOLDRUN_PPROF };

struct foldrun_opts {
	struct fold_opts fo;	/* the fold's own options (slice set here) */
	struct slice slice;	/* what to keep */
	enum foldrun_format format;
	const char *kallsyms;	/* symbols for every capture, or NULL: */
	const char *vmlinux;	/* each capture's own */
	int force;		/* use them even for another kernel */
	const char *diff;	/* the base of a differential fold, or NULL */
	int per_host;		/* the host as the root frame */
	int root_frames;	/* pprof: keep the comm root frame */
	int no_meta;		/* no metadata lines, no timeline */
	int no_timeline;
	int time_order;		/* folded lines in time order (timeorder.h) */
	int info;		/* describe each file instead of folding */
	int nfiles;		/* how many inputs follow (a timeline needs one) */
	const char *exporter;	/* the writer as profiles name it */
};

/* What went wrong, for the exit status. */
struct foldrun_status {
	int failed;	/* an input could not be folded, or output failed */
	int damaged;	/* an input was damaged or cut short: folded in part */
	int usage;	/* a window the options made empty for a capture */
};

struct foldrun;

/* Starts a run with O (borrowed: must outlive it; its fold options are
 * completed for the format), writing to OUT and saying on D (both
 * borrowed) what goes wrong. Loads the symbol file, and with a diff folds
 * its base. Returns 0, or a negative errno after saying why on D (then
 * *RUN is NULL). */
int foldrun_new(struct foldrun_opts *o, FILE *out, const struct diag *d,
		struct foldrun **run);

/* Folds the input at PATH ("-": standard input), or with --info describes
 * it on OUT; failures are said on D and kept in the status. A differential
 * run goes no further once it failed (a side missing would mislead): the
 * caller stops adding, and foldrun_write writes nothing. */
void foldrun_add(struct foldrun *r, const char *path);

/* Writes the output to OUT (nothing for --info, when nothing was read or
 * when the run cannot go on); failures are said on D and kept in the
 * status, but errors writing OUT are left to the caller's ferror. */
void foldrun_write(struct foldrun *r);

const struct foldrun_status *foldrun_status(const struct foldrun *r);

void foldrun_free(struct foldrun *r);	/* accepts NULL */

#endif
