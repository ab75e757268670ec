/* pprof output: the Profile message built with protobuf-c's generated
 * code, packed, and gzip-compressed with zlib; see pprof.h. */
#include "fold/pprof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/buf.h"
#include "base/intern.h"
#include "profile.pb-c.h"
#include "fold/speedscope.h"
#include "base/utf8.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Label Label;

/* flamegraph.pl's kernel mark, which puts a frame in the kernel mapping. */
#define KERNEL_MARK "_[k]"
#define KERNEL_MARK_LEN 4

/* The string table (each string NUL-terminated, the terminator part of
 * its key), and for each string the id of the function (and location) it
 * names, 0 when it names none yet: FID for frames in no mapping, KFID for
 * those in the kernel's. */
struct strtab {
	struct intern in;
	uint64_t *fid, *kfid;
	size_t fid_cap, kfid_cap;
	struct buf clean;	/* the string being added, made valid UTF-8 */
};

/* Index of the string S (LEN bytes, made valid UTF-8), added if new;
 * -1 when out of memory. */
static int64_t strtab_index(struct strtab *t, const char *s, size_t len)
{
	size_t need = utf8_repair(s, len, NULL, 0);
	uint32_t i;
	int is_new;

	buf_reset(&t->clean);
	if (buf_reserve(&t->clean, need + 1))
		return -1;
	utf8_repair(s, len, (char *)t->clean.data, need + 1);
	/* Room first: a string never exists without its ids. */
	if (buf_grow((void **)&t->fid, &t->fid_cap, t->in.n + 1, sizeof(*t->fid)) ||
	    buf_grow((void **)&t->kfid, &t->kfid_cap, t->in.n + 1, sizeof(*t->kfid)))
		return -1;
	i = intern_add(&t->in, t->clean.data, need + 1, &is_new);
	if (i == INTERN_NONE)
		return -1;
	if (is_new)
		t->fid[i] = t->kfid[i] = 0;
	return i;
}

static int64_t strtab_cstr(struct strtab *t, const char *s)
{
	return strtab_index(t, s, strlen(s));
}

/* The strings as the Profile message wants them (pointers into T, valid
 * until the next add); NULL when out of memory. */
static char **strtab_array(const struct strtab *t)
{
	char **v = malloc((t->in.n ? t->in.n : 1) * sizeof(*v));
	size_t len;

	for (size_t i = 0; v && i < t->in.n; i++)
		v[i] = (char *)intern_get(&t->in, (uint32_t)i, &len);
	return v;
}

static void strtab_free(struct strtab *t)
{
	intern_free(&t->in);
	free(t->fid);
	free(t->kfid);
	buf_free(&t->clean);
}

/* The functions and locations, one of each per distinct frame name, with
 * the same id (1, 2, ...). */
struct funcs {
	Function *fn;
	Location *loc;
	Line *line;
	Line **linep;	/* each location's one line */
	size_t n, fn_cap, loc_cap, line_cap;
};

/* The id of the frame named S (LEN bytes), added if new; 0 when out of
 * memory. With KERNEL set, a frame ending in the kernel mark is named
 * without it and located in mapping 1. */
static uint64_t frame_id(struct strtab *t, struct funcs *f, const char *s, size_t len,
			 int kernel)
{
	int in_kernel = kernel && len > KERNEL_MARK_LEN &&
			memcmp(s + len - KERNEL_MARK_LEN, KERNEL_MARK, KERNEL_MARK_LEN) == 0;
	int64_t si = strtab_index(t, s, in_kernel ? len - KERNEL_MARK_LEN : len);
	uint64_t *ids;

	if (si < 0)
		return 0;
	ids = in_kernel ? t->kfid : t->fid;
	if (ids[si])
		return ids[si];
	if (buf_grow((void **)&f->fn, &f->fn_cap, f->n + 1, sizeof(*f->fn)) ||
	    buf_grow((void **)&f->loc, &f->loc_cap, f->n + 1, sizeof(*f->loc)) ||
	    buf_grow((void **)&f->line, &f->line_cap, f->n + 1, sizeof(*f->line)))
		return 0;
	uint64_t id = f->n + 1;

	f->fn[f->n] = (Function)PERFTOOLS__PROFILES__FUNCTION__INIT;
	f->fn[f->n].id = id;
	f->fn[f->n].name = si;
	f->fn[f->n].system_name = si;
	f->line[f->n] = (Line)PERFTOOLS__PROFILES__LINE__INIT;
	f->line[f->n].function_id = id;
	f->loc[f->n] = (Location)PERFTOOLS__PROFILES__LOCATION__INIT;
	f->loc[f->n].id = id;
	f->loc[f->n].mapping_id = in_kernel ? 1 : 0;
	f->n++;
	ids[si] = id;
	return id;
}

