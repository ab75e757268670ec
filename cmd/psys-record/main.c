/* psys-record: samples kernel stacks with a BPF program on CPU_CLOCK perf
 * events and writes them, as they come, into .psys files (lib/psysfile/psysfile.h)
 * that fold anywhere without this machine.
 *
 * Two modes share one event loop (loop.c). Given a terminal or /dev/null
 * on stdin (or --now) it makes one capture at once. Given trigger lines on
 * stdin (a pipe or a file, from psys-watch; or --triggers) it samples all
 * the time into a bounded pre-trigger ring and, for each trigger, writes a
 * capture of the hot CPUs that starts before the trigger - at the
 * beginning of the interval that crossed the gate and the one before it -
 * and goes on for -s seconds after it. Triggers that come while a capture
 * runs extend it. The captures themselves are lib/record's (recorder.h);
 * here are the options, the BPF sampler (sampler.c) and the privileges
 * (privs.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/cpulist.h"
#include "base/idlist.h"
#include "base/num.h"
#include "base/ptime.h"
#include "loop.h"
#include "privs.h"
#include "record/outdir.h"
#include "record/peak.h"
#include "record/recorder.h"
#include "sampler.h"
#include "symbols/ksyms.h"

#define PROG "psys-record"
#define YEAR_NS (366 * 86400 * NSEC)

enum { O_NOW = 256, O_TRIGGERS, O_PRE, O_PRE_MEM, O_MAX_SECS, O_MAX_FILES,
       O_MAX_BYTES, O_NO_SYMBOLS, O_RING, O_USER_STACKS, O_DEBUG_DIR,
       O_IDLE_STACKS, O_PEAK, O_PEAK_WINDOW, O_NO_PEAK };

struct env {
	struct recorder_opts rec;	/* the captures' settings */
	const char *cpus_arg;		/* -C as given, or NULL */
	int mode;			/* 0: from stdin, 1: --now, 2: --triggers */
	int no_peak;
	uint64_t ring_bytes;		/* 0: sized by the sampler */
};

