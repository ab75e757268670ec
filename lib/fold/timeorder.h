/* Folded stacks in time order, for flame charts: flamegraph.pl's and
 * inferno's --flamechart (and psys-svg's) draw the lines of their input
 * in the order given, left to right, merging only neighbouring frames of
 * the same name, so lines written as the samples came show the capture
 * as it happened. A sorted, aggregated fold shows no time at all. */
#ifndef PSYS_TIMEORDER_H
#define PSYS_TIMEORDER_H

#include <stdio.h>

#include "fold/fold.h"

/* Writes the samples F folded (F made with fold_opts.timeline) as
 * "stack COUNT" lines: CPU after CPU, ascending, each CPU's samples in
 * time order, one line per run of consecutive samples of that CPU with
 * the same stack, COUNT the run's length. Samples of different CPUs are
 * never interleaved: two CPUs' stacks alternating sample by sample would
 * draw as a comb. Returns 0, -ENOMEM or -EIO (check ferror(OUT)). */
int timeorder_write(struct fold *f, FILE *out);

#endif
