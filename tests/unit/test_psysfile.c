/* Tests for lib/psysfile/psysfile.c: a synthetic capture written and read back
 * equal; the file cut at every offset and damaged byte by byte reads
 * without crashing and never yields a sample that was not written. */
#include "psysfile/psysfile.h"
#include "test.h"
#include "rng.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NSAMPLES 20000

static struct psysfile_sample want[NSAMPLES];
static uint64_t want_frames[NSAMPLES][8];
static char want_comm[NSAMPLES][16];
static const char *unames[] = { "main", "hot_function_in_user_space",
				"[libc.so.6]", "<script>&\"';x", "" };

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	return xorshift64(&rng);
}

static void make_samples(void)
{
	uint64_t t[4] = { 1000000000, 1000000000, 1000000000, 1000000000 };

	for (int i = 0; i < NSAMPLES; i++) {
		struct psysfile_sample *s = &want[i];
		int cpu = next_rand() % 4, kind = next_rand() % 13;

		t[cpu] += 200000 + next_rand() % 5000;
		s->time_ns = t[cpu];
		s->cpu = cpu == 3 ? 300 : cpu;	/* a sparse, large CPU number */
		s->pid = 100 + kind % 5;
		s->tid = s->pid + kind % 2;
		snprintf(want_comm[i], 16, kind == 7 ? "<svg onload=x>" : "load%d", kind % 5);
		s->comm = want_comm[i];
		s->flags = kind == 3 ? PSYSFILE_USER : 0;
		s->nframes = s->flags ? 0 : 1 + kind % 8;
		for (uint32_t f = 0; f < s->nframes; f++)
			want_frames[i][f] = 0xffffffff81000000ull + (kind * 977 + f * 4099) % 100000;
		s->frames = want_frames[i];
		/* Every fourth kind also has a user stack. */
		if (kind % 4 == 1) {
			s->nuframes = 1 + kind % 3;
			s->uframes = &unames[kind % 2];
		}
	}
}

static int same_names(const struct psysfile_sample *a, const struct psysfile_sample *b)
{
	for (uint32_t i = 0; i < a->nuframes; i++)
		if (strcmp(a->uframes[i], b->uframes[i]))
			return 0;
	return 1;
}

/* Times are stored to the nearest microsecond by default. */
static uint64_t time_tolerance = PSYSFILE_TIME_UNIT / 2;

static int same(const struct psysfile_sample *a, const struct psysfile_sample *b)
{
	uint64_t dt = a->time_ns > b->time_ns ? a->time_ns - b->time_ns : b->time_ns - a->time_ns;

	return dt <= time_tolerance && a->cpu == b->cpu && a->pid == b->pid &&
	       a->tid == b->tid && a->flags == b->flags &&
	       strcmp(a->comm, b->comm) == 0 && a->nframes == b->nframes &&
	       (a->nframes == 0 ||
		memcmp(a->frames, b->frames, a->nframes * sizeof(uint64_t)) == 0) &&
	       a->nuframes == b->nuframes && same_names(a, b);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = malloc(1 << 22);

	*len = fread(p, 1, 1 << 22, f);
	fclose(f);
	return p;
}

/* The written sample a read one must be: each CPU's synthetic times are
 * distinct, so (cpu, time) finds it. Returns its index or -1. */