static const struct cli_opt OPTS[] = {
	{ "cpus", 'C', "LIST", "CPUs to sample, e.g. 0-3,7 (default: all online)" },
	{ "seconds", 's', "SECS", "capture length; after each trigger in triggered\n"
	  "mode; fractions allowed (default 3)" },
	{ "freq", 'f', "HZ", "samples per second on each CPU (default 200)" },
	{ "output", 'o', "PATH", "a directory (files named after the local time of the\n"
	  "start or trigger, YYYYMMDD_HHMMSS.psys, _1 etc. when\n"
	  "taken) or, for one capture, FILE.psys, or - for\n"
	  "standard output (not a terminal), e.g.\n"
	  PROG " -o - | psys-fold | psys-svg > out.svg;\n"
	  "never overwrites (default: the current directory)" },
	{ "now", O_NOW, NULL, "one capture now, whatever standard input is" },
	{ "triggers", O_TRIGGERS, NULL, "read trigger lines from standard input, whatever\n"
	  "it is" },
	{ "pre", O_PRE, "SECS", "triggered: start each capture SECS before the trigger\n"
	  "(default: twice the trigger's interval: the interval\n"
	  "that crossed the gate and the one before; 0 starts at\n"
	  "the trigger, as perfSys did)" },
	{ "peak", O_PEAK, "PERCENT", "triggered: the peak rule's threshold: a CPU whose sys\n"
	  "share (kernel mode, not idle) over the peak window\n"
	  "rises PERCENT above its share before triggers a\n"
	  "capture of it that starts 0.5 s (or --pre) before\n"
	  "the burst (default " PEAK_THRESHOLD_DEFAULT_STR ")" },
	{ "peak-window", O_PEAK_WINDOW, "SECS", "the peak rule's sliding window (default "
	  PEAK_WINDOW_DEFAULT_STR ")" },
	{ "no-peak", O_NO_PEAK, NULL, "triggered: no peak rule; only trigger lines start\n"
	  "captures" },
	{ "pre-memory", O_PRE_MEM, "SIZE", "most memory for the pre-trigger ring (default 64M).\n"
	  "The ring keeps the last 20 s (or --pre + 1 s) as the\n"
	  "compressed blocks a capture holds: about\n"
	  "CPUS x HZ x SECONDS x 2-8 bytes, plus a block being\n"
	  "built per CPU (about HZ x 10 bytes); at the defaults\n"
	  "on 256 CPUs, at most about 16 MB" },
	{ "max-seconds", O_MAX_SECS, "SECS", "a capture extended by triggers ends after this\n"
	  "long all the same (default 60)" },
	{ "max-files", O_MAX_FILES, "N", "triggered: keep at most N captures in DIR, deleting\n"
	  "the oldest (with their .svg) (default 100)" },
	{ "max-bytes", O_MAX_BYTES, "SIZE", "triggered: keep DIR's captures under SIZE (default 1G)" },
	{ "no-symbols", O_NO_SYMBOLS, NULL, "do not embed kernel symbols (fold with --kallsyms)" },
	{ "user-stacks", O_USER_STACKS, NULL, "also record each sample's user stack, named here and\n"
	  "now from the process's ELF symbols (the process may be\n"
	  "gone when anyone folds); needs the programs built with\n"
	  "frame pointers (-fno-omit-frame-pointer), else user\n"
	  "stacks stop after a frame or two. Names come from\n"
	  "each file's symbols, a separate debug file (by\n"
	  "build-id or debuglink) or its MiniDebugInfo, as perf's\n"
	  "do; the trailer lists the files with their build-ids" },
	{ "debug-dir", O_DEBUG_DIR, "DIRS", "where --user-stacks looks for separate debug files:\n"
	  "colon-separated folders holding .build-id/ trees\n"
	  "(default /usr/lib/debug); nothing is downloaded" },
	{ "idle-stacks", O_IDLE_STACKS, NULL, "also walk the kernel stack of the idle task's samples\n"
	  "(pid 0, each CPU's swapper/N); by default they are\n"
	  "counted and kept without a stack, which costs far\n"
	  "less on idle CPUs, and psys-fold leaves them out\n"
	  "unless told --idle" },
	{ "ring-size", O_RING, "SIZE", "BPF ring buffer size (default: ~1 s of samples, >= 1M)" },
	{ "verbose", 'v', NULL, "progress and libbpf's messages on stderr; -vv adds\n"
	  "libbpf's debug log" },
	{ "help", 'h', NULL, "this text" },
	{ "version", 'V', NULL, "the version" },
	{ 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [-C CPUS] [-s SECONDS] [-f HZ] [-o PATH] [options]\n"
"       psys-watch | " PROG " -o DIR [options]\n"
"Sample kernel stacks with BPF and write .psys capture files.\n"
"\n"
"With a terminal or /dev/null on standard input, make one capture now.\n"
"With trigger lines on standard input (a pipe or a file, as psys-watch\n"
"writes), wait for triggers and capture the hot CPUs of each one, starting\n"
"before the trigger (see --pre); triggers during a capture extend it.\n"
"\n");
	cli_help(f, OPTS);
	fprintf(f,
"\n"
"Prints the path of each finished file on standard output, flushed (with\n"
"-o -, the capture itself, as each record is complete), and a\n"
"summary on standard error. SIGINT or SIGTERM finish the current capture\n"
"properly and exit. Needs root, or CAP_BPF and CAP_PERFMON, and CAP_SYSLOG\n"
"to read kernel symbol addresses (unless kernel.perf_event_paranoid <= 1).\n"
"\n"
"Exit status: 0 success, 1 failure (in triggered mode: a capture failed),\n"
"2 usage error. A reader of standard output that goes away (| head) ends\n"
"it silently, after finishing the file, by SIGPIPE (status 141 in a shell).\n");
}

