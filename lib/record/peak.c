/* The peak rule; see peak.h. */
#include "record/peak.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "base/buf.h"

/* One CPU's window: sample times, oldest first, in a circular array; the
 * low bit of each entry says "sys" (times lose 1 ns of precision). */
struct cpu_win {
	uint64_t *ent;
	uint32_t head, count, nsys;
	uint32_t left;		/* samples that left the window, up to base_n */
	double base;		/* their sys share, a running then moving mean */
	int64_t last_t;		/* latest time seen */
	int64_t fired_end;	/* the sample it last fired on */
	int64_t rearm_at;	/* no firing before this */
	int fired;
};

struct peak {
	struct peak_opts o;
	uint32_t expect;	/* samples a full window holds */
	uint32_t cap;		/* entries per CPU window */
	uint32_t base_n;	/* the base's memory, in samples */
	int64_t period;		/* ns between a CPU's samples */
	int64_t t0;		/* the first sample's time, any CPU */
	int started;
	struct cpu_win *cpu;
	size_t ncpu;
};

struct peak *peak_new(const struct peak_opts *o)
{
	struct peak *p;

	if (!o || o->window_ns <= 0 || o->freq == 0 || !(o->threshold > 0) ||
	    o->threshold > 100 || o->window_ns > 3600 * 1000000000LL) {
		errno = EINVAL;
		return NULL;
	}
	uint64_t expect = ((uint64_t)o->window_ns * o->freq + 500000000) / 1000000000;
	if (expect > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->o = *o;
	p->expect = expect ? (uint32_t)expect : 1;
	/* Room for twice the samples a window should hold: a window holding
	 * more (a faster clock, jitter) drops its oldest, which only makes
	 * the share a little less certain. */
	p->cap = 2 * p->expect + 8;
	p->period = 1000000000LL / o->freq ? 1000000000LL / o->freq : 1;
	uint64_t base_n = ((uint64_t)PEAK_BASE_NS * o->freq + 500000000) / 1000000000;
	p->base_n = base_n > p->expect ? (uint32_t)(base_n < (1u << 30) ? base_n : 1u << 30)
				       : p->expect;
	return p;
}

static struct cpu_win *win_for(struct peak *p, uint32_t cpu)
{
	if (cpu >= p->ncpu) {
		size_t cap = p->ncpu;

		if (buf_grow((void **)&p->cpu, &cap, (size_t)cpu + 1, sizeof(*p->cpu)))
			return NULL;
		for (size_t i = p->ncpu; i < cap; i++)
			p->cpu[i] = (struct cpu_win){ 0 };
		p->ncpu = cap;
	}
	struct cpu_win *w = &p->cpu[cpu];
	if (!w->ent && !(w->ent = malloc(p->cap * sizeof(*w->ent))))
		return NULL;
	return w;
}

/* The oldest sample leaves the window and joins the base: the mean of all
 * that left, until base_n have, then a moving mean over about base_n. */
static void drop_oldest(struct peak *p, struct cpu_win *w)
{
	unsigned sys = w->ent[w->head] & 1;

	if (w->left < p->base_n)
		w->left++;
	w->base += ((double)sys - w->base) / w->left;
	w->nsys -= sys;
	w->head = (w->head + 1) % p->cap;
	w->count--;
}

/* Samples that did not come: a CPU with nothing to run may take none at
 * all (a tickless idle CPU on some virtual machines), so the time since
 * its last sample (or since the rule's first sample, for its first) is
 * idle time, and joins its base as that many non-sys samples. Without
 * this, a burst on a CPU that was silent would find no base and not be
 * judged until it had lasted twice the window. */
static void add_silence(struct peak *p, struct cpu_win *w, int64_t from, int64_t t)
{
	int64_t k = (t - from + p->period / 2) / p->period - 1;

	for (int64_t i = 0; i < k && i <= (int64_t)p->base_n; i++) {
		if (w->left < p->base_n)
			w->left++;
		w->base -= w->base / w->left;
	}
}

int peak_sample(struct peak *p, uint32_t cpu, int64_t t, int sys, struct peak_fire *f)
{
	struct cpu_win *w = win_for(p, cpu);

	if (!w)
		return -ENOMEM;
	if (!p->started) {
		p->started = 1;
		p->t0 = t;
	}
	if (w->count && t < w->last_t)
		t = w->last_t;
	if (w->last_t || w->left)
		add_silence(p, w, w->last_t, t);
	else if (t > p->t0)
		add_silence(p, w, p->t0 - p->period, t);
	w->last_t = t;
	/* The window is (t - window, t]. */
	while (w->count && (int64_t)(w->ent[w->head] & ~1ull) <= t - p->o.window_ns)
		drop_oldest(p, w);
	if (w->count == p->cap)
		drop_oldest(p, w);
	w->ent[(w->head + w->count) % p->cap] = ((uint64_t)t & ~1ull) | (sys ? 1 : 0);
	w->count++;
	w->nsys += sys ? 1 : 0;
	if (!sys || w->left < p->expect)
		return 0;

	uint32_t n = w->count > p->expect ? w->count : p->expect;
	/* The rise asked for, rounded up to whole samples, plus the samples
	 * the CPU's base would put in the window, rounded down. */
	double need = ceil(p->o.threshold * n / 100 - 1e-9) + floor(w->base * n + 1e-9);
	if (w->nsys < need)
		return 0;
	/* Once per burst: not again on the samples it fired on, and not
	 * before the rearm time. */
	if (w->fired && (t < w->rearm_at ||
			 (int64_t)(w->ent[w->head] & ~1ull) <= w->fired_end))
		return 0;
	uint64_t first = 0;
	for (uint32_t i = 0; i < w->count; i++) {
		uint64_t e = w->ent[(w->head + i) % p->cap];
		if (e & 1) {
			first = e & ~1ull;
			break;
		}
	}
	w->fired = 1;
	w->fired_end = t;
	w->rearm_at = t + PEAK_REARM_NS;
	if (f) {
		f->cpu = cpu;
		f->start_ns = (int64_t)first;
		f->end_ns = t;
		f->sys = w->nsys;
		f->n = n;
		f->need = (uint32_t)need;
		f->share = 100.0 * w->nsys / n;
		f->base = 100.0 * w->base;
	}
	return 1;
}

void peak_free(struct peak *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncpu; i++)
		free(p->cpu[i].ent);
	free(p->cpu);
	free(p);
}
