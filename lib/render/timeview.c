/* The time view of a flame graph SVG; see timeview.h. */
#include "render/timeview.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/timedata.h"

#define GUTTER 48.0	/* left of the plot: the CPU labels, px */
#define MIN_COL 4.0	/* narrowest column, px */
#define MAX_ROWS 16	/* CPUs drawn; the data holds them all */
#define NS 1000000000LL

/* The rows and columns of the view. */
struct plan {
	uint32_t *cpus;		/* rows, ascending; owned */
	size_t nrows, ncpus;	/* drawn; with samples */
	double rowh;
	int64_t step, ncols;	/* column width in quanta; columns */
	double px, pw, colw;	/* plot left edge and width, column width */
	double y_info, y_marks, y_rows, y_axis, y_legend, height;
};

/* Marks' labels and the legend are drawn at this share of the font size
 * (the style's "#timeview text"); a character of them is at most
 * LABEL_CHAR of it wide (Verdana's digits, the widest of its fallbacks). */
#define LABEL_EM 0.85
#define LABEL_CHAR 0.68
#define LABEL_GAP 6.0	/* px between two labels */

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

/* LEGEND: there are marks, which the legend below the axis explains. */
static void plan_heights(struct plan *p, double fs, double y, int legend)
{
	double rows = (p->nrows ? p->nrows : 1) * p->rowh;

	p->y_info = y;
	p->y_marks = y + fs * 1.8;
	p->y_rows = p->y_marks + fs * 1.5;
	p->y_axis = p->y_rows + rows;
	p->y_legend = p->y_axis + fs * 2.9;
	p->height = (legend ? p->y_legend + fs * 0.5 : p->y_axis + fs * 1.9) - y;
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
	int64_t span = timedata_floor_div(view_end(tl) - 1, TIMEVIEW_QUANTUM_NS) + 1;
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
	plan_heights(&p, fs, 0, tl->nmarks > 0);
	return p.height;
}

/* "HH:MM:SS" (and DECIMALS digits of the second) of LOCAL_NS, ns since
 * the epoch in local time. */
