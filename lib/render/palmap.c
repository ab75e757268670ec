/* The palette.map file; see palmap.h. */
#include "render/palmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hmap.h"

struct entry {
	size_t off, len;	/* the name, in text */
	uint32_t rgb;
};

struct palmap {
	struct buf text;	/* the names, back to back */
	struct entry *e;
	size_t n, cap;
	struct hmap map;	/* hash of name -> index */
	int changed;
};

struct key {
	const struct palmap *m;
	const char *s;
	size_t n;
};

static int key_eq(const void *ctx, uint32_t i)
{
	const struct key *k = ctx;
	const struct entry *e = &k->m->e[i];

	return e->len == k->n && memcmp(k->m->text.data + e->off, k->s, k->n) == 0;
}

struct palmap *palmap_new(void)
{
	return calloc(1, sizeof(struct palmap));
}

static uint32_t find(const struct palmap *m, const char *s, size_t n)
{
	struct key k = { m, s, n };

	return hmap_get(&m->map, hash_bytes(s, n, 0), key_eq, &k);
}

int palmap_get(const struct palmap *m, const char *name, size_t len, uint32_t *rgb)
{
	uint32_t i = find(m, name, len);

	if (i == HMAP_NONE)
		return 0;
	*rgb = m->e[i].rgb;
	return 1;
}

/* Sets NAME's colour; CHANGED says whether this counts as a change. */
static int put(struct palmap *m, const char *name, size_t len, uint32_t rgb, int changed)
{
	uint32_t i = find(m, name, len);

	if (i != HMAP_NONE) {
		if (m->e[i].rgb != rgb)
			m->changed |= changed;
		m->e[i].rgb = rgb;
		return 0;
	}
	if (m->n >= HMAP_NONE - 1 || buf_grow((void **)&m->e, &m->cap, m->n + 1, sizeof(*m->e)))
		return -ENOMEM;
	m->e[m->n] = (struct entry){ m->text.len, len, rgb };
	buf_put(&m->text, name, len);
	if (m->text.err || hmap_put(&m->map, hash_bytes(name, len, 0), (uint32_t)m->n))
		return -ENOMEM;
	m->n++;
	m->changed |= changed;
	return 0;
}

int palmap_set(struct palmap *m, const char *name, size_t len, uint32_t rgb)
{
	return put(m, name, len, rgb, 1);
}

/* Reads a number of at most 3 digits, up to 255, from *P (before END). */
static int channel(const char **p, const char *end, uint32_t *v)
{
	const char *s = *p;

	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9' && *p - s < 3)
		*v = *v * 10 + (uint32_t)(*(*p)++ - '0');
	return *p > s && *v <= 255 ? 0 : -1;
}

/* Parses "rgb(R,G,B)" or "#rrggbb": the whole of S, N bytes. */
static int parse_colour(const char *s, size_t n, uint32_t *rgb)
{
	const char *p = s + 4, *end = s + n;
	uint32_t r, g, b;

	if (n == 7 && s[0] == '#') {
		char hex[7];
		memcpy(hex, s + 1, 6);
		hex[6] = '\0';
		if (strspn(hex, "0123456789abcdefABCDEF") != 6)
			return -1;
		*rgb = (uint32_t)strtoul(hex, NULL, 16);
		return 0;
	}
	if (n < 10 || memcmp(s, "rgb(", 4) != 0 || channel(&p, end, &r) || p >= end ||
	    *p++ != ',' || channel(&p, end, &g) || p >= end || *p++ != ',' ||
	    channel(&p, end, &b) || p + 1 != end || *p != ')')
		return -1;
	*rgb = r << 16 | g << 8 | b;
	return 0;
}

int palmap_parse(struct palmap *m, const char *text, size_t len, size_t *bad,
		 size_t *first_bad)
{
	const char *p = text, *end = text + len;
	size_t line = 0;

	*bad = *first_bad = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *arrow = NULL;
		uint32_t rgb;

		line++;
		/* The colour follows the last "->": names may hold one
		 * (C++'s operator->). */
		for (const char *q = p; q + 1 < e; q++)
			if (q[0] == '-' && q[1] == '>')
				arrow = q;
		if (e > p && e[-1] == '\r')
			e--;
		if (e == p) {
			/* an empty line: nothing */
		} else if (!arrow || parse_colour(arrow + 2, (size_t)(e - arrow - 2), &rgb)) {
			if (!(*bad)++)
				*first_bad = line;
		} else if (put(m, p, (size_t)(arrow - p), rgb, 0)) {
			return -ENOMEM;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

size_t palmap_size(const struct palmap *m)
{
	return m->n;
}

int palmap_changed(const struct palmap *m)
{
	return m->changed;
}

static const struct palmap *sort_map;

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = &sort_map->e[*(const uint32_t *)a];
	const struct entry *y = &sort_map->e[*(const uint32_t *)b];
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(sort_map->text.data + x->off, sort_map->text.data + y->off, n);

	return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

int palmap_write(const struct palmap *m, FILE *out)
{
	uint32_t *order = malloc((m->n ? m->n : 1) * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		order[i] = (uint32_t)i;
	sort_map = m;
	if (m->n)
		qsort(order, m->n, sizeof(*order), cmp_entry);
	for (size_t i = 0; i < m->n; i++) {
		const struct entry *e = &m->e[order[i]];

		fwrite(m->text.data + e->off, 1, e->len, out);
		fprintf(out, "->rgb(%u,%u,%u)\n", e->rgb >> 16, e->rgb >> 8 & 0xff, e->rgb & 0xff);
	}
	free(order);
	return ferror(out) ? -EIO : 0;
}

void palmap_free(struct palmap *m)
{
	if (!m)
		return;
	buf_free(&m->text);
	free(m->e);
	hmap_free(&m->map);
	free(m);
}
