/* The one id-list parser; see idlist.h. */
#include "base/idlist.h"

#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int parse_num(const char **pp, uint32_t max, uint32_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return -ERANGE;
	}
	*v = (uint32_t)x;
	*pp = p;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

int idlist_parse(const char *s, uint32_t max, struct idlist *out)
{
	uint32_t (*r)[2] = NULL;
	size_t n = 0, cap = 0, i, k;
	const char *p = s;
	int err;

	for (;;) {
		uint32_t lo, hi;

		while (is_space(*p))
			p++;
		if ((err = parse_num(&p, max, &lo)))
			goto fail;
		hi = lo;
		if (*p == '-') {
			p++;
			if ((err = parse_num(&p, max, &hi)))
				goto fail;
			if (hi < lo) {
				err = -EINVAL;
				goto fail;
			}
		}
		while (is_space(*p))
			p++;
		if ((err = buf_grow((void **)&r, &cap, n + 1, sizeof(*r))))
			goto fail;
		r[n][0] = lo;
		r[n][1] = hi;
		n++;
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '\n')
		p++;
	if (*p) {
		err = -EINVAL;
		goto fail;
	}
	/* Sorted, then overlapping and adjacent ranges merged. */
	qsort(r, n, sizeof(*r), cmp_range);
	for (i = 1, k = 0; i < n; i++) {
		if ((uint64_t)r[i][0] <= (uint64_t)r[k][1] + 1) {
			if (r[i][1] > r[k][1])
				r[k][1] = r[i][1];
		} else {
			k++;
			r[k][0] = r[i][0];
			r[k][1] = r[i][1];
		}
	}
	idlist_free(out);
	out->r = r;
	out->n = k + 1;
	return 0;
fail:
	free(r);
	return err;
}

int idlist_has(const struct idlist *l, uint32_t v)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v < l->r[mid][0])
			hi = mid;
		else if (v > l->r[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

uint64_t idlist_count(const struct idlist *l)
{
	uint64_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += (uint64_t)l->r[i][1] - l->r[i][0] + 1;
	return n;
}

const char *idlist_want(int err, uint32_t max, char *buf, size_t len)
{
	if (err == -ERANGE) {
		snprintf(buf, len, "numbers up to %u", max);
		return buf;
	}
	return "a list such as 0-3,7";
}

void idlist_free(struct idlist *l)
{
	if (!l)
		return;
	free(l->r);
	l->r = NULL;
	l->n = 0;
}
