/* The damage oracle (fuzz/damage_oracle.h) over a synthetic capture whose
 * threads and stacks change over time: cut at every offset, hundreds of
 * single-byte flips, inserted bytes and duplicated records, and captures
 * joined with cat. Whatever the damage, no process and no fully named
 * stack gains a sample over the clean fold, and the loss is reported. */
#include "test.h"
#include "../../fuzz/damage_oracle.h"

static struct dmg_fold clean;
static struct dmg_rec rec[4096];
static size_t nrec;

static uint64_t total(const struct dmg_fold *d)
{
	uint64_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->count[i];
	return n;
}

/* Folds IMG and checks the oracle; returns the samples folded. */
static uint64_t check(const unsigned char *img, size_t len, int allow,
		      const char *what, size_t where, int *failed)
{
	struct dmg_fold got;
	uint64_t n = 0;

	if (dmg_fold(img, len, &got) == 0) {
		const char *why = dmg_check(&clean, &got, allow);
		if (why && !*failed) {
			CHECK(0, "%s at %zu: %s", what, where, why);
			*failed = 1;
		}
		n = total(&got);
		dmg_fold_free(&got);
	}
	return n;
}

/* Whether reading IMG reports damage of any kind. */
static int reported(const unsigned char *img, size_t len)
{
	struct psysfile_reader *r;
	struct psysfile_sample s;

	if (psysfile_open_mem(img, len, &r))
		return 1;
	while (psysfile_next(r, &s) == 1)
		;
	const struct psysfile_stats *st = psysfile_stats(r);
	int hurt = st->bad_records || st->skipped_bytes || st->missing_records ||
		   st->duplicates || st->truncated_bytes || !st->has_trailer || !st->has_header;
	psysfile_reader_free(r);
	return hurt;
}

