/* The timeline after the folded text of one capture: every sample's time,
 * CPU and line, the capture's span and its triggers, as "# timeline" lines
 * (lib/folded/timeline.h) that psys-svg draws over time. Only for a fold
 * of one capture: times count from its start. */
#ifndef PSYS_FOLDTL_H
#define PSYS_FOLDTL_H

#include <stdint.h>
#include <stdio.h>

#include "fold/capinfo.h"
#include "fold/fold.h"
#include "folded/timeline.h"

struct foldtl {
	struct timeline tl;
	int64_t start0;		/* the start on fold_timeline's clock */
	int has;		/* a capture with a start was added */
};

/* Takes the span, rate and triggers of the capture CI (header and trailer
 * read), just folded into F with IN. Without a start, there is no timeline.
 * Returns 0 or -ENOMEM. */
int foldtl_capture(struct foldtl *t, const struct capinfo *ci, const struct fold *f,
		   const struct fold_input *in);

/* Writes the timeline of F (made with fold_opts.timeline) after its
 * lines. Returns 0, -ENOMEM, -EIO, or -EINVAL when a sample names no line
 * (a bug). */
int foldtl_write(struct foldtl *t, struct fold *f, FILE *out);

void foldtl_free(struct foldtl *t);	/* accepts NULL */

#endif
