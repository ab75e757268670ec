/* Table-driven tests for lib/watch/procstat.c: parsing /proc/stat texts and the
 * sys % delta maths, plus a read of the real /proc/stat. */
#include "watch/procstat.h"
#include "test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define HEAD "cpu  10 0 10 100 0 0 0 0 0 0\n"
#define TAIL "intr 12345 0 0 1\nctxt 999\nbtime 1700000000\nprocesses 5\n"

static const struct {
	const char *name, *text;
	int err;
	const char *cpus;	/* expected CPU numbers joined by ',' */
	int cpu;		/* for this CPU ... */
	unsigned long long system, steal; /* ... expect these fields */
} parse_cases[] = {
	{ "normal", HEAD
	  "cpu0 368 1 297 22158 6 2 5 1 7 0\n"
	  "cpu1 686 0 604 21256 269 0 15 6 0 0\n" TAIL,
	  0, "0,1", 1, 604, 6 },
	{ "missing cpus (offline 1 and 2)", HEAD
	  "cpu0 1 2 3 4 5 6 7 8 9 10\ncpu3 1 2 30 4 5 6 7 80 9 10\n" TAIL,
	  0, "0,3", 3, 30, 80 },
	{ "no trailing newline", "cpu0 1 2 3 4 5 6 7 8 9 10", 0, "0", 0, 3, 8 },
	{ "no cpu lines at all", "intr 1 2\nctxt 3\n", 0, "", -1, 0, 0 },
	{ "empty text", "", 0, "", -1, 0, 0 },
	{ "linux 2.6.0: 7 fields", "cpu0 1 2 3 4 5 6 7\n", 0, "0", 0, 3, 0 },
	{ "linux 2.4: 4 fields", "cpu0 1 2 3 4\n", 0, "0", 0, 3, 0 },
	{ "future kernel: 12 fields", "cpu0 1 2 3 4 5 6 7 8 9 10 11 12\n", 0,
	  "0", 0, 3, 8 },
	{ "tabs and repeated blanks", "cpu0\t1  2 \t3 4 5 6 7 8 9 10  \n", 0,
	  "0", 0, 3, 8 },
	{ "garbage lines ignored", "hello world\n\n\x01\x02\xff\n"
	  "cpu  garbage in the total line is not ours\n"
	  "cpufreq 1 2 3\n   cpu5 indented is not a cpu line\n"
	  "cpu2 1 2 3 4 5 6 7 8 9 10\nzzz\n", 0, "2", 2, 3, 8 },
	{ "unsorted lines get sorted", "cpu3 1 2 3 4\ncpu1 1 2 33 4\n", 0,
	  "1,3", 1, 33, 0 },
	{ "max u64 value", "cpu0 1 2 18446744073709551615 4\n", 0, "0", 0,
	  18446744073709551615ULL, 0 },
	{ "3 fields is too few", "cpu0 1 2 3\n", -EINVAL, NULL, 0, 0, 0 },
	{ "no fields", "cpu0\n", -EINVAL, NULL, 0, 0, 0 },
	{ "letters in a field", "cpu0 1 2 x3 4 5\n", -EINVAL, NULL, 0, 0, 0 },
	{ "suffix on a field", "cpu0 1 2 3k 4 5\n", -EINVAL, NULL, 0, 0, 0 },
	{ "negative field", "cpu0 1 2 -3 4 5\n", -EINVAL, NULL, 0, 0, 0 },
	{ "garbage after cpu number", "cpu0x 1 2 3 4\n", -EINVAL, NULL, 0, 0, 0 },
	{ "bad field after the 8 we use", "cpu0 1 2 3 4 5 6 7 8 9 ?\n",
	  -EINVAL, NULL, 0, 0, 0 },
	{ "duplicate cpu", "cpu0 1 2 3 4\ncpu0 1 2 3 4\n", -EINVAL, NULL, 0, 0, 0 },
	{ "duplicate cpu, unsorted", "cpu2 1 2 3 4\ncpu1 1 2 3 4\ncpu2 1 2 3 4\n",
	  -EINVAL, NULL, 0, 0, 0 },
	{ "u64 overflow", "cpu0 1 2 18446744073709551616 4\n", -ERANGE, NULL,
	  0, 0, 0 },
	{ "cpu number too big", "cpu65536 1 2 3 4\n", -ERANGE, NULL, 0, 0, 0 },
	{ "cpu number huge", "cpu99999999999999999999999 1 2 3 4\n", -ERANGE,
	  NULL, 0, 0, 0 },
};

static void join_cpus(const struct procstat *ps, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < ps->n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%d", i ? "," : "",
				 ps->cpus[i].cpu);
}