int main(void)
{
	unsigned char *img, *buf;
	size_t len;
	int failed;

	CHECK(dmg_make_capture(&img, &len) == 0, "make the capture");
	CHECK(dmg_fold(img, len, &clean) == 0, "fold it");
	uint64_t all = total(&clean);
	CHECK(all > 2500, "the clean fold holds the capture: %llu", (unsigned long long)all);
	CHECK(clean.n > 100, "many distinct lines: %zu", clean.n);
	for (size_t i = 0; i < clean.n; i++)
		CHECK(!strstr(clean.line[i], "[unknown]"), "clean line named: %s", clean.line[i]);
	/* The cgroups as the writer named them: alpha's two, beta's v1
	 * container, gamma's named and unnamed ones. */
	static const char *const cg[] = { "|cgroup /system.slice/alpha.service;",
					  "|cgroup /system.slice/alpha-moved.service;",
					  "|cgroup /docker/beta;", "|cgroup /kubepods/gamma;",
					  "|cgroup id 99999;" };
	for (size_t k = 0; k < sizeof(cg) / sizeof(cg[0]); k++) {
		int seen = 0;
		for (size_t i = 0; i < clean.n; i++)
			seen |= strstr(clean.line[i], cg[k]) != NULL;
		CHECK(seen, "clean fold: no line with %s", cg[k]);
	}
	nrec = dmg_records(img, len, rec, 4096);
	int nsym = 0, ncg = 0;
	for (size_t i = 0; i < nrec; i++) {
		nsym += rec[i].type == 4;
		ncg += rec[i].type == 5;
	}
	CHECK(nrec > 30 && nsym >= 2 && ncg >= 2, "%zu records, %d of symbols, %d of cgroups",
	      nrec, nsym, ncg);
	printf("capture: %zu bytes, %zu records, %llu samples folded\n", len, nrec,
	       (unsigned long long)all);
	buf = malloc(len + 64);

	/* Every truncation point. The count never goes down as the cut moves
	 * on, and only the cut records are lost. */
	failed = 0;
	uint64_t prev = 0;
	int monotonic = 1;
	for (size_t cut = 0; cut <= len; cut++) {
		uint64_t n = check(img, cut, 0, "cut", cut, &failed);
		if (n < prev)
			monotonic = 0;
		prev = n;
	}
	CHECK(monotonic, "a later cut folded fewer samples");
	CHECK(prev == all, "uncut: %llu of %llu", (unsigned long long)prev, (unsigned long long)all);

	/* Single-byte flips, everywhere in turn. */
	failed = 0;
	int silent = 0, resumed = 0;
	for (size_t k = 0; k < 400; k++) {
		size_t off = 16 + (size_t)(dmg_rand() % (len - 16));
		memcpy(buf, img, len);
		buf[off] ^= (unsigned char)(1 + dmg_rand() % 255);
		uint64_t n = check(buf, len, dmg_hits(rec, nrec, off, off + 1), "flip", off,
				   &failed);
		if (n < all && !reported(buf, len))
			silent++;
		/* Damage in the first half leaves the second half's records. */
		if (off < len / 2 && n > all / 2)
			resumed++;
	}
	CHECK(!silent, "%d flips lost samples without saying so", silent);
	CHECK(resumed > 0, "reading did not resume after damage");

	/* Inserted bytes: 1 to 8 random bytes at a random offset. */
	failed = 0;
	for (size_t k = 0; k < 200; k++) {
		size_t off = 16 + (size_t)(dmg_rand() % (len - 16)), m = 1 + dmg_rand() % 8;
		memcpy(buf, img, off);
		for (size_t i = 0; i < m; i++)
			buf[off + i] = (unsigned char)dmg_rand();
		memcpy(buf + off + m, img + off, len - off);
		check(buf, len + m, dmg_hits(rec, nrec, off - 1, off + 1), "insert", off,
		      &failed);
	}

	/* A record copied in again, right after itself or further on. */
	failed = 0;
	unsigned char *big = malloc(2 * len);
	for (size_t k = 0; k < 150; k++) {
		const struct dmg_rec *a = &rec[1 + dmg_rand() % (nrec - 1)];
		const struct dmg_rec *b = &rec[(size_t)(a - rec) + dmg_rand() % (size_t)(rec + nrec - a)];
		size_t at = b->off + b->size;	/* after record b */
		memcpy(big, img, at);
		memcpy(big + at, img + a->off, a->size);
		memcpy(big + at + a->size, img + at, len - at);
		uint64_t n = check(big, len + a->size, 0, "duplicate", a->off, &failed);
		CHECK(n == all || failed, "a copied record changed the count: %llu",
		      (unsigned long long)n);
		CHECK(reported(big, len + a->size), "a copied record went unreported");
	}

	/* A symbols record written over the end of the file header (any
	 * offset from the major version on), its original then damaged: the
	 * copy is whole, so it must be found, and every frame named. */
	failed = 0;
	for (size_t i = 0; i < nrec; i++) {
		const struct dmg_rec *a = &rec[i];
		if (a->type != 4)
			continue;
		for (size_t at = 10; at <= 16; at++) {
			memcpy(big, img, at);
			memcpy(big + at, img + a->off, a->size);
			memcpy(big + at + a->size, img + at, len - at);
			big[a->size + a->off + a->size / 2] ^= 0x55;	/* the original */
			check(big, len + a->size, 0, "symbols over the file header", at, &failed);
		}
	}

	/* A copy of a data record already read, with the symbols record
	 * copied into its middle, and the original symbols damaged: the
	 * copy is a damaged duplicate, and the whole symbols inside it
	 * must still be found. */
	failed = 0;
	for (size_t i = 0, tries = 0; i < nrec && tries < 20; i++) {
		const struct dmg_rec *a = &rec[i], *sy = NULL;
		if (a->type != 2)
			continue;
		for (size_t k = 0; k < nrec; k++)
			if (rec[k].type == 4 && rec[k].off < a->off)
				sy = &rec[k];
		if (!sy)
			continue;
		tries++;
		size_t at = a->off + a->size, mid = a->size / 2, n = 0;
		memcpy(big, img, at);
		n = at;
		memcpy(big + n, img + a->off, mid);
		n += mid;
		memcpy(big + n, img + sy->off, sy->size);
		n += sy->size;
		memcpy(big + n, img + a->off + mid, a->size - mid);
		n += a->size - mid;
		memcpy(big + n, img + at, len - at);
		n += len - at;
		big[sy->off + sy->size / 2] ^= 0x55;	/* the original symbols */
		check(big, n, 0, "symbols inside a duplicate", a->off, &failed);
	}

	/* The file cut inside a data record that had the symbols record
	 * copied into it, the original symbols damaged: the record runs
	 * past the end, yet the whole symbols inside it must be read. */
	failed = 0;
	for (size_t i = 0, tries = 0; i < nrec && tries < 10; i++) {
		const struct dmg_rec *a = &rec[nrec - 1 - i], *sy = NULL;
		if (a->type != 2)
			continue;
		for (size_t k = 0; k < nrec; k++)
			if (rec[k].type == 4 && rec[k].off < a->off)
				sy = &rec[k];
		if (!sy)
			continue;
		tries++;
		size_t mid = a->off + a->size / 2, n;
		memcpy(big, img, mid);
		memcpy(big + mid, img + sy->off, sy->size);
		n = mid + sy->size + 3;		/* then a few more bytes, cut */
		memcpy(big + mid + sy->size, img + mid, 3);
		big[sy->off + sy->size / 2] ^= 0x55;
		check(big, n, 0, "symbols inside a cut record", a->off, &failed);
	}

	/* Joined captures are refused whole: no stacks at all. */
	struct psysfile_reader *r;
	memcpy(big, img, len);
	memcpy(big + len, img, len);
	CHECK(psysfile_open_mem(big, 2 * len, &r) == -PSYSFILE_ECONCAT, "a capture and itself");
	CHECK(psysfile_open_mem(big, len + 100, &r) == -PSYSFILE_ECONCAT,
	      "a capture and the start of another");
	free(big);

	free(buf);
	free(img);
	dmg_fold_free(&clean);
	return test_done("test_damage");
}
