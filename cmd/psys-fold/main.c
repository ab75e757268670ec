/* psys-fold: reads .psys captures and writes folded stacks for psys-svg
 * (or any flame graph tool), with "# key: value" metadata lines first.
 * Runs offline: needs no BPF, no privileges, not the machine of the
 * capture. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "fold.h"
#include "psysfile.h"
#include "ptime.h"

#define PROG "psys-fold"

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options] FILE.psys...   (- reads standard input)\n"
"Fold the kernel stacks of .psys captures into folded-stack lines,\n"
"\"comm;root;...;leaf COUNT\", sorted, after \"# key: value\" metadata.\n"
"\n"
"By default only samples that count as sys time are folded: kernel mode,\n"
"not the idle task.\n"
"      --idle           also fold the idle task's samples (pid 0)\n"
"      --user           also fold user-mode samples, as one [user] frame\n"
"      --no-comm        no process-name frame at the root\n"
"  -a, --addrs          +0xOFFSET on frames, addresses of [unknown] frames\n"
"      --info           print each file's header, trailer and read counts\n"
"                       as JSON instead of folding\n"
"  -h, --help           this text\n"
"  -V, --version        the version\n"
"\n"
"Frames are \"function\" in the core kernel, \"function [module]\" in\n"
"modules, \"[unknown]\" where no symbol covers the address.\n"
"\n"
"Exit status: 0 success; 1 failure (e.g. not a .psys file); 2 usage error;\n"
"3 a file was truncated or damaged: what was intact was folded, and a\n"
"warning says what was lost.\n");
}

/* What the metadata lines say about all the files folded. */
struct meta {
	struct cpulist cpus;
	char hosts[256], kernel[128];
	int64_t wall_first, wall_last;
	uint64_t lost, stack_errors, bpf_misses, trailer_samples;
	long freq;
	int files, complete;
};

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int64_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static void meta_add(struct meta *m, json_t *h, json_t *t, const struct fold_counts *c)
{
	struct cpulist l = { 0 };
	char clean[256];
	/* A triggered capture names its hot CPUs; otherwise all it sampled. */
	const char *cpus = jstr(h, "hot_cpus");

	if (!*cpus)
		cpus = jstr(h, "cpus");
	if (cpulist_parse(cpus, &l) == 0)
		for (int i = 0; i < l.n; i++)
			cpulist_add(&m->cpus, l.cpus[i]);
	cpulist_free(&l);

	fold_clean(jstr(h, "host"), clean, sizeof(clean));
	if (*clean && !strstr(m->hosts, clean))
		snprintf(m->hosts + strlen(m->hosts), sizeof(m->hosts) - strlen(m->hosts),
			 "%s%s", *m->hosts ? ", " : "", clean);
	if (!*m->kernel)
		fold_clean(jstr(json_object_get(h, "kernel"), "release"), m->kernel,
			   sizeof(m->kernel));
	if (!m->freq)
		m->freq = jint(h, "freq_hz");

	json_t *start = json_object_get(h, "start");
	int64_t wall0 = jint(start, "wall_ns"), mono0 = jint(start, "mono_ns");
	int64_t wall1 = jint(json_object_get(t, "end"), "wall_ns");
	/* No trailer: the capture ran until its last sample. */
	if (!wall1 && wall0 && c->last_ns)
		wall1 = wall0 + ((int64_t)c->last_ns - mono0);
	if (wall0 && (!m->wall_first || wall0 < m->wall_first))
		m->wall_first = wall0;
	if (wall1 > m->wall_last)
		m->wall_last = wall1;
	m->lost += jint(t, "lost");
	m->stack_errors += jint(t, "stack_errors");
	m->bpf_misses += jint(t, "bpf_misses");
	m->files++;
}

static void meta_print(const struct meta *m, const struct fold_counts *c, FILE *out)
{
	char cpus[4096], a[64], b[64];

	cpulist_join(&m->cpus, ":", cpus, sizeof(cpus));
	fprintf(out, "# psys-fold %s\n", PSYS_VERSION);
	fprintf(out, "# title: sysHigh for cpu %s\n", *cpus ? cpus : "?");
	if (*m->hosts)
		fprintf(out, "# host: %s\n", m->hosts);
	if (*m->kernel)
		fprintf(out, "# kernel: %s\n", m->kernel);
	if (m->wall_first && !ptime_iso(m->wall_first, a, sizeof(a)) &&
	    !ptime_iso(m->wall_last, b, sizeof(b)))
		fprintf(out, "# window: %s .. %s (%.3f s)\n", a, b,
			(m->wall_last - m->wall_first) / 1e9);
	fprintf(out, "# cpus: %s\n", cpus);
	if (m->freq)
		fprintf(out, "# freq: %ld Hz\n", m->freq);
	fprintf(out, "# samples: %llu\n", (unsigned long long)c->folded);
	fprintf(out, "# samples_read: %llu (user %llu, idle %llu not folded)\n",
		(unsigned long long)c->samples, (unsigned long long)c->user,
		(unsigned long long)c->idle);
	fprintf(out, "# lost: %llu\n", (unsigned long long)m->lost);
	fprintf(out, "# stack_errors: %llu\n", (unsigned long long)m->stack_errors);
	if (m->files > 1)
		fprintf(out, "# files: %d\n", m->files);
}

