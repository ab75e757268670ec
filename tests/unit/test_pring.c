/* Tests for lib/pring.c against a simple model: after any sequence of
 * pushes and expiries the ring holds exactly the newest records that fit,
 * in order, with their bytes intact. */
#include "pring.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>

#define MAXREC 20000

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The model: every record pushed, and the index of the oldest held. */
static size_t len[MAXREC];
static uint64_t stamp[MAXREC];
static size_t first, npushed;

struct walk {
	size_t next;
	int bad;
	uint64_t from;
};

static void fill(unsigned char *p, size_t i, size_t n)
{
	for (size_t k = 0; k < n; k++)
		p[k] = (unsigned char)(i * 31 + k);
}

static int visit(void *ctx, uint64_t time, const void *p, size_t n)
{
	struct walk *w = ctx;
	unsigned char want[1200];

	while (w->next < npushed && stamp[w->next] < w->from)
		w->next++;
	if (w->next >= npushed || time != stamp[w->next] || n != len[w->next]) {
		w->bad = 1;
		return 1;
	}
	fill(want, w->next, n);
	if (memcmp(p, want, n))
		w->bad = 1;
	w->next++;
	return 0;
}

int main(void)
{
	size_t cap = 8192;
	struct pring *r = pring_new(cap);
	unsigned char buf[1200];
	int mismatches = 0, overfull = 0;

	CHECK(r != NULL, "new");
	CHECK(pring_new(10) == NULL && errno == EINVAL, "tiny ring refused");
	CHECK(pring_push(r, 1, buf, cap) == -E2BIG, "record larger than ring");

	for (size_t i = 0; i < MAXREC; i++) {
		size_t n = rnd() % 3 == 0 ? rnd() % 1100 : rnd() % 40;

		len[i] = n;
		stamp[i] = 1000 + i * 10;
		fill(buf, i, n);
		CHECK(pring_push(r, stamp[i], buf, n) == 0, "push %zu", i);
		npushed = i + 1;
		if (rnd() % 50 == 0)
			pring_expire(r, stamp[i] - rnd() % 400);

		struct pring_stats st;
		pring_stats(r, &st);
		if (st.used > st.bytes)
			overfull++;
		/* What is held must be a suffix of what was pushed, ending
		 * with the newest record, intact. */
		first = npushed - st.records;
		struct walk w = { first, 0, 0 };
		pring_each(r, 0, visit, &w);
		if (w.bad || w.next != npushed || (st.records && st.oldest != stamp[first]))
			mismatches++;
	}
	CHECK(mismatches == 0, "%d states differed from the model", mismatches);
	CHECK(overfull == 0, "used exceeded capacity %d times", overfull);

	/* The ring is not left mostly empty: newest records that fit stay. */
	struct pring_stats st;
	pring_stats(r, &st);
	CHECK(st.used > cap / 2, "ring holds only %zu of %zu bytes", st.used, cap);
	CHECK(st.evicted_full > 0, "eviction for room counted");

	/* pring_each from a time skips older records. */
	struct walk w = { npushed - st.records, 0, stamp[npushed - 3] };
	pring_each(r, stamp[npushed - 3], visit, &w);
	CHECK(!w.bad && w.next == npushed, "each from a time");

	pring_expire(r, UINT64_MAX);
	pring_stats(r, &st);
	CHECK(st.records == 0 && st.used == 0 && st.oldest == 0, "expire all");
	CHECK(pring_push(r, 5, "x", 1) == 0, "push after empty");
	pring_free(r);
	pring_free(NULL);
	return test_done("test_pring");
}
