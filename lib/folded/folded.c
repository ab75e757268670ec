/* Folded-stack reader; see folded.h. */
#include "folded/folded.h"
#include "base/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FOLDED_BUFSIZE (1024 * 1024)

static inline int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static inline int numchar(char c)
{
	return (c >= '0' && c <= '9') || c == '.';
}

/* Converts S[0..N), which must look like 123 or 123.45 or 123., into OUT.
 * Returns 0 or -EINVAL (bad shape, or too large to be finite). */
static int parse_count(const char *s, size_t n, double *out)
{
	char buf[352];
	size_t i = 0, dots = 0;
	double v = 0;

	if (n == 0 || s[0] == '.')
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (s[i] == '.' && ++dots > 1)
			return -EINVAL;
	if (!dots && n <= 15) {
		for (i = 0; i < n; i++)
			v = v * 10 + (s[i] - '0');
		*out = v;
		return 0;
	}
	/* strtod is exact and, with no setlocale() in our programs, uses
	 * '.' as the decimal point; the text is already validated, so it
	 * cannot read hex, "inf" or an exponent. */
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v = strtod(buf, NULL);
	if (!(v < 1e300))
		return -EINVAL;
	*out = v;
	return 0;
}

/* Finds the number ending at END (exclusive) in LINE and the blank run
 * before it. On success stores the number's value, sets *NUM_START and
 * *STACK_END (end of the text before the blanks) and returns 0. */
static int last_number(const char *line, size_t end, double *v,
		       size_t *num_start, size_t *stack_end)
{
	size_t s = end, e;

	while (s > 0 && numchar(line[s - 1]))
		s--;
	if (s == end || s == 0 || !blank(line[s - 1]))
		return -EINVAL;
	if (parse_count(line + s, end - s, v))
		return -EINVAL;
	/* One blank separates the count, as flamegraph.pl reads it: a
	 * frame of blanks (a missing symbol in JavaScript stacks) stays. */
	e = s - 1;
	*num_start = s;
	*stack_end = e;
	return 0;
}

int folded_parse_line(const char *line, size_t len, struct folded_line *out,
		      size_t *one_len)
{
	size_t ns, se, ns1, se1;
	double last, first;

	while (len > 0 && (blank(line[len - 1]) || line[len - 1] == '\n'))
		len--;
	if (len == 0)
		return 0;
	if (last_number(line, len, &last, &ns, &se) || se == 0)
		return -EINVAL;
	out->stack = line;
	if (!last_number(line, se, &first, &ns1, &se1) && se1 > 0) {
		out->len = se1;
		out->count = first;
		out->count2 = last;
		out->pair = 1;
		if (one_len)
			*one_len = se;
		return 2;
	}
	out->len = se;
	out->count = out->count2 = last;
	out->pair = 0;
	if (one_len)
		*one_len = se;
	return 1;
}

void folded_init(struct folded *f)
{
	memset(f, 0, sizeof(*f));
	f->in_header = 1;
}

static char *dup_trimmed(const char *s, size_t n, size_t *outlen)
{
	char *d;

	while (n > 0 && blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && blank(s[n - 1]))
		n--;
	d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	if (outlen)
		*outlen = n;
	return d;
}