static void test_parse(void)
{
	struct procstat ps = { 0 };
	char got[256];

	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const char *name = parse_cases[i].name;
		int err = procstat_parse(&ps, parse_cases[i].text,
					 strlen(parse_cases[i].text));

		CHECK(err == parse_cases[i].err, "%s: got %d want %d", name, err,
		      parse_cases[i].err);
		if (err) {
			CHECK(ps.n == 0, "%s: CPUs left after an error", name);
			continue;
		}
		join_cpus(&ps, got, sizeof(got));
		CHECK_STR(got, parse_cases[i].cpus, name);
		if (parse_cases[i].cpu < 0)
			continue;
		int k = procstat_find(&ps, parse_cases[i].cpu);
		CHECK(k >= 0, "%s: cpu %d not found", name, parse_cases[i].cpu);
		if (k < 0)
			continue;
		CHECK(ps.cpus[k].t[PROCSTAT_SYSTEM] == parse_cases[i].system,
		      "%s: system %llu", name, ps.cpus[k].t[PROCSTAT_SYSTEM]);
		CHECK(ps.cpus[k].t[PROCSTAT_STEAL] == parse_cases[i].steal,
		      "%s: steal %llu", name, ps.cpus[k].t[PROCSTAT_STEAL]);
	}

	/* Only the first LEN bytes count: the text need not end in NUL. */
	CHECK(procstat_parse(&ps, "cpu0 1 2 3 4\ncpu1 1 2 3 4", 13) == 0 &&
		      ps.n == 1, "length bound: n=%d", ps.n);
	procstat_free(&ps);
	procstat_free(&ps);
	procstat_free(NULL);
}

/* Appends printf output to a growing string. */
static void append(char **s, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(*s ? *s + *len : NULL, *s ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (*s && (size_t)k < *cap - *len)
			break;
		*cap = (*cap + k + 1) * 2;
		*s = realloc(*s, *cap);
		if (!*s)
			abort();
	}
	*len += k;
}

/* Many CPUs and a huge interrupt line: nothing has a fixed size. */
static void test_many_cpus(void)
{
	struct procstat ps = { 0 };
	char *s = NULL, path[] = "/tmp/psys-procstat.XXXXXX";
	size_t len = 0, cap = 0;
	int fd;

	append(&s, &len, &cap, "cpu  1 2 3 4 5 6 7 8 0 0\n");
	for (int c = 0; c < 512; c++)
		append(&s, &len, &cap, "cpu%d %d 0 %d 1000 0 0 0 0 0 0\n", c, c,
		       c * 3);
	append(&s, &len, &cap, "intr 1");
	for (int i = 0; i < 100000; i++)
		append(&s, &len, &cap, " %d", i);
	append(&s, &len, &cap, "\nctxt 5\n");

	CHECK(procstat_parse(&ps, s, len) == 0 && ps.n == 512, "512 cpus: n=%d",
	      ps.n);
	CHECK(ps.n == 512 && ps.cpus[511].cpu == 511 &&
		      ps.cpus[511].t[PROCSTAT_SYSTEM] == 511 * 3, "cpu 511");

	/* The same text through procstat_read: bigger than its first buffer. */
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	if (fd >= 0) {
		CHECK(write(fd, s, len) == (ssize_t)len, "write");
		close(fd);
		procstat_free(&ps);
		CHECK(procstat_read(&ps, path) == 0 && ps.n == 512,
		      "read %zu bytes: n=%d", len, ps.n);
		unlink(path);
	}
	CHECK(procstat_read(&ps, "/nonexistent/stat") == -ENOENT, "missing file");
	procstat_free(&ps);
	free(s);
}