static int parse_opt(int key, const char *val, void *ctx)
{
	struct env *e = ctx;
	struct recorder_opts *r = &e->rec;
	uint64_t v;
	double d;
	char why[64];
	int err;

	switch (key) {
	case 'C':
		cpulist_free(&r->cpus);
		if ((err = cpulist_parse(val, &r->cpus)))
			return cli_bad(PROG, "cpu list", val,
				       idlist_want(err, IDLIST_MAX_CPU, why, sizeof(why)));
		e->cpus_arg = val;
		break;
	case 's':
		if (ptime_parse_seconds(val, YEAR_NS, &r->duration_ns) || !r->duration_ns)
			return cli_bad(PROG, "capture length", val, "seconds > 0");
		break;
	case 'f':
		if (num_u64(val, 1, 1000000, &v))
			return cli_bad(PROG, "frequency", val, "a frequency in Hz (1 to 1000000)");
		r->freq = (unsigned)v;
		break;
	case 'o':
		if (!*val)
			return cli_bad(PROG, "output", val, "a directory, FILE.psys or -");
		r->output = val;
		break;
	case O_NOW: e->mode = 1; break;
	case O_TRIGGERS: e->mode = 2; break;
	case O_PRE:
		if (ptime_parse_seconds(val, 3600 * NSEC, &r->pre_ns))
			return cli_bad(PROG, "--pre", val, "seconds from 0 to 3600");
		break;
	case O_MAX_SECS:
		if (ptime_parse_seconds(val, YEAR_NS, &r->max_ns) || !r->max_ns)
			return cli_bad(PROG, "--max-seconds", val, "seconds > 0");
		break;
	case O_PRE_MEM:
	case O_RING:
		if (num_size(val, 1, 1ull << 34, key == O_RING ? &e->ring_bytes : &r->pre_memory))
			return cli_bad(PROG, key == O_RING ? "--ring-size" : "--pre-memory", val,
				       "a size from 1 to 16G, e.g. 64M");
		break;
	case O_MAX_BYTES:
		if (num_size(val, 1, UINT64_MAX, &r->max_bytes))
			return cli_bad(PROG, "--max-bytes", val, "a size above 0, e.g. 1G");
		break;
	case O_MAX_FILES:
		if (num_u64(val, 1, 1000000, &v))
			return cli_bad(PROG, "--max-files", val, "a count from 1 to 1000000");
		r->max_files = v;
		break;
	case O_PEAK:
		if (num_double(val, 0, 100, &d) || d <= 0)
			return cli_bad(PROG, "--peak", val, "a percentage above 0, at most 100");
		r->peak_threshold = d;
		break;
	case O_PEAK_WINDOW:
		if (ptime_parse_seconds(val, 60 * NSEC, &r->peak_window_ns) ||
		    r->peak_window_ns < 10 * 1000000LL)
			return cli_bad(PROG, "--peak-window", val, "seconds from 0.01 to 60");
		break;
	case O_NO_PEAK: e->no_peak = 1; break;
	case O_NO_SYMBOLS: r->no_symbols = 1; break;
	case O_USER_STACKS: r->user_stacks = 1; break;
	case O_DEBUG_DIR:
		if (!*val)
			return cli_bad(PROG, "--debug-dir", val, "colon-separated folders");
		r->debug_dirs = val;
		break;
	case O_IDLE_STACKS: r->idle_stacks = 1; break;
	case 'v': r->verbose++; break;
	case 'h': usage(stdout); return CLI_DONE;
	case 'V': printf(PROG " %s\n", PSYS_VERSION); return CLI_DONE;
	}
	return 0;
}

/* Triggered mode when standard input carries data (a pipe, a socket or a
 * file); a terminal, /dev/null or a closed stdin mean "capture now". */
static int stdin_has_triggers(void)
{
	struct stat st;

	if (fstat(0, &st))
		return 0;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode);
}

/* What the options mean together, once all are read. Returns 0, or
 * CLI_USAGE after saying what does not fit. */
static int check_opts(struct env *e, int argc, char **argv, int first, int triggered)
{
	struct recorder_opts *r = &e->rec;
	const char *why = NULL;

	if (r->debug_dirs && !r->user_stacks)
		why = "--debug-dir names user frames: it needs --user-stacks";
	else if (first < argc)
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[first]);
	else if (triggered && (outdir_is_file_name(r->output) || !strcmp(r->output, "-")))
		fprintf(stderr, PROG ": -o '%s': triggered mode writes many captures: "
			"give a directory\n", r->output);
	/* A capture is binary: not for a terminal's screen. */
	else if (!strcmp(r->output, "-") && isatty(STDOUT_FILENO))
		why = "-o -: standard output is a terminal: redirect it to a file or a pipe";
	else
		return 0;
	if (why)
		fprintf(stderr, PROG ": %s\n", why);
	fputs(CLI_TRY(PROG), stderr);
	return CLI_USAGE;
}

