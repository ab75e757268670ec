/* Growable byte buffers and LEB128 varints: the encoding used inside .psys
 * data records (see docs/FORMAT.md). Writers append to a struct buf; readers
 * walk a struct cursor that never reads past its end. */
#ifndef PSYS_BUF_H
#define PSYS_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	unsigned char *data;	/* owned; NULL until the first append */
	size_t len, cap;
	int err;		/* sticky: -ENOMEM after a failed growth */
};

/* Makes room for N more bytes. Returns 0 or -ENOMEM (also kept in b->err). */
int buf_reserve(struct buf *b, size_t n);

/* Appends; on failure the buffer is unchanged and b->err is set, so a run
 * of appends can be checked once at the end. */
void buf_put(struct buf *b, const void *p, size_t n);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_varint(struct buf *b, uint64_t v);
/* Signed values as zig-zag varints: small magnitudes stay short. */
void buf_put_svarint(struct buf *b, int64_t v);
/* A varint length followed by the bytes. */
void buf_put_bytes(struct buf *b, const void *p, size_t n);

/* Makes room in the array *P (elements of SIZE bytes, capacity *CAP
 * elements) for NEED elements, doubling the capacity (from 64 at least).
 * Returns 0, or -ENOMEM with the array and *CAP unchanged. */
int buf_grow(void **p, size_t *cap, size_t need, size_t size);

void buf_reset(struct buf *b);	/* len = 0, keeps the memory */
void buf_free(struct buf *b);	/* accepts NULL */

/* A read position over untrusted bytes. Every getter returns 0 on success
 * and -EBADMSG (leaving the cursor where it was) if the value is malformed
 * or runs past the end. */
struct cursor {
	const unsigned char *p, *end;
};

int cursor_varint(struct cursor *c, uint64_t *v);
int cursor_svarint(struct cursor *c, int64_t *v);
/* A varint length then that many bytes; *P points into the input. */
int cursor_bytes(struct cursor *c, const unsigned char **p, size_t *n);
/* Takes exactly N bytes as a sub-cursor. */
int cursor_sub(struct cursor *c, size_t n, struct cursor *sub);

static inline size_t cursor_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

/* Fast path for decoding hot columns; same contract as cursor_varint. */
static inline int cursor_varint_fast(struct cursor *c, uint64_t *v)
{
	/* One and two bytes inline: stack references and time steps are
	 * almost always that short. */
	if (c->p < c->end && *c->p < 0x80) {
		*v = *c->p++;
		return 0;
	}
	if (c->end - c->p >= 2 && c->p[1] < 0x80) {
		*v = (uint64_t)(c->p[0] & 0x7f) | (uint64_t)c->p[1] << 7;
		c->p += 2;
		return 0;
	}
	return cursor_varint(c, v);
}

#endif
