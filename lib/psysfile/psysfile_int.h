/* What the .psys writer and reader share: the file and record headers and
 * the symbol table's encoding (docs/FORMAT.md). Internal to lib/psysfile_*.c. */
#ifndef PSYS_PSYSFILE_INT_H
#define PSYS_PSYSFILE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "symbols/ksyms.h"

extern const unsigned char psysfile_magic[8];
#define FILE_HDR_SIZE 16
extern const unsigned char psysfile_sync[4];
/* Record headers: 20 bytes in version 1; version 2 adds the record's
 * number and its sample count. */
#define REC_HDR_SIZE_V1 20
#define REC_HDR_SIZE 28
enum { REC_HEADER = 1, REC_DATA = 2, REC_TRAILER = 3, REC_SYMBOLS = 4, REC_CGROUPS = 5 };
#define REC_ZSTD 0x1
#define MAX_PAYLOAD (64u << 20)
#define MAX_RAW (256u << 20)

static inline void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static inline uint16_t get_le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static inline uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The record header's own check: the low 16 bits of a CRC-32 over the
 * header but its bytes 6-7, so a damaged length is caught before it is
 * trusted. SIZE is the header's size (20 or 28). */
uint16_t psysfile_hdr_check(const unsigned char *h, size_t size);

/* Appends one symbol to a symbols body (PREV: the previous start). */
void psysfile_put_symbol(struct buf *b, const struct ksym *k, uint64_t *prev);

/* Adds the symbols of a symbols body to KS. Returns 0, -EBADMSG or
 * -ENOMEM. */
int psysfile_parse_symbols(struct ksyms *ks, struct cursor *c);

#endif