/* -C against the online CPUs; without it every CPU the machine may
 * have (possible), sampled while online: one that comes online later is
 * sampled from then on. Returns 0, CLI_USAGE or CLI_FAIL after saying
 * why. */
static int pick_cpus(struct env *e)
{
	struct cpulist online = { 0 };
	char list[4096];
	int err = cpulist_online(NULL, &online);

	if (!e->cpus_arg) {
		struct cpulist possible = { 0 };
		if (err)
			fprintf(stderr, PROG ": cannot read the online CPUs: %s\n", strerror(-err));
		else if (cpulist_online("/sys/devices/system/cpu/possible", &possible) == 0) {
			cpulist_free(&online);
			online = possible;
		}
		e->rec.cpus = online;
		return err ? CLI_FAIL : 0;
	}
	for (int i = 0; !err && i < e->rec.cpus.n; i++) {
		if (cpulist_has(&online, e->rec.cpus.cpus[i]))
			continue;
		cpulist_format(&online, list, sizeof(list));
		fprintf(stderr, PROG ": invalid -C '%s': cpu %d is not online (online: %s)\n"
			CLI_TRY(PROG), e->cpus_arg, e->rec.cpus.cpus[i], list);
		cpulist_free(&online);
		return CLI_USAGE;
	}
	cpulist_free(&online);
	return 0;
}

/* The kernel's sampling limit, the BPF privileges and the kernel symbols:
 * what sampling needs, checked before anything starts. Returns the
 * symbols (NULL with no_symbols when kallsyms shows no addresses) or sets
 * *FAILED after saying why. */
static struct ksyms *preflight(const struct recorder_opts *r, int *failed)
{
	char max_rate[32], why[160], restrict_[16], paranoid[16];
	struct ksyms *ks;
	int e;

	*failed = 1;
	recorder_read_line("/proc/sys/kernel/perf_event_max_sample_rate", max_rate,
			   sizeof(max_rate));
	if (*max_rate && r->freq > strtoul(max_rate, NULL, 10)) {
		fprintf(stderr, PROG ": -f %u is above kernel.perf_event_max_sample_rate (%s)\n",
			r->freq, max_rate);
		return NULL;
	}
	if (sampler_check_privileges(why, sizeof(why))) {
		fprintf(stderr, PROG ": cannot sample kernel stacks: %s\n", why);
		return NULL;
	}
	/* Symbols are read before sampling starts: reading kallsyms takes
	 * time, and files embed them as stacks appear. */
	if ((ks = ksyms_load("/proc/kallsyms"))) {
		*failed = 0;
		return ks;
	}
	e = errno;
	recorder_read_line("/proc/sys/kernel/kptr_restrict", restrict_, sizeof(restrict_));
	recorder_read_line("/proc/sys/kernel/perf_event_paranoid", paranoid, sizeof(paranoid));
	/* Without addresses there is nothing to embed, nor reference symbols
	 * to check a kallsyms copy against later. */
	if (e == ENODATA && r->no_symbols) {
		fprintf(stderr, PROG ": warning: /proc/kallsyms shows no addresses here "
			"(needs CAP_SYSLOG); the file will carry no reference symbols, so "
			"psys-fold --kallsyms will need --force\n");
		*failed = 0;
	} else if (e == ENODATA) {
		fprintf(stderr, PROG ": cannot read kernel symbol addresses from "
			"/proc/kallsyms: needs CAP_SYSLOG (kernel.kptr_restrict=%s, "
			"kernel.perf_event_paranoid=%s)\n", restrict_, paranoid);
	} else {
		fprintf(stderr, PROG ": cannot read '/proc/kallsyms': %s\n", strerror(e));
	}
	return NULL;
}

