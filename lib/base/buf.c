/* Growable buffers and varints; see buf.h. */
#include "base/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	unsigned char *p;

	if (b->err)
		return b->err;
	if (n <= b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 2 - b->len)
		return b->err = -ENOMEM;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return b->err = -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return -ENOMEM;
		c *= 2;
	}
	q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void buf_put_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_put_varint(struct buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (unsigned char)v;
	buf_put(b, tmp, n);
}

void buf_put_svarint(struct buf *b, int64_t v)
{
	buf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void buf_put_bytes(struct buf *b, const void *p, size_t n)
{
	buf_put_varint(b, n);
	buf_put(b, p, n);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
}

void buf_free(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int cursor_varint(struct cursor *c, uint64_t *v)
{
	const unsigned char *p = c->p;
	uint64_t r = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (p >= c->end)
			return -EBADMSG;
		uint64_t byte = *p++;
		/* The tenth byte may only carry the top bit of 64. */
		if (shift == 63 && byte > 1)
			return -EBADMSG;
		r |= (byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			c->p = p;
			*v = r;
			return 0;
		}
	}
	return -EBADMSG;
}

int cursor_svarint(struct cursor *c, int64_t *v)
{
	uint64_t u;
	int err = cursor_varint(c, &u);

	if (err)
		return err;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

int cursor_bytes(struct cursor *c, const unsigned char **p, size_t *n)
{
	struct cursor save = *c;
	uint64_t len;

	if (cursor_varint(c, &len))
		return -EBADMSG;
	if (len > cursor_left(c)) {
		*c = save;
		return -EBADMSG;
	}
	*p = c->p;
	*n = (size_t)len;
	c->p += len;
	return 0;
}

int cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (n > cursor_left(c))
		return -EBADMSG;
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return 0;
}