/* COUNT * PERIOD, saturated at INT64_MAX. */
static int64_t mul_sat(uint64_t count, int64_t period)
{
	if (period > 0 && count > (uint64_t)(INT64_MAX / period))
		return INT64_MAX;
	return (int64_t)count * period;
}

/* Compresses LEN bytes at BUF as one gzip member into OUT. The gzip
 * header carries no time or name, so equal input gives equal output. */
static int gzip_write(FILE *out, const uint8_t *buf, size_t len)
{
	z_stream zs = { 0 };
	unsigned char chunk[65536];
	int zr, err = 0;

	/* 15 + 16: the largest window, with a gzip header and trailer. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	zs.next_in = (unsigned char *)buf;
	do {
		/* avail_in is 32-bit: feed huge buffers in steps. */
		if (zs.avail_in == 0 && len) {
			zs.avail_in = len > (1u << 30) ? (1u << 30) : (uInt)len;
			len -= zs.avail_in;
		}
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = deflate(&zs, len || zs.avail_in ? Z_NO_FLUSH : Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			err = -EIO;
			break;
		}
		size_t got = sizeof(chunk) - zs.avail_out;
		if (got && fwrite(chunk, 1, got, out) != got) {
			err = -EIO;
			break;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&zs);
	return err;
}

int pprof_write(FILE *out, const struct pprof_meta *m, const char *const *stacks,
		const uint64_t *counts, const struct pprof_label *labels, size_t nlabels,
		size_t n)
{
	Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	ValueType vt[3] = { PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
			    PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
			    PERFTOOLS__PROFILES__VALUE_TYPE__INIT };
	ValueType *vtp[2] = { &vt[0], &vt[1] };
	struct strtab t = { 0 };
	struct funcs f = { 0 };
	Sample *smp = NULL;
	Sample **smpp = NULL;
	Location **locp = NULL;
	Function **fnp = NULL;
	char **strings = NULL;
	int64_t *values = NULL, *comments = NULL;
	uint8_t *buf = NULL;
	size_t nvals = m->period_ns > 0 ? 2 : 1;
	Mapping kmap = PERFTOOLS__PROFILES__MAPPING__INIT;
	Mapping *kmapp = &kmap;
	Label *lab = NULL;
	Label **labp = NULL;
	int kernel = m->kernel_file && *m->kernel_file;
	int err = -ENOMEM;

	if (!labels)
		nlabels = 0;

	/* string_table[0] must be "". */
	if (strtab_cstr(&t, "") != 0)
		goto cleanup;
	if ((vt[0].type = strtab_cstr(&t, "samples")) < 0 ||
	    (vt[0].unit = strtab_cstr(&t, "count")) < 0)
		goto cleanup;
	if (nvals == 2) {
		if ((vt[1].type = strtab_cstr(&t, "cpu")) < 0 ||
		    (vt[1].unit = strtab_cstr(&t, "nanoseconds")) < 0)
			goto cleanup;
		vt[2] = vt[1];
		prof.period_type = &vt[2];
		prof.period = m->period_ns;
	}
	prof.sample_type = vtp;
	prof.n_sample_type = nvals;
	prof.time_nanos = m->time_ns;
	prof.duration_nanos = m->duration_ns;
	if (kernel) {
		/* Named functions: pprof neither looks for the file nor says
		 * "Main binary filename not available". */
		kmap.id = 1;
		kmap.memory_start = m->kernel_start;
		kmap.memory_limit = m->kernel_limit > m->kernel_start ? m->kernel_limit
								     : m->kernel_start;
		if ((kmap.filename = strtab_cstr(&t, m->kernel_file)) < 0)
			goto cleanup;
		kmap.has_functions = 1;
		prof.mapping = &kmapp;
		prof.n_mapping = 1;
	}

	if (m->ncomments) {
		comments = calloc(m->ncomments, sizeof(*comments));
		if (!comments)
			goto cleanup;
		for (size_t i = 0; i < m->ncomments; i++)
			if ((comments[i] = strtab_cstr(&t, m->comments[i])) < 0)
				goto cleanup;
		prof.comment = comments;
		prof.n_comment = m->ncomments;
	}

	smp = calloc(n ? n : 1, sizeof(*smp));
	smpp = calloc(n ? n : 1, sizeof(*smpp));
	values = calloc((n ? n : 1) * nvals, sizeof(*values));
	if (!smp || !smpp || !values)
		goto cleanup;
	if (nlabels) {
		/* Room for a string and a numeric label each. */
		lab = calloc(n * 2 * nlabels + 1, sizeof(*lab));
		labp = calloc(n * 2 * nlabels + 1, sizeof(*labp));
		if (!lab || !labp)
			goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		size_t nf = 1, k;
		const char *p;

		smp[i] = (Sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
		smpp[i] = &smp[i];
		for (p = stacks[i]; (p = strchr(p, ';')); p++)
			nf++;
		smp[i].location_id = malloc(nf * sizeof(uint64_t));
		if (!smp[i].location_id)
			goto cleanup;
		smp[i].n_location_id = nf;
		/* Folded stacks are root first; pprof lists the leaf first. */
		k = nf;
		for (p = stacks[i];;) {
			const char *semi = strchr(p, ';');
			size_t len = semi ? (size_t)(semi - p) : strlen(p);
			uint64_t id = frame_id(&t, &f, p, len, kernel);

			if (!id)
				goto cleanup;
			smp[i].location_id[--k] = id;
			if (!semi)
				break;
			p = semi + 1;
		}
		values[i * nvals] = counts[i] > INT64_MAX ? INT64_MAX : (int64_t)counts[i];
		if (nvals == 2)
			values[i * nvals + 1] = mul_sat(counts[i], m->period_ns);
		smp[i].value = &values[i * nvals];
		smp[i].n_value = nvals;
		/* The labels with a value, in the order given. */
		if (nlabels)
			smp[i].label = &labp[i * 2 * nlabels];
		for (size_t j = 0; j < nlabels; j++) {
			const struct pprof_label *l = &labels[i * nlabels + j];
			Label *x = &lab[i * 2 * nlabels + smp[i].n_label];

			if (!l->value || !*l->value)
				continue;
			*x = (Label)PERFTOOLS__PROFILES__LABEL__INIT;
			if ((x->key = strtab_cstr(&t, l->key)) < 0)
				goto cleanup;
			/* One kind per key: a number (whose unit keeps a zero
			 * from reading as "no number") or a string, never both,
			 * or pprof -tags adds the two up. */
			if (l->num_unit) {
				x->num = l->num;
				if ((x->num_unit = strtab_cstr(&t, l->num_unit)) < 0)
					goto cleanup;
			} else if ((x->str = strtab_cstr(&t, l->value)) < 0) {
				goto cleanup;
			}
			labp[i * 2 * nlabels + smp[i].n_label++] = x;
		}
	}
	prof.sample = smpp;
	prof.n_sample = n;

	/* The function and location arrays moved while they grew: point
	 * at them only now. */
	f.linep = calloc(f.n ? f.n : 1, sizeof(*f.linep));
	locp = calloc(f.n ? f.n : 1, sizeof(*locp));
	fnp = calloc(f.n ? f.n : 1, sizeof(*fnp));
	if (!f.linep || !locp || !fnp)
		goto cleanup;
	for (size_t i = 0; i < f.n; i++) {
		f.linep[i] = &f.line[i];
		f.loc[i].line = &f.linep[i];
		f.loc[i].n_line = 1;
		locp[i] = &f.loc[i];
		fnp[i] = &f.fn[i];
	}
	prof.location = locp;
	prof.n_location = f.n;
	prof.function = fnp;
	prof.n_function = f.n;
	if (!(strings = strtab_array(&t)))
		goto cleanup;
	prof.string_table = strings;
	prof.n_string_table = t.in.n;

	size_t len = perftools__profiles__profile__get_packed_size(&prof);
	buf = malloc(len ? len : 1);
	if (!buf)
		goto cleanup;
	perftools__profiles__profile__pack(&prof, buf);
	err = gzip_write(out, buf, len);
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
cleanup:
	if (smp)
		for (size_t i = 0; i < n; i++)
			free(smp[i].location_id);
	free(smp);
	free(smpp);
	free(values);
	free(comments);
	free(lab);
	free(labp);
	free(locp);
	free(fnp);
	free(f.fn);
	free(f.loc);
	free(f.line);
	free(f.linep);
	free(buf);
	free(strings);
	strtab_free(&t);
	return err;
}