int folded_meta_write(FILE *out, const char *key, const char *value)
{
	/* Valid UTF-8 only (a path or host name may hold any bytes). */
	size_t need = utf8_repair(value, strlen(value), NULL, 0);
	char *clean = malloc(need + 1);
	int n;

	if (!clean)
		return -1;
	utf8_repair(value, strlen(value), clean, need + 1);
	n = fprintf(out, "# %s: \"", key);
	for (const unsigned char *p = (const unsigned char *)clean; *p && n >= 0; p++) {
		if (*p == '"' || *p == '\\')
			n = fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			n = fprintf(out, "\\u%04x", *p);
		else
			n = putc(*p, out) == EOF ? -1 : 0;
	}
	free(clean);
	return n < 0 ? n : fprintf(out, "\"\n");
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' :
				  (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

static size_t put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A value written as a JSON string ("...") is decoded in place; anything
 * else (other producers' plain values, or a malformed string) is kept as
 * it is. Decoding never lengthens: every escape is at least as long as
 * the UTF-8 it stands for. */
static void unquote(char *v, size_t *len)
{
	size_t n = *len, o = 0;

	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return;
	char *d = malloc(n);
	if (!d)
		return;
	for (size_t i = 1; i < n - 1; i++) {
		unsigned cp, lo;

		if (v[i] == '"') {
			free(d);
			return;
		}
		if (v[i] != '\\') {
			d[o++] = v[i];
			continue;
		}
		if (++i >= n - 1) {
			free(d);
			return;
		}
		switch (v[i]) {
		case '"': case '\\': case '/': d[o++] = v[i]; break;
		case 'b': d[o++] = '\b'; break;
		case 'f': d[o++] = '\f'; break;
		case 'n': d[o++] = '\n'; break;
		case 'r': d[o++] = '\r'; break;
		case 't': d[o++] = '\t'; break;
		case 'u':
			if (i + 4 > n - 2 || hex4(v + i + 1, &cp)) {
				free(d);
				return;
			}
			i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n - 1 && v[i + 1] == '\\' &&
			    v[i + 2] == 'u' && !hex4(v + i + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;	/* a lone surrogate */
			}
			o += put_utf8(d + o, cp);
			break;
		default:
			free(d);
			return;
		}
	}
	memcpy(v, d, o);
	v[o] = '\0';
	*len = o;
	free(d);
}

/* Keeps "# key: value" (LINE points past the "# "). */
static int add_meta(struct folded *f, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t klen = colon ? (size_t)(colon - line) : len;
	struct folded_meta *m, *grown;

	if ((f->nmeta & (f->nmeta - 1)) == 0) {
		size_t cap = f->nmeta ? f->nmeta * 2 : 8;

		grown = realloc(f->meta, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		f->meta = grown;
	}
	m = &f->meta[f->nmeta];
	m->key = dup_trimmed(line, klen, NULL);
	m->value = colon ? dup_trimmed(colon + 1, len - klen - 1, &m->value_len)
			 : dup_trimmed("", 0, &m->value_len);
	if (!m->key || !m->value) {
		free(m->key);
		free(m->value);
		return -ENOMEM;
	}
	unquote(m->value, &m->value_len);
	f->nmeta++;
	return 0;
}

static int do_line(struct folded *f, const char *line, size_t len,
		   folded_fn fn, void *ctx)
{
	struct folded_line l;
	size_t one_len;
	int r;

	f->lines++;
	if (len >= 2 && line[0] == '#' && line[1] == ' ') {
		/* psys-fold's timeline follows the stacks it indexes. */
		if (f->in_header || (len > 10 && memcmp(line, "# timeline", 10) == 0 &&
				     (line[10] == ':' || line[10] == '-')))
			return add_meta(f, line + 2, len - 2);
		/* Metadata after stacks (inputs joined with cat): not a
		 * frame named "# samples:", and not our title either. */
		r = -EINVAL;
	} else {
		r = folded_parse_line(line, len, &l, &one_len);
	}
	if (r == 0)
		return 0;
	if (r > 0 && f->mode == FOLDED_UNKNOWN)
		f->mode = r == 2 ? FOLDED_DIFF : FOLDED_SINGLE;
	if (r == 2 && f->mode == FOLDED_SINGLE) {
		/* "name 5 7" in a one-count input: "name 5" is the frame. */
		l.len = one_len;
		l.count = l.count2;
		l.pair = 0;
	} else if (r < 0) {
		if (!f->invalid++)
			f->first_invalid = f->lines;
		return 0;
	}
	f->in_header = 0;
	f->stacks++;
	return fn(ctx, &l);
}

/* Handles every complete line in BUF[0..LEN) and returns how many bytes
 * that used; at EOF the rest is a line too. */
static int do_lines(struct folded *f, const char *buf, size_t len, int eof,
		    folded_fn fn, void *ctx, size_t *used)
{
	size_t off = 0;
	int err = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - buf) : len;

		if (!nl && !eof)
			break;
		if ((err = do_line(f, buf + off, end - off, fn, ctx)))
			break;
		off = nl ? end + 1 : len;
	}
	*used = off;
	return err;
}

int folded_read_mem(struct folded *f, const char *buf, size_t len,
		    folded_fn fn, void *ctx)
{
	size_t used;

	return do_lines(f, buf, len, 1, fn, ctx, &used);
}

int folded_read_fd(struct folded *f, int fd, folded_fn fn, void *ctx)
{
	size_t have = 0, used;
	int err = 0, eof = 0;

	if (!f->buf) {
		f->buf = malloc(FOLDED_BUFSIZE);
		if (!f->buf)
			return -ENOMEM;
		f->cap = FOLDED_BUFSIZE;
	}
	while (!eof) {
		ssize_t k;

		if (have == f->cap) {
			/* One line fills the buffer: lines have no limit. */
			char *grown = realloc(f->buf, f->cap * 2);

			if (!grown)
				return -ENOMEM;
			f->buf = grown;
			f->cap *= 2;
		}
		k = read(fd, f->buf + have, f->cap - have);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			eof = 1;
		have += k;
		if ((err = do_lines(f, f->buf, have, eof, fn, ctx, &used)))
			return err;
		memmove(f->buf, f->buf + used, have - used);
		have -= used;
	}
	return 0;
}

const char *folded_meta_get(const struct folded *f, const char *key,
			    size_t *len)
{
	for (size_t i = 0; i < f->nmeta; i++) {
		if (strcmp(f->meta[i].key, key) == 0) {
			if (len)
				*len = f->meta[i].value_len;
			return f->meta[i].value;
		}
	}
	return NULL;
}

int folded_from_psys(const struct folded *f)
{
	return f->nmeta > 0 && strncmp(f->meta[0].key, "psys-fold", 9) == 0 &&
	       (f->meta[0].key[9] == '\0' || f->meta[0].key[9] == ' ');
}

void folded_free(struct folded *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nmeta; i++) {
		free(f->meta[i].key);
		free(f->meta[i].value);
	}
	free(f->meta);
	free(f->buf);
	folded_init(f);
}
