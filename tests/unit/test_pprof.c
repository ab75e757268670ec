/* Tests for lib/fold/pprof.c: profiles written by pprof_write are gunzipped
 * with zlib and decoded with protobuf-c (the library, not our encoder),
 * then checked against what went in: string table rules, one function and
 * location per distinct frame, stacks leaf first, values and their types,
 * period, comments, UTF-8 repair, determinism; sample labels (string and
 * numeric) and the kernel mapping with its frames.
 *
 * Also a small reader for the end-to-end test: `test_pprof FILE` prints
 * the profile in FILE as folded lines ("root;...;leaf COUNT", sorted by
 * the caller) followed by "# key: value" lines with its sample types,
 * period and comments, so a shell script can compare it with psys-fold's
 * folded output. */
#include "fold/pprof.h"
#include "profile.pb-c.h"
#include "test.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile Profile;

/* Gunzips LEN bytes at IN into a new buffer (*OUT, *OUT_LEN). 0 or -1. */
static int gunzip(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	int zr;

	if (!buf || inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(buf);
		return -1;
	}
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)len;
	do {
		if (n == cap) {
			unsigned char *b2 = realloc(buf, cap *= 2);
			if (!b2)
				break;
			buf = b2;
		}
		zs.next_out = buf + n;
		zs.avail_out = (uInt)(cap - n);
		zr = inflate(&zs, Z_NO_FLUSH);
		n = cap - zs.avail_out;
	} while (zr == Z_OK);
	/* One gzip member, and nothing after it. */
	int ok = zr == Z_STREAM_END && zs.avail_in == 0;
	inflateEnd(&zs);
	if (!ok) {
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = n;
	return 0;
}

static Profile *decode(const unsigned char *gz, size_t len)
{
	unsigned char *raw;
	size_t n;
	Profile *p;

	if (gunzip(gz, len, &raw, &n))
		return NULL;
	p = perftools__profiles__profile__unpack(NULL, n, raw);
	free(raw);
	return p;
}

static const char *str(const Profile *p, int64_t i)
{
	return i >= 0 && (size_t)i < p->n_string_table ? p->string_table[i] : "(bad index)";
}

/* The name of location ID, via its one line and function. */
static const char *loc_name(const Profile *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_location; i++) {
		if (p->location[i]->id != id || p->location[i]->n_line != 1)
			continue;
		uint64_t fid = p->location[i]->line[0]->function_id;
		for (size_t j = 0; j < p->n_function; j++)
			if (p->function[j]->id == fid)
				return str(p, p->function[j]->name);
	}
	return "(no such location)";
}

/* Sample I as a folded stack, root first, into BUF. */
static void sample_stack(const Profile *p, size_t i, char *buf, size_t len)
{
	const Perftools__Profiles__Sample *s = p->sample[i];

	buf[0] = '\0';
	for (size_t k = s->n_location_id; k-- > 0;)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 k + 1 == s->n_location_id ? "" : ";", loc_name(p, s->location_id[k]));
}

