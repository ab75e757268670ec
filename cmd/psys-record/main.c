/* psys-record: samples kernel stacks on chosen CPUs with a BPF program on
 * CPU_CLOCK perf events and writes them, as they come, into a .psys file
 * (lib/psysfile.h) that folds anywhere without this machine. */
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
#include <sys/utsname.h>
#include <unistd.h>

#include "cpulist.h"
#include "ksyms.h"
#include "psysfile.h"
#include "ptime.h"
#include "sampler.h"

#define PROG "psys-record"
#define NSEC 1000000000LL
#define DRAIN_NS (100 * 1000000LL)	/* ring buffer drained this often */
#define FLUSH_NS NSEC			/* a data record at least this often */

struct recorder {
	/* Options. */
	struct cpulist cpus;
	unsigned freq;
	int64_t duration_ns;
	const char *output;
	int no_symbols, verbose;
	size_t ring_bytes;

	struct ksyms *ksyms;
	struct sampler *sampler;

	/* The capture being written. */
	struct psysfile_writer *w;
	char path[PATH_MAX];
	int64_t start_mono, start_wall;
	int write_err;
	uint64_t received;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [-C CPUS] [-s SECONDS] [-f HZ] [-o PATH] [--no-symbols] [-v]\n"
"Sample kernel stacks on CPUS with BPF and write one .psys capture file.\n"
"\n"
"  -C, --cpus LIST      CPUs to sample, e.g. 0-3,7 (default: all online)\n"
"  -s, --seconds SECS   how long to sample; fractions allowed (default 3)\n"
"  -f, --freq HZ        samples per second on each CPU (default 200)\n"
"  -o, --output PATH    a directory (the file is named after the local start\n"
"                       time, YYYYMMDD_HHMMSS.psys) or a FILE.psys; never\n"
"                       overwrites (default: the current directory)\n"
"      --no-symbols     do not embed kernel symbols (fold with --kallsyms)\n"
"      --ring-size BYTES  BPF ring buffer size (default: about one second\n"
"                       of samples, at least 1 MiB)\n"
"  -v, --verbose        progress and libbpf's own messages on stderr\n"
"  -h, --help           this text\n"
"  -V, --version        the version\n"
"\n"
"Prints the path of the finished file on stdout and a summary on stderr.\n"
"SIGINT or SIGTERM end the capture early; the file is finished properly.\n"
"Needs root, or CAP_BPF and CAP_PERFMON.\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end || v == 0 || v > (1ull << 31))
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- the file header ---- */

static json_t *json_addr(uint64_t a)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)a);
	return json_string(buf);
}

/* Reads one line of a small /proc or /sys file, without the newline. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

/* jansson takes only valid UTF-8: replace what is not. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);

	if (!j) {
		char *copy = strdup(s);
		for (char *p = copy; p && *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy ? copy : "");
		free(copy);
	}
	return j;
}

static json_t *build_header(const struct recorder *r)
{
	struct utsname u;
	char boot_id[64], cpus[4096], online[4096], when[64];
	struct cpulist on = { 0 };
	json_t *h = json_object(), *refs = json_array();

	uname(&u);
	read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	cpulist_format(&r->cpus, cpus, sizeof(cpus));
	online[0] = '\0';
	if (cpulist_online(NULL, &on) == 0)
		cpulist_format(&on, online, sizeof(online));
	ptime_iso(r->start_wall, when, sizeof(when));

	json_object_set_new(h, "format", json_string("psys"));
	json_object_set_new(h, "version", json_integer(PSYSFILE_VERSION_MAJOR));
	json_object_set_new(h, "tool", json_string(PROG " " PSYS_VERSION));
	json_object_set_new(h, "host", json_text(u.nodename));
	json_object_set_new(h, "kernel", json_pack("{s:o, s:o, s:o}",
		"release", json_text(u.release), "version", json_text(u.version),
		"machine", json_text(u.machine)));
	json_object_set_new(h, "boot_id", json_text(boot_id));
	json_object_set_new(h, "ncpus", json_integer(sysconf(_SC_NPROCESSORS_CONF)));
	json_object_set_new(h, "cpus_online", json_string(online));
	json_object_set_new(h, "cpus", json_string(cpus));
	json_object_set_new(h, "freq_hz", json_integer(r->freq));
	json_object_set_new(h, "duration_s", json_real(r->duration_ns / 1e9));
	json_object_set_new(h, "clock", json_string("CLOCK_MONOTONIC"));
	json_object_set_new(h, "start", json_pack("{s:s, s:I, s:I}", "wall", when,
		"wall_ns", (json_int_t)r->start_wall, "mono_ns", (json_int_t)r->start_mono));
	json_object_set_new(h, "trigger", json_null());
	json_object_set_new(h, "symbols", json_string(r->no_symbols ? "none" : "embedded"));
	json_object_set_new(h, "stack_max", json_integer(PSYS_MAX_FRAMES));

	const struct ksym *ref[8];
	size_t n = r->ksyms ? ksyms_pick_refs(r->ksyms, ref, 8) : 0;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(refs, json_pack("{s:o, s:o}", "name",
			json_text(ref[i]->name), "addr", json_addr(ref[i]->addr)));
	json_object_set_new(h, "ref_symbols", refs);
	cpulist_free(&on);
	return h;
}

/* ---- the output file ---- */

