/* psys-watch: polls /proc/stat and writes one trigger line (lib/watch/trigger.h)
 * on stdout for every poll in which a CPU's sys % is at or above the gate;
 * with --cgroups, also one for the cgroups whose kernel time is at or above
 * the cgroup gate (lib/watch/cgstat.h). It never records anything itself:
 * psys-record reads its lines. */
#include "base/cli.h"
#include "base/cpulist.h"
#include "base/idlist.h"
#include "base/num.h"
#include "cgwatch.h"
#include "watch/cgstat.h"
#include "watch/procstat.h"
#include "base/ptime.h"
#include "watch/trigger.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "psys-watch"
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 86400.0

enum { OPT_IRQ = 256, OPT_ONCE, OPT_CGROUPS, OPT_CG_GATE, OPT_CG_MATCH, OPT_CG_HIER };

struct opts {
	double interval;	/* seconds */
	double gate;		/* percent */
	struct cpulist cpus;	/* empty: all */
	int irq, once, verbose;
	int cgroups;		/* --cgroups */
	double cg_gate;		/* % of one CPU */
	regex_t cg_match;	/* when has_match */
	int has_match;
	const char *cg_hier;	/* NULL: auto */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const struct cli_opt OPTS[] = {
	{ "interval", 'i', "SECONDS", "poll every SECONDS (default 3; 0.1 to 86400)" },
	{ "gate", 'g', "PERCENT", "trigger at this sys % or above (default 10)" },
	{ "cpus", 'C', "LIST", "watch only these CPUs, e.g. 0-3,7 (default all)" },
	{ "irq", OPT_IRQ, NULL, "count irq and softirq time as sys" },
	{ "once", OPT_ONCE, NULL, "exit after the first poll that triggers" },
	{ "cgroups", OPT_CGROUPS, NULL, "also trigger on each leaf cgroup's sys time" },
	{ "cgroup-gate", OPT_CG_GATE, "PERCENT", "a cgroup at this % of one CPU (default 50)" },
	{ "cgroup-match", OPT_CG_MATCH, "REGEX", "only leaf cgroups whose path matches REGEX" },
	{ "cgroup-hier", OPT_CG_HIER, "HIER", "v2 or cpuacct (default: v2 if it has cpu)" },
	{ "verbose", 'v', NULL, "every poll's per-CPU figures to stderr" },
	{ "help", 'h', NULL, "this help" },
	{ "version", 'V', NULL, "the version" },
	{ 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [-i SECONDS] [-g PERCENT] [-C CPUS] [--irq] [--once] [-v]\n"
"       [--cgroups] [--cgroup-gate PERCENT] [--cgroup-match REGEX]\n"
"       [--cgroup-hier HIER]\n"
"Watches per-CPU sys time in /proc/stat and writes one JSON trigger line on\n"
"stdout for each poll in which a CPU's sys %% is at or above the gate\n"
"(format: lib/watch/trigger.h), e.g. for 'psys-watch | psys-record -o DIR'.\n"
"With --cgroups, also one line (\"rule\":\"cgroup\") naming the cgroups whose\n"
"kernel time over the poll is at or above the cgroup gate.\n"
"\n");
	cli_help(f, OPTS);
	fprintf(f,
"\n"
"sys %% is a CPU's change in system time over the change in its total time\n"
"between two polls. A cgroup's is its change in system time (cgroup v2\n"
"cpu.stat, v1 cpuacct) over the time between two polls, in %% of one CPU\n"
"(above 100 on several CPUs); the cgroups are the leaves (no child cgroup)\n"
"of the hierarchy, their paths from its root (/system.slice/nginx.service),\n"
"REGEX a POSIX extended one; each --cgroup-* implies --cgroups.\n"
"Exit status: 0 ok (also on SIGINT or SIGTERM), 1 failure, 2 usage error.\n"
"A reader that goes away ends it silently, by SIGPIPE (status 141 in a\n"
"shell).\n");
}

static int parse_opt(int key, const char *val, void *ctx)
{
	struct opts *o = ctx;
	char why[64];
	int err;

	switch (key) {
	case 'i':
		if (num_double(val, INTERVAL_MIN, INTERVAL_MAX, &o->interval))
			return cli_bad(PROG, "interval", val,
				       "seconds from 0.1 to 86400");
		break;
	case 'g':
		if (num_double(val, 0, 100, &o->gate))
			return cli_bad(PROG, "gate", val,
				       "a percentage from 0 to 100");
		break;
	case 'C':
		cpulist_free(&o->cpus);
		if ((err = cpulist_parse(val, &o->cpus)))
			return cli_bad(PROG, "cpu list", val,
				       idlist_want(err, IDLIST_MAX_CPU, why,
						       sizeof(why)));
		break;
	case OPT_CG_GATE:
		if (num_double(val, 0, TRIGGER_CGROUP_PCT_MAX, &o->cg_gate))
			return cli_bad(PROG, "cgroup gate", val,
				       "a percentage of one CPU from 0 to 6553600");
		o->cgroups = 1;
		break;
	case OPT_CG_MATCH:
		if (o->has_match)
			regfree(&o->cg_match);
		o->has_match = 0;
		if ((err = regcomp(&o->cg_match, val, REG_EXTENDED | REG_NOSUB))) {
			char msg[128], want[192];

			regerror(err, &o->cg_match, msg, sizeof(msg));
			snprintf(want, sizeof(want), "a POSIX extended regular expression (%s)", msg);
			return cli_bad(PROG, "cgroup match", val, want);
		}
		o->has_match = o->cgroups = 1;
		break;
	case OPT_CG_HIER:
		if (strcmp(val, "v2") && strcmp(val, "cpuacct"))
			return cli_bad(PROG, "cgroup hierarchy", val, "v2 or cpuacct");
		o->cg_hier = val;
		o->cgroups = 1;
		break;
	case OPT_CGROUPS: o->cgroups = 1; break;
	case OPT_IRQ: o->irq = 1; break;
	case OPT_ONCE: o->once = 1; break;
	case 'v': o->verbose = 1; break;
	case 'h': usage(stdout); return CLI_DONE;
	case 'V': printf(PROG " " PSYS_VERSION "\n"); return CLI_DONE;
	}
	return 0;
}

/* Options into O. Returns 0 (go on), CLI_DONE or CLI_USAGE (said). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	int first, ret = cli_parse(argc, argv, PROG, OPTS, parse_opt, o, &first);

	if (ret == 0 && first < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n" CLI_TRY(PROG),
			argv[first]);
		ret = CLI_USAGE;
	}
	return ret;
}

/* A snapshot and the instants it stands for, read just before it so that
 * mono is never later than the counters. */
static int snapshot(struct procstat *ps, int64_t *mono, int64_t *wall)
{
	int err;

	*mono = ptime_now(CLOCK_MONOTONIC);
	*wall = ptime_now(CLOCK_REALTIME);
	if ((err = procstat_read(ps, NULL)))
		fprintf(stderr, PROG ": cannot read '/proc/stat': %s\n",
			strerror(-err));
	return err;
}

static int watched(const struct opts *o, int cpu)
{
	return o->cpus.n == 0 || cpulist_has(&o->cpus, cpu);
}

/* Sleeps until the absolute CLOCK_MONOTONIC time T: polls stay on a fixed
 * grid however long each one takes. Returns early only when told to stop. */
static void sleep_until(int64_t t)
{
	struct timespec ts = { t / 1000000000, t % 1000000000 };

	while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL) == EINTR)
		;
}

