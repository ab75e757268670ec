/* The time view of a flame graph SVG; see timeview.h. */
#include "render/timeview.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hmap.h"

#define GUTTER 48.0	/* left of the plot: the CPU labels, px */
#define MIN_COL 4.0	/* narrowest column, px */
#define MAX_ROWS 16	/* CPUs drawn; the data holds them all */
#define NS 1000000000LL

/* The digits of the data the script reads: printable ASCII but for the
 * three characters an attribute value cannot hold as they are. The first
 * TDIG end a number, the other CDIG continue it (see put_num). */
#define TDIG 64
#define CDIG 27
static char alpha[TDIG + CDIG];

static void alpha_init(void)
{
	int n = 0;

	for (int c = 0x21; c < 0x7f && n < TDIG + CDIG; c++)
		if (c != '"' && c != '&' && c != '<')
			alpha[n++] = (char)c;
}

/* V (below 2^53, which the script's numbers hold exactly) as 1 to 11
 * digits: numbers below TDIG take one, below TDIG + TDIG*CDIG two, and so
 * on; the last digit is a TDIG one, those before it CDIG ones, most
 * significant first. */
static void put_num(struct buf *b, uint64_t v)
{
	uint64_t span = TDIG, rest;
	char d[16];
	int n = 0;

	while (v >= span) {
		v -= span;
		span *= CDIG;
	}
	d[n++] = alpha[v % TDIG];
	for (rest = v / TDIG; span > TDIG; span /= CDIG, rest /= CDIG)
		d[n++] = alpha[TDIG + rest % CDIG];
	while (n)
		buf_put_u8(b, (uint8_t)d[--n]);
}

/* The number of digits put_num writes for V. */
static int num_len(uint64_t v)
{
	uint64_t span = TDIG;
	int n = 1;

	while (v >= span) {
		v -= span;
		span *= CDIG;
		n++;
	}
	return n;
}