static int find_want(const struct psysfile_sample *s)
{
	static int sorted[NSAMPLES], nsorted;

	if (!nsorted) {
		for (int i = 0; i < NSAMPLES; i++)
			sorted[i] = i;
		/* Insertion by (cpu, time) would be slow; a simple shell sort. */
		for (int gap = NSAMPLES / 2; gap > 0; gap /= 2)
			for (int i = gap; i < NSAMPLES; i++)
				for (int j = i; j >= gap; j -= gap) {
					const struct psysfile_sample *x = &want[sorted[j - gap]],
								     *y = &want[sorted[j]];
					if (x->cpu < y->cpu || (x->cpu == y->cpu && x->time_ns <= y->time_ns))
						break;
					int t = sorted[j];
					sorted[j] = sorted[j - gap];
					sorted[j - gap] = t;
				}
		nsorted = NSAMPLES;
	}
	int lo = 0, hi = NSAMPLES;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		const struct psysfile_sample *x = &want[sorted[mid]];
		if (x->cpu < s->cpu || (x->cpu == s->cpu && x->time_ns + time_tolerance < s->time_ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int k = lo; k < NSAMPLES && want[sorted[k]].cpu == s->cpu &&
			 want[sorted[k]].time_ns <= s->time_ns + time_tolerance; k++)
		if (same(s, &want[sorted[k]]))
			return sorted[k];
	return -1;
}

/* Reads a file image; every sample must equal a distinct written sample
 * (samples come out a CPU's block at a time, not in the order written),
 * and none may appear that was not written. */
static int read_back(const unsigned char *data, size_t len, size_t *got,
		     const struct psysfile_stats **st_out, int *ok)
{
	static unsigned char used[NSAMPLES];
	struct psysfile_reader *r;
	struct psysfile_sample s;
	int err = psysfile_open_mem(data, len, &r);

	*got = 0;
	*ok = 1;
	if (err)
		return err;
	memset(used, 0, sizeof(used));
	while (psysfile_next(r, &s) == 1) {
		int j = find_want(&s);
		if (j < 0 || used[j]) {
			*ok = 0;
			break;
		}
		used[j] = 1;
		(*got)++;
	}
	static struct psysfile_stats st;
	st = *psysfile_stats(r);
	*st_out = &st;
	psysfile_reader_free(r);
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/psys-test-XXXXXX", path[64];
	struct psysfile_writer *w;
	struct ksyms *ks = ksyms_new();
	json_t *hdr = json_pack("{s:s, s:i}", "host", "test\"<host>", "freq_hz", 4999);
	json_t *trl = json_pack("{s:i}", "samples", NSAMPLES);
	struct stat st;

	make_samples();
	/* Symbols covering part of the synthetic addresses. */
	ksyms_add(ks, 0xffffffff81000000ull, 0, "func_a", 6, NULL, 0, 'T');
	ksyms_add(ks, 0xffffffff81008000ull, 0, "func_b", 6, "mod", 3, 't');
	ksyms_add(ks, 0xffffffff81010000ull, 0, "data_x", 6, NULL, 0, 'D');
	ksyms_finish(ks);

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/a.psys", dir);
	CHECK(psysfile_create(AT_FDCWD, path, hdr, ks, &w) == 0, "create");
	psysfile_set_sync(w, 0);
	/* The synthetic CPUs tick every 200-205 us. */
	psysfile_set_period(w, 200000);
	for (int i = 0; i < NSAMPLES; i++) {
		CHECK(psysfile_add(w, &want[i]) == 0, "add %d", i);
		if (i % 3000 == 2999)
			CHECK(psysfile_flush(w) == 0, "flush");
	}
	CHECK(psysfile_finish(w, trl) == 0, "finish");
	CHECK(psysfile_samples(w) == NSAMPLES, "writer count");
	psysfile_writer_free(w);

	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	CHECK(psysfile_create(AT_FDCWD, path, hdr, ks, &w) == -EEXIST,
	      "never overwrites");
	char link[80];
	snprintf(link, sizeof(link), "%s/link.psys", dir);
	CHECK(symlink("/tmp/psys-no-such-target", link) == 0, "symlink");
	CHECK(psysfile_create(AT_FDCWD, link, hdr, ks, &w) < 0, "refuses symlink");
	CHECK(access("/tmp/psys-no-such-target", F_OK) != 0, "no file via link");
	unlink(link);

	/* Full round trip. */
	struct psysfile_reader *r;
	struct psysfile_sample s;
	CHECK(psysfile_open(path, &r) == 0, "open");
	json_t *h = psysfile_header(r);
	CHECK(h && strcmp(json_string_value(json_object_get(h, "host")), "test\"<host>") == 0,
	      "header host");
	psysfile_reader_free(r);
	size_t got, len;
	const struct psysfile_stats *cst;
	int ok;
	unsigned char *img = slurp(path, &len);
	CHECK(read_back(img, len, &got, &cst, &ok) == 0 && got == NSAMPLES && ok,
	      "round trip: %zu samples, equal %d", got, ok);
	CHECK(psysfile_open(path, &r) == 0, "open again");
	int i, equal;
	while (psysfile_next(r, &s) == 1)
		;
	CHECK(psysfile_trailer(r) != NULL, "trailer");
	const struct psysfile_stats *rs = psysfile_stats(r);
	CHECK(rs->bad_records == 0 && rs->truncated_bytes == 0 && rs->skipped_bytes == 0,
	      "clean stats");
	const struct ksyms *eks = psysfile_ksyms(r);
	const struct ksym *k = ksyms_lookup(eks, 0xffffffff81000010ull);
	CHECK(k && strcmp(k->name, "func_a") == 0, "embedded symbol");
	k = ksyms_lookup(eks, 0xffffffff81008010ull);
	CHECK(k && strcmp(k->name, "func_b") == 0 && k->module &&
		      strcmp(k->module, "mod") == 0, "embedded module symbol");
	CHECK(ksyms_lookup(eks, 0xffffffff81010010ull) == NULL,
	      "data range is not a function");
	CHECK(ksyms_count(eks) == 2, "only needed symbols embedded: %zu",
	      ksyms_count(eks));
	psysfile_reader_free(r);

	/* With a 1 ns unit, times come back exact. */
	snprintf(path, sizeof(path), "%s/exact.psys", dir);
	CHECK(psysfile_create(AT_FDCWD, path, hdr, NULL, &w) == 0, "create exact");
	psysfile_set_sync(w, 0);
	psysfile_set_time_unit(w, 1);
	psysfile_set_period(w, 200000);
	for (int k = 0; k < 1000; k++)
		psysfile_add(w, &want[k]);
	CHECK(psysfile_finish(w, trl) == 0, "finish exact");
	psysfile_writer_free(w);
	CHECK(psysfile_open(path, &r) == 0, "open exact");
	time_tolerance = 0;
	for (i = 0, equal = 1; psysfile_next(r, &s) == 1; i++)
		equal &= i < 1000 && find_want(&s) >= 0;
	CHECK(i == 1000 && equal, "exact times: %d samples, equal %d", i, equal);
	time_tolerance = PSYSFILE_TIME_UNIT / 2;
	psysfile_reader_free(r);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a.psys", dir);

	/* Not a .psys file. */
	CHECK(psysfile_open_mem("hello world, not psys", 21, &r) == -EPROTO, "not psys");
	CHECK(psysfile_open("/nonexistent/x.psys", &r) == -ENOENT, "missing file");

	/* Cut at every offset (coarser steps in the middle). Never crash,
	 * never invent; the count never goes down as the cut moves on. */
	size_t last = 0;
	int monotonic = 1, invented = 0, unflagged = 0;
	for (size_t cut = 16; cut < len; cut += (cut < 400 || len - cut < 400) ? 1 : 37) {
		if (read_back(img, cut, &got, &cst, &ok))
			continue;
		invented += !ok;
		if (got < last)
			monotonic = 0;
		last = got;
		if (cst->has_trailer)
			unflagged++;
	}
	CHECK(!invented, "truncation invented samples");
	CHECK(monotonic, "truncation lost more than the tail");
	CHECK(unflagged == 0, "a truncated file claimed a trailer");
	CHECK(last > NSAMPLES - 3000, "last cut kept %zu", last);

	/* Flip bytes: damaged records are skipped and counted, reading goes
	 * on after them, and a loss is never silent. (The fold-level oracle,
	 * that no process or stack gains samples, is test_damage.) */
	int flips_invented = 0, flips_silent = 0, flips_resumed = 0;
	for (size_t off = 16; off < len; off += 13) {
		unsigned char save = img[off];
		img[off] ^= 0x5a;
		if (read_back(img, len, &got, &cst, &ok) == 0) {
			flips_invented += !ok;
			if (got < NSAMPLES && !cst->bad_records &&
			    !cst->skipped_bytes && !cst->truncated_bytes)
				flips_silent++;
			/* Damage after the first data record leaves the samples
			 * of the records before and after it. */
			if (off > len / 2 && got > NSAMPLES / 2)
				flips_resumed++;
		}
		img[off] = save;
	}
	CHECK(!flips_invented, "byte flips invented samples");
	CHECK(!flips_silent, "%d damaged files lost samples silently", flips_silent);
	CHECK(flips_resumed > 0, "reading did not resume after damage");
	free(img);

	unlink(path);
	rmdir(dir);
	json_decref(hdr);
	json_decref(trl);
	ksyms_free(ks);
	return test_done("test_psysfile");
}