/* Samples and records until done. Returns 0 or a negative errno (said). */
static int record(struct env *e, int triggered, int *pipe_gone, int *out_broken)
{
	struct recorder *rec = NULL;
	struct sampler *sampler = NULL;
	struct sampler_opts so = {
		.cpus = &e->rec.cpus, .freq = e->rec.freq, .ring_bytes = e->ring_bytes,
		.verbose = e->rec.verbose, .user_stacks = e->rec.user_stacks,
		.idle_stacks = e->rec.idle_stacks,
	};
	char why[256];
	struct cgroup_mounts cgm;
	int err;

	/* Who ran: the cgroup hierarchies mounted here. Samples carry v2 ids
	 * always, and v1 ids of cpuacct (or cpu) where BTF says where. */
	if (cgroup_mounts_read(NULL, &cgm) == 0) {
		e->rec.cgroups = &cgm;
		so.cgroup1_controller = cgm.v1_controller[0] ? cgm.v1_controller : NULL;
	}
	err = recorder_new(&e->rec, triggered, &rec);
	if (!err && (err = sampler_open(&so, sampler_to_recorder, rec, &sampler, why,
					sizeof(why))))
		fprintf(stderr, PROG ": %s\n", why);
	if (!err) {
		const char *cgwhy;
		int on = sampler_cgroup1(sampler, &cgwhy);

		recorder_set_cgroup1(rec, on);
		if (so.cgroup1_controller && !on && e->rec.verbose)
			fprintf(stderr, PROG ": no v1 cgroup ids: %s\n", cgwhy);
	}
	if (!err) {
		struct recorder_source src = sampler_source(sampler);

		recorder_attach(rec, &src);
		/* From here on the program runs with only what it still needs. */
		privs_drop_for_recording(recorder_dirfd(rec), e->rec.user_stacks,
					 e->rec.verbose);
		err = loop_run(rec, sampler, &e->rec.cpus, triggered);
	}
	*pipe_gone = rec && recorder_pipe_gone(rec);
	*out_broken = rec && recorder_out_broken(rec);
	recorder_free(rec);
	sampler_close(sampler);
	return err;
}

int main(int argc, char **argv)
{
	struct env e = {
		.rec = {
			.freq = 200, .duration_ns = 3 * NSEC, .output = ".", .pre_ns = -1,
			.pre_memory = 64ull << 20, .max_ns = 60 * NSEC,
			.max_files = 100, .max_bytes = 1ull << 30,
			.peak_window_ns = PEAK_WINDOW_DEFAULT_NS,
			.peak_threshold = PEAK_THRESHOLD_DEFAULT,
			.stack_max = PSYS_MAX_FRAMES,
		},
	};
	struct ksyms *ks = NULL;
	int first, rc, triggered, failed, pipe_gone = 0, out_broken = 0;

	rc = cli_parse(argc, argv, PROG, OPTS, parse_opt, &e, &first);
	if (rc == CLI_DONE) {	/* --help, --version */
		rc = fclose(stdout) ? CLI_FAIL : CLI_OK;
		goto out;
	}
	if (rc)
		goto out;
	triggered = e.mode == 2 || (e.mode == 0 && stdin_has_triggers());
	if (e.no_peak || !triggered)
		e.rec.peak_window_ns = 0;
	if ((rc = check_opts(&e, argc, argv, first, triggered)) || (rc = pick_cpus(&e)))
		goto out;
	if (!(ks = preflight(&e.rec, &failed)) && failed) {
		rc = CLI_FAIL;
		goto out;
	}
	e.rec.ksyms = ks;
	loop_wire(&e.rec);
	/* A closed stdout must not kill us before a file is finished: a
	 * reader that went away shows as EPIPE, and we end after it. */
	signal(SIGPIPE, SIG_IGN);
	/* Debug files come from the local folders only: no download from a
	 * debuginfod server in the middle of a capture, whatever the
	 * environment of the shell that started us says. */
	unsetenv("DEBUGINFOD_URLS");
	rc = record(&e, triggered, &pipe_gone, &out_broken) ? CLI_FAIL : CLI_OK;
	/* The reader of standard output left: end as a filter does, silently,
	 * by SIGPIPE (every file was finished first). */
	if (pipe_gone) {
		cli_default_sigpipe();
		raise(SIGPIPE);
	}
	if (fclose(stdout) && rc == CLI_OK && !out_broken) {
		fprintf(stderr, PROG ": cannot write to stdout: %s\n", strerror(errno));
		rc = CLI_FAIL;
	}
out:
	ksyms_free(ks);
	cpulist_free(&e.rec.cpus);
	return rc;
}
