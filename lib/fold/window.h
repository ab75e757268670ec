/* The time window of a fold (--from, --to): the times as given, resolved
 * against each capture's own start, since a time of day or a date means
 * a different offset in each capture. */
#ifndef PSYS_WINDOW_H
#define PSYS_WINDOW_H

#include "fold/capinfo.h"
#include "base/diag.h"
#include "fold/fold.h"
#include "fold/slice.h"

/* Sets IN's from_ns and to_ns for the capture at PATH, whose header CI
 * holds, from SL's window. Returns 0, -EINVAL when the capture has no
 * start to count from, or -ERANGE when the end is not after the start
 * (a usage error), after saying so on D. */
int window_resolve(const struct slice *sl, const char *path, const struct capinfo *ci,
		   struct fold_input *in, const struct diag *d);

/* Warns on D when SL's window kept no sample of the capture at PATH
 * (C its counts, CI its header and trailer), naming the capture's own
 * span in the terms both options take. */
void window_check_empty(const struct slice *sl, const char *path, const struct capinfo *ci,
			const struct fold_counts *c, const struct diag *d);

#endif
