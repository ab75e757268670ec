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

static const char b64_digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* N bytes at P as base64 (RFC 4648, padded) at OUT; returns its end. */
static char *b64_put(char *out, const unsigned char *p, size_t n)
{
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*out++ = b64_digits[v >> 18];
		*out++ = b64_digits[v >> 12 & 63];
		*out++ = b64_digits[v >> 6 & 63];
		*out++ = b64_digits[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		*out++ = b64_digits[v >> 18];
		*out++ = b64_digits[v >> 12 & 63];
		*out++ = i + 1 < n ? b64_digits[v >> 6 & 63] : '=';
		*out++ = '=';
	}
	return out;
}

static unsigned char *varint_put(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* Room for a chunk: three varints of at most 10 bytes a sample, and
 * their base64. */
#define CHUNK_BYTES (TIMELINE_CHUNK * 30)
#define CHUNK_TEXT ((CHUNK_BYTES + 2) / 3 * 4)

/* Steps whose divisors make the quantum: a few dozen are enough to find
 * the capture's clock step, and a stray one (a block's first sample,
 * whose time is whole nanoseconds) pays for itself with a remainder. */
#define QUANTUM_STEPS 32

/* One CPU's samples S[0..N) (in time order, N <= TIMELINE_CHUNK) as a
 * version 2 samples line, through the scratch BYTES and TEXT (CHUNK_BYTES
 * and CHUNK_TEXT long). Steps between samples come in whole quanta Q
 * (a capture's times step in whole microseconds inside a block) and
 * mostly near one sampling period P (in quanta), so each is written as
 * its difference from P: a byte, mostly. */
static void write_chunk(FILE *out, const struct timeline_sample *s, size_t n,
			uint32_t freq, unsigned char *bytes, char *text)
{
	unsigned char *b = bytes;
	uint64_t q = 0;
	int64_t p = 0;

	uint64_t st[QUANTUM_STEPS];
	size_t m = 0, stride = n / QUANTUM_STEPS + 1;

	/* Steps from across the chunk. */
	for (size_t k = 1; k < n && m < QUANTUM_STEPS; k += stride)
		if (s[k].t_ns != s[k - 1].t_ns)
			st[m++] = (uint64_t)(s[k].t_ns - s[k - 1].t_ns);
	/* The largest divisor of two neighbouring steps that divides nine
	 * in ten of them, else one that divides them all. */
	for (size_t i = 0; i < m; i++)
		q = gcd64(st[i], q);
	for (size_t i = 0; i + 1 < m; i++) {
		uint64_t c = gcd64(st[i], st[i + 1]);
		size_t fit = 0;

		if (c <= q)
			continue;
		for (size_t j = 0; j < m; j++)
			fit += st[j] % c == 0;
		if (fit * 10 >= m * 9)
			q = c;
	}
	if (!q)
		q = 1;
	if (freq)
		p = (int64_t)(1e9 / freq / (double)q + 0.5);
	for (size_t k = 0; k < n; k++) {
		uint64_t step = k ? (uint64_t)(s[k].t_ns - s[k - 1].t_ns) : 0, whole = step / q;
		int64_t d = (int64_t)whole - p;

		b = varint_put(b, (((uint64_t)d << 1) ^ (uint64_t)(d >> 63)) << 1 |
				  (whole * q != step));
		if (whole * q != step)
			b = varint_put(b, step - whole * q);
		b = varint_put(b, s[k].line);
	}
	fprintf(out, "# timeline-samples: \"cpu=%" PRIu32 " t=%" PRId64 " q=%" PRIu64
		" p=%" PRId64 " n=%zu b=", s[0].cpu, s[0].t_ns, q, p, n);
	fwrite(text, 1, (size_t)(b64_put(text, bytes, (size_t)(b - bytes)) - text), out);
	fputs("\"\n", out);
}

/* TL's samples CPU by CPU, each CPU's in time order: TL's own array when
 * it is so already (a capture of one CPU), else a sorted copy in *COPY
 * (NULL when out of memory). */
static const struct timeline_sample *by_cpu(const struct timeline *tl,
					    struct timeline_sample **copy)
{
	const struct timeline_sample *s = tl->samples;
	size_t n = tl->nsamples, i, *at;
	uint32_t max = 0;
	int timed = 1;

	*copy = NULL;
	for (i = 1; i < n; i++)
		if (s[i].cpu < s[i - 1].cpu ||
		    (s[i].cpu == s[i - 1].cpu && s[i].t_ns < s[i - 1].t_ns))
			break;
	if (i >= n)
		return s;
	if (!(*copy = malloc(n * sizeof(**copy))))
		return NULL;
	for (i = 0; i < n; i++) {
		timed &= !i || s[i].t_ns >= s[i - 1].t_ns;
		max = s[i].cpu > max ? s[i].cpu : max;
	}
	/* In time order (fold_timeline's): a stable split by CPU keeps it. */
	if (timed && max < 65536 && (at = calloc((size_t)max + 2, sizeof(*at)))) {
		for (i = 0; i < n; i++)
			at[s[i].cpu + 1]++;
		for (i = 1; i <= max; i++)
			at[i] += at[i - 1];
		for (i = 0; i < n; i++)
			(*copy)[at[s[i].cpu]++] = s[i];
		free(at);
		return *copy;
	}
	memcpy(*copy, s, n * sizeof(*s));
	qsort(*copy, n, sizeof(*s), cmp_cpu_time);
	return *copy;
}

int timeline_write(FILE *out, const struct timeline *tl)
{
	struct timeline_sample *copy = NULL;
	const struct timeline_sample *s = NULL;
	unsigned char *bytes = NULL;
	char *text = NULL;
	size_t n = tl->nsamples;
	int err = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (tl->samples[i].line >= tl->nlines)
			return -EINVAL;
	for (size_t i = 0; i < tl->nmarks; i++)
		if (tl->marks[i].hot && !hot_ok(tl->marks[i].hot))
			return -EINVAL;
	if (n && (!(s = by_cpu(tl, &copy)) || !(bytes = malloc(CHUNK_BYTES)) ||
		  !(text = malloc(CHUNK_TEXT))))
		goto out;
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
		write_chunk(out, s + i, end - i, tl->freq_hz, bytes, text);
		i = end;
	}
	err = ferror(out) ? -EIO : 0;
out:
	free(copy);
	free(bytes);
	free(text);
	return err;
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
		       int *version, char *err, size_t errlen)
{
	int64_t ver, start, off, end, freq, lines, ns;

	if (int_field(v, "version", 0, &ver))
		return fail(err, errlen, "timeline: no version");
	if (ver != 1 && ver != 2)
		return fail(err, errlen, "timeline: version %lld not known (this reads 1 and 2)",
			    (long long)ver);
	*version = (int)ver;
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

/* Version 1: "cpu=C t=T s=STEP:LINE,...", decimal. */
static int read_samples_v1(const char *v, struct timeline *tl, size_t *cap,
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

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The base64 text P[0..N) (padded, as b64_put writes it) into OUT, which
 * has room for N / 4 * 3 bytes. Returns the number of bytes, or -1 when
 * the text is not such base64. */
static long b64_get(const char *p, size_t n, unsigned char *out)
{
	size_t len = 0;

	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_value((unsigned char)p[i]), b = b64_value((unsigned char)p[i + 1]);
		int c = b64_value((unsigned char)p[i + 2]), d = b64_value((unsigned char)p[i + 3]);
		int last = i + 4 == n;

		if (a < 0 || b < 0)
			return -1;
		out[len++] = (unsigned char)(a << 2 | b >> 4);
		if (c < 0 || d < 0) {
			/* Padding, only at the end, and no bits lost under it. */
			if (!last || d >= 0 || p[i + 3] != '=')
				return -1;
			if (c < 0 && (p[i + 2] != '=' || (b & 15)))
				return -1;
			if (c >= 0 && (c & 3))
				return -1;
			if (c >= 0)
				out[len++] = (unsigned char)(b << 4 | c >> 2);
			return (long)len;
		}
		out[len++] = (unsigned char)(b << 4 | c >> 2);
		out[len++] = (unsigned char)(c << 6 | d);
	}
	return (long)len;
}

/* Version 2: "cpu=C t=T q=Q p=P n=N b=BASE64"; see docs/FORMAT.md. */
static int read_samples_v2(const char *v, struct timeline *tl, size_t *cap,
			   char *err, size_t errlen)
{
	int64_t cpu, t, q, p, n;
	size_t blen;
	const char *b = field(v, "b", &blen);
	unsigned char *bytes = NULL;
	struct cursor c;
	long len;
	int rc = -EBADMSG;

	if (int_field(v, "cpu", 0, &cpu) || cpu > UINT32_MAX - 1 ||
	    int_field(v, "t", 1, &t) || int_field(v, "q", 0, &q) ||
	    int_field(v, "p", 1, &p) || int_field(v, "n", 0, &n) || !b)
		return fail(err, errlen, "timeline: a samples line lacks cpu, t, q, p, n or b");
	/* Each sample takes two bytes at least: B's length bounds N. */
	if (q < 1 || n < 1 || (uint64_t)n > blen / 4 * 3 / 2)
		return fail(err, errlen, "timeline: a samples line is malformed");
	if (!(bytes = malloc(blen / 4 * 3 + 1)))
		return -ENOMEM;
	if ((len = b64_get(b, blen, bytes)) < 0) {
		fail(err, errlen, "timeline: a samples line is malformed");
		goto out;
	}
	rc = -ENOMEM;
	if (buf_grow((void **)&tl->samples, cap, tl->nsamples + (size_t)n,
		     sizeof(*tl->samples)))
		goto out;
	rc = -EBADMSG;
	c = (struct cursor){ bytes, bytes + len };
	for (int64_t k = 0; k < n; k++) {
		uint64_t code, zz, r = 0, line;
		int64_t d;

		if (cursor_varint_fast(&c, &code) ||
		    ((code & 1) && (cursor_varint_fast(&c, &r) || r == 0 || r >= (uint64_t)q)) ||
		    cursor_varint_fast(&c, &line)) {
			fail(err, errlen, "timeline: a samples line is malformed");
			goto out;
		}
		zz = code >> 1;
		d = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
		/* Steps never go back in time. */
		if (__builtin_add_overflow(d, p, &d) || d < 0 ||
		    __builtin_mul_overflow(d, q, &d) || __builtin_add_overflow(d, (int64_t)r, &d) ||
		    __builtin_add_overflow(t, d, &t) || t > 366 * 86400000000000LL) {
			fail(err, errlen, "timeline: a sample time is out of range");
			goto out;
		}
		if (line >= tl->nlines) {
			fail(err, errlen, "timeline: a sample names line %llu of %llu",
			     (unsigned long long)line + 1, (unsigned long long)tl->nlines);
			goto out;
		}
		tl->samples[tl->nsamples++] = (struct timeline_sample){
			t, (uint32_t)cpu, (uint32_t)line
		};
	}
	if (cursor_left(&c)) {
		fail(err, errlen, "timeline: a samples line is malformed");
		goto out;
	}
	rc = 0;
out:
	free(bytes);
	return rc;
}

/* In the order timeline_read hands out. */
static int sorted_by_time(const struct timeline_sample *s, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (cmp_time_cpu(&s[i - 1], &s[i]) > 0)
			return 0;
	return 1;
}

int timeline_read(const struct folded *in, struct timeline *tl, char *err,
		  size_t errlen)
{
	const char *h = folded_meta_get(in, "timeline", NULL);
	uint64_t want = 0;
	size_t cap = 0, mcap = 0;
	int rc, version = 0;

	memset(tl, 0, sizeof(*tl));
	if (!h)
		return 0;
	if ((rc = read_header(h, tl, &want, &version, err, errlen)))
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
			rc = (version == 1 ? read_samples_v1 : read_samples_v2)(m->value, tl, &cap,
									       err, errlen);
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
	/* A capture of one CPU comes in order. */
	if (!sorted_by_time(tl->samples, tl->nsamples))
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