/* True once nobody can read stdout any more (a pipe whose reader exited):
 * then there is no one to trigger, even if nothing is hot enough to write. */
static int stdout_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static void print_table(const struct opts *o, const struct procstat_figure *f,
			int n, int64_t wall, double secs, unsigned long poll)
{
	time_t sec = wall / 1000000000;
	char when[32] = "?";
	struct tm tm;

	if (localtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, PROG ": poll %lu at %s.%03d over %.3f s, gate %g%%%s\n",
		poll, when, (int)(wall % 1000000000 / 1000000), secs, o->gate,
		o->irq ? ", sys includes irq+softirq" : "");
	fprintf(stderr, "%6s %7s %10s %11s\n", "cpu", "sys%", "sys-ticks",
		"total-ticks");
	for (int i = 0; i < n; i++) {
		if (!watched(o, f[i].cpu))
			continue;
		switch (f[i].state) {
		case PROCSTAT_OK:
			fprintf(stderr, "%6d %7.2f %10llu %11llu%s\n", f[i].cpu,
				f[i].sys_pct, f[i].dsys, f[i].dtotal,
				f[i].sys_pct >= o->gate ? "  HOT" : "");
			break;
		case PROCSTAT_NEW:
			fprintf(stderr, "%6d %7s  new: baseline only\n", f[i].cpu, "-");
			break;
		case PROCSTAT_NOTIME:
			fprintf(stderr, "%6d %7s  no time counted\n", f[i].cpu, "-");
			break;
		case PROCSTAT_BACKWARDS:
			fprintf(stderr, "%6d %7s  counters went back\n", f[i].cpu, "-");
			break;
		}
	}
}

/* Writes LINE and a newline and flushes. Returns 0, 1 if the reader has
 * gone (SIGPIPE ends us first unless it is blocked), or -1 after saying
 * why it failed. */
static int emit(const char *line)
{
	if (fputs(line, stdout) != EOF && putchar('\n') != EOF &&
	    fflush(stdout) == 0)
		return 0;
	if (errno == EPIPE)
		return 1;
	fprintf(stderr, PROG ": cannot write to standard output: %s\n",
		strerror(errno));
	return -1;
}