#define NA -1.0
static const struct {
	const char *name, *prev, *cur;
	int irq;
	/* Per CPU of CUR, in order: the state, and the sys % if OK. */
	int n;
	enum procstat_state state[4];
	double pct[4];
} delta_cases[] = {
	{ "half sys", "cpu0 0 0 0 0 0 0 0 0\n", "cpu0 0 0 50 50 0 0 0 0\n", 0,
	  1, { PROCSTAT_OK }, { 50 } },
	{ "over the cpu's own total, not 100 ticks",
	  "cpu0 100 0 100 100 0 0 0 0\n", "cpu0 110 0 130 120 0 0 0 0\n", 0,
	  1, { PROCSTAT_OK }, { 50 } },
	{ "all fields in the total",
	  "cpu0 0 0 0 0 0 0 0 0 0 0\n", "cpu0 10 10 10 10 10 10 10 10 0 0\n", 0,
	  1, { PROCSTAT_OK }, { 12.5 } },
	{ "guest and guest_nice not counted twice",
	  "cpu0 0 0 0 0 0 0 0 0 0 0\n", "cpu0 40 10 50 0 0 0 0 0 30 10\n", 0,
	  1, { PROCSTAT_OK }, { 50 } },
	{ "--irq adds irq and softirq",
	  "cpu0 0 0 0 0 0 0 0 0\n", "cpu0 0 0 10 60 0 20 10 0\n", 1,
	  1, { PROCSTAT_OK }, { 40 } },
	{ "without --irq, irq is not sys",
	  "cpu0 0 0 0 0 0 0 0 0\n", "cpu0 0 0 10 60 0 20 10 0\n", 0,
	  1, { PROCSTAT_OK }, { 10 } },
	{ "100% sys is a figure",
	  "cpu0 5 0 5 5 0 0 0 0\n", "cpu0 5 0 105 5 0 0 0 0\n", 0,
	  1, { PROCSTAT_OK }, { 100 } },
	{ "old kernel lines", "cpu0 0 0 0 0\n", "cpu0 25 0 25 50\n", 0,
	  1, { PROCSTAT_OK }, { 25 } },
	{ "cpu appears: baseline only",
	  "cpu0 0 0 0 0\n", "cpu0 0 0 10 10\ncpu1 0 0 999 0\n", 0,
	  2, { PROCSTAT_OK, PROCSTAT_NEW }, { 50, NA } },
	{ "cpu disappears: no figure, no crash",
	  "cpu0 0 0 0 0\ncpu1 0 0 0 0\ncpu2 0 0 0 0\n",
	  "cpu0 0 0 10 10\ncpu2 0 0 10 30\n", 0,
	  2, { PROCSTAT_OK, PROCSTAT_OK }, { 50, 25 } },
	{ "cpu comes back with its counters reset: no bogus 100%",
	  "cpu0 0 0 0 0\ncpu1 500 0 500 500\n",
	  "cpu0 0 0 10 10\ncpu1 0 0 3 0\n", 0,
	  2, { PROCSTAT_OK, PROCSTAT_BACKWARDS }, { 50, NA } },
	{ "no time passed", "cpu0 1 2 3 4\n", "cpu0 1 2 3 4\n", 0,
	  1, { PROCSTAT_NOTIME }, { NA } },
	{ "system went back", "cpu0 0 0 10 0\n", "cpu0 0 0 9 100\n", 0,
	  1, { PROCSTAT_BACKWARDS }, { NA } },
	{ "irq went back with --irq", "cpu0 0 0 0 0 0 10 0 0\n",
	  "cpu0 0 0 5 100 0 9 0 0\n", 1, 1, { PROCSTAT_BACKWARDS }, { NA } },
	{ "irq went back without --irq: still a figure",
	  "cpu0 0 0 0 0 0 10 0 0\n", "cpu0 0 0 5 46 0 9 0 0\n", 0,
	  1, { PROCSTAT_OK }, { 10 } },
	{ "total went back", "cpu0 0 0 0 100\n", "cpu0 0 0 5 50\n", 0,
	  1, { PROCSTAT_BACKWARDS }, { NA } },
	{ "idle moved to iowait: fine",
	  "cpu0 0 0 0 100 20\n", "cpu0 0 0 10 130 0\n", 0,
	  1, { PROCSTAT_OK }, { 50 } },
	{ "sys above total: inconsistent, no figure",
	  "cpu0 0 0 0 100 0\n", "cpu0 0 0 20 90 0\n", 0,
	  1, { PROCSTAT_BACKWARDS }, { NA } },
	{ "huge jump does not overflow",
	  "cpu0 0 0 0 0\n", "cpu0 0 0 18446744073709551615 0\n", 0,
	  1, { PROCSTAT_BACKWARDS }, { NA } },
	{ "huge counters, sane delta",
	  "cpu0 0 0 9223372036854775000 0\n",
	  "cpu0 0 0 9223372036854775010 10\n", 0,
	  1, { PROCSTAT_OK }, { 50 } },
};

static void test_delta(void)
{
	struct procstat a = { 0 }, b = { 0 };
	struct procstat_figure *f = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < sizeof(delta_cases) / sizeof(delta_cases[0]); i++) {
		const char *name = delta_cases[i].name;
		int n;

		CHECK(procstat_parse(&a, delta_cases[i].prev,
				     strlen(delta_cases[i].prev)) == 0 &&
			      procstat_parse(&b, delta_cases[i].cur,
					     strlen(delta_cases[i].cur)) == 0,
		      "%s: parse", name);
		n = procstat_delta(&a, &b, delta_cases[i].irq, &f, &cap);
		CHECK(n == delta_cases[i].n, "%s: %d figures", name, n);
		for (int k = 0; k < n && k < delta_cases[i].n; k++) {
			CHECK(f[k].cpu == b.cpus[k].cpu, "%s: cpu order", name);
			CHECK(f[k].state == delta_cases[i].state[k],
			      "%s: cpu %d state %d want %d", name, f[k].cpu,
			      f[k].state, delta_cases[i].state[k]);
			if (f[k].state != PROCSTAT_OK ||
			    delta_cases[i].state[k] != PROCSTAT_OK)
				continue;
			CHECK(f[k].sys_pct > delta_cases[i].pct[k] - 1e-9 &&
				      f[k].sys_pct < delta_cases[i].pct[k] + 1e-9,
			      "%s: cpu %d sys %.6f want %.6f", name, f[k].cpu,
			      f[k].sys_pct, delta_cases[i].pct[k]);
			CHECK(f[k].sys_pct >= 0 && f[k].sys_pct <= 100,
			      "%s: range", name);
		}
	}
	procstat_free(&a);
	procstat_free(&b);
	free(f);
}