static void clock_text(char *buf, size_t len, int64_t local_ns, int decimals)
{
	int64_t s = timedata_floor_div(local_ns, NS), frac = local_ns - s * NS;
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

/* The rule that fired mark I, as far as psys-fold's metadata tells:
 * 'p' peak, 'i' interval, '?' unknown (a capture of several rules says
 * only its first trigger's). A peak's window goes in *WINDOW (0: not
 * said). */
static int mark_rule(const struct timeview_input *in, size_t i, double *window)
{
	char first[256] = "";
	const char *over;
	int rule;

	*window = 0;
	if (in->first && in->first_len < sizeof(first))
		memcpy(first, in->first, in->first_len);
	if (!in->rules || (in->rules_len == 8 && !memcmp(in->rules, "interval", 8)))
		rule = 'i';
	else if (in->rules_len == 4 && !memcmp(in->rules, "peak", 4))
		rule = 'p';
	else if (i == 0 && !strncmp(first, "peak:", 5))
		rule = 'p';
	else if (i == 0 && !strncmp(first, "interval:", 9))
		rule = 'i';
	else
		return '?';
	/* "peak: cpu 1 at 62.5% sys over 0.15 s (threshold 50%)": the
	 * window of psys-record's peak rule, the same for all its triggers. */
	if (rule == 'p' && !strncmp(first, "peak:", 5) && (over = strstr(first, " sys over "))) {
		char *end;
		double v = strtod(over + 10, &end);

		if (end != over + 10 && !strncmp(end, " s (threshold", 13) && v > 0)
			*window = v;
	}
	return rule;
}

/* The label of marks A..B (0-based), "trigger 3" or "triggers 8-10". */
static void group_label(char *buf, size_t len, const struct timeline *tl, size_t a, size_t b)
{
	if (tl->nmarks == 1)
		snprintf(buf, len, "trigger");
	else if (a == b)
		snprintf(buf, len, "trigger %zu", a + 1);
	else
		snprintf(buf, len, "triggers %zu\xE2\x80\x93%zu", a + 1, b + 1);
}

static double label_width(const char *s, double fs)
{
	return (double)svg_charcount(s, strlen(s)) * fs * LABEL_EM * LABEL_CHAR;
}

/* Labels of close triggers would overprint: marks whose labels collide
 * share one, "triggers 8-10", at the last one's line. Fills GROUP[i]
 * with the first mark of mark i's label; returns the left edge of the
 * first label (the lead's label must end before it). */
static double group_marks(const struct timeview_input *in, const struct plan *p, size_t *group)
{
	const struct timeline *tl = in->tl;
	size_t n = 0, *first = malloc((tl->nmarks ? tl->nmarks : 1) * sizeof(*first));
	double *left = malloc((tl->nmarks ? tl->nmarks : 1) * sizeof(*left)), lead_end;
	char label[64];

	if (!first || !left) {
		/* No room to plan: one label for them all. */
		for (size_t i = 0; i < tl->nmarks; i++)
			group[i] = 0;
		free(first);
		free(left);
		return p->px;
	}
	for (size_t i = 0; i < tl->nmarks; i++) {
		double right = x_of(p, tl->marks[i].at_ns) - 3;

		first[n] = i;	/* a label of its own, marks first[n]..i */
		for (;;) {
			group_label(label, sizeof(label), tl, first[n], i);
			left[n] = right - label_width(label, in->fs);
			/* The label before ends at the line of its last mark. */
			if (!n || left[n] >= x_of(p, tl->marks[first[n] - 1].at_ns) - 3 + LABEL_GAP)
				break;
			n--;	/* one label for both: marks first[n]..i */
		}
		n++;
	}
	for (size_t g = 0; g < n; g++)
		for (size_t i = first[g]; i < (g + 1 < n ? first[g + 1] : tl->nmarks); i++)
			group[i] = first[g];
	lead_end = n ? left[0] : p->px + p->pw;
	free(first);
	free(left);
	return lead_end;
}
/* A mark's tooltip: when it fired, and what its rule measured. */
static void mark_title(struct svg *w, const struct timeview_input *in, size_t i,
		       const char *from, const char *at)
{
	const struct timeline_mark *m = &in->tl->marks[i];
	double window;
	int rule = mark_rule(in, i, &window);

	svg_printf(w, "<title>trigger %zu at %s (+%.3f s): ", i + 1, at, m->at_ns / 1e9);
	if (rule == 'p') {
		svg_puts(w, "peak rule: ");
		if (m->gate > 0)
			svg_printf(w, "a sys share of %g%% or more ", m->gate);
		if (*m->hot) {
			svg_puts(w, "on ");
			put_hot(w, m->hot);
		}
		if (window > 0)
			svg_printf(w, " over its %g s window up to this sample", window);
		svg_printf(w, "; the burst's first sys sample at %s (click: select the burst)"
			   "</title>", from);
		return;
	}
	if (m->gate > 0)
		svg_printf(w, "sys at or above %g%% ", m->gate);
	if (*m->hot) {
		svg_puts(w, "on ");
		put_hot(w, m->hot);
	}
	if (rule == 'i')
		svg_printf(w, " over %s to %s, the interval that crossed the gate (click: "
			   "select it)</title>", from, at);
	else
		svg_printf(w, ", measured from %s to %s (click: select it)</title>", from, at);
}

/* The pre-trigger lead's bracket, from X1 to X2 at Y. */
static void put_bracket(struct svg *w, double x1, double x2, double y)
{
	put_rect(w, x1, y - 0.75, x2 - x1, 1.5, "fill=\"#7a4a00\"");
	put_rect(w, x1, y - 3, 1.5, 6, "fill=\"#7a4a00\"");
	put_rect(w, x2 - 1.5, y - 3, 1.5, 6, "fill=\"#7a4a00\"");
}

static int write_marks(struct svg *w, const struct timeview_input *in,
		       const struct plan *p, int64_t local0)
{
	const struct timeline *tl = in->tl;
	double rows_h = p->y_axis - p->y_rows, fs = in->fs, labels_left;
	size_t *group = malloc((tl->nmarks ? tl->nmarks : 1) * sizeof(*group));
	char a[40], b[40], label[64];

	if (!group)
		return -ENOMEM;
	labels_left = group_marks(in, p, group);
	/* The lead: from the start to the first trigger. */
	if (tl->nmarks && tl->marks[0].at_ns > 0) {
		int64_t at = tl->marks[0].at_ns;
		double x1 = x_of(p, 0), x2 = x_of(p, at), y = p->y_marks + fs * 0.55;
		double lw, room;

		clock_text(a, sizeof(a), local0, 3);
		clock_text(b, sizeof(b), local0 + at, 3);
		svg_puts(w, "<g class=\"tvmark\" ");
		put_attr_quanta(w, "data-a", 0);
		svg_puts(w, " ");
		put_attr_quanta(w, "data-b", timedata_floor_div(at - 1, TIMEVIEW_QUANTUM_NS) + 1);
		svg_printf(w, "><title>pre-trigger lead: %s to %s, the %.3f s recorded before "
			   "the trigger (click: select it)</title>", a, b, at / 1e9);
		put_bracket(w, x1, x2, y);
		/* Its label over the bracket, clear of the triggers' labels
		 * (their rows overlap): centred, or from the left, or none. */
		snprintf(label, sizeof(label), "pre-trigger lead %.3g s", at / 1e9);
		lw = label_width(label, fs);
		room = x2 < labels_left - LABEL_GAP ? x2 : labels_left - LABEL_GAP;
		if ((x1 + x2 + lw) / 2 <= room)
			put_text(w, (x1 + x2) / 2, y - 2, "class=\"tvlabel\"", label);
		else if (x1 + 1 + lw <= room)
			put_text(w, x1 + 1, y - 2, "class=\"tvlabel tvstart\"", label);
		svg_puts(w, "</g>\n");
	}
	for (size_t i = 0; i < tl->nmarks; i++) {
		const struct timeline_mark *m = &tl->marks[i];
		double x1 = x_of(p, m->from_ns), x2 = x_of(p, m->at_ns);

		clock_text(a, sizeof(a), local0 + m->from_ns, 3);
		clock_text(b, sizeof(b), local0 + m->at_ns, 3);
		svg_puts(w, "<g class=\"tvmark\" ");
		put_attr_quanta(w, "data-a", timedata_floor_div(m->from_ns, TIMEVIEW_QUANTUM_NS));
		svg_puts(w, " ");
		put_attr_quanta(w, "data-b", timedata_floor_div(m->at_ns - 1, TIMEVIEW_QUANTUM_NS) + 1);
		svg_puts(w, ">");
		mark_title(w, in, i, a, b);
		put_rect(w, x1, p->y_rows, x2 - x1, rows_h,
			 "fill=\"#d01c1c\" fill-opacity=\"0.13\"");
		put_rect(w, x2 - 1, p->y_marks + fs * 0.9, 2, p->y_axis - p->y_marks - fs * 0.9,
			 "fill=\"#b00000\"");
		/* The last mark of a group carries the group's label. */
		if (i + 1 == tl->nmarks || group[i + 1] != group[i]) {
			group_label(label, sizeof(label), tl, group[i], i);
			put_text(w, x2 - 3, p->y_marks + fs * 1.3, "class=\"tvlabel tvtrig\"", label);
		}
		svg_puts(w, "</g>\n");
	}
	free(group);
	return 0;
}

/* What the pink, the red line and the bracket mean, below the axis. */
static void write_legend(struct svg *w, const struct timeview_input *in,
			 const struct plan *p)
{
	const struct timeline *tl = in->tl;
	double x = p->px, y = p->y_legend, fs = in->fs, window, sw = fs * 1.2;
	int interval = 0, peak = 0;

	for (size_t i = 0; i < tl->nmarks; i++) {
		if (mark_rule(in, i, &window) == 'p')
			peak = 1;
		else
			interval = 1;
	}
	svg_puts(w, "<g id=\"tvlegend\">");
	for (int item = 0; item < 4; item++) {
		static const char *const text[] = {
			"poll interval that crossed the gate",
			"burst that fired the peak rule",
			"trigger",
			"pre-trigger lead (recorded before the first trigger)",
		};

		if ((item == 0 && !interval) || (item == 1 && !peak) ||
		    (item == 3 && !(tl->nmarks && tl->marks[0].at_ns > 0)))
			continue;
		if (item < 2)
			put_rect(w, x, y - fs * 0.75, sw, fs * 0.85,
				 "fill=\"#d01c1c\" fill-opacity=\"0.13\" stroke=\"#d01c1c\" "
				 "stroke-opacity=\"0.3\"");
		else if (item == 2)
			put_rect(w, x + sw / 2 - 1, y - fs * 0.85, 2, fs, "fill=\"#b00000\"");
		else
			put_bracket(w, x, x + sw, y - fs * 0.3);
		put_text(w, x + sw + 4, y, NULL, text[item]);
		x += sw + 4 + label_width(text[item], fs) + 2 * LABEL_GAP;
	}
	svg_puts(w, "</g>\n");
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
	for (int64_t t = (timedata_floor_div(local0, step) + 1) * step - local0;
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

int timeview_write(struct svg *w, const struct timeview_input *in, double y)
{
	const struct timeline *tl = in->tl;
	struct plan p = { 0 };
	int64_t local0 = tl->wall0_ns + (int64_t)tl->utc_offset_s * NS;
	char zone[16];
	int err;

	if ((err = plan_rows(tl, &p)))
		return err;
	plan_heights(&p, in->fs, y, tl->nmarks > 0);
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
	if ((err = write_marks(w, in, &p, local0)))
		goto out;
	write_axis(w, in, &p, local0);
	if (tl->nmarks)
		write_legend(w, in, &p);
	put_rect(w, p.px, p.y_rows, 0, p.y_axis - p.y_rows,
		 "id=\"tvsel\" class=\"hidden\" fill=\"#1f5fd0\" fill-opacity=\"0.18\" "
		 "stroke=\"#1f5fd0\"");
	svg_puts(w, "\n</g>\n");
	err = timedata_write(w, in);
out:
	free(p.cpus);
	return err;
}