static int dump(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *gz = NULL;
	size_t len = 0, cap = 0, got;
	Profile *p;

	if (!f) {
		perror(path);
		return 1;
	}
	do {
		if (len == cap && !(gz = realloc(gz, cap = cap ? 2 * cap : 65536)))
			return 1;
		got = fread(gz + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	if (!(p = decode(gz, len))) {
		fprintf(stderr, "%s: not a gzip-compressed pprof profile\n", path);
		return 1;
	}
	static char stack[1 << 20];
	for (size_t i = 0; i < p->n_sample; i++) {
		sample_stack(p, i, stack, sizeof(stack));
		printf("%s", stack);
		for (size_t v = 0; v < p->sample[i]->n_value; v++)
			printf(" %lld", (long long)p->sample[i]->value[v]);
		putchar('\n');
	}
	for (size_t i = 0; i < p->n_sample_type; i++)
		printf("# sample_type: %s/%s\n", str(p, p->sample_type[i]->type),
		       str(p, p->sample_type[i]->unit));
	if (p->period_type)
		printf("# period: %lld %s/%s\n", (long long)p->period,
		       str(p, p->period_type->type), str(p, p->period_type->unit));
	printf("# time_nanos: %lld\n# duration_nanos: %lld\n", (long long)p->time_nanos,
	       (long long)p->duration_nanos);
	printf("# strings: %zu, string_table[0]: '%s'\n", p->n_string_table,
	       p->n_string_table ? p->string_table[0] : "(none)");
	for (size_t i = 0; i < p->n_comment; i++)
		printf("# comment: %s\n", str(p, p->comment[i]));
	perftools__profiles__profile__free_unpacked(p, NULL);
	free(gz);
	return ferror(stdout) ? 1 : 0;
}

#define FFFD "\xef\xbf\xbd"

/* Writes the stacks and decodes the result; NULL on any failure. */
static Profile *roundtrip(const struct pprof_meta *m, const char *const *stacks,
			  const uint64_t *counts, size_t n, char **gz, size_t *gz_len)
{
	FILE *f = open_memstream(gz, gz_len);
	int err;

	if (!f)
		return NULL;
	err = pprof_write(f, m, stacks, counts, NULL, 0, n);
	fclose(f);
	CHECK(err == 0, "pprof_write: %d", err);
	return err ? NULL : decode((unsigned char *)*gz, *gz_len);
}

static void check_valid(const Profile *p, const char *ctx)
{
	CHECK(p->n_string_table > 0 && strcmp(p->string_table[0], "") == 0,
	      "%s: string_table[0] is not \"\"", ctx);
	/* Ids are nonzero and unique, and every sample's ids resolve. */
	for (size_t i = 0; i < p->n_location; i++) {
		CHECK(p->location[i]->id != 0, "%s: location id 0", ctx);
		for (size_t j = 0; j < i; j++)
			CHECK(p->location[j]->id != p->location[i]->id, "%s: duplicate location",
			      ctx);
	}
	for (size_t i = 0; i < p->n_function; i++)
		CHECK(p->function[i]->id != 0, "%s: function id 0", ctx);
	for (size_t i = 0; i < p->n_sample; i++) {
		CHECK(p->sample[i]->n_value == p->n_sample_type, "%s: sample %zu: %zu values",
		      ctx, i, p->sample[i]->n_value);
		for (size_t k = 0; k < p->sample[i]->n_location_id; k++)
			CHECK(strcmp(loc_name(p, p->sample[i]->location_id[k]),
				     "(no such location)") != 0, "%s: dangling location", ctx);
	}
}

static const struct {
	const char *name;
	const char *stacks[4];
	uint64_t counts[4];
	size_t n;
	int64_t period_ns;
	size_t nfunctions;	/* distinct frame names */
	const char *want[4];	/* the stacks decoded (UTF-8 repaired) */
} cases[] = {
	{ "plain", { "comm;do_syscall_64;ksys_read", "comm;do_syscall_64" }, { 5, 3 }, 2,
	  5000000, 3, { "comm;do_syscall_64;ksys_read", "comm;do_syscall_64" } },
	{ "no period", { "a;b", "b;a" }, { 1, 2 }, 2, 0, 2, { "a;b", "b;a" } },
	{ "hostile names", { "\xff" "evil\";<b>;do_syscall_64", "x\xc0\x80y;ext4 [ext4]" },
	  { 2, 7 }, 2, 1001001, 5,
	  { FFFD "evil\";<b>;do_syscall_64", "x" FFFD FFFD "y;ext4 [ext4]" } },
	{ "one frame", { "swapper" }, { 123456789012ull }, 1, 5000000, 1, { "swapper" } },
	{ "empty", { NULL }, { 0 }, 0, 5000000, 0, { NULL } },
	{ "same name as a type", { "samples;count;cpu" }, { 4 }, 1, 1000000, 3,
	  { "samples;count;cpu" } },
};

/* The value of SAMPLE's string label KEY, or NULL; its numeric label's
 * value and unit in *NUM and *UNIT (UNIT NULL when there is none). */
static const char *label(const Profile *p, const Perftools__Profiles__Sample *s,
			 const char *key, int64_t *num, const char **unit)
{
	const char *v = NULL;

	*unit = NULL;
	for (size_t i = 0; i < s->n_label; i++) {
		if (strcmp(str(p, s->label[i]->key), key) != 0)
			continue;
		if (s->label[i]->str)
			v = str(p, s->label[i]->str);
		else {
			*num = s->label[i]->num;
			*unit = str(p, s->label[i]->num_unit);
		}
	}
	return v;
}

/* Labels: a string label for every given value without a unit, a number
 * alone where a unit is given (a zero kept by its unit; never a string
 * twin, which pprof -tags would add up), empty values left out, samples
 * with the same stack kept apart. Kernel frames ("_[k]") lose the mark
 * and sit in the one kernel mapping; others in none. */
static void test_labels_and_mapping(void)
{
	const char *stacks[] = { "do_syscall_64_[k];ksys_read_[k]",
				 "do_syscall_64_[k];ksys_read_[k]", "[user];main" };
	const uint64_t counts[] = { 3, 4, 1 };
	const struct pprof_label labels[] = {
		{ "comm", "reader", 0, NULL }, { "cpu", "0", 0, "cpu" }, { "host", "", 0, NULL },
		{ "comm", "reader", 0, NULL }, { "cpu", "1", 1, "cpu" }, { "host", "h\xff", 0, NULL },
		{ "comm", "x", 0, NULL }, { "cpu", NULL, 7, "cpu" }, { "host", "h", 0, NULL },
	};
	struct pprof_meta m = { 1, 2, 1000000, NULL, 0, "[kernel.kallsyms]",
				0xffffffff81000000ull, 0xffffffff82276988ull };
	char *gz = NULL, stack[256];
	size_t gz_len = 0;
	FILE *f = open_memstream(&gz, &gz_len);
	Profile *p;
	int64_t num = -1;
	const char *unit;

	CHECK(pprof_write(f, &m, stacks, counts, labels, 3, 3) == 0, "write with labels");
	fclose(f);
	p = decode((unsigned char *)gz, gz_len);
	CHECK(p != NULL, "labels: does not decode");
	if (!p) {
		free(gz);
		return;
	}
	check_valid(p, "labels");
	CHECK(p->n_sample == 3, "labels: samples kept apart: %zu", p->n_sample);
	CHECK(p->n_sample == 3 && p->sample[0]->n_label == 2 && p->sample[1]->n_label == 3 &&
		      p->sample[2]->n_label == 2, "labels: counts of labels");
	if (p->n_sample == 3) {
		/* One label per key in every sample. */
		for (size_t i = 0; i < p->n_sample; i++)
			for (size_t a = 0; a < p->sample[i]->n_label; a++)
				for (size_t b = a + 1; b < p->sample[i]->n_label; b++)
					CHECK(p->sample[i]->label[a]->key != p->sample[i]->label[b]->key,
					      "sample %zu: key %s twice", i,
					      str(p, p->sample[i]->label[a]->key));
		CHECK_STR(label(p, p->sample[0], "comm", &num, &unit), "reader", "comm label");
		CHECK(label(p, p->sample[0], "cpu", &num, &unit) == NULL, "cpu: no string label");
		CHECK(num == 0 && unit && strcmp(unit, "cpu") == 0, "cpu 0 numeric");
		CHECK(label(p, p->sample[0], "host", &num, &unit) == NULL, "empty host left out");
		CHECK(label(p, p->sample[1], "cpu", &num, &unit) == NULL, "cpu 1: no string");
		CHECK(num == 1 && unit, "cpu 1 numeric");
		CHECK_STR(label(p, p->sample[1], "host", &num, &unit), "h" FFFD, "host repaired");
		CHECK(label(p, p->sample[2], "cpu", &num, &unit) == NULL && !unit,
		      "a NULL value leaves both out");
		sample_stack(p, 0, stack, sizeof(stack));
		CHECK_STR(stack, "do_syscall_64;ksys_read", "kernel mark stripped");
	}
	CHECK(p->n_mapping == 1 && p->mapping[0]->id == 1 &&
		      strcmp(str(p, p->mapping[0]->filename), "[kernel.kallsyms]") == 0 &&
		      p->mapping[0]->memory_start == m.kernel_start &&
		      p->mapping[0]->memory_limit == m.kernel_limit && p->mapping[0]->has_functions,
	      "kernel mapping");
	/* do_syscall_64, ksys_read in the kernel mapping; [user], main not. */
	CHECK(p->n_location == 4, "locations: %zu", p->n_location);
	for (size_t i = 0; i < p->n_location; i++) {
		const char *n = loc_name(p, p->location[i]->id);
		int k = strcmp(n, "do_syscall_64") == 0 || strcmp(n, "ksys_read") == 0;
		CHECK(p->location[i]->mapping_id == (uint64_t)k, "%s: mapping %llu", n,
		      (unsigned long long)p->location[i]->mapping_id);
	}
	perftools__profiles__profile__free_unpacked(p, NULL);
	free(gz);
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return dump(argv[1]);

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *comments[] = { "title: sysHigh for cpu 1", "host: \xfe<h>" };
		struct pprof_meta m = { 1700000000123456789LL, 3000000000LL, cases[c].period_ns,
					comments, 2, NULL, 0, 0 };
		char *gz = NULL, *gz2 = NULL, stack[4096];
		size_t gz_len = 0, gz2_len = 0;
		Profile *p = roundtrip(&m, cases[c].stacks, cases[c].counts, cases[c].n, &gz,
				       &gz_len);
		const char *ctx = cases[c].name;

		CHECK(p != NULL, "%s: output does not decode", ctx);
		if (!p) {
			free(gz);
			continue;
		}
		check_valid(p, ctx);
		CHECK(p->n_sample == cases[c].n, "%s: %zu samples", ctx, p->n_sample);
		CHECK(p->n_function == cases[c].nfunctions && p->n_location == cases[c].nfunctions,
		      "%s: %zu functions, %zu locations", ctx, p->n_function, p->n_location);
		for (size_t i = 0; i < p->n_sample && i < cases[c].n; i++) {
			sample_stack(p, i, stack, sizeof(stack));
			CHECK_STR(stack, cases[c].want[i], ctx);
			CHECK(p->sample[i]->value[0] == (int64_t)cases[c].counts[i],
			      "%s: count %lld", ctx, (long long)p->sample[i]->value[0]);
			if (cases[c].period_ns)
				CHECK(p->sample[i]->value[1] ==
					      (int64_t)cases[c].counts[i] * cases[c].period_ns,
				      "%s: cpu ns %lld", ctx, (long long)p->sample[i]->value[1]);
		}
		/* Leaf first: the last frame of the folded line comes first. */
		if (c == 0)
			CHECK_STR(loc_name(p, p->sample[0]->location_id[0]), "ksys_read", ctx);
		if (cases[c].period_ns) {
			CHECK(p->n_sample_type == 2, "%s: sample types", ctx);
			CHECK(p->n_sample_type == 2 &&
				      strcmp(str(p, p->sample_type[0]->type), "samples") == 0 &&
				      strcmp(str(p, p->sample_type[0]->unit), "count") == 0 &&
				      strcmp(str(p, p->sample_type[1]->type), "cpu") == 0 &&
				      strcmp(str(p, p->sample_type[1]->unit), "nanoseconds") == 0,
			      "%s: sample type names", ctx);
			CHECK(p->period == cases[c].period_ns && p->period_type &&
				      strcmp(str(p, p->period_type->type), "cpu") == 0,
			      "%s: period", ctx);
		} else {
			CHECK(p->n_sample_type == 1 && !p->period_type && p->period == 0,
			      "%s: no period: only samples/count", ctx);
		}
		CHECK(p->time_nanos == m.time_ns && p->duration_nanos == m.duration_ns,
		      "%s: times", ctx);
		CHECK(p->n_comment == 2 && strcmp(str(p, p->comment[0]), comments[0]) == 0 &&
			      strcmp(str(p, p->comment[1]), "host: " FFFD "<h>") == 0,
		      "%s: comments", ctx);
		/* The same input gives the same bytes (no time in the gzip
		 * header, no hash order in the tables). */
		Profile *p2 = roundtrip(&m, cases[c].stacks, cases[c].counts, cases[c].n, &gz2,
					&gz2_len);
		CHECK(p2 && gz_len == gz2_len && memcmp(gz, gz2, gz_len) == 0,
		      "%s: not deterministic", ctx);
		if (p2)
			perftools__profiles__profile__free_unpacked(p2, NULL);
		perftools__profiles__profile__free_unpacked(p, NULL);
		free(gz);
		free(gz2);
	}

	test_labels_and_mapping();

	/* A write error is reported. */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		const char *s[] = { "a;b" };
		const uint64_t n1[] = { 1 };
		struct pprof_meta m = { 0 };
		CHECK(pprof_write(full, &m, s, n1, NULL, 0, 1) == -EIO, "/dev/full: not -EIO");
		fclose(full);
	}
	return test_done("test_pprof");
}
