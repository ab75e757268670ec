/* /proc/stat parsing and per-CPU sys % deltas; see procstat.h. */
#include "watch/procstat.h"
#include "base/buf.h"
#include "base/cpulist.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Reads an unsigned decimal at *P (before END) into *OUT. */
static int parse_u64(const char **p, const char *end, unsigned long long *out)
{
	const char *s = *p;
	unsigned long long v = 0;

	if (s == end || !is_digit(*s))
		return -EINVAL;
	for (; s < end && is_digit(*s); s++) {
		unsigned d = *s - '0';

		if (v > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	*p = s;
	return 0;
}

static int cmp_cpu(const void *a, const void *b)
{
	const struct procstat_cpu *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

/* Parses one "cpuN ..." line, [P, END) starting after "cpu". */
static int parse_cpu_line(const char *p, const char *end,
			  struct procstat_cpu *c)
{
	unsigned long long v;
	int err, nfields = 0;

	if ((err = parse_u64(&p, end, &v)))
		return err;
	if (v > CPULIST_MAX_CPU)
		return -ERANGE;
	c->cpu = (int)v;
	memset(c->t, 0, sizeof(c->t));
	if (p == end || !is_blank(*p))
		return -EINVAL;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		/* Every field must be a number, even the ones we skip: a line
		 * we cannot read whole is one we should not half-trust. */
		if ((err = parse_u64(&p, end, &v)))
			return err;
		if (p < end && !is_blank(*p))
			return -EINVAL;
		if (nfields < PROCSTAT_NFIELDS)
			c->t[nfields] = v;
		nfields++;
	}
	return nfields >= PROCSTAT_MIN_FIELDS ? 0 : -EINVAL;
}

int procstat_parse(struct procstat *ps, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int sorted = 1, err = 0;

	ps->n = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);

		if (!eol)
			eol = end;
		/* Only "cpu<digit>" lines are ours; "cpu " is the total, and
		 * anything else (intr, ctxt, future keys) is not our business. */
		if (eol - p > 3 && memcmp(p, "cpu", 3) == 0 && is_digit(p[3])) {
			if (buf_grow((void **)&ps->cpus, &ps->cap, (size_t)ps->n + 1,
				     sizeof(*ps->cpus))) {
				err = -ENOMEM;
				goto cleanup;
			}
			err = parse_cpu_line(p + 3, eol, &ps->cpus[ps->n]);
			if (err)
				goto cleanup;
			if (ps->n && ps->cpus[ps->n].cpu <= ps->cpus[ps->n - 1].cpu)
				sorted = 0;
			ps->n++;
		}
		p = eol + 1;
	}
	if (!sorted) {
		qsort(ps->cpus, ps->n, sizeof(*ps->cpus), cmp_cpu);
		for (int i = 1; i < ps->n; i++)
			if (ps->cpus[i].cpu == ps->cpus[i - 1].cpu) {
				err = -EINVAL;
				goto cleanup;
			}
	}
cleanup:
	if (err)
		ps->n = 0;
	return err;
}

int procstat_read(struct procstat *ps, const char *path)
{
	size_t len = 0;
	int fd, err = 0;

	fd = open(path ? path : "/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t k;

		/* /proc/stat has no useful st_size and grows with CPUs and
		 * interrupts: read until EOF into a buffer kept for next time. */
		if (ps->bufcap - len < 4096) {
			size_t cap = ps->bufcap ? 2 * ps->bufcap : 65536;
			char *b = realloc(ps->buf, cap);

			if (!b) {
				err = -ENOMEM;
				goto cleanup;
			}
			ps->buf = b;
			ps->bufcap = cap;
		}
		k = read(fd, ps->buf + len, ps->bufcap - len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		if (k == 0)
			break;
		len += k;
	}
	err = procstat_parse(ps, ps->buf, len);
cleanup:
	close(fd);
	return err;
}

int procstat_find(const struct procstat *ps, int cpu)
{
	int lo = 0, hi = ps->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (ps->cpus[mid].cpu == cpu)
			return mid;
		if (ps->cpus[mid].cpu < cpu)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* B - A as a signed number; 0 with *OK cleared if it does not fit. */
static long long sub(unsigned long long b, unsigned long long a, int *ok)
{
	unsigned long long d = b >= a ? b - a : a - b;

	if (d > LLONG_MAX) {
		*ok = 0;
		return 0;
	}
	return b >= a ? (long long)d : -(long long)d;
}

static void figure(const struct procstat_cpu *a, const struct procstat_cpu *b,
		   int with_irq, struct procstat_figure *f)
{
	long long d[PROCSTAT_NFIELDS], dsys, dtotal = 0;
	int ok = 1;

	for (int i = 0; i < PROCSTAT_NFIELDS; i++) {
		d[i] = sub(b->t[i], a->t[i], &ok);
		if (__builtin_add_overflow(dtotal, d[i], &dtotal))
			ok = 0;
	}
	dsys = d[PROCSTAT_SYSTEM];
	if (with_irq) {
		if (d[PROCSTAT_IRQ] < 0 || d[PROCSTAT_SOFTIRQ] < 0)
			ok = 0;
		else if (__builtin_add_overflow(dsys, d[PROCSTAT_IRQ], &dsys) ||
			 __builtin_add_overflow(dsys, d[PROCSTAT_SOFTIRQ], &dsys))
			ok = 0;
	}
	/* The total is compared as a sum rather than field by field: idle
	 * time moving to iowait (or back) between reads is not an error. */
	if (!ok || dsys < 0 || dtotal < 0 || dsys > dtotal)
		f->state = PROCSTAT_BACKWARDS;
	else if (dtotal == 0)
		f->state = PROCSTAT_NOTIME;
	else {
		f->state = PROCSTAT_OK;
		f->dsys = dsys;
		f->dtotal = dtotal;
		f->sys_pct = 100.0 * (double)dsys / (double)dtotal;
	}
}

int procstat_delta(const struct procstat *prev, const struct procstat *cur,
		   int with_irq, struct procstat_figure **out, size_t *cap)
{
	int j = 0;

	if (buf_grow((void **)out, cap, (size_t)cur->n, sizeof(**out)))
		return -ENOMEM;
	for (int i = 0; i < cur->n; i++) {
		const struct procstat_cpu *c = &cur->cpus[i];
		struct procstat_figure *f = &(*out)[i];

		/* Both lists are sorted: walk them together. */
		while (j < prev->n && prev->cpus[j].cpu < c->cpu)
			j++;
		memset(f, 0, sizeof(*f));
		f->cpu = c->cpu;
		if (j < prev->n && prev->cpus[j].cpu == c->cpu)
			figure(&prev->cpus[j], c, with_irq, f);
		else
			f->state = PROCSTAT_NEW;
	}
	return cur->n;
}

void procstat_free(struct procstat *ps)
{
	if (!ps)
		return;
	free(ps->cpus);
	free(ps->buf);
	memset(ps, 0, sizeof(*ps));
}
