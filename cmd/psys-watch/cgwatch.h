/* psys-watch --cgroups: the cgroup half of each poll (cgwatch.c). */
#ifndef PSYS_WATCH_CGWATCH_H
#define PSYS_WATCH_CGWATCH_H

#include "watch/cgstat.h"

#include <regex.h>
#include <stdint.h>

/* Finds the hierarchy (HIER "v2", "cpuacct" or NULL for the automatic
 * choice), sets CS up over it watching the leaves MATCH matches (NULL:
 * all) and takes the first reading, at *MONO. Returns 0, or -1 after
 * saying why on stderr. */
int cg_start(const char *hier, const regex_t *match, int verbose, struct cgstat *cs,
	     int64_t *mono);

/* One poll of CS's cgroups since *PREV (moved on to now): a trigger line
 * in *LINE (the caller frees it) when some are at or above GATE (% of one
 * CPU), else NULL. VERBOSE: the poll's figures on stderr. Returns 0, or
 * -1 after saying why. */
int cg_poll(double gate, int verbose, struct cgstat *cs, int64_t *prev, char **line);

#endif
