/* psys-record: samples kernel stacks with a BPF program on CPU_CLOCK perf
 * events and writes them, as they come, into .psys files (lib/psysfile/psysfile.h)
 * that fold anywhere without this machine.
 *
 * Two modes share one event loop. Given a terminal or /dev/null on stdin
 * (or --now) it makes one capture at once. Given trigger lines on stdin (a
 * pipe or a file, from psys-watch; or --triggers) it samples all the time
 * into a bounded pre-trigger ring and, for each trigger, writes a capture
 * of the hot CPUs that starts before the trigger - at the beginning of the
 * interval that crossed the gate and the one before it - and goes on for
 * -s seconds after it. Triggers that come while a capture runs extend it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privs.h"
#include "base/cli.h"
#include "base/cpulist.h"
#include "symbols/ksyms.h"
#include "record/outdir.h"
#include "record/peak.h"
#include "record/recorder.h"
#include "base/ptime.h"
#include "sampler.h"
#include "watch/trigger.h"

#define PROG "psys-record"

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
"\n"
"  -C, --cpus LIST      CPUs to sample, e.g. 0-3,7 (default: all online)\n"
"  -s, --seconds SECS   capture length; after each trigger in triggered\n"
"                       mode; fractions allowed (default 3)\n"
"  -f, --freq HZ        samples per second on each CPU (default 200)\n"
"  -o, --output PATH    a directory (files named after the local time of the\n"
"                       start or trigger, YYYYMMDD_HHMMSS.psys, _1 etc. when\n"
"                       taken) or, for one capture, FILE.psys, or - for\n"
"                       standard output (not a terminal), e.g.\n"
"                       " PROG " -o - | psys-fold | psys-svg > out.svg;\n"
"                       never overwrites (default: the current directory)\n"
"      --now            one capture now, whatever standard input is\n"
"      --triggers       read trigger lines from standard input, whatever it is\n"
"      --pre SECS       triggered: start each capture SECS before the trigger\n"
"                       (default: twice the trigger's interval: the interval\n"
"                       that crossed the gate and the one before; 0 starts at\n"
"                       the trigger, as perfSys did)\n"
"      --peak PERCENT   triggered: the peak rule's threshold: a CPU whose sys\n"
"                       share (kernel mode, not idle) over the peak window\n"
"                       reaches PERCENT triggers a capture of it that starts\n"
"                       0.5 s (or --pre) before the burst (default 50)\n"
"      --peak-window SECS  the peak rule's sliding window (default 0.2)\n"
"      --no-peak        triggered: no peak rule; only trigger lines start\n"
"                       captures\n"
"      --pre-memory SIZE  most memory for the pre-trigger ring (default 64M).\n"
"                       The ring keeps the last 20 s (or --pre + 1 s) as the\n"
"                       compressed blocks a capture holds: about\n"
"                       CPUS x HZ x SECONDS x 2-8 bytes, plus a block being\n"
"                       built per CPU (about HZ x 10 bytes); at the defaults\n"
"                       on 256 CPUs, at most about 16 MB\n"
"      --max-seconds SECS  a capture extended by triggers ends after this\n"
"                       long all the same (default 60)\n"
"      --max-files N    triggered: keep at most N captures in DIR, deleting\n"
"                       the oldest (with their .svg) (default 100)\n"
"      --max-bytes SIZE triggered: keep DIR's captures under SIZE (default 1G)\n"
"      --no-symbols     do not embed kernel symbols (fold with --kallsyms)\n"
"      --user-stacks    also record each sample's user stack, named here and\n"
"                       now from the process's ELF symbols (the process may be\n"
"                       gone when anyone folds); needs the programs built with\n"
"                       frame pointers (-fno-omit-frame-pointer), else user\n"
"                       stacks stop after a frame or two. Names come from\n"
"                       each file's symbols, a separate debug file (by\n"
"                       build-id or debuglink) or its MiniDebugInfo, as perf's\n"
"                       do; the trailer lists the files with their build-ids\n"
"      --debug-dir DIRS where --user-stacks looks for separate debug files:\n"
"                       colon-separated folders holding .build-id/ trees\n"
"                       (default /usr/lib/debug); nothing is downloaded\n"
"      --idle-stacks    also walk the kernel stack of the idle task's samples\n"
"                       (pid 0, each CPU's swapper/N); by default they are\n"
"                       counted and kept without a stack, which costs far\n"
"                       less on idle CPUs, and psys-fold leaves them out\n"
"                       unless told --idle\n"
"      --ring-size SIZE BPF ring buffer size (default: ~1 s of samples, >= 1M)\n"
"  -v, --verbose        progress and libbpf's messages on stderr; -vv adds\n"
"                       libbpf's debug log\n"
"  -h, --help           this text\n"
"  -V, --version        the version\n"
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

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -EINVAL;
	int shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (shift && *end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* ---- the event loop ---- */

