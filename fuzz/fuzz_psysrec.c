/* libFuzzer harness for what lies behind the .psys records' CRCs and
 * compression: the input describes records, the harness frames them
 * (file header, sync word, header check, CRC, zstd when asked) so that
 * every mutation reaches the JSON and the data sections' decoder, then
 * reads and folds the file as fuzz_psysfile does.
 *
 * Input: records one after the other, each
 *   u8 type, u8 how, u16 length (little-endian), LENGTH payload bytes
 * (the last one cut at the end of the input). HOW: bit 0 compress the
 * payload with zstd; bit 1 spoil the header check; bit 2 spoil the CRC;
 * bit 3 claim a longer payload (the truncated tail of a killed writer);
 * bit 4 put a stray byte before the record (resync); bits 5-7 go into the
 * record's flags byte above the compression bit. An input starting with
 * the byte 0xff makes a version 2 file (28-byte record headers, numbered
 * in order); otherwise version 1. fuzz/psysrec.py turns a real capture
 * into this form for the seeds. */
#include <zlib.h>
#include <zstd.h>

#include "psys_check.h"

static const uint8_t MAGIC[16] = { 0x89, 'P', 'S', 'Y', 'S', '\r', '\n', 0x1a,
				   1, 0, 0, 0, 0, 0, 0, 0 };

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = 16, len = 16, i = 0, hs = 20;
	uint8_t *out = malloc(cap);
	uint32_t seq = 0;

	if (!out)
		return 0;
	memcpy(out, MAGIC, 16);
	if (size && data[0] == 0xff) {
		out[8] = 2;
		hs = 28;
		i = 1;
	}
	while (i + 4 <= size) {
		uint8_t type = data[i], how = data[i + 1];
		size_t n = data[i + 2] | (size_t)data[i + 3] << 8, stored;
		const uint8_t *p = data + i + 4;
		uint8_t h[28], *grow;

		i += 4;
		if (n > size - i)
			n = size - i;
		i += n;
		size_t bound = ZSTD_compressBound(n);
		if (len + 1 + hs + n + bound > cap) {
			cap = (len + 1 + hs + n + bound) * 2;
			if (!(grow = realloc(out, cap)))
				break;
			out = grow;
		}
		if (how & 16)
			out[len++] = 'P';
		uint8_t *pay = out + len + hs;
		if (how & 1) {
			stored = ZSTD_compress(pay, bound, p, n, 1);
			if (ZSTD_isError(stored))
				abort();
		} else {
			memcpy(pay, p, n);
			stored = n;
		}
		memcpy(h, "PSYR", 4);
		h[4] = type;
		h[5] = (how & 1) | (how & 0xe0);
		put_le32(h + 8, (uint32_t)stored + (how & 8 ? 1000 : 0));
		put_le32(h + 12, (uint32_t)n);
		put_le32(h + 16, (uint32_t)crc32(0, pay, (uInt)stored) ^ (how & 4 ? 1 : 0));
		put_le32(h + 20, seq++);
		put_le32(h + 24, 0);
		uLong c = crc32(crc32(0, h, 6), h + 8, (uInt)hs - 8);
		h[6] = (uint8_t)c ^ (how & 2 ? 1 : 0);
		h[7] = (uint8_t)(c >> 8);
		memcpy(out + len, h, hs);
		len += hs + stored;
	}
	psys_check(out, len);
	free(out);
	return 0;
}