static uint64_t zigzag(int64_t v)
{
	return v >= 0 ? (uint64_t)v << 1 : ((uint64_t)(-(v + 1)) << 1) | 1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The rows and columns of the view. */
struct plan {
	uint32_t *cpus;		/* rows, ascending; owned */
	size_t nrows, ncpus;	/* drawn; with samples */
	double rowh;
	int64_t step, ncols;	/* column width in quanta; columns */
	double px, pw, colw;	/* plot left edge and width, column width */
	double y_info, y_marks, y_rows, y_axis, height;
};

struct cpu_count {
	uint32_t cpu;
	size_t n;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_busiest(const void *a, const void *b)
{
	const struct cpu_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* The CPUs with samples, each with its count, ascending. */
static struct cpu_count *count_cpus(const struct timeline *tl, size_t *n)
{
	uint32_t *c = malloc((tl->nsamples ? tl->nsamples : 1) * sizeof(*c));
	struct cpu_count *out;
	size_t k = 0;

	*n = 0;
	if (!c)
		return NULL;
	for (size_t i = 0; i < tl->nsamples; i++)
		c[i] = tl->samples[i].cpu;
	if (tl->nsamples)
		qsort(c, tl->nsamples, sizeof(*c), cmp_u32);
	out = malloc((tl->nsamples ? tl->nsamples : 1) * sizeof(*out));
	for (size_t i = 0; out && i < tl->nsamples; i++) {
		if (k && out[k - 1].cpu == c[i])
			out[k - 1].n++;
		else
			out[k++] = (struct cpu_count){ c[i], 1 };
	}
	free(c);
	*n = k;
	return out;
}

static int plan_rows(const struct timeline *tl, struct plan *p)
{
	struct cpu_count *cc = count_cpus(tl, &p->ncpus);

	if (!cc)
		return -ENOMEM;
	p->nrows = p->ncpus < MAX_ROWS ? p->ncpus : MAX_ROWS;
	/* Too many to draw: the busiest, in CPU order. */
	if (p->ncpus > MAX_ROWS)
		qsort(cc, p->ncpus, sizeof(*cc), cmp_busiest);
	p->cpus = malloc((p->nrows ? p->nrows : 1) * sizeof(*p->cpus));
	if (!p->cpus) {
		free(cc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nrows; i++)
		p->cpus[i] = cc[i].cpu;
	qsort(p->cpus, p->nrows, sizeof(*p->cpus), cmp_u32);
	free(cc);
	p->rowh = p->nrows <= 1 ? 40 : p->nrows <= 2 ? 30 : p->nrows <= 4 ? 22 : p->nrows <= 8 ? 16 : 11;
	return 0;
}

static void plan_heights(struct plan *p, double fs, double y)
{
	double rows = (p->nrows ? p->nrows : 1) * p->rowh;

	p->y_info = y;
	p->y_marks = y + fs * 1.8;
	p->y_rows = p->y_marks + fs * 1.5;
	p->y_axis = p->y_rows + rows;
	p->height = p->y_axis + fs * 1.9 - y;
}

/* The end of the view, ns from the start: the capture's end, or its last
 * sample if later. */
static int64_t view_end(const struct timeline *tl)
{
	int64_t end = tl->end_ns > 0 ? tl->end_ns : 0;

	if (tl->nsamples && tl->samples[tl->nsamples - 1].t_ns >= end)
		end = tl->samples[tl->nsamples - 1].t_ns + 1;
	return end > 0 ? end : 1;
}

/* Columns: the narrowest of 1, 2, 5, 10, 20, 50... quanta that leaves
 * each at least MIN_COL wide. */
static void plan_columns(const struct timeline *tl, struct plan *p, double x0,
			 double width)
{
	int64_t span = floor_div(view_end(tl) - 1, TIMEVIEW_QUANTUM_NS) + 1;
	int64_t maxcols;

	p->px = x0 + GUTTER;
	p->pw = width - GUTTER > 50 ? width - GUTTER : 50;
	maxcols = (int64_t)(p->pw / MIN_COL);
	if (maxcols < 1)
		maxcols = 1;
	for (int64_t m = 1;; m *= 10) {
		static const int nice[] = { 1, 2, 5 };
		int found = 0;

		for (int i = 0; i < 3 && !found; i++) {
			p->step = nice[i] * m;
			found = (span + p->step - 1) / p->step <= maxcols;
		}
		if (found || m > INT64_MAX / 100)
			break;
	}
	p->ncols = (span + p->step - 1) / p->step;
	p->colw = p->pw / (double)p->ncols;
}

double timeview_height(const struct timeline *tl, double fs)
{
	struct plan p = { 0 };

	if (plan_rows(tl, &p))
		p.nrows = 1, p.rowh = 28;
	free(p.cpus);
	plan_heights(&p, fs, 0);
	return p.height;
}

/* "HH:MM:SS" (and DECIMALS digits of the second) of LOCAL_NS, ns since
 * the epoch in local time. */
static void clock_text(char *buf, size_t len, int64_t local_ns, int decimals)
{
	int64_t s = floor_div(local_ns, NS), frac = local_ns - s * NS;
	int64_t day = ((s % 86400) + 86400) % 86400;
	int n = snprintf(buf, len, "%02d:%02d:%02d", (int)(day / 3600),
			 (int)(day / 60 % 60), (int)(day % 60));

	if (decimals > 0 && n > 0 && (size_t)n < len) {
		int64_t div = 1;

		for (int i = decimals; i < 9; i++)
			div *= 10;
		snprintf(buf + n, len - (size_t)n, ".%0*lld", decimals,
			 (long long)(frac / div));
	}
}

/* Seconds from the start of K quanta, as the script and psys-fold's
 * --from/--to write them: "2", "1.25", "0.0003". */
static void quanta_text(char *buf, size_t len, int64_t k)
{
	int64_t per = NS / TIMEVIEW_QUANTUM_NS;
	int64_t frac = k % per;
	int digits = 0;

	for (int64_t p = per; p > 1; p /= 10)
		digits++;
	if (!frac) {
		snprintf(buf, len, "%lld", (long long)(k / per));
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%lld.%0*lld", (long long)(k / per), digits, (long long)frac);
}

static double x_of(const struct plan *p, int64_t t_ns)
{
	double span = (double)(p->step * p->ncols) * TIMEVIEW_QUANTUM_NS;
	double x = p->px + (double)t_ns / span * p->pw;

	return x < p->px ? p->px : x > p->px + p->pw ? p->px + p->pw : x;
}

static void put_hot(struct svg *w, const char *hot)
{
	/* "1:97.53,3:12" becomes "cpu 1 (97.53%), cpu 3 (12%)". */
	for (const char *s = hot; *s;) {
		size_t n = strcspn(s, ",");
		const char *colon = memchr(s, ':', n);

		svg_puts(w, s == hot ? "cpu " : ", cpu ");
		svg_escape(w, s, colon ? (size_t)(colon - s) : n);
		if (colon) {
			svg_puts(w, " (");
			svg_escape(w, colon + 1, n - (size_t)(colon + 1 - s));
			svg_puts(w, "%)");
		}
		s += n + (s[n] == ',');
	}
}

static void put_attr_quanta(struct svg *w, const char *name, int64_t k)
{
	char t[48];

	quanta_text(t, sizeof(t), k < 0 ? 0 : k);
	svg_puts(w, name);
	svg_puts(w, "=\"");
	svg_puts(w, t);
	svg_puts(w, "\"");
}

static void put_rect(struct svg *w, double x, double y, double wd, double h,
		     const char *extra)
{
	svg_puts(w, "<rect x=\"");
	svg_fixed(w, x, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, y, 2);
	svg_puts(w, "\" width=\"");
	svg_fixed(w, wd > 0 ? wd : 0, 2);
	svg_puts(w, "\" height=\"");
	svg_fixed(w, h > 0 ? h : 0, 2);
	svg_puts(w, "\" ");
	svg_puts(w, extra);
	svg_puts(w, "/>");
}

static void put_text(struct svg *w, double x, double y, const char *attrs,
		     const char *text)
{
	svg_puts(w, "<text x=\"");
	svg_fixed(w, x, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, y, 2);
	svg_puts(w, "\"");
	if (attrs && *attrs) {
		svg_puts(w, " ");
		svg_puts(w, attrs);
	}
	svg_puts(w, ">");
	svg_escape(w, text, strlen(text));
	svg_puts(w, "</text>");
}

/* The bars of each row: one path per row, a step outline of the share
 * of the CPU's time in each column. */
static int write_rows(struct svg *w, const struct timeview_input *in,
		      const struct plan *p)
{
	const struct timeline *tl = in->tl;
	uint32_t *count = calloc((size_t)(p->nrows ? p->nrows : 1) * (size_t)p->ncols,
				 sizeof(*count));
	double full, max = 0;

	if (!count)
		return -ENOMEM;
	for (size_t i = 0; i < tl->nsamples; i++) {
		const struct timeline_sample *s = &tl->samples[i];
		uint32_t *row = bsearch(&s->cpu, p->cpus, p->nrows, sizeof(*p->cpus), cmp_u32);
		int64_t col;

		if (!row || s->t_ns < 0)
			continue;
		col = s->t_ns / TIMEVIEW_QUANTUM_NS / p->step;
		if (col < p->ncols)
			count[(size_t)(row - p->cpus) * (size_t)p->ncols + (size_t)col]++;
	}
	for (size_t i = 0; i < p->nrows * (size_t)p->ncols; i++)
		if (count[i] > max)
			max = count[i];
	/* A column is full when every sample of the CPU in it is one of
	 * ours: freq x its length; without a frequency, the fullest one. */
	full = tl->freq_hz ? (double)tl->freq_hz * (double)(p->step * TIMEVIEW_QUANTUM_NS) / 1e9
			   : max;
	for (size_t r = 0; r < p->nrows; r++) {
		double base = p->y_rows + (r + 1) * p->rowh, top = p->rowh - 2;
		char label[32];

		snprintf(label, sizeof(label), "cpu %u", p->cpus[r]);
		svg_puts(w, "<g class=\"tvrow\">");
		put_text(w, p->px - 4, base - p->rowh / 2 + in->fs * 0.35, NULL, label);
		svg_puts(w, "<path d=\"M");
		svg_fixed(w, p->px, 2);
		svg_put(w, " ", 1);
		svg_fixed(w, base, 2);
		for (int64_t c = 0; c < p->ncols; c++) {
			double v = full > 0 ? count[r * (size_t)p->ncols + (size_t)c] / full : 0;

			svg_puts(w, "V");
			svg_fixed(w, base - (v > 1 ? 1 : v) * top, 1);
			svg_puts(w, "H");
			svg_fixed(w, p->px + (double)(c + 1) * p->colw, 2);
		}
		svg_puts(w, "V");
		svg_fixed(w, base, 2);
		svg_puts(w, "Z\"/></g>\n");
	}
	free(count);
	return 0;
}

static void write_marks(struct svg *w, const struct timeview_input *in,
			const struct plan *p, int64_t local0)
{
	const struct timeline *tl = in->tl;
	double rows_h = p->y_axis - p->y_rows, fs = in->fs;
	char a[40], b[40], label[64];

	/* The lead: from the start to the first trigger. */
	if (tl->nmarks && tl->marks[0].at_ns > 0) {
		int64_t at = tl->marks[0].at_ns;
		double x1 = x_of(p, 0), x2 = x_of(p, at), y = p->y_marks + fs * 0.55;

		clock_text(a, sizeof(a), local0, 3);
		clock_text(b, sizeof(b), local0 + at, 3);
		svg_puts(w, "<g class=\"tvmark\" ");
		put_attr_quanta(w, "data-a", 0);
		svg_puts(w, " ");
		put_attr_quanta(w, "data-b", floor_div(at - 1, TIMEVIEW_QUANTUM_NS) + 1);
		svg_printf(w, "><title>pre-trigger lead: %s to %s, the %.3f s recorded before "
			   "the trigger (click: select it)</title>", a, b, at / 1e9);
		put_rect(w, x1, y - 0.75, x2 - x1, 1.5, "fill=\"#7a4a00\"");
		put_rect(w, x1, y - 3, 1.5, 6, "fill=\"#7a4a00\"");
		put_rect(w, x2 - 1.5, y - 3, 1.5, 6, "fill=\"#7a4a00\"");
		snprintf(label, sizeof(label), "pre-trigger lead %.3g s", at / 1e9);
		if (x2 - x1 > strlen(label) * fs * 0.5)
			put_text(w, (x1 + x2) / 2, y - 2, "class=\"tvlabel\"", label);
		svg_puts(w, "</g>\n");
	}
	for (size_t i = 0; i < tl->nmarks; i++) {
		const struct timeline_mark *m = &tl->marks[i];
		double x1 = x_of(p, m->from_ns), x2 = x_of(p, m->at_ns);

		clock_text(a, sizeof(a), local0 + m->from_ns, 3);
		clock_text(b, sizeof(b), local0 + m->at_ns, 3);
		svg_puts(w, "<g class=\"tvmark\" ");
		put_attr_quanta(w, "data-a", floor_div(m->from_ns, TIMEVIEW_QUANTUM_NS));
		svg_puts(w, " ");
		put_attr_quanta(w, "data-b", floor_div(m->at_ns - 1, TIMEVIEW_QUANTUM_NS) + 1);
		svg_printf(w, "><title>trigger %zu at %s (+%.3f s): ", i + 1, b, m->at_ns / 1e9);
		if (m->gate > 0)
			svg_printf(w, "sys at or above %g%% ", m->gate);
		if (*m->hot) {
			svg_puts(w, "on ");
			put_hot(w, m->hot);
		}
		svg_printf(w, " over %s to %s, the interval that crossed the gate (click: "
			   "select it)</title>", a, b);
		put_rect(w, x1, p->y_rows, x2 - x1, rows_h,
			 "fill=\"#d01c1c\" fill-opacity=\"0.13\"");
		put_rect(w, x2 - 1, p->y_marks + fs * 0.9, 2, p->y_axis - p->y_marks - fs * 0.9,
			 "fill=\"#b00000\"");
		snprintf(label, sizeof(label), tl->nmarks > 1 ? "trigger %zu" : "trigger", i + 1);
		put_text(w, x2 - 3, p->y_marks + fs * 1.3, "class=\"tvlabel tvtrig\"", label);
		svg_puts(w, "</g>\n");
	}
}

/* Ticks on the wall clock: the first step of 1, 2, 5, 10... ms, then 1,
 * 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h... that leaves room for
 * each label. */
static void write_axis(struct svg *w, const struct timeview_input *in,
		       const struct plan *p, int64_t local0)
{
	static const int64_t steps[] = {
		1000000, 2000000, 5000000, 10000000, 20000000, 50000000, 100000000,
		200000000, 500000000, NS, 2 * NS, 5 * NS, 10 * NS, 15 * NS, 30 * NS,
		60 * NS, 120 * NS, 300 * NS, 600 * NS, 900 * NS, 1800 * NS, 3600 * NS,
		7200 * NS, 21600 * NS, 43200 * NS, 86400 * NS,
	};
	double span = (double)(p->step * p->ncols) * TIMEVIEW_QUANTUM_NS;
	int64_t step = steps[sizeof(steps) / sizeof(steps[0]) - 1];
	int decimals = 0;
	double y = p->y_axis;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int d = steps[i] < 10000000 ? 3 : steps[i] < 100000000 ? 2 : steps[i] < NS ? 1 : 0;
		double label_px = (8 + (d ? d + 1 : 0)) * in->fs * 0.62 + 12;

		if ((double)steps[i] / span * p->pw >= label_px) {
			step = steps[i];
			decimals = d;
			break;
		}
	}
	svg_puts(w, "<g id=\"tvaxis\">");
	put_rect(w, p->px, y, p->pw, 1, "fill=\"#888\"");
	for (int64_t t = (floor_div(local0, step) + 1) * step - local0;
	     (double)t <= span; t += step) {
		char label[40];
		double x = x_of(p, t);

		clock_text(label, sizeof(label), local0 + t, decimals);
		put_rect(w, x - 0.5, y, 1, 4, "fill=\"#888\"");
		if (x + strlen(label) * in->fs * 0.31 <= p->px + p->pw)
			put_text(w, x, y + in->fs * 1.3, NULL, label);
	}
	svg_puts(w, "</g>\n");
}

/* --- the data ------------------------------------------------------ */

struct rank {
	uint64_t n;
	uint32_t id;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void put_attr_buf(struct svg *w, const char *name, const struct buf *b)
{
	svg_puts(w, " ");
	svg_puts(w, name);
	svg_puts(w, "=\"");
	svg_put(w, (const char *)b->data, b->len);
	svg_puts(w, "\"");
}

static int cmp_cpu(const void *a, const void *b)
{
	const struct cpu_count *x = a, *y = b;

	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* Slots of a stream's sample numbers: at most this many, the last one
 * the escape (see write_samples). */
#define MAX_SLOTS 8

struct code_count {
	uint64_t code, n;
};

static int cmp_code_count(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* The time code of each sample of one CPU (in time order: S[0..N) index
 * TL's samples) into CODE, and K (whole sampling periods) into KP. The
 * step from the previous sample is K periods plus J quanta; its code is
 * zigzag(J) x 5 + min(K, 4). The first sample's step is from itself. */
static void time_codes(const struct timeline *tl, const uint32_t *s, size_t n,
		       double period, uint64_t *code, int64_t *kp)
{
	int64_t prev = 0;

	for (size_t k = 0; k < n; k++) {
		int64_t g = floor_div(tl->samples[s[k]].t_ns, TIMEVIEW_QUANTUM_NS), dt, j;

		if (k == 0)
			prev = g;
		dt = g - prev;
		prev = g;
		/* floor(x + 0.5): the script's Math.round. */
		kp[k] = (int64_t)floor((double)dt / period + 0.5);
		j = dt - (int64_t)floor((double)kp[k] * period + 0.5);
		code[k] = zigzag(j) * 5 + (uint64_t)(kp[k] < 4 ? kp[k] : 4);
	}
}

/* One CPU's samples S[0..N) as a stream into B: its first time in
 * quanta, zig-zagged; M - 1 and the M - 1 most common time codes (the
 * slots); then per sample one number, its end frame's rank times M plus
 * its code's slot, or plus M - 1 followed by the code when the code has
 * none; then K - 4 when K >= 4. M, from 1 to MAX_SLOTS, is the one that
 * makes the stream shortest: a regular sampling period costs nothing
 * beyond the factor M. */
static int write_stream(struct buf *b, const struct timeline *tl, const uint32_t *s,
			size_t n, const uint32_t *sample_end, const uint32_t *end_rank,
			double period)
{
	uint64_t *code = malloc((n ? n : 1) * sizeof(*code));
	int64_t *kp = malloc((n ? n : 1) * sizeof(*kp));
	struct code_count *cc = malloc((n ? n : 1) * sizeof(*cc));
	uint64_t top[MAX_SLOTS], best = UINT64_MAX;
	size_t ncodes = 0, m = 1;
	int err = -ENOMEM;

	if (!code || !kp || !cc)
		goto out;
	time_codes(tl, s, n, period, code, kp);
	/* The codes by how often they come, most first. */
	for (size_t k = 0; k < n; k++)
		cc[k] = (struct code_count){ code[k], 1 };
	if (n)
		qsort(cc, n, sizeof(*cc), cmp_code_count);
	for (size_t k = 0; k < n; k++) {
		if (ncodes && cc[ncodes - 1].code == cc[k].code)
			cc[ncodes - 1].n++;
		else
			cc[ncodes++] = cc[k];
	}
	qsort(cc, ncodes, sizeof(*cc), cmp_code_count);
	for (size_t mm = 1; mm <= MAX_SLOTS && mm <= ncodes + 1; mm++) {
		uint64_t len = 0;

		for (size_t k = 0; k < n; k++) {
			uint64_t r = end_rank[sample_end[s[k]]];
			size_t slot = 0;

			while (slot < mm - 1 && cc[slot].code != code[k])
				slot++;
			len += (uint64_t)num_len(r * mm + slot);
			if (slot == mm - 1)
				len += (uint64_t)num_len(code[k]);
		}
		if (len < best) {
			best = len;
			m = mm;
		}
	}
	for (size_t i = 0; i + 1 < m; i++)
		top[i] = cc[i].code;
	put_num(b, n ? zigzag(floor_div(tl->samples[s[0]].t_ns, TIMEVIEW_QUANTUM_NS)) : 0);
	put_num(b, m - 1);
	for (size_t i = 0; i + 1 < m; i++)
		put_num(b, top[i]);
	for (size_t k = 0; k < n; k++) {
		uint64_t r = end_rank[sample_end[s[k]]];
		size_t slot = 0;

		while (slot < m - 1 && top[slot] != code[k])
			slot++;
		put_num(b, r * m + slot);
		if (slot == m - 1)
			put_num(b, code[k]);
		if (kp[k] >= 4)
			put_num(b, (uint64_t)(kp[k] - 4));
	}
	err = 0;
out:
	free(code);
	free(kp);
	free(cc);
	return err;
}

/* Each CPU's samples as a stream (write_stream) into B, the CPU numbers
 * into the attribute being written. */
static int write_samples(struct svg *w, struct buf *b, const struct timeline *tl,
			 const uint32_t *sample_end, const uint32_t *end_rank)
{
	size_t n = tl->nsamples, ncpu, *start = NULL;
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	struct cpu_count *cc = count_cpus(tl, &ncpu);
	double period = tl->freq_hz ? 1e9 / (double)tl->freq_hz / TIMEVIEW_QUANTUM_NS : 1;
	int err = -ENOMEM;

	if (!order || !cc || !(start = calloc(ncpu + 1, sizeof(*start))))
		goto out;
	/* A counting sort by CPU keeps each CPU's samples in time order. */
	for (size_t c = 0; c < ncpu; c++)
		start[c + 1] = start[c] + cc[c].n;
	for (size_t i = 0; i < n; i++) {
		struct cpu_count key = { tl->samples[i].cpu, 0 };
		struct cpu_count *at = bsearch(&key, cc, ncpu, sizeof(*cc), cmp_cpu);

		order[start[at - cc]++] = (uint32_t)i;
	}
	for (size_t c = 0, i = 0; c < ncpu; i += cc[c].n, c++) {
		svg_printf(w, "%s%u", c ? "," : "", cc[c].cpu);
		if (c)
			buf_put_u8(b, ' ');
		if ((err = write_stream(b, tl, order + i, cc[c].n, sample_end, end_rank, period)))
			goto out;
	}
	err = 0;
out:
	free(order);
	free(cc);
	free(start);
	return err;
}

/* The tree's numbers (write_tree): below TREE_PAIRS, two frames; from
 * there, one, with TREE_UP values for how far up its parent is. */
#define TREE_PAIRS 16
#define TREE_UP 4

struct tree_enc {
	const struct timeview_input *in;
	const uint32_t *name_rank;
	struct hmap place;	/* (parent's rank + 1) << 32 | rank -> place */
	uint32_t *nkids;	/* by parent's rank + 1: names placed */
	uint32_t *path;		/* by depth: rank + 1 of the frame there */
};

/* Frame I's name rank, its parent's rank + 1 (0: the root) and its
 * place among that parent name's children (HMAP_NONE: not yet one). */
static uint32_t tree_place(const struct tree_enc *t, size_t i, uint32_t *r,
			   uint32_t *pr)
{
	*r = t->name_rank[flame_name_id(t->in->fl, t->in->frames[i].node)];
	*pr = t->path[t->in->frames[i].depth - 1];
	return hmap_get(&t->place, (uint64_t)*pr << 32 | *r, NULL, NULL);
}

static int write_tree(struct buf *b, const struct timeview_input *in,
		      const uint32_t *name_rank, size_t nn)
{
	const struct flame_frame *f = in->frames;
	struct tree_enc t = { .in = in, .name_rank = name_rank };
	int err = -ENOMEM;

	t.nkids = calloc(nn + 1, sizeof(*t.nkids));
	t.path = malloc((in->nframes ? in->nframes : 1) * sizeof(*t.path));
	if (!t.nkids || !t.path)
		goto out;
	t.path[0] = 0;
	for (size_t i = 1; i < in->nframes; i++) {
		uint32_t d = f[i].depth, up = f[i - 1].depth + 1 - d, r, pr, r2, pr2;
		uint32_t at = tree_place(&t, i, &r, &pr), at2;
		int fresh;

		t.path[d] = r + 1;
		/* Two frames, each the child of the one before it, each
		 * among the first 4 children its parent's name has. */
		if (up == 0 && at < 4 && i + 1 < in->nframes && f[i + 1].depth == d + 1 &&
		    (at2 = tree_place(&t, i + 1, &r2, &pr2)) < 4) {
			put_num(b, at * 4 + at2);
			t.path[d + 1] = r2 + 1;
			i++;
			continue;
		}
		fresh = at == HMAP_NONE;
		if (fresh) {
			at = t.nkids[pr]++;
			if (hmap_set(&t.place, (uint64_t)pr << 32 | r, at))
				goto out;
		}
		put_num(b, TREE_PAIRS + (uint64_t)at * TREE_UP +
			   (up < TREE_UP - 1 ? up : TREE_UP - 1));
		if (up >= TREE_UP - 1)
			put_num(b, up - (TREE_UP - 1));
		if (fresh)
			put_num(b, r);
	}
	err = b->err;
out:
	hmap_free(&t.place);
	free(t.nkids);
	free(t.path);
	return err;
}

/* The tree (preorder, as the script lays it out), its names and colours,
 * and the samples: see docs/psys-svg.md. */
static int write_data(struct svg *w, const struct timeview_input *in)
{
	const struct timeline *tl = in->tl;
	struct flame *fl = in->fl;
	size_t nn = flame_names(fl) + 1, nnodes = flame_nodes(fl);
	struct rank *names = calloc(nn, sizeof(*names));
	uint32_t *name_rank = malloc(nn * sizeof(*name_rank));
	uint32_t *name_node = malloc(nn * sizeof(*name_node));
	uint8_t *drawn = calloc(nn, 1);
	uint32_t *frame_of = malloc(nnodes * sizeof(*frame_of));
	struct rank *ends = calloc(in->nframes ? in->nframes : 1, sizeof(*ends));
	uint32_t *end_rank = malloc((in->nframes ? in->nframes : 1) * sizeof(*end_rank));
	uint32_t *sample_end = malloc((tl->nsamples ? tl->nsamples : 1) * sizeof(*sample_end));
	struct buf b = { 0 };
	int err = -ENOMEM;

	if (!names || !name_rank || !name_node || !drawn || !frame_of || !ends ||
	    !end_rank || !sample_end)
		goto out;
	for (size_t i = 1; i < in->ndrawn; i++)
		drawn[flame_name_id(fl, in->drawn[i].node)] = 1;
	/* Names by how many frames use them, most first: short numbers. */
	for (size_t i = 0; i < nn; i++)
		names[i].id = (uint32_t)i;
	for (size_t i = 1; i < in->nframes; i++) {
		uint32_t id = flame_name_id(fl, in->frames[i].node);

		if (!names[id].n++)
			name_node[id] = in->frames[i].node;
	}
	qsort(names, nn, sizeof(*names), cmp_rank);
	for (size_t i = 0; i < nn; i++)
		name_rank[names[i].id] = (uint32_t)i;

	memset(frame_of, 0xff, nnodes * sizeof(*frame_of));
	for (size_t i = 0; i < in->nframes; i++)
		frame_of[in->frames[i].node] = (uint32_t)i;
	for (size_t i = 0; i < in->nframes; i++)
		ends[i].id = (uint32_t)i;
	for (size_t i = 0; i < tl->nsamples; i++) {
		uint32_t node = in->line_node[tl->samples[i].line];

		sample_end[i] = node < nnodes ? frame_of[node] : UINT32_MAX;
		if (sample_end[i] == UINT32_MAX)
			sample_end[i] = 0;	/* not drawn: counts at the root */
		ends[sample_end[i]].n++;
	}
	qsort(ends, in->nframes, sizeof(*ends), cmp_rank);
	for (size_t i = 0; i < in->nframes; i++)
		end_rank[ends[i].id] = (uint32_t)i;

	/* Names, most used first; those of frames the SVG draws are left
	 * out: data-drawn says which, as lengths of alternate runs of ranks
	 * left in and left out, starting with one left in. */
	svg_puts(w, "<g id=\"timedata\" data-names=\"");
	for (size_t i = 0, k = 0; i < nn && names[i].n; i++) {
		size_t n;
		const char *s = flame_name(fl, name_node[names[i].id], &n);

		if (drawn[names[i].id])
			continue;
		if (k++)
			svg_put(w, ";", 1);
		svg_escape(w, s, n);
		/* Six bits a digit. */
		uint32_t c = in->colour[names[i].id];
		for (int d = 18; d >= 0; d -= 6)
			buf_put_u8(&b, (uint8_t)alpha[(c >> d) & 63]);
	}
	svg_puts(w, "\"");
	put_attr_buf(w, "data-colors", &b);
	buf_reset(&b);
	for (size_t i = 0, run = 0, want = 0; i <= nn; i++) {
		int end = i == nn || !names[i].n;

		if (end || drawn[names[i].id] != want) {
			put_num(&b, run);
			if (end)
				break;
			want = !want;
			run = 0;
		}
		run++;
	}
	put_attr_buf(w, "data-drawn", &b);

	/* The tree: each frame after the root as the place of its name
	 * among the names of the children seen so far of frames named as
	 * its parent is (a function calls few others), and how many levels
	 * further up than the frame before it its parent is (see
	 * write_tree); a place one past the list adds the name to it, and
	 * the name's rank follows. */
	buf_reset(&b);
	if ((err = write_tree(&b, in, name_rank, nn)))
		goto out;
	err = -ENOMEM;
	put_attr_buf(w, "data-nodes", &b);

	/* Frames where samples end, by number of samples, most first: in
	 * groups of equal numbers, each group's size, then its frames in
	 * order, each as the step from the one before it (from -1). */
	buf_reset(&b);
	for (size_t i = 0, j; i < in->nframes && ends[i].n; i = j) {
		for (j = i; j < in->nframes && ends[j].n == ends[i].n; j++)
			;
		put_num(&b, j - i);
		for (size_t k = i; k < j; k++)
			put_num(&b, ends[k].id - (k > i ? ends[k - 1].id + 1 : 0));
	}
	put_attr_buf(w, "data-ends", &b);

	/* The samples, CPU by CPU, each CPU's in time order. */
	buf_reset(&b);
	svg_puts(w, " data-cpus=\"");
	if ((err = write_samples(w, &b, tl, sample_end, end_rank)))
		goto out;
	err = -ENOMEM;
	svg_puts(w, "\"");
	put_attr_buf(w, "data-s", &b);
	svg_printf(w, " data-freq=\"%u\"/>\n", tl->freq_hz);
	err = b.err;
out:
	buf_free(&b);
	free(names);
	free(name_rank);
	free(name_node);
	free(drawn);
	free(frame_of);
	free(ends);
	free(end_rank);
	free(sample_end);
	return err;
}

int timeview_write(struct svg *w, const struct timeview_input *in, double y)
{
	const struct timeline *tl = in->tl;
	struct plan p = { 0 };
	int64_t local0 = tl->wall0_ns + (int64_t)tl->utc_offset_s * NS;
	char zone[16];
	int err;

	alpha_init();
	if ((err = plan_rows(tl, &p)))
		return err;
	plan_heights(&p, in->fs, y);
	plan_columns(tl, &p, in->x0, in->width);
	snprintf(zone, sizeof(zone), "UTC%c%02d:%02d", tl->utc_offset_s < 0 ? '-' : '+',
		 abs(tl->utc_offset_s) / 3600, abs(tl->utc_offset_s) / 60 % 60);

	svg_printf(w, "<g id=\"timeview\" data-q=\"%d\" data-step=\"%lld\" data-ncols=\"%lld\" "
		   "data-wall0=\"%lld\" data-utc=\"%d\" data-zone=\"%s\"",
		   TIMEVIEW_QUANTUM_NS, (long long)p.step, (long long)p.ncols,
		   (long long)tl->wall0_ns, tl->utc_offset_s, zone);
	svg_puts(w, " data-px=\"");
	svg_fixed(w, p.px, 2);
	svg_puts(w, "\" data-pw=\"");
	svg_fixed(w, p.pw, 2);
	svg_puts(w, "\">\n<text id=\"tvinfo\" x=\"");
	svg_fixed(w, in->x0, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, p.y_info + in->fs * 1.1, 2);
	svg_printf(w, "\">Samples per CPU over time (bar: share of the CPU's time; clock %s). "
		   "Drag, or click a column or a mark: the flame graph of that range.</text>\n",
		   zone);
	svg_puts(w, "<text id=\"tvreset\" class=\"button hidden\" x=\"");
	svg_fixed(w, in->x0 + in->width, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, p.y_info + in->fs * 1.1, 2);
	svg_puts(w, "\">Whole capture</text>\n");
	put_rect(w, p.px, p.y_rows, p.pw, p.y_axis - p.y_rows,
		 "id=\"tvplot\" fill=\"#ffffff\" fill-opacity=\"0.55\"");
	svg_puts(w, "\n");
	if ((err = write_rows(w, in, &p)))
		goto out;
	write_marks(w, in, &p, local0);
	write_axis(w, in, &p, local0);
	put_rect(w, p.px, p.y_rows, 0, p.y_axis - p.y_rows,
		 "id=\"tvsel\" class=\"hidden\" fill=\"#1f5fd0\" fill-opacity=\"0.18\" "
		 "stroke=\"#1f5fd0\"");
	svg_puts(w, "\n</g>\n");
	err = write_data(w, in);
out:
	free(p.cpus);
	return err;
}