struct loop {
	struct recorder *r;
	int epfd, sfd, in_fd, in_pollable, in_eof;
	char *line;
	size_t line_len, line_cap;
	int line_too_long;
	int stopping;
};

/* Splits what stdin gave into lines and hands each to the recorder. */
static void feed_input(struct loop *l, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (!l->line_too_long) {
			if (l->line_len + k > TRIGGER_LINE_MAX) {
				l->line_too_long = 1;
			} else {
				if (l->line_len + k + 1 > l->line_cap) {
					size_t cap = (l->line_len + k + 1) * 2;
					char *q = realloc(l->line, cap);
					if (!q) {
						l->line_too_long = 1;
					} else {
						l->line = q;
						l->line_cap = cap;
					}
				}
				if (!l->line_too_long) {
					memcpy(l->line + l->line_len, p, k);
					l->line_len += k;
				}
			}
		}
		if (!nl)
			return;
		if (l->line_too_long)
			recorder_bad_line(l->r, "line too long");
		else
			recorder_line(l->r, l->line, l->line_len);
		l->line_len = 0;
		l->line_too_long = 0;
		p = nl + 1;
		n -= k + 1;
	}
}

static void read_input(struct loop *l)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(l->in_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				l->in_eof = 1;
			return;
		}
		if (n == 0) {
			/* A last line without a newline still counts. */
			if (l->line_len && !l->line_too_long)
				recorder_line(l->r, l->line, l->line_len);
			l->line_len = 0;
			l->in_eof = 1;
			return;
		}
		feed_input(l, buf, n);
		if (!l->in_pollable && (size_t)n < sizeof(buf))
			continue;
	}
}

static int run(struct recorder *r, struct sampler *sampler, int triggered)
{
	struct loop l = { .r = r, .epfd = -1, .sfd = -1, .in_fd = -1 };
	sigset_t mask;
	int err = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	l.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l.sfd < 0 || l.epfd < 0) {
		fprintf(stderr, PROG ": cannot set up the event loop: %s\n", strerror(errno));
		err = -errno;
		goto cleanup;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 1 };
	epoll_ctl(l.epfd, EPOLL_CTL_ADD, sampler_fd(sampler), &ev);
	ev.data.u32 = 2;
	epoll_ctl(l.epfd, EPOLL_CTL_ADD, l.sfd, &ev);
	if (triggered) {
		l.in_fd = 0;
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		ev.data.u32 = 3;
		/* A regular file cannot be polled: it is always readable. */
		l.in_pollable = epoll_ctl(l.epfd, EPOLL_CTL_ADD, 0, &ev) == 0;
	} else if ((err = recorder_start_now(r))) {
		goto cleanup;
	}

	for (;;) {
		struct epoll_event evs[3];
		int64_t now = ptime_now(CLOCK_MONOTONIC);
		int64_t wake = recorder_next_wake(r, now);
		int n = epoll_wait(l.epfd, evs, 3,
				   l.in_fd >= 0 && !l.in_pollable && !l.in_eof ? 0 :
				   (int)((wake - now + 999999) / 1000000));

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 2) {
				struct signalfd_siginfo si;
				while (read(l.sfd, &si, sizeof(si)) == sizeof(si))
					l.stopping = si.ssi_signo;
			}
			if (evs[i].data.u32 == 3 && !l.in_eof)
				read_input(&l);
		}
		if (l.in_fd >= 0 && !l.in_pollable && !l.in_eof)
			read_input(&l);
		if (l.in_eof && l.in_pollable) {
			epoll_ctl(l.epfd, EPOLL_CTL_DEL, 0, NULL);
			l.in_pollable = 0;
		}
		recorder_tick(r, ptime_now(CLOCK_MONOTONIC), l.stopping);
		/* The reader of stdout left: every file is finished, end. */
		if (l.stopping || recorder_pipe_gone(r) ||
		    (!triggered && !recorder_capturing(r)) ||
		    (triggered && l.in_eof && !recorder_capturing(r)))
			break;
	}
	recorder_finish(r, l.stopping);
	err = recorder_failed(r) ? -EIO : 0;