/* The real file: what psys-watch reads. */
static void test_real(void)
{
	struct procstat a = { 0 }, b = { 0 };
	struct procstat_figure *f = NULL;
	size_t cap = 0;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int n;

	CHECK(procstat_read(&a, NULL) == 0, "read /proc/stat");
	CHECK(a.n == online, "%d cpus in /proc/stat, %ld online", a.n, online);
	usleep(50000);
	CHECK(procstat_read(&b, NULL) == 0, "read /proc/stat again");
	n = procstat_delta(&a, &b, 0, &f, &cap);
	CHECK(n == b.n, "figures");
	for (int i = 0; i < n; i++)
		CHECK(f[i].state != PROCSTAT_NEW && f[i].state != PROCSTAT_BACKWARDS,
		      "real cpu %d state %d", f[i].cpu, f[i].state);
	procstat_free(&a);
	procstat_free(&b);
	free(f);
}

/* CPU hotplug as psys-watch sees it: /proc/stat simply lacks an offline
 * CPU's line. Polled as psys-watch does (each snapshot against the one
 * before), a CPU that goes offline has no figure and is no error; when it
 * comes back (its counters went on where they were), or a new one
 * appears, it is NEW for one poll (a baseline: the time since it was last
 * seen is not one interval) and has figures again from the next. */
static void test_hotplug(void)
{
	static const char *snaps[] = {
		/* user nice system idle iowait irq softirq steal */
		"cpu0 100 0 100 800 0 0 0 0\ncpu1 100 0 100 800 0 0 0 0\n",
		"cpu0 150 0 150 900 0 0 0 0\n",				/* cpu1 offline */
		"cpu0 200 0 200 1000 0 0 0 0\n",				/* still */
		"cpu0 250 0 250 1100 0 0 0 0\ncpu1 110 0 110 880 0 0 0 0\n",	/* back */
		"cpu0 300 0 300 1200 0 0 0 0\ncpu1 130 0 190 880 0 0 0 0\n"
		"cpu2 0 0 0 10 0 0 0 0\n",					/* cpu2 appears */
		"cpu0 350 0 350 1300 0 0 0 0\ncpu1 140 0 260 900 0 0 0 0\n"
		"cpu2 0 0 50 60 0 0 0 0\n",
	};
	/* Per poll, CPU:STATE[:SYS%] of each figure, in order. */
	static const char *want[] = {
		"0:ok:25",
		"0:ok:25",
		"0:ok:25 1:new",
		"0:ok:25 1:ok:80 2:new",
		"0:ok:25 1:ok:70 2:ok:50",
	};
	static const char *names[] = { "ok", "new", "notime", "backwards" };
	struct procstat ps[2] = { { 0 } };
	struct procstat_figure *f = NULL;
	size_t cap = 0;

	CHECK(procstat_parse(&ps[0], snaps[0], strlen(snaps[0])) == 0, "snapshot 0");
	for (int i = 1; i < (int)(sizeof(snaps) / sizeof(snaps[0])); i++) {
		struct procstat *prev = &ps[(i - 1) % 2], *cur = &ps[i % 2];
		char got[256] = "";
		size_t used = 0;
		int n;

		CHECK(procstat_parse(cur, snaps[i], strlen(snaps[i])) == 0, "snapshot %d", i);
		n = procstat_delta(prev, cur, 0, &f, &cap);
		for (int k = 0; k < n; k++) {
			used += snprintf(got + used, sizeof(got) - used, "%s%d:%s", k ? " " : "",
					 f[k].cpu, names[f[k].state]);
			if (f[k].state == PROCSTAT_OK)
				used += snprintf(got + used, sizeof(got) - used, ":%g", f[k].sys_pct);
		}
		CHECK_STR(got, want[i - 1], "hotplug poll");
	}
	free(f);
	procstat_free(&ps[0]);
	procstat_free(&ps[1]);
}

int main(void)
{
	test_hotplug();
	test_parse();
	test_many_cpus();
	test_delta();
	test_real();
	return test_done("test_procstat");
}