static int is_psys_name(const char *p)
{
	size_t n = strlen(p);

	return n > 5 && strcmp(p + n - 5, ".psys") == 0;
}

/* Creates the capture file for a capture starting at WALL_NS: OUTPUT is
 * either FILE.psys or a directory (made if missing) where the file is
 * named after the local time, with _1, _2... when the name is taken. */
static int open_capture(struct recorder *r, const json_t *header)
{
	char stamp[32], name[64];
	int dirfd, err;

	if (is_psys_name(r->output)) {
		snprintf(r->path, sizeof(r->path), "%s", r->output);
		return psysfile_create(AT_FDCWD, r->output, header,
				       r->no_symbols ? NULL : r->ksyms, &r->w);
	}
	if (mkdir(r->output, 0700) && errno != EEXIST)
		return -errno;
	dirfd = open(r->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	ptime_stamp(r->start_wall, stamp, sizeof(stamp));
	err = -EEXIST;
	for (int i = 0; i < 1000 && err == -EEXIST; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s_%d.psys", stamp, i);
		else
			snprintf(name, sizeof(name), "%s.psys", stamp);
		err = psysfile_create(dirfd, name, header,
				      r->no_symbols ? NULL : r->ksyms, &r->w);
	}
	close(dirfd);
	if (!err)
		snprintf(r->path, sizeof(r->path), "%s%s%s", r->output,
			 r->output[strlen(r->output) - 1] == '/' ? "" : "/", name);
	else
		snprintf(r->path, sizeof(r->path), "%s/%s", r->output, name);
	return err;
}

/* ---- samples ---- */

static int on_sample(void *ctx, const struct psys_sample *s)
{
	struct recorder *r = ctx;
	char comm[PSYS_COMM_LEN + 1];
	struct psysfile_sample fs;
	int err;

	r->received++;
	if (!r->w || r->write_err)
		return 0;
	memcpy(comm, s->comm, PSYS_COMM_LEN);
	comm[PSYS_COMM_LEN] = '\0';
	fs.time_ns = s->time_ns;
	fs.cpu = s->cpu;
	fs.pid = s->pid;
	fs.tid = s->tid;
	fs.flags = s->flags;
	fs.comm = comm;
	fs.nframes = s->nframes;
	fs.frames = (const uint64_t *)s->frames;
	if ((err = psysfile_add(r->w, &fs)))
		r->write_err = err;
	return 0;
}

/* ---- one capture ---- */

static int capture(struct recorder *r)
{
	int64_t now, deadline, next_flush;
	int epfd = -1, sfd = -1, err = 0, stopped_by = 0;
	sigset_t mask;
	json_t *header = NULL, *trailer = NULL;
	struct sampler_counts c;
	char errbuf[256];
	struct sampler_opts so = { &r->cpus, r->freq, r->ring_bytes, r->verbose };

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || epfd < 0) {
		fprintf(stderr, PROG ": cannot set up event loop: %s\n", strerror(errno));
		err = -errno;
		goto cleanup;
	}

	r->start_wall = ptime_now(CLOCK_REALTIME);
	r->start_mono = ptime_now(CLOCK_MONOTONIC);
	header = build_header(r);
	if ((err = open_capture(r, header))) {
		fprintf(stderr, PROG ": cannot create '%s': %s\n", r->path, strerror(-err));
		goto cleanup;
	}
	/* Sampling starts as the events are attached: after the file exists,
	 * so no sample arrives with nowhere to go. */
	if ((err = sampler_open(&so, on_sample, r, &r->sampler, errbuf, sizeof(errbuf)))) {
		fprintf(stderr, PROG ": %s\n", errbuf);
		goto cleanup;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 1 };
	epoll_ctl(epfd, EPOLL_CTL_ADD, sampler_fd(r->sampler), &ev);
	ev.data.u32 = 2;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	if (r->verbose)
		fprintf(stderr, PROG ": sampling cpu %s at %u Hz for %.3f s into %s (ring %zu KiB)\n",
			json_string_value(json_object_get(header, "cpus")), r->freq,
			r->duration_ns / 1e9, r->path, sampler_ring_bytes(r->sampler) >> 10);

	deadline = r->start_mono + r->duration_ns;
	next_flush = r->start_mono + FLUSH_NS;
	for (;;) {
		struct epoll_event evs[2];
		int64_t wake;

		now = ptime_now(CLOCK_MONOTONIC);
		if (now >= deadline || stopped_by || r->write_err)
			break;
		wake = now + DRAIN_NS;
		if (wake > deadline)
			wake = deadline;
		int n = epoll_wait(epfd, evs, 2, (int)((wake - now + 999999) / 1000000));
		for (int i = 0; i < n; i++)
			if (evs[i].data.u32 == 2) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					stopped_by = si.ssi_signo;
			}
		if (sampler_drain(r->sampler) < 0 && !r->write_err)
			r->write_err = -EBADMSG;
		if (ptime_now(CLOCK_MONOTONIC) >= next_flush && !r->write_err) {
			r->write_err = psysfile_flush(r->w);
			next_flush += FLUSH_NS;
		}
	}
	sampler_stop(r->sampler);
	int64_t end_mono = ptime_now(CLOCK_MONOTONIC);
	int64_t end_wall = ptime_now(CLOCK_REALTIME);
	sampler_drain(r->sampler);
	sampler_counts(r->sampler, &c);

	char when[64];
	ptime_iso(end_wall, when, sizeof(when));
	uint64_t written = psysfile_samples(r->w);
	trailer = json_pack("{s:{s:s, s:I, s:I}, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
		"end", "wall", when, "wall_ns", (json_int_t)end_wall,
		"mono_ns", (json_int_t)end_mono,
		"samples", (json_int_t)written,
		"lost", (json_int_t)c.lost,
		"stack_errors", (json_int_t)c.stack_err,
		"bpf_misses", (json_int_t)c.bpf_misses,
		/* Sent by BPF but never reached the file (should be 0). */
		"unread", (json_int_t)(c.sent > written ? c.sent - written : 0),
		"stacks", (json_int_t)psysfile_stacks(r->w),
		"symbols", (json_int_t)psysfile_symbols(r->w),
		"end_reason", r->write_err ? "write error" :
			      stopped_by == SIGINT ? "SIGINT" :
			      stopped_by == SIGTERM ? "SIGTERM" : "duration");
	if (r->write_err) {
		fprintf(stderr, PROG ": cannot write '%s': %s; the file holds what was "
			"written before the error\n", r->path, strerror(-r->write_err));
		err = r->write_err;
		/* Try to close it properly all the same (it may fit). */
		psysfile_finish(r->w, trailer);
		goto cleanup;
	}
	if ((err = psysfile_finish(r->w, trailer))) {
		fprintf(stderr, PROG ": cannot finish '%s': %s\n", r->path, strerror(-err));
		goto cleanup;
	}
	uint64_t bytes = psysfile_bytes(r->w);
	fprintf(stderr, PROG ": %s: %llu samples (%llu lost, %llu stack errors) on cpu %s "
		"in %.3f s, %llu bytes (%.2f B/sample)\n", r->path,
		(unsigned long long)written, (unsigned long long)c.lost,
		(unsigned long long)c.stack_err,
		json_string_value(json_object_get(header, "cpus")),
		(end_mono - r->start_mono) / 1e9, (unsigned long long)bytes,
		written ? (double)bytes / written : 0.0);
	if (printf("%s\n", r->path) < 0 || fflush(stdout))
		fprintf(stderr, PROG ": cannot write the path to stdout: %s\n", strerror(errno));