cleanup:
	free(l.line);
	if (l.epfd >= 0)
		close(l.epfd);
	if (l.sfd >= 0)
		close(l.sfd);
	return err;
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

int main(int argc, char **argv)
{
	enum { O_NOW = 256, O_TRIGGERS, O_PRE, O_PRE_MEM, O_MAX_SECS, O_MAX_FILES,
	       O_MAX_BYTES, O_NO_SYMBOLS, O_RING, O_USER_STACKS,
	       O_DEBUG_DIR, O_IDLE_STACKS, O_PEAK, O_PEAK_WINDOW, O_NO_PEAK };
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'C' },
		{ "seconds", required_argument, NULL, 's' },
		{ "freq", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "now", no_argument, NULL, O_NOW },
		{ "triggers", no_argument, NULL, O_TRIGGERS },
		{ "pre", required_argument, NULL, O_PRE },
		{ "pre-memory", required_argument, NULL, O_PRE_MEM },
		{ "max-seconds", required_argument, NULL, O_MAX_SECS },
		{ "max-files", required_argument, NULL, O_MAX_FILES },
		{ "max-bytes", required_argument, NULL, O_MAX_BYTES },
		{ "no-symbols", no_argument, NULL, O_NO_SYMBOLS },
		{ "user-stacks", no_argument, NULL, O_USER_STACKS },
		{ "debug-dir", required_argument, NULL, O_DEBUG_DIR },
		{ "idle-stacks", no_argument, NULL, O_IDLE_STACKS },
		{ "ring-size", required_argument, NULL, O_RING },
		{ "peak", required_argument, NULL, O_PEAK },
		{ "peak-window", required_argument, NULL, O_PEAK_WINDOW },
		{ "no-peak", no_argument, NULL, O_NO_PEAK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct recorder_opts r = {
		.freq = 200, .duration_ns = 3 * NSEC, .output = ".", .pre_ns = -1,
		.pre_memory = 64ull << 20, .max_ns = 60 * NSEC,
		.max_files = 100, .max_bytes = 1ull << 30,
		.peak_window_ns = PEAK_WINDOW_DEFAULT_NS, .peak_threshold = PEAK_THRESHOLD_DEFAULT,
	};
	struct recorder *rec = NULL;
	struct sampler *sampler = NULL;
	uint64_t ring_bytes = 0;
	int no_peak = 0;
	const char *cpus_arg = NULL;
	int opt, err, mode = 0;	/* 0: from stdin, 1: now, 2: triggers */
	uint64_t size;
	char why[160];

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":C:s:f:o:vhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': cpus_arg = optarg; break;
		case 's':
			if (ptime_parse_seconds(optarg, 366 * 86400 * NSEC, &r.duration_ns) ||
			    r.duration_ns == 0) {
				fprintf(stderr, PROG ": invalid -s '%s': want seconds > 0\n", optarg);
				goto usage_error;
			}
			break;
		case 'f': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (end == optarg || *end || v == 0 || v > 1000000 || *optarg == '-') {
				fprintf(stderr, PROG ": invalid -f '%s': want a frequency in Hz\n", optarg);
				goto usage_error;
			}
			r.freq = v;
			break;
		}
		case 'o': r.output = optarg; break;
		case O_NOW: mode = 1; break;
		case O_TRIGGERS: mode = 2; break;
		case O_PRE:
			if (ptime_parse_seconds(optarg, 3600 * NSEC, &r.pre_ns)) {
				fprintf(stderr, PROG ": invalid --pre '%s': want seconds (0-3600)\n", optarg);
				goto usage_error;
			}
			break;
		case O_MAX_SECS:
			if (ptime_parse_seconds(optarg, 366 * 86400 * NSEC, &r.max_ns) || !r.max_ns) {
				fprintf(stderr, PROG ": invalid --max-seconds '%s'\n", optarg);
				goto usage_error;
			}
			break;
		case O_PRE_MEM:
		case O_MAX_BYTES:
		case O_RING:
			if (parse_size(optarg, &size) || (opt != O_MAX_BYTES && size > (1ull << 34))) {
				fprintf(stderr, PROG ": invalid size '%s' (e.g. 64M, 1G)\n", optarg);
				goto usage_error;
			}
			if (opt == O_PRE_MEM)
				r.pre_memory = size;
			else if (opt == O_MAX_BYTES)
				r.max_bytes = size;
			else
				ring_bytes = size;
			break;
		case O_MAX_FILES: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (end == optarg || *end || v == 0 || v > 1000000 || *optarg == '-') {
				fprintf(stderr, PROG ": invalid --max-files '%s'\n", optarg);
				goto usage_error;
			}
			r.max_files = v;
			break;
		}
		case O_PEAK: {
			char *end;
			errno = 0;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(v > 0 && v <= 100)) {
				fprintf(stderr, PROG ": invalid --peak '%s': want a percentage "
					"above 0, at most 100\n", optarg);
				goto usage_error;
			}
			r.peak_threshold = v;
			break;
		}
		case O_PEAK_WINDOW:
			if (ptime_parse_seconds(optarg, 60 * NSEC, &r.peak_window_ns) ||
			    r.peak_window_ns < 10 * 1000000LL) {
				fprintf(stderr, PROG ": invalid --peak-window '%s': want seconds "
					"(0.01-60)\n", optarg);
				goto usage_error;
			}
			break;
		case O_NO_PEAK: no_peak = 1; break;
		case O_NO_SYMBOLS: r.no_symbols = 1; break;
		case O_USER_STACKS: r.user_stacks = 1; break;
		case O_DEBUG_DIR:
			if (!*optarg) {
				fprintf(stderr, PROG ": empty --debug-dir\n");
				usage(stderr);
				return 2;
			}
			r.debug_dirs = optarg;
			break;
		case O_IDLE_STACKS: r.idle_stacks = 1; break;
		case 'v': r.verbose++; break;
		case 'h': usage(stdout); return fclose(stdout) ? 1 : 0;
		case 'V': printf(PROG " %s\n", PSYS_VERSION); return fclose(stdout) ? 1 : 0;
		default:
			fprintf(stderr, PROG ": %s\n", cli_option_error(opt, argv, longopts,
				why, sizeof(why)));
			goto usage_error;
		}
	}
	if (r.debug_dirs && !r.user_stacks) {
		fprintf(stderr, PROG ": --debug-dir names user frames: it needs --user-stacks\n");
		usage(stderr);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		goto usage_error;
	}
	if (!*r.output) {
		fprintf(stderr, PROG ": invalid -o '': empty path\n");
		goto usage_error;
	}
	int triggered = mode == 2 || (mode == 0 && stdin_has_triggers());
	int to_stdout = strcmp(r.output, "-") == 0;
	if (no_peak || !triggered)
		r.peak_window_ns = 0;
	if (triggered && (outdir_is_file_name(r.output) || to_stdout)) {
		fprintf(stderr, PROG ": -o '%s': triggered mode writes many captures: "
			"give a directory\n", r.output);
		goto usage_error;
	}
	/* A capture is binary: not for a terminal's screen. */
	if (to_stdout && isatty(STDOUT_FILENO)) {
		fprintf(stderr, PROG ": -o -: standard output is a terminal: redirect it to "
			"a file or a pipe\n");
		goto usage_error;
	}
	struct cpulist online = { 0 };
	int online_err = cpulist_online(NULL, &online);
	if (online_err && !cpus_arg) {
		fprintf(stderr, PROG ": cannot read the online CPUs: %s\n", strerror(-online_err));
		return 1;
	}
	if (cpus_arg) {
		if ((err = cpulist_parse(cpus_arg, &r.cpus))) {
			fprintf(stderr, PROG ": invalid -C '%s': %s\n", cpus_arg,
				err == -ERANGE ? "CPU number too large" : "want a list like 0-3,7");
			cpulist_free(&online);
			goto usage_error;
		}
		for (int i = 0; i < r.cpus.n; i++) {
			if (online_err || cpulist_has(&online, r.cpus.cpus[i]))
				continue;
			char list[4096];
			cpulist_format(&online, list, sizeof(list));
			fprintf(stderr, PROG ": invalid -C '%s': cpu %d is not online (online: "
				"%s)\n", cpus_arg, r.cpus.cpus[i], list);
			cpulist_free(&online);
			cpulist_free(&r.cpus);
			goto usage_error;
		}
		cpulist_free(&online);
	} else {
		r.cpus = online;
	}

	char max_rate[32];
	recorder_read_line("/proc/sys/kernel/perf_event_max_sample_rate", max_rate, sizeof(max_rate));
	if (*max_rate && r.freq > strtoul(max_rate, NULL, 10)) {
		fprintf(stderr, PROG ": -f %u is above kernel.perf_event_max_sample_rate (%s)\n",
			r.freq, max_rate);
		goto early_fail;
	}
	if (sampler_check_privileges(why, sizeof(why))) {
		fprintf(stderr, PROG ": cannot sample kernel stacks: %s\n", why);
		goto early_fail;
	}
	/* Symbols are read before sampling starts: reading kallsyms takes
	 * time, and files embed them as stacks appear. */
	struct ksyms *ks = ksyms_load("/proc/kallsyms");
	r.ksyms = ks;
	if (!ks) {
		char restrict_[16], paranoid[16];
		int e = errno;

		recorder_read_line("/proc/sys/kernel/kptr_restrict", restrict_, sizeof(restrict_));
		recorder_read_line("/proc/sys/kernel/perf_event_paranoid", paranoid, sizeof(paranoid));
		/* Without addresses there is nothing to embed, nor reference
		 * symbols to check a kallsyms copy against later. */
		if (e == ENODATA && r.no_symbols) {
			fprintf(stderr, PROG ": warning: /proc/kallsyms shows no addresses here "
				"(needs CAP_SYSLOG); the file will carry no reference symbols, so "
				"psys-fold --kallsyms will need --force\n");
		} else if (e == ENODATA) {
			fprintf(stderr, PROG ": cannot read kernel symbol addresses from "
				"/proc/kallsyms: needs CAP_SYSLOG (kernel.kptr_restrict=%s, "
				"kernel.perf_event_paranoid=%s)\n", restrict_, paranoid);
			goto early_fail;
		} else {
			fprintf(stderr, PROG ": cannot read '/proc/kallsyms': %s\n", strerror(e));
			goto early_fail;
		}
	}
	/* A closed stdout must not kill us before a file is finished: a
	 * reader that went away shows as EPIPE, and we end after it. */
	signal(SIGPIPE, SIG_IGN);

	/* Debug files come from the local folders only: no download from a
	 * debuginfod server in the middle of a capture, whatever the
	 * environment of the shell that started us says. */
	unsetenv("DEBUGINFOD_URLS");
	r.stack_max = PSYS_MAX_FRAMES;
	r.log = stderr;
	r.out = stdout;
	err = recorder_new(&r, triggered, &rec);
	if (!err) {
		struct sampler_opts so = {
			.cpus = &r.cpus, .freq = r.freq, .ring_bytes = ring_bytes,
			.verbose = r.verbose, .user_stacks = r.user_stacks,
			.idle_stacks = r.idle_stacks,
		};
		if ((err = sampler_open(&so, sampler_to_recorder, rec, &sampler, why, sizeof(why))))
			fprintf(stderr, PROG ": %s\n", why);
	}
	if (!err) {
		struct recorder_source src = sampler_source(sampler);
		recorder_attach(rec, &src);
		/* From here on the program runs with only what it still needs. */
		privs_drop_for_recording(recorder_dirfd(rec), r.user_stacks, r.verbose);
		err = run(rec, sampler, triggered);
	}
	int pipe_gone = rec && recorder_pipe_gone(rec);
	int out_broken = rec && recorder_out_broken(rec);
	recorder_free(rec);
	sampler_close(sampler);
	ksyms_free(ks);
	cpulist_free(&r.cpus);
	/* The reader of standard output left: end as a filter does, silently,
	 * by SIGPIPE (every file was finished first). */
	if (pipe_gone) {
		cli_default_sigpipe();
		raise(SIGPIPE);
	}
	if (fclose(stdout) && !err && !out_broken) {
		fprintf(stderr, PROG ": cannot write to stdout: %s\n", strerror(errno));
		return 1;
	}
	return err ? 1 : 0;

early_fail:
	cpulist_free(&r.cpus);
	return 1;
usage_error:
	fputs(CLI_TRY(PROG), stderr);
	return CLI_USAGE;
}
