/* libFuzzer harness for the kallsyms parser: any bytes as kallsyms text
 * (or, when they start with a gzip or zstd magic, as a compressed copy
 * read through ksyms_load), then the table finished and looked up at and
 * around every symbol, reference symbols picked and matched back. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "symbols/ksyms.h"

static struct ksyms *load_compressed(const uint8_t *data, size_t size)
{
	char path[64];
	struct ksyms *ks;
	int fd = memfd_create("kallsyms", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ks = ksyms_load(path);
	close(fd);
	return ks;
}

static void check(const struct ksyms *ks)
{
	size_t n = ksyms_count(ks), nref;
	const struct ksym *refs[16];
	struct ksyms_ref r[16];
	int64_t delta;
	size_t bad;

	for (size_t i = 0; i < n; i++) {
		const struct ksym *k = ksyms_at(ks, i), *l;

		if (!k || !k->name || k->end < k->addr)
			abort();
		if (i && ksyms_at(ks, i - 1)->addr > k->addr)
			abort();
		uint64_t probe[] = { k->addr, k->addr - 1, k->addr + 1, k->end,
				     k->end - 1 };
		for (size_t j = 0; j < sizeof(probe) / sizeof(*probe); j++) {
			l = ksyms_lookup(ks, probe[j]);
			if (l && (probe[j] < l->addr || probe[j] >= l->end ||
				  !ksyms_is_text(l->type)))
				abort();
			(void)ksyms_past_etext(ks, 0, probe[j]);
		}
	}
	(void)ksyms_lookup(ks, 0);
	(void)ksyms_lookup(ks, UINT64_MAX);
	(void)ksyms_etext(ks);
	nref = ksyms_pick_refs(ks, refs, 16);
	if (nref > 16)
		abort();
	for (size_t i = 0; i < nref; i++) {
		r[i].name = refs[i]->name;
		r[i].addr = refs[i]->addr;
		if (ksyms_count_name(ks, r[i].name) < 1 || !ksyms_find(ks, r[i].name))
			abort();
	}
	/* The table's own references match it. */
	if (nref >= 2 && ksyms_match_refs(ks, r, nref, &delta, &bad) != KSYMS_SAME)
		abort();
	for (size_t i = 0; i < nref; i++)
		r[i].addr += 0x200000;
	(void)ksyms_match_refs(ks, r, nref, &delta, &bad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksyms *ks;

	if (size >= 4 && ((data[0] == 0x1f && data[1] == 0x8b) ||
			  (data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f &&
			   data[3] == 0xfd))) {
		ks = load_compressed(data, size);
		if (ks) {
			check(ks);
			ksyms_free(ks);
		}
		return 0;
	}
	ks = ksyms_new();
	if (!ks)
		return 0;
	if (ksyms_parse(ks, (const char *)data, size) == 0 &&
	    ksyms_finish(ks) == 0)
		check(ks);
	ksyms_free(ks);
	return 0;
}
