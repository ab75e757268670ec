/* A fold as a profile for other tools: the adapters from a fold and its
 * summary to the speedscope and pprof writers (speedscope.h, pprof.h). */
#ifndef PSYS_EXPORT_H
#define PSYS_EXPORT_H

#include <stdio.h>

#include "fold/fold.h"
#include "fold/summary.h"

/* speedscope JSON: F's samples in time order (F made with
 * fold_opts.timeline), each weighing one sampling period in nanoseconds
 * (runs of one stack merged into one sample), in one profile named after
 * S, or with PER_CPU one per CPU. EXPORTER names the writer. Returns 0,
 * -ENOMEM or -EIO. */
int export_speedscope(struct fold *f, const struct summary *s, int per_cpu,
		      const char *exporter, FILE *out);

/* pprof (gzipped protobuf): F's lines (F made with fold_opts.labels and
 * .annotate) with comm, pid, tid, cpu and host as sample labels, S's
 * metadata lines (SLICE_DESC as in summary_write, without their "# ") as
 * the profile's comments, the kernel frames in a kernel mapping over S's
 * first _stext.._etext; each sample also counts as 1/freq s of CPU time.
 * Returns 0, -ENOMEM or -EIO. */
int export_pprof(struct fold *f, const struct summary *s, const char *slice_desc, FILE *out);

#endif
