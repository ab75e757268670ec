/* psys-watch --cgroups: the cgroup half of each poll, wiring
 * lib/watch/cgstat to the clocks, the descriptor limit and stderr. */
#include "cgwatch.h"

#include "base/ptime.h"
#include "watch/trigger.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define PROG "psys-watch"

/* Stat files psys-watch may keep open between polls: the descriptor limit
 * raised as far as it goes, less a margin. */
static int fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1u << 20)
		return 1 << 20;
	return rl.rlim_cur > 64 ? (int)rl.rlim_cur - 64 : 0;
}

int cg_start(const char *hier, const regex_t *match, int verbose, struct cgstat *cs,
	     int64_t *mono)
{
	struct cgstat_hier h;
	int err;

	if ((err = cgstat_hier_find(NULL, hier, &h))) {
		fprintf(stderr, PROG ": no cgroup hierarchy to read (%s) in "
			"'/proc/self/mountinfo': %s\n", hier ? hier : "v2 or cpuacct",
			strerror(-err));
		return -1;
	}
	if ((err = cgstat_init(cs, &h, match, fd_budget()))) {
		fprintf(stderr, PROG ": cannot read cgroup sys time under '%s': %s\n",
			cs->hier.mount, strerror(-err));
		return -1;
	}
	*mono = ptime_now(CLOCK_MONOTONIC);
	if ((err = cgstat_poll(cs)) < 0) {
		fprintf(stderr, PROG ": cannot read cgroups under '%s': %s\n", cs->hier.mount,
			strerror(-err));
		return -1;
	}
	if (verbose)
		fprintf(stderr, PROG ": watching %d cgroups in %s ('%s')\n", err, cs->hier.name,
			cs->hier.mount);
	return 0;
}

int cg_poll(double gate, int verbose, struct cgstat *cs, int64_t *prev, char **line)
{
	struct trigger t = { 0 };
	int64_t mono = ptime_now(CLOCK_MONOTONIC), wall = ptime_now(CLOCK_REALTIME);
	int n = cgstat_poll(cs), err = 0;

	*line = NULL;
	if (n < 0) {
		fprintf(stderr, PROG ": cannot read cgroups under '%s': %s\n", cs->hier.mount,
			strerror(-n));
		return -1;
	}
	if (verbose)
		fprintf(stderr, PROG ": %d cgroups read (%s, %zu directories listed) in %.3f ms\n",
			n, cs->hier.name, cs->scanned, (ptime_now(CLOCK_MONOTONIC) - mono) / 1e6);
	t.wall_ns = wall;
	t.mono_ns = mono;
	t.mono_start_ns = *prev;
	t.gate = gate;
	if ((err = cgstat_hot(cs, mono - *prev, gate, &t)) > 0)
		err = trigger_format(&t, line);
	*prev = mono;
	trigger_free(&t);
	if (err < 0) {
		fprintf(stderr, PROG ": cannot make a cgroup trigger: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