cleanup:
	sampler_close(r->sampler);
	r->sampler = NULL;
	psysfile_writer_free(r->w);
	r->w = NULL;
	json_decref(header);
	json_decref(trailer);
	if (epfd >= 0)
		close(epfd);
	if (sfd >= 0)
		close(sfd);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'C' },
		{ "seconds", required_argument, NULL, 's' },
		{ "freq", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-symbols", no_argument, NULL, 'N' },
		{ "ring-size", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct recorder r = { .freq = 200, .duration_ns = 3 * NSEC, .output = "." };
	const char *cpus_arg = NULL;
	char why[160];
	int opt, err;

	while ((opt = getopt_long(argc, argv, "C:s:f:o:vhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': cpus_arg = optarg; break;
		case 's':
			if (ptime_parse_seconds(optarg, 366 * 86400 * NSEC, &r.duration_ns) ||
			    r.duration_ns == 0) {
				fprintf(stderr, PROG ": invalid -s '%s': want seconds > 0\n", optarg);
				return 2;
			}
			break;
		case 'f': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (end == optarg || *end || v == 0 || v > 1000000 || *optarg == '-') {
				fprintf(stderr, PROG ": invalid -f '%s': want a frequency in Hz\n", optarg);
				return 2;
			}
			r.freq = v;
			break;
		}
		case 'o': r.output = optarg; break;
		case 'N': r.no_symbols = 1; break;
		case 'R':
			if (parse_size(optarg, &r.ring_bytes)) {
				fprintf(stderr, PROG ": invalid --ring-size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'v': r.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf(PROG " %s\n", PSYS_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!*r.output) {
		fprintf(stderr, PROG ": invalid -o '': empty path\n");
		return 2;
	}
	if (cpus_arg) {
		if ((err = cpulist_parse(cpus_arg, &r.cpus))) {
			fprintf(stderr, PROG ": invalid -C '%s': %s\n", cpus_arg,
				err == -ERANGE ? "CPU number too large" : "want a list like 0-3,7");
			return 2;
		}
	} else if ((err = cpulist_online(NULL, &r.cpus))) {
		fprintf(stderr, PROG ": cannot read the online CPUs: %s\n", strerror(-err));
		return 1;
	}

	char max_rate[32];
	read_line("/proc/sys/kernel/perf_event_max_sample_rate", max_rate, sizeof(max_rate));
	if (*max_rate && r.freq > strtoul(max_rate, NULL, 10)) {
		fprintf(stderr, PROG ": -f %u is above kernel.perf_event_max_sample_rate (%s)\n",
			r.freq, max_rate);
		return 1;
	}
	if (sampler_check_privileges(why, sizeof(why))) {
		fprintf(stderr, PROG ": cannot sample kernel stacks: %s\n", why);
		return 1;
	}
	/* Symbols are read before sampling starts: reading kallsyms takes
	 * time, and the file embeds them as stacks appear. */
	r.ksyms = ksyms_load("/proc/kallsyms");
	if (!r.ksyms) {
		fprintf(stderr, PROG ": cannot read '/proc/kallsyms': %s\n",
			errno == ENODATA ? "addresses hidden (kernel.kptr_restrict)" : strerror(errno));
		return 1;
	}
	/* A closed stdout must not kill us before the file is finished. */
	signal(SIGPIPE, SIG_IGN);

	err = capture(&r);
	ksyms_free(r.ksyms);
	cpulist_free(&r.cpus);
	if (fclose(stdout) && !err) {
		fprintf(stderr, PROG ": cannot write to stdout: %s\n", strerror(errno));
		return 1;
	}
	return err ? 1 : 0;
}
