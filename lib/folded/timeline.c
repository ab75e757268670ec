/* The timeline in folded text; see timeline.h and docs/FORMAT.md. */
#include "folded/timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static int cmp_cpu_time(const void *a, const void *b)
{
	const struct timeline_sample *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_time_cpu(const void *a, const void *b)
{
	const struct timeline_sample *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_mark(const void *a, const void *b)
{
	const struct timeline_mark *x = a, *y = b;

	return x->at_ns < y->at_ns ? -1 : x->at_ns > y->at_ns;
}

/* The characters a mark's hot list may hold: it is written into the
 * folded text and the SVG as it is. */
static int hot_ok(const char *s)
{
	return strspn(s, "0123456789:.,") == strlen(s);
}

int timeline_write(FILE *out, const struct timeline *tl)
{
	struct timeline_sample *s = NULL;
	size_t n = tl->nsamples;

	for (size_t i = 0; i < n; i++)
		if (tl->samples[i].line >= tl->nlines)
			return -EINVAL;
	for (size_t i = 0; i < tl->nmarks; i++)
		if (tl->marks[i].hot && !hot_ok(tl->marks[i].hot))
			return -EINVAL;
	if (n && !(s = malloc(n * sizeof(*s))))
		return -ENOMEM;
	if (n)
		memcpy(s, tl->samples, n * sizeof(*s));
	/* Each CPU's samples in time order: steps are one sampling period,
	 * mostly, so they stay short. */
	if (n)
		qsort(s, n, sizeof(*s), cmp_cpu_time);
	fprintf(out, "# timeline: \"version=%d start=%" PRId64 " utc_offset=%" PRId32
		" end=%" PRId64 " freq=%" PRIu32 " lines=%" PRIu64 " samples=%zu\"\n",
		TIMELINE_VERSION, tl->wall0_ns, tl->utc_offset_s, tl->end_ns,
		tl->freq_hz, tl->nlines, n);
	for (size_t i = 0; i < tl->nmarks; i++) {
		const struct timeline_mark *m = &tl->marks[i];

		fprintf(out, "# timeline-trigger: \"at=%" PRId64 " from=%" PRId64
			" gate=%.6g hot=%s\"\n", m->at_ns, m->from_ns, m->gate,
			m->hot ? m->hot : "");
	}
	for (size_t i = 0; i < n;) {
		size_t end = i;

		while (end < n && end - i < TIMELINE_CHUNK && s[end].cpu == s[i].cpu)
			end++;
		fprintf(out, "# timeline-samples: \"cpu=%" PRIu32 " t=%" PRId64 " s=",
			s[i].cpu, s[i].t_ns);
		for (size_t j = i; j < end; j++)
			fprintf(out, "%s%" PRIu64 ":%" PRIu32, j > i ? "," : "",
				(uint64_t)(s[j].t_ns - (j > i ? s[j - 1].t_ns : s[i].t_ns)),
				s[j].line);
		fputs("\"\n", out);
		i = end;
	}
	free(s);
	return ferror(out) ? -EIO : 0;
}

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* Reads a decimal integer at *P (an optional '-' when SIGNED_OK) that
 * fits in int64_t; moves *P past it. Returns 0 or -1. */
static int get_int(const char **p, int signed_ok, int64_t *v)
{
	const char *s = *p;
	int neg = 0;
	uint64_t x = 0;

	if (signed_ok && *s == '-') {
		neg = 1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (x > (uint64_t)INT64_MAX)
		return -1;
	*v = neg ? -(int64_t)x : (int64_t)x;
	*p = s;
	return 0;
}

/* The value of field KEY in the space-separated "key=value" list V (the
 * text up to the next space), or NULL. */
static const char *field(const char *v, const char *key, size_t *len)
{
	size_t k = strlen(key);

	for (const char *p = v; *p;) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);

		if (n > k && strncmp(p, key, k) == 0 && p[k] == '=') {
			*len = n - k - 1;
			return p + k + 1;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return NULL;
}

/* An integer field: 0, or -1 when it is missing or malformed. */
static int int_field(const char *v, const char *key, int signed_ok, int64_t *out)
{
	size_t n;
	const char *p = field(v, key, &n), *start = p;

	if (!p || get_int(&p, signed_ok, out) || (size_t)(p - start) != n)
		return -1;
	return 0;
}

static int read_header(const char *v, struct timeline *tl, uint64_t *nsamples,
		       char *err, size_t errlen)
{
	int64_t ver, start, off, end, freq, lines, ns;

	if (int_field(v, "version", 0, &ver))
		return fail(err, errlen, "timeline: no version");
	if (ver != TIMELINE_VERSION)
		return fail(err, errlen, "timeline: version %lld not known (this reads %d)",
			    (long long)ver, TIMELINE_VERSION);
	if (int_field(v, "start", 1, &start) || int_field(v, "utc_offset", 1, &off) ||
	    int_field(v, "end", 1, &end) || int_field(v, "freq", 0, &freq) ||
	    int_field(v, "lines", 0, &lines) || int_field(v, "samples", 0, &ns))
		return fail(err, errlen, "timeline: a header field is missing or malformed");
	/* Clocks and zones of this world: a day's offset at most, a
	 * capture of a year at most, sampling below 1 MHz. */
	if (off < -86400 || off > 86400 || end < 0 || end > 366 * 86400000000000LL ||
	    freq > 1000000 || lines > UINT32_MAX)
		return fail(err, errlen, "timeline: a header field is out of range");
	tl->wall0_ns = start;
	tl->utc_offset_s = (int32_t)off;
	tl->end_ns = end;
	tl->freq_hz = (uint32_t)freq;
	tl->nlines = (uint64_t)lines;
	*nsamples = (uint64_t)ns;
	return 0;
}

static int read_mark(const char *v, struct timeline *tl, size_t *cap, char *err,
		     size_t errlen)
{
	int64_t at, from;
	size_t n;
	const char *g = field(v, "gate", &n), *hot;
	char num[32], *end;
	double gate = 0;
	struct timeline_mark *m;

	if (int_field(v, "at", 1, &at) || int_field(v, "from", 1, &from) || from > at ||
	    at < -366 * 86400000000000LL || at > 366 * 86400000000000LL ||
	    from < -366 * 86400000000000LL)
		return fail(err, errlen, "timeline: a trigger's times are missing or malformed");
	if (g) {
		if (n == 0 || n >= sizeof(num) || strspn(g, "0123456789.") < n)
			return fail(err, errlen, "timeline: a trigger's gate is malformed");
		memcpy(num, g, n);
		num[n] = '\0';
		gate = strtod(num, &end);
		if (*end || !(gate >= 0 && gate <= 100))
			return fail(err, errlen, "timeline: a trigger's gate is malformed");
	}
	hot = field(v, "hot", &n);
	if (!hot)
		n = 0;
	if (hot && (strspn(hot, "0123456789:.,") < n || n > 4096))
		return fail(err, errlen, "timeline: a trigger's hot CPUs are malformed");
	if (buf_grow((void **)&tl->marks, cap, tl->nmarks + 1,
		     sizeof(*tl->marks)))
		return -ENOMEM;
	m = &tl->marks[tl->nmarks];
	if (!(m->hot = strndup(hot ? hot : "", n)))
		return -ENOMEM;
	m->at_ns = at;
	m->from_ns = from;
	m->gate = gate;
	tl->nmarks++;
	return 0;
}

static int read_samples(const char *v, struct timeline *tl, size_t *cap,
			char *err, size_t errlen)
{
	int64_t cpu, t, dt, line;
	size_t n;
	const char *p = field(v, "s", &n), *end;

	if (int_field(v, "cpu", 0, &cpu) || cpu > UINT32_MAX - 1 ||
	    int_field(v, "t", 1, &t) || !p)
		return fail(err, errlen, "timeline: a samples line lacks cpu, t or s");
	for (end = p + n;;) {
		if (get_int(&p, 0, &dt) || *p++ != ':' || get_int(&p, 0, &line) || p > end ||
		    (p < end && (*p++ != ',' || p == end)))
			return fail(err, errlen, "timeline: a samples line is malformed");
		if (__builtin_add_overflow(t, dt, &t) || t > 366 * 86400000000000LL)
			return fail(err, errlen, "timeline: a sample time is out of range");
		if ((uint64_t)line >= tl->nlines)
			return fail(err, errlen, "timeline: a sample names line %lld of %llu",
				    (long long)line + 1, (unsigned long long)tl->nlines);
		if (buf_grow((void **)&tl->samples, cap, tl->nsamples + 1,
			     sizeof(*tl->samples)))
			return -ENOMEM;
		tl->samples[tl->nsamples++] = (struct timeline_sample){
			t, (uint32_t)cpu, (uint32_t)line
		};
		if (p == end)
			return 0;
	}
}

int timeline_read(const struct folded *in, struct timeline *tl, char *err,
		  size_t errlen)
{
	const char *h = folded_meta_get(in, "timeline", NULL);
	uint64_t want = 0;
	size_t cap = 0, mcap = 0;
	int rc;

	memset(tl, 0, sizeof(*tl));
	if (!h)
		return 0;
	if ((rc = read_header(h, tl, &want, err, errlen)))
		goto fail;
	for (size_t i = 0; i < in->nmeta; i++) {
		const struct folded_meta *m = &in->meta[i];

		/* NULs inside a value would hide the rest of it. */
		if (strncmp(m->key, "timeline", 8) == 0 && strlen(m->value) != m->value_len) {
			rc = fail(err, errlen, "timeline: a line holds a NUL byte");
			goto fail;
		}
		if (strcmp(m->key, "timeline-trigger") == 0)
			rc = read_mark(m->value, tl, &mcap, err, errlen);
		else if (strcmp(m->key, "timeline-samples") == 0)
			rc = read_samples(m->value, tl, &cap, err, errlen);
		else if (strcmp(m->key, "timeline") == 0 && m->value != h)
			rc = fail(err, errlen, "timeline: two timeline headers");
		if (rc)
			goto fail;
	}
	if (tl->nsamples != want) {
		rc = fail(err, errlen, "timeline: %zu samples, the header says %llu",
			  tl->nsamples, (unsigned long long)want);
		goto fail;
	}
	if (tl->nsamples)
		qsort(tl->samples, tl->nsamples, sizeof(*tl->samples), cmp_time_cpu);
	if (tl->nmarks)
		qsort(tl->marks, tl->nmarks, sizeof(*tl->marks), cmp_mark);
	return 1;
fail:
	timeline_free(tl);
	return rc;
}

int timeline_check(const struct timeline *tl, const double *counts, size_t n,
		   char *err, size_t errlen)
{
	double *have;
	size_t bad = SIZE_MAX;

	if (n != tl->nlines)
		return fail(err, errlen, "timeline: for %llu stack lines, the input has %zu",
			    (unsigned long long)tl->nlines, n);
	if (!(have = calloc(n ? n : 1, sizeof(*have))))
		return -ENOMEM;
	for (size_t i = 0; i < tl->nsamples; i++)
		have[tl->samples[i].line]++;
	for (size_t i = 0; i < n && bad == SIZE_MAX; i++)
		if (have[i] != counts[i])
			bad = i;
	free(have);
	if (bad != SIZE_MAX)
		return fail(err, errlen, "timeline: stack line %zu has a count other than "
			    "its number of samples", bad + 1);
	return 0;
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	for (size_t i = 0; i < tl->nmarks; i++)
		free(tl->marks[i].hot);
	free(tl->marks);
	free(tl->samples);
	memset(tl, 0, sizeof(*tl));
}