static void warn_missing(const struct opts *o, const struct procstat *ps)
{
	struct cpulist on = { 0 };
	char online[4096] = "?";

	if (cpulist_online(NULL, &on) == 0)
		cpulist_format(&on, online, sizeof(online));
	cpulist_free(&on);
	for (int i = 0; i < o->cpus.n; i++)
		if (procstat_find(ps, o->cpus.cpus[i]) < 0)
			fprintf(stderr, PROG ": cpu %d is not online (online: %s); "
				"watching for it\n", o->cpus.cpus[i], online);
}

int main(int argc, char **argv)
{
	struct opts o = { .interval = 3, .gate = 10, .cg_gate = 50 };
	struct cgstat cs = { 0 };
	int64_t cg_mono = 0;
	struct procstat snaps[2] = { { 0 } }, *prev = &snaps[0], *cur = &snaps[1];
	struct procstat_figure *figs = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	size_t figcap = 0;
	int64_t step, next, prev_mono, mono, wall;
	unsigned long polls = 0;
	int ret = 1, gone = 0, n, err;

	if ((ret = parse_opts(argc, argv, &o))) {
		ret = ret == CLI_DONE ? CLI_OK : ret;
		goto cleanup;
	}
	ret = 1;
	/* No SA_RESTART: the signal must cut the sleep short. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A reader that goes away ends us silently, as any filter. */
	cli_default_sigpipe();
	setvbuf(stderr, NULL, _IOLBF, 0);

	step = llround(o.interval * 1e9);
	if (snapshot(prev, &prev_mono, &wall))
		goto cleanup;
	warn_missing(&o, prev);
	if (o.cgroups && cg_start(o.cg_hier, o.has_match ? &o.cg_match : NULL, o.verbose, &cs, &cg_mono))
		goto cleanup;
	next = prev_mono;
	while (!stop) {
		struct trigger t = { 0 };
		char *line = NULL;
		int64_t now;

		next += step;
		now = ptime_now(CLOCK_MONOTONIC);
		/* Stopped (SIGSTOP, a debugger) past a poll: skip the missed
		 * ones rather than firing them back to back. */
		if (next < now)
			next += (now - next) / step * step + step;
		sleep_until(next);
		if (stop)
			break;
		if (stdout_gone()) {
			gone = 1;
			break;
		}
		if (snapshot(cur, &mono, &wall))
			goto cleanup;
		polls++;
		if ((n = procstat_delta(prev, cur, o.irq, &figs, &figcap)) < 0) {
			fprintf(stderr, PROG ": %s\n", strerror(-n));
			goto cleanup;
		}
		if (o.verbose)
			print_table(&o, figs, n, wall, (mono - prev_mono) / 1e9,
				    polls);
		t.wall_ns = wall;
		t.mono_ns = mono;
		t.mono_start_ns = prev_mono;
		t.gate = o.gate;
		t.irq = o.irq;
		err = 0;
		for (int i = 0; i < n && !err; i++)
			if (figs[i].state == PROCSTAT_OK &&
			    figs[i].sys_pct >= o.gate && watched(&o, figs[i].cpu))
				err = trigger_add_cpu(&t, figs[i].cpu,
						      figs[i].sys_pct);
		if (!err && t.nhot)
			err = trigger_format(&t, &line);
		trigger_free(&t);
		if (err) {
			fprintf(stderr, PROG ": cannot make a trigger: %s\n",
				strerror(-err));
			goto cleanup;
		}
		/* The CPUs' line, then the cgroups': each poll says all it
		 * found before --once ends it. */
		int fired = 0;
		for (int k = 0; k < 2 && !gone; k++) {
			if (k == 1 && !o.cgroups)
				break;
			if (k == 1 && cg_poll(o.cg_gate, o.verbose, &cs, &cg_mono, &line))
				goto cleanup;
			if (!line)
				continue;
			err = emit(line);
			free(line);
			line = NULL;
			if (err < 0)
				goto cleanup;
			gone = err > 0;
			fired = 1;
		}
		if (gone || (fired && o.once))
			break;
		prev_mono = mono;
		struct procstat *tmp = prev;
		prev = cur;
		cur = tmp;
	}
	ret = 0;
cleanup:
	/* Exit 0 only if everything written reached stdout; a reader that
	 * went away is not a failure of ours. */
	if (ret == 0 && !gone) {
		int bad = ferror(stdout);

		errno = 0;
		if ((fclose(stdout) || bad) && errno != EPIPE) {
			fprintf(stderr, PROG ": cannot write to standard "
				"output: %s\n", errno ? strerror(errno) :
				"write error");
			ret = 1;
		}
	}
	free(figs);
	cgstat_free(&cs);
	if (o.has_match)
		regfree(&o.cg_match);
	procstat_free(&snaps[0]);
	procstat_free(&snaps[1]);
	cpulist_free(&o.cpus);
	/* Nobody reads the triggers any more: end as a filter whose reader
	 * left does, by SIGPIPE, silently. */
	if (gone)
		raise(SIGPIPE);
	return ret;
}