/* Says on stderr what a damaged or cut-short file lost. Returns 1 if
 * anything was. */
static int warn_damage(const char *path, struct psysfile_reader *r,
		       const struct fold_counts *c)
{
	const struct psysfile_stats *st = psysfile_stats(r);
	json_t *h = psysfile_header(r);
	int hurt = 0;

	if (!st->has_header) {
		fprintf(stderr, PROG ": warning: '%s': header missing or damaged\n", path);
		hurt = 1;
	}
	if (st->bad_records || st->skipped_bytes || st->unresolved) {
		fprintf(stderr, PROG ": warning: '%s': damaged: %llu records and %llu bytes "
			"skipped, %llu samples unusable\n", path,
			(unsigned long long)st->bad_records, (unsigned long long)st->skipped_bytes,
			(unsigned long long)st->unresolved);
		hurt = 1;
	}
	if (!st->has_trailer) {
		double planned = json_real_value(json_object_get(h, "duration_s"));
		int64_t mono0 = jint(json_object_get(h, "start"), "mono_ns");
		double got = c->last_ns && mono0 ? (c->last_ns - mono0) / 1e9 : 0;

		fprintf(stderr, PROG ": warning: '%s': truncated (no trailer; recorder "
			"killed?): folded the samples up to +%.3f s", path, got);
		if (planned > 0)
			fprintf(stderr, " of %.3f s planned", planned);
		if (st->truncated_bytes)
			fprintf(stderr, "; %llu bytes of an unfinished record dropped",
				(unsigned long long)st->truncated_bytes);
		fputc('\n', stderr);
		hurt = 1;
	}
	return hurt;
}

static const char *open_error(int err)
{
	if (err == -EPROTO)
		return "not a .psys file";
	if (err == -EPROTONOSUPPORT)
		return "made by a newer psys (unsupported format version)";
	return strerror(-err);
}

static int print_info(const char *path, struct psysfile_reader *r)
{
	struct psysfile_sample s;

	while (psysfile_next(r, &s) == 1)
		;
	const struct psysfile_stats *st = psysfile_stats(r);
	json_t *h = psysfile_header(r), *t = psysfile_trailer(r);
	json_t *o = json_pack("{s:s?, s:O?, s:O?, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
		"file", json_string(path) ? path : NULL, "header", h, "trailer", t,
		"read", "records", (json_int_t)st->records,
		"bad_records", (json_int_t)st->bad_records,
		"skipped_bytes", (json_int_t)st->skipped_bytes,
		"truncated_bytes", (json_int_t)st->truncated_bytes,
		"samples", (json_int_t)st->samples,
		"unresolved", (json_int_t)st->unresolved);

	if (!o)
		return -ENOMEM;
	if (!json_object_get(o, "trailer"))
		json_object_set_new(o, "trailer", json_null());
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(o);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "idle", no_argument, NULL, 'I' },
		{ "user", no_argument, NULL, 'U' },
		{ "no-comm", no_argument, NULL, 'N' },
		{ "addrs", no_argument, NULL, 'a' },
		{ "info", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct fold_opts fo = { 0 };
	struct meta m = { 0 };
	struct fold *f;
	int opt, info = 0, failed = 0, damaged = 0, folded_files = 0;

	while ((opt = getopt_long(argc, argv, "ahV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'I': fo.idle = 1; break;
		case 'U': fo.user = 1; break;
		case 'N': fo.no_comm = 1; break;
		case 'a': fo.addrs = 1; break;
		case 'i': info = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf(PROG " %s\n", PSYS_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, PROG ": no input files (use - for standard input)\n");
		usage(stderr);
		return 2;
	}
	f = fold_new(&fo);
	if (!f) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		struct psysfile_reader *r;
		int err = psysfile_open(path, &r);

		if (err) {
			fprintf(stderr, PROG ": cannot read '%s': %s\n", path, open_error(err));
			failed = 1;
			continue;
		}
		if (info) {
			err = print_info(path, r);
			damaged |= warn_damage(path, r, fold_counts(f));
		} else {
			err = fold_add(f, r, NULL);
			if (!err) {
				meta_add(&m, psysfile_header(r), psysfile_trailer(r), fold_counts(f));
				damaged |= warn_damage(path, r, fold_counts(f));
				folded_files++;
			}
		}
		psysfile_reader_free(r);
		if (err) {
			fprintf(stderr, PROG ": '%s': %s\n", path, strerror(-err));
			failed = 1;
		}
	}
	if (!info && folded_files) {
		meta_print(&m, fold_counts(f), stdout);
		fold_write(f, stdout);
	}
	fold_free(f);
	cpulist_free(&m.cpus);
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, PROG ": cannot write to standard output: %s\n", strerror(errno));
		return 1;
	}
	return failed ? 1 : damaged ? 3 : 0;
}
