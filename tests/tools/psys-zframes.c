/* psys-zframes: copies the zstd-compressed payloads of a .psys file's data
 * records, end to end, to stdout. zstd reads concatenated frames as one
 * stream, so `psys-zframes X.psys | zstd -d` does exactly the
 * decompression that reading X.psys needs, and nothing else: the floor the
 * benchmark compares psys-fold with. Written from the record layout in
 * lib/psysfile/psysfile.c (docs/FORMAT.md); it checks only what it must to walk the
 * records and stops at the first thing it does not recognise. Version 2
 * files (28-byte record headers) and version 1 (20-byte) alike; the
 * symbols records count, since reading needs them too.
 *
 *   psys-zframes FILE.psys > frames.zst
 *
 * On stderr: "records N zstd_bytes C raw_bytes R file_bytes F". */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_HDR_SIZE 16
#define REC_HDR_SIZE 28	/* version 2; version 1: 20 */
#define REC_ZSTD 0x1

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int main(int argc, char **argv)
{
	static const unsigned char magic[8] = { 0x89, 'P', 'S', 'Y', 'S', '\r', '\n', 0x1a };
	unsigned char fh[FILE_HDR_SIZE], rh[REC_HDR_SIZE];
	unsigned long long nrec = 0, zbytes = 0, raw = 0, total = FILE_HDR_SIZE;
	char *payload = NULL;
	size_t cap = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: psys-zframes FILE.psys > frames.zst\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "psys-zframes: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (fread(fh, 1, sizeof(fh), f) != sizeof(fh) || memcmp(fh, magic, 8)) {
		fprintf(stderr, "psys-zframes: '%s': not a .psys file\n", argv[1]);
		return 1;
	}
	size_t hs = fh[8] >= 2 ? REC_HDR_SIZE : 20;
	while (fread(rh, 1, hs, f) == hs) {
		uint32_t len = get_le32(rh + 8), raw_len = get_le32(rh + 12);

		if (memcmp(rh, "PSYR", 4)) {
			fprintf(stderr, "psys-zframes: '%s': no record at byte %llu; stopping\n",
				argv[1], total);
			break;
		}
		if (len > cap) {
			free(payload);
			cap = len;
			payload = malloc(cap);
			if (!payload) {
				fprintf(stderr, "psys-zframes: out of memory\n");
				return 1;
			}
		}
		if (fread(payload, 1, len, f) != len) {
			fprintf(stderr, "psys-zframes: '%s': truncated record; stopping\n", argv[1]);
			break;
		}
		total += hs + len;
		if (rh[5] & REC_ZSTD) {
			if (fwrite(payload, 1, len, stdout) != len) {
				fprintf(stderr, "psys-zframes: cannot write: %s\n", strerror(errno));
				return 1;
			}
			nrec++;
			zbytes += len;
			raw += raw_len;
		}
	}
	fclose(f);
	free(payload);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "psys-zframes: cannot write: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "records %llu zstd_bytes %llu raw_bytes %llu file_bytes %llu\n",
		nrec, zbytes, raw, total);
	return 0;
}
