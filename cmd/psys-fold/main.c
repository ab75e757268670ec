/* psys-fold: reads .psys captures and writes folded stacks for psys-svg
 * (or any flame graph tool), with "# key: value" metadata lines first; or
 * a differential fold against a base, speedscope JSON or pprof. Runs offline:
 * needs no BPF, no privileges, not the machine of the capture. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cli.h"

#include "base/cpulist.h"
#include "symbols/elfsyms.h"
#include "fold/fold.h"
#include "folded/folded.h"
#include "fold/pprof.h"
#include "psysfile/psysfile.h"
#include "base/ptime.h"
#include "base/utf8.h"
#include "fold/slice.h"
#include "fold/speedscope.h"
#include "fold/timeorder.h"
#include "folded/timeline.h"
#include "watch/trigger.h"

#define PROG "psys-fold"

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options] [FILE.psys...]\n"
"Fold the kernel stacks of .psys captures into folded-stack lines,\n"
"\"comm;root;...;leaf COUNT\", sorted, after \"# key: value\" metadata.\n"
"Several files fold into one output, their counts added. With no FILE,\n"
"or -, reads standard input (unless it is a terminal).\n"
"\n"
"By default only samples that count as sys time are folded: kernel mode,\n"
"not the idle task.\n"
"      --idle           also fold the idle task's samples (pid 0); recorded\n"
"                       without psys-record --idle-stacks they have no stack\n"
"                       and fold as the process name alone (swapper/N)\n"
"      --user           also fold user-mode samples, as one [user] frame\n"
"      --no-comm        no process-name frame at the root\n"
"  -a, --addrs          +0xOFFSET on frames, addresses of [unknown] frames\n"
"      --annotate       suffix kernel frames with _[k] (psys-svg and\n"
"                       flamegraph.pl colour them apart from user frames)\n"
"\n"
"Captures made with psys-record --user-stacks fold as\n"
"comm;user frames;kernel frames (user frames were named when recorded).\n"
"\n"
"Symbols (default: those embedded in each file):\n"
"  -k, --kallsyms FILE  name addresses with a saved copy of /proc/kallsyms\n"
"                       (plain, gzip or zstd)\n"
"  -e, --vmlinux FILE   name addresses with an ELF image's symbol table\n"
"      --force          use a symbol source even if the capture's reference\n"
"                       symbols say it is from another kernel\n"
"  The source is checked against the reference symbols in each capture's\n"
"  header: the same addresses mean the same boot (or build); all moved by\n"
"  one offset mean the same build after KASLR moved it: core-kernel\n"
"  addresses are then rebased (a note says so) and module addresses are\n"
"  named only where a module symbol is at the very address. Anything else\n"
"  is another kernel: refused without --force.\n"
"\n"
"Slicing (combinable; a sample must pass all):\n"
"  -C, --cpu LIST       only these CPUs (\"0-3,7\")\n"
"  -p, --pid LIST       only these process ids\n"
"  -t, --tid LIST       only these thread ids\n"
"  -c, --comm REGEX     only process names matching REGEX (POSIX extended)\n"
"      --from TIME      only samples at or after TIME\n"
"      --to TIME        only samples before TIME (after --from, or exit 2;\n"
"                       a range with no sample of a capture is warned of)\n"
"  TIME is seconds from the capture start (\"2.5\"), a local time of day\n"
"  (\"10:15:04\", \"10:15:04.25\"), or an ISO 8601 date and time\n"
"  (\"2026-11-26T10:15:04\", local; or with Z or +01:00).\n"
"\n"
"Grouping (root frames, in this order):\n"
"      --per-host       the capture's host name\n"
"      --per-cpu        \"cpu N\" (speedscope: one profile per CPU instead)\n"
"      --per-pid        \"pid N\"\n"
"\n"
"Output:\n"
"  -d, --diff BASE      differential: \"stack BASE_COUNT COUNT\" lines, BASE\n"
"                       (a .psys or folded text) against the FILEs (which may\n"
"                       also be folded text), as flamegraph.pl's difffolded\n"
"      --no-timeline    leave out the timeline: folded output of one capture\n"
"                       ends in \"# timeline\" lines giving each sample's time,\n"
"                       CPU and line, which psys-svg draws over time (other\n"
"                       tools ignore them)\n"
"  -F, --format FMT     folded (default); speedscope (speedscope.app JSON:\n"
"                       samples in time order weighing 1/freq s each, in\n"
"                       nanoseconds); or pprof (gzipped protobuf for go tool\n"
"                       pprof, Pyroscope, Parca; not to a terminal): comm,\n"
"                       pid, tid, cpu and host are sample labels, not frames,\n"
"                       and kernel frames are in a [kernel.kallsyms] mapping\n"
"      --time-order     folded lines in time order, for flame charts\n"
"                       (flamegraph.pl --flamechart, psys-svg --flamechart):\n"
"                       CPU after CPU under \"cpu N\" frames (implies\n"
"                       --per-cpu), one line per run of a CPU's consecutive\n"
"                       samples with one stack; no timeline\n"
"      --root-frames    pprof: keep the comm root frame as well\n"
"      --no-meta        leave out the \"# key: value\" metadata lines and the\n"
"                       timeline (for tools that warn about them:\n"
"                       flamegraph.pl, difffolded.pl)\n"
"      --info           print each file's header, trailer and read counts\n"
"                       as JSON instead of folding\n"
"  -h, --help           this text\n"
"  -V, --version        the version\n"
"\n"
"Frames are \"function\" in the core kernel, \"function [module]\" in\n"
"modules (BPF programs: \"bpf_prog_TAG_NAME [bpf]\"; trampolines as kallsyms\n"
"names them), \"" FOLD_PAST_ETEXT "\" for an address in the kernel image past\n"
"the end of its text, \"[unknown]\" where nothing covers the address.\n"
"\n"
"With several files and standard error a terminal, a progress line shows\n"
"how many are done.\n"
"\n"
"Output is valid UTF-8: bytes that are not (in process or symbol names)\n"
"become U+FFFD, control characters '?', and ';' in a name ':'.\n"
"\n"
"Exit status: 0 success; 1 failure (e.g. not a .psys file, symbols from\n"
"another kernel); 2 usage error; 3 a file was truncated or damaged: what\n"
"was intact was folded, and a warning says what was lost. A reader that\n"
"goes away (| head) ends it silently, by SIGPIPE (status 141 in a shell).\n");
}

enum { OPT_IDLE = 256, OPT_USER, OPT_NO_COMM, OPT_INFO, OPT_FORCE, OPT_FROM,
       OPT_TO, OPT_PER_HOST, OPT_PER_CPU, OPT_PER_PID, OPT_ANNOTATE, OPT_ROOT_FRAMES,
       OPT_NO_META, OPT_NO_TIMELINE, OPT_TIME_ORDER };

/* What the metadata lines say about all the files folded. */
struct meta {
	struct cpulist cpus;
	char hosts[256], kernel[128];
	int64_t wall_first, wall_last;
	uint64_t lost, stack_errors, bpf_misses;
	long freq;
	int files;
	uint64_t kernel_start, kernel_limit;	/* _stext, _etext of the first */
	char trigger[256];	/* what started the first triggered capture */
	char rules[64];		/* every rule that started or extended one */
};

struct prog {
	struct fold_opts fo;
	struct slice slice;
	int per_host, force, info, no_meta;
	int root_frames;	/* pprof: keep the comm root frame */
	int profile_per_cpu;	/* speedscope: a profile per CPU */
	enum { FMT_FOLDED, FMT_SPEEDSCOPE, FMT_PPROF } format;
	const char *sym_path;
	struct ksyms *ks;	/* external symbols, or NULL */
	char slice_text[1024];
	char from_text[64], to_text[64];	/* --from, --to as given */
	int failed, damaged, usage;
	/* The timeline of a fold of one capture to folded text (the fold's
	   own, fold_opts.timeline), and that capture's start on the clock
	   of fold_timeline's times. */
	struct timeline tl;
	int64_t start0;
	int has_tl, want_tl;
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

/* The address of the header's reference symbol NAME, 0 if it has none. */
static uint64_t ref_addr(json_t *h, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(h, "ref_symbols"), i, v)
		if (strcmp(jstr(v, "name"), name) == 0)
			return strtoull(jstr(v, "addr"), NULL, 16);
	return 0;
}

/* "peak: cpu 1 at 62.5% sys over 0.2 s (threshold 50%)" or "interval:
 * cpu 1 at 12% sys over 3.0 s (gate 10%)": trigger line TR in words. */
static void trigger_words(json_t *tr, char *buf, size_t len)
{
	const char *rule = jstr(tr, "rule");
	int peak = strcmp(rule, "peak") == 0;
	json_t *hot = json_object_get(tr, "hot"), *v;
	size_t i, n = 0;
	char clean[40];

	fold_clean(*rule ? rule : "interval", clean, sizeof(clean));
	n += snprintf(buf + n, len - n, "%s: cpu", clean);
	json_array_foreach(hot, i, v) {
		if (n >= len || i == 4)
			break;
		n += snprintf(buf + n, len - n, "%s %lld at %.1f%%", i ? "," : "",
			      (long long)jint(v, "cpu"),
			      json_number_value(json_object_get(v, "sys")));
	}
	if (n < len && json_array_size(hot) > 4)
		n += snprintf(buf + n, len - n, " and %zu more", json_array_size(hot) - 4);
	if (n < len)
		snprintf(buf + n, len - n, " sys over %g s (%s %g%%)",
			 json_number_value(json_object_get(tr, peak ? "window" : "interval")),
			 peak ? "threshold" : "gate", json_number_value(json_object_get(tr, "gate")));
}

/* Adds the rule of trigger TR to M's list, once. */
static void meta_rule(struct meta *m, json_t *tr)
{
	char clean[40], *p;
	size_t n = 0;

	fold_clean(*jstr(tr, "rule") ? jstr(tr, "rule") : "interval", clean, sizeof(clean));
	for (p = m->rules; *p; p += n + (p[n] == ',' ? 2 : 0)) {
		n = strcspn(p, ",");
		if (n == strlen(clean) && strncmp(p, clean, n) == 0)
			return;
	}
	snprintf(m->rules + strlen(m->rules), sizeof(m->rules) - strlen(m->rules), "%s%s",
		 *m->rules ? ", " : "", clean);
}

static void meta_add(struct meta *m, const struct slice *sl, json_t *h, json_t *t,
		     const struct fold_counts *c)
{
	struct cpulist l = { 0 };
	char clean[256];
	/* A triggered capture names its hot CPUs; otherwise all it sampled. */
	const char *cpus = jstr(h, "hot_cpus");

	if (!*cpus)
		cpus = jstr(h, "cpus");
	if (cpulist_parse(cpus, &l) == 0)
		for (int i = 0; i < l.n; i++)
			if (!sl->cpus.n || idlist_has(&sl->cpus, (uint32_t)l.cpus[i]))
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
	if (!m->files) {
		m->kernel_start = ref_addr(h, "_stext");
		m->kernel_limit = ref_addr(h, "_etext");
	}

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
	json_t *tr = json_object_get(h, "trigger"), *v;
	size_t i;
	if (json_is_object(tr)) {
		if (!*m->trigger)
			trigger_words(tr, m->trigger, sizeof(m->trigger));
		meta_rule(m, tr);
	}
	json_array_foreach(json_object_get(t, "triggers"), i, v)
		if (json_is_object(v))
			meta_rule(m, v);
	m->lost += jint(t, "lost");
	m->stack_errors += jint(t, "stack_errors");
	m->bpf_misses += jint(t, "bpf_misses");
	m->files++;
}

static void meta_title(const struct meta *m, char *buf, size_t len)
{
	char cpus[4096];

	cpulist_join(&m->cpus, ":", cpus, sizeof(cpus));
	snprintf(buf, len, "sysHigh for cpu %s", *cpus ? cpus : "?");
}

static void meta_print(const struct meta *m, const struct fold_counts *c,
		       const char *slice_text, FILE *out)
{
	char cpus[4096], title[4200], a[64], b[64], v[256];

	cpulist_join(&m->cpus, ":", cpus, sizeof(cpus));
	meta_title(m, title, sizeof(title));
	/* Values are JSON strings (lib/folded/folded.h): other tools never read a
	 * metadata line as a stack. */
	folded_meta_write(out, "psys-fold", PSYS_VERSION);
	folded_meta_write(out, "title", title);
	if (*m->hosts)
		folded_meta_write(out, "host", m->hosts);
	if (*m->kernel)
		folded_meta_write(out, "kernel", m->kernel);
	if (m->wall_first && !ptime_iso(m->wall_first, a, sizeof(a)) &&
	    !ptime_iso(m->wall_last, b, sizeof(b))) {
		char w[200];
		snprintf(w, sizeof(w), "%s .. %s (%.3f s)", a, b,
			 (m->wall_last - m->wall_first) / 1e9);
		folded_meta_write(out, "window", w);
	}
	folded_meta_write(out, "cpus", cpus);
	if (*m->trigger)
		folded_meta_write(out, "trigger", m->trigger);
	if (*m->rules)
		folded_meta_write(out, "rules", m->rules);
	if (m->freq) {
		snprintf(v, sizeof(v), "%ld Hz", m->freq);
		folded_meta_write(out, "freq", v);
	}
	if (*slice_text)
		folded_meta_write(out, "slice", slice_text + (*slice_text == ' '));
	snprintf(v, sizeof(v), "%llu", (unsigned long long)c->folded);
	folded_meta_write(out, "samples", v);
	snprintf(v, sizeof(v), "%llu (user %llu, idle %llu, sliced off %llu not folded)",
		 (unsigned long long)c->samples, (unsigned long long)c->user,
		 (unsigned long long)c->idle, (unsigned long long)c->filtered);
	folded_meta_write(out, "samples_read", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)m->lost);
	folded_meta_write(out, "lost", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)m->stack_errors);
	folded_meta_write(out, "stack_errors", v);
	if (m->files > 1) {
		snprintf(v, sizeof(v), "%d", m->files);
		folded_meta_write(out, "files", v);
	}
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
	if (st->bad_records || st->skipped_bytes || st->missing_records) {
		/* Each record stands alone: what is lost is lost whole, and
		 * nothing else is attributed differently. */
		fprintf(stderr, PROG ": warning: '%s': damaged: %llu records", path,
			(unsigned long long)(st->bad_records + st->missing_records));
		if (st->lost_samples)
			fprintf(stderr, " (%llu samples)", (unsigned long long)st->lost_samples);
		fprintf(stderr, " and %llu bytes skipped; every sample folded is from an intact "
			"record\n", (unsigned long long)st->skipped_bytes);
		hurt = 1;
	}
	if (st->duplicates) {
		fprintf(stderr, PROG ": warning: '%s': %llu repeated records skipped\n", path,
			(unsigned long long)st->duplicates);
		hurt = 1;
	}
	if (st->unread_bytes || st->unresolved) {
		/* A 1.x file's ids are file-wide: past damage they may point
		 * anywhere, so nothing after it is read. */
		fprintf(stderr, PROG ": warning: '%s': format %d capture damaged: the last %llu "
			"bytes cannot be read safely and were not folded", path, st->version,
			(unsigned long long)st->unread_bytes);
		if (st->unresolved)
			fprintf(stderr, "; %llu samples with undefined ids dropped",
				(unsigned long long)st->unresolved);
		fputc('\n', stderr);
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
	if (err == -PSYSFILE_ECONCAT)
		return "holds more than one capture (files joined with cat?); fold each file "
		       "on its own: psys-fold A.psys B.psys";
	return strerror(-err);
}

static int print_info(const char *path, struct psysfile_reader *r)
{
	struct psysfile_sample s;

	while (psysfile_next(r, &s) == 1)
		;
	const struct psysfile_stats *st = psysfile_stats(r);
	json_t *h = psysfile_header(r), *t = psysfile_trailer(r);
	json_t *o = json_pack("{s:o?, s:O?, s:O?, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
		"file", utf8_json(path, strlen(path)), "header", h, "trailer", t,
		"read", "records", (json_int_t)st->records,
		"bad_records", (json_int_t)st->bad_records,
		"skipped_bytes", (json_int_t)st->skipped_bytes,
		"truncated_bytes", (json_int_t)st->truncated_bytes,
		"samples", (json_int_t)st->samples,
		"unresolved", (json_int_t)st->unresolved);
	json_t *rd = json_object_get(o, "read");
	json_object_set_new(rd, "version", json_integer(st->version));
	json_object_set_new(rd, "lost_samples", json_integer((json_int_t)st->lost_samples));
	json_object_set_new(rd, "missing_records", json_integer((json_int_t)st->missing_records));
	json_object_set_new(rd, "duplicates", json_integer((json_int_t)st->duplicates));
	json_object_set_new(rd, "unread_bytes", json_integer((json_int_t)st->unread_bytes));

	if (!o)
		return -ENOMEM;
	if (!json_object_get(o, "trailer"))
		json_object_set_new(o, "trailer", json_null());
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(o);
	return 0;
}

/* The header's reference symbols, in REFS (N entries, names borrowed from
 * the header); *ETEXT gets the address of a reference named _etext. */
static int header_refs(json_t *h, struct ksyms_ref **refs, size_t *n, uint64_t *etext)
{
	json_t *arr = json_object_get(h, "ref_symbols"), *v;
	size_t i;

	*n = 0;
	*etext = 0;
	*refs = calloc(json_array_size(arr) + 1, sizeof(**refs));
	if (!*refs)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		const char *name = jstr(v, "name"), *addr = jstr(v, "addr");
		char *end;
		unsigned long long a;

		errno = 0;
		a = strtoull(addr, &end, 16);
		if (!*name || !*addr || *end || errno)
			continue;
		(*refs)[*n].name = name;
		(*refs)[(*n)++].addr = a;
		if (strcmp(name, "_etext") == 0)
			*etext = a;
	}
	return 0;
}

/* Decides how to name the addresses of the capture R at PATH: fills IN.
 * Returns 0, or 1 after saying why the symbols cannot be used. */
static int plan_symbols(struct prog *p, const char *path, struct psysfile_reader *r,
			struct fold_input *in)
{
	json_t *h = psysfile_header(r);
	struct ksyms_ref *refs = NULL;
	size_t n, bad;
	uint64_t etext;
	int64_t delta;
	int rc = 0;

	if (header_refs(h, &refs, &n, &etext)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	if (!p->ks) {
		if (strcmp(jstr(h, "symbols"), "none") == 0) {
			fprintf(stderr, PROG ": '%s' holds no kernel symbols (recorded with "
				"--no-symbols): give --kallsyms or --vmlinux\n", path);
			rc = 1;
		}
		in->etext = etext;
		goto out;
	}
	switch (ksyms_match_refs(p->ks, refs, n, &delta, &bad)) {
	case KSYMS_SAME:
		break;
	case KSYMS_SHIFTED:
		in->rebase = 1;
		in->delta = delta;
		fprintf(stderr, PROG ": note: '%s': '%s' is the same kernel build moved by "
			"KASLR (offset %s0x%llx): core-kernel addresses rebased; module "
			"addresses named only where they match\n", path, p->sym_path,
			delta < 0 ? "-" : "+",
			(unsigned long long)(delta < 0 ? -(uint64_t)delta : (uint64_t)delta));
		break;
	case KSYMS_UNCHECKED:
		if (p->force) {
			fprintf(stderr, PROG ": warning: '%s': no reference symbols to check "
				"'%s' against; used as it is (--force)\n", path, p->sym_path);
			break;
		}
		fprintf(stderr, PROG ": '%s': cannot tell whether '%s' belongs to its kernel "
			"(no reference symbols in the header); use --force to fold anyway\n",
			path, p->sym_path);
		rc = 1;
		break;
	case KSYMS_DIFFERENT: {
		const struct ksym *k = ksyms_find(p->ks, refs[bad].name);
		char here[64];

		if (k)
			snprintf(here, sizeof(here), "at 0x%llx", (unsigned long long)k->addr);
		else
			snprintf(here, sizeof(here), "missing");
		fprintf(stderr, PROG ": %s'%s': '%s' is from a different kernel (reference "
			"symbol %s: 0x%llx in the capture, %s there)%s\n",
			p->force ? "warning: " : "", path, p->sym_path, refs[bad].name,
			(unsigned long long)refs[bad].addr, here,
			p->force ? "; used as it is (--force)" : "; use --force to fold anyway");
		rc = !p->force;
		break;
	}
	}
out:
	free(refs);
	return rc;
}

/* Resolves --from/--to against the capture's start. Returns 0 or 1
 * after an error message. */
static int plan_window(struct prog *p, const char *path, json_t *h, struct fold_input *in)
{
	json_t *start = json_object_get(h, "start");
	int64_t wall0 = jint(start, "wall_ns"), mono0 = jint(start, "mono_ns"), t;
	int rc;

	in->from_ns = 0;
	in->to_ns = UINT64_MAX;
	rc = slice_time_mono(&p->slice.from, wall0, mono0, &t);
	if (rc == 0)
		in->from_ns = t > 0 ? (uint64_t)t : 0;
	if (rc >= 0) {
		rc = slice_time_mono(&p->slice.to, wall0, mono0, &t);
		if (rc == 0)
			in->to_ns = t > 0 ? (uint64_t)t : 0;
	}
	if (rc < 0) {
		fprintf(stderr, PROG ": '%s': no start time in the header: cannot apply "
			"--from/--to\n", path);
		return 1;
	}
	/* Times of different kinds (seconds, a time of day) meet only here,
	 * against this capture's start. */
	if (in->from_ns >= in->to_ns) {
		fprintf(stderr, PROG ": '%s': --to %s is not after --from %s\n", path,
			p->to_text, p->from_text);
		return 2;
	}
	return 0;
}

/* One warning line when --from/--to kept no sample of the capture at
 * PATH, naming the capture's own window in the terms both options take. */
static void warn_empty_window(const struct prog *p, const char *path, json_t *h,
			      json_t *t, const struct fold_counts *c)
{
	json_t *start = json_object_get(h, "start");
	int64_t wall0 = jint(start, "wall_ns"), mono0 = jint(start, "mono_ns");
	int64_t mono1 = jint(json_object_get(t, "end"), "mono_ns");
	char a[64] = "?", b[64] = "?", from[80] = "", to[80] = "";

	if (c->in_window || (p->slice.from.kind == SLICE_TIME_NONE &&
			     p->slice.to.kind == SLICE_TIME_NONE))
		return;
	/* No trailer: the capture ran until its last sample. */
	if (!mono1)
		mono1 = c->last_ns ? (int64_t)c->last_ns : mono0;
	ptime_iso(wall0, a, sizeof(a));
	ptime_iso(wall0 + (mono1 - mono0), b, sizeof(b));
	if (p->slice.from.kind != SLICE_TIME_NONE)
		snprintf(from, sizeof(from), " --from %s", p->from_text);
	if (p->slice.to.kind != SLICE_TIME_NONE)
		snprintf(to, sizeof(to), " --to %s", p->to_text);
	fprintf(stderr, PROG ": warning: '%s': no samples in the range%s%s: the capture covers "
		"0 to %.3f s (%s .. %s)\n", path, from, to, (mono1 - mono0) / 1e9, a, b);
}

struct text_ctx {
	struct fold *f;
	int err;
};

static int on_text_line(void *ctx, const struct folded_line *l)
{
	struct text_ctx *c = ctx;

	if (!(l->count >= 0) || l->count > 1e18)
		return 0;
	c->err = fold_add_line(c->f, l->stack, l->len, (uint64_t)llround(l->count));
	return c->err;
}

/* Folds folded text at PATH into F (for --diff). Returns 0 or 1 after an
 * error message. */
static int add_text(const char *path, struct fold *f)
{
	struct folded rd;
	struct text_ctx c = { f, 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", path, strerror(errno));
		return 1;
	}
	folded_init(&rd);
	err = folded_read_fd(&rd, fd, on_text_line, &c);
	close(fd);
	if (err || c.err)
		fprintf(stderr, PROG ": cannot read '%s': %s\n", path, strerror(-(err ? err : c.err)));
	else if (rd.mode == FOLDED_DIFF)
		fprintf(stderr, PROG ": '%s': already differential (two counts per line)\n", path);
	else if (!rd.stacks)
		fprintf(stderr, PROG ": cannot read '%s': neither a .psys file nor folded "
			"stacks\n", path);
	else if (rd.invalid)
		fprintf(stderr, PROG ": warning: '%s': %llu lines that are not folded stacks "
			"skipped (first: line %llu)\n", path, rd.invalid, rd.first_invalid);
	int rc = err || c.err || rd.mode == FOLDED_DIFF || !rd.stacks;
	folded_free(&rd);
	return rc;
}

/* The triggers of a capture as timeline marks: the trailer's list (every
 * trigger that started or extended it), or the header's one trigger when
 * the capture was cut short. Unreadable triggers are left out. */
static int timeline_marks(struct timeline *tl, json_t *h, json_t *t, int64_t mono0)
{
	json_t *list = json_object_get(t, "triggers"), *one = json_object_get(h, "trigger");
	size_t n = json_array_size(list), cap = 0;

	for (size_t i = 0; i < (n ? n : one ? 1 : 0); i++) {
		char *line = json_dumps(n ? json_array_get(list, i) : one, JSON_COMPACT);
		struct trigger trig = { 0 };
		char hot[4096] = "";
		size_t len = 0;

		if (!line)
			return -ENOMEM;
		int rc = trigger_parse(line, strlen(line), &trig, NULL, 0);
		free(line);
		if (rc == -ENOMEM)
			return rc;
		if (rc)
			continue;
		for (int k = 0; k < trig.nhot && len + 32 < sizeof(hot); k++)
			len += (size_t)snprintf(hot + len, sizeof(hot) - len, "%s%d:%.2f",
						k ? "," : "", trig.hot[k].cpu,
						trig.hot[k].sys_pct);
		if (buf_grow((void **)&tl->marks, &cap, tl->nmarks + 1, sizeof(*tl->marks)) ||
		    !(tl->marks[tl->nmarks].hot = strdup(hot))) {
			trigger_free(&trig);
			return -ENOMEM;
		}
		tl->marks[tl->nmarks].at_ns = trig.mono_ns - mono0;
		tl->marks[tl->nmarks].from_ns = trig.mono_start_ns - mono0;
		tl->marks[tl->nmarks++].gate = trig.gate;
		trigger_free(&trig);
	}
	return 0;
}

/* What the timeline says about the capture R, folded into F with IN. */
static int timeline_capture(struct prog *p, struct psysfile_reader *r, struct fold *f,
			    const struct fold_input *in)
{
	json_t *h = psysfile_header(r), *t = psysfile_trailer(r);
	json_t *start = json_object_get(h, "start");
	int64_t wall0 = jint(start, "wall_ns"), mono0 = jint(start, "mono_ns");
	int64_t end = jint(json_object_get(t, "end"), "mono_ns");
	struct tm tm;
	time_t sec;

	/* Without a start there is nothing to count --from and --to from. */
	if (!wall0 || !mono0)
		return 0;
	sec = (time_t)(wall0 / 1000000000);
	if (!end)
		end = (int64_t)fold_counts(f)->last_ns;
	p->tl.wall0_ns = wall0;
	p->tl.utc_offset_s = localtime_r(&sec, &tm) ? (int32_t)tm.tm_gmtoff : 0;
	p->tl.end_ns = end > mono0 ? end - mono0 : 0;
	p->tl.freq_hz = jint(h, "freq_hz") > 0 ? (uint32_t)jint(h, "freq_hz") : 0;
	/* fold_timeline's clock: the samples' plus the offset. */
	p->start0 = mono0 + in->clock_offset_ns;
	p->has_tl = 1;
	return timeline_marks(&p->tl, h, t, mono0);
}

/* Writes the timeline of F after its lines (sorted by fold_write). */
static int write_timeline(struct prog *p, struct fold *f, FILE *out)
{
	size_t n;
	const struct fold_event *fs;
	int err;

	errno = 0;
	fs = fold_timeline(f, &n);

	if (!fs && n == 0 && errno == ENOMEM)
		return -ENOMEM;
	p->tl.nlines = fold_nlines(f);
	if (!(p->tl.samples = malloc((n ? n : 1) * sizeof(*p->tl.samples))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p->tl.samples[i] = (struct timeline_sample){
			(int64_t)fs[i].time_ns - p->start0, fs[i].cpu, fs[i].line
		};
	p->tl.nsamples = n;
	err = timeline_write(out, &p->tl);
	if (err == -EINVAL) {
		/* fold_timeline names lines fold_nlines knows: a bug if not. */
		fprintf(stderr, PROG ": internal error: a sample of the timeline names "
			"no line\n");
		p->failed = 1;
		err = 0;
	}
	return err;
}

/* Folds one input into F. TEXT_OK allows folded text (--diff). */
static void add_input(struct prog *p, const char *path, struct fold *f,
		      struct meta *m, int text_ok)
{
	struct psysfile_reader *r;
	struct fold_input in = { 0 };
	int err = psysfile_open(path, &r), rc = 0;

	if (err == -EPROTO && text_ok && strcmp(path, "-") != 0) {
		p->failed |= add_text(path, f);
		return;
	}
	/* Messages from here on name the input as people know it. */
	if (strcmp(path, "-") == 0)
		path = "standard input";
	if (err) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", path, open_error(err));
		p->failed = 1;
		return;
	}
	if (p->info) {
		err = print_info(path, r);
		p->damaged |= warn_damage(path, r, fold_counts(f));
		goto out;
	}
	json_t *h = psysfile_header(r);
	if (plan_symbols(p, path, r, &in) || (rc = plan_window(p, path, h, &in))) {
		p->failed = 1;
		p->usage |= rc == 2;
		goto out;
	}
	in.ks = p->ks;
	in.host = p->per_host ? jstr(h, "host") : NULL;
	in.host_label = jstr(h, "host");
	json_t *start = json_object_get(h, "start");
	if (json_is_integer(json_object_get(start, "wall_ns")) &&
	    json_is_integer(json_object_get(start, "mono_ns")))
		in.clock_offset_ns = jint(start, "wall_ns") - jint(start, "mono_ns");
	err = fold_add(f, r, &in);
	if (!err && p->want_tl)
		err = timeline_capture(p, r, f, &in);
	if (!err) {
		meta_add(m, &p->slice, h, psysfile_trailer(r), fold_counts(f));
		warn_empty_window(p, path, h, psysfile_trailer(r), fold_counts(f));
		p->damaged |= warn_damage(path, r, fold_counts(f));
	}
out:
	if (err) {
		fprintf(stderr, PROG ": '%s': %s\n", path, strerror(-err));
		p->failed = 1;
	}
	psysfile_reader_free(r);
}

/* Loads --kallsyms or --vmlinux. Returns 0 or 1 after an error message. */
static int load_symbols(struct prog *p, int elf)
{
	p->ks = elf ? elfsyms_load(p->sym_path) : ksyms_load(p->sym_path);
	if (p->ks)
		return 0;
	const char *why = strerror(errno);
	if (!elf && errno == ENODATA)
		why = "every address is 0 (copied without root, or kptr_restrict)";
	else if (!elf && errno == EBADMSG)
		why = "not kallsyms text, or damaged compression";
	else if (elf && errno == ENOEXEC)
		why = "not an ELF file";
	else if (elf && errno == ENODATA)
		why = "no symbol table (stripped?)";
	fprintf(stderr, PROG ": cannot read '%s': %s\n", p->sym_path, why);
	return 1;
}

/* The sorted lines of F as arrays of stacks and counts (pointers into F,
 * valid until F changes), for the formats that take them whole. */
static int fold_arrays(struct fold *f, const char ***stacks, uint64_t **counts, size_t *n)
{
	int err = fold_sort(f);

	if (err)
		return err;
	*n = fold_nlines(f);
	*stacks = malloc((*n ? *n : 1) * sizeof(**stacks));
	*counts = malloc((*n ? *n : 1) * sizeof(**counts));
	if (!*stacks || !*counts) {
		free(*stacks);
		free(*counts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++)
		(*stacks)[i] = fold_line(f, i, &(*counts)[i]);
	return 0;
}

/* The nanoseconds one sample stands for, 0 when the rate is unknown. */
static int64_t period_ns(const struct meta *m)
{
	return m->freq > 0 ? (int64_t)llround(1e9 / (double)m->freq) : 0;
}

/* speedscope: the samples in time order, each weighing one sampling
 * period in nanoseconds (runs of one stack merged into one sample), in one
 * profile, or one per CPU. */
static int write_speedscope(struct prog *p, struct fold *f, const struct meta *m, FILE *out)
{
	struct speedscope_profile *pr = NULL;
	const struct fold_event *ev;
	const char **stacks = NULL;
	uint64_t *counts = NULL, *weights = NULL;
	uint32_t *samples = NULL, ncpu = 0;
	size_t n, nev, npr = 0, k = 0;
	char title[4200], name[4600], (*names)[32] = NULL;
	int64_t period = period_ns(m);
	int err = -ENOMEM;

	if ((err = fold_arrays(f, &stacks, &counts, &n)))
		return err;
	err = -ENOMEM;
	ev = fold_timeline(f, &nev);
	if (!ev && nev)
		goto out;
	for (size_t i = 0; i < nev; i++)
		if (ev[i].cpu >= ncpu)
			ncpu = ev[i].cpu + 1;
	if (!p->profile_per_cpu || !nev)
		ncpu = 1;
	samples = malloc((nev ? nev : 1) * sizeof(*samples));
	weights = malloc((nev ? nev : 1) * sizeof(*weights));
	pr = calloc(ncpu, sizeof(*pr));
	names = calloc(ncpu, sizeof(*names));
	if (!samples || !weights || !pr || !names)
		goto out;
	meta_title(m, title, sizeof(title));
	snprintf(name, sizeof(name), "%s%s%s", title, *m->hosts ? " on " : "", m->hosts);
	/* One pass per profile over the time-ordered events: each profile's
	 * samples take the next stretch of the arrays. */
	for (uint32_t c = 0; c < ncpu; c++) {
		struct speedscope_profile *q = &pr[npr];

		q->samples = samples + k;
		q->weights = weights + k;
		for (size_t i = 0; i < nev; i++) {
			if (p->profile_per_cpu && ev[i].cpu != c)
				continue;
			uint64_t w = period > 0 ? (uint64_t)period : 1;
			if (q->n && samples[k - 1] == ev[i].line) {
				weights[k - 1] += w;
				continue;
			}
			samples[k] = ev[i].line;
			weights[k++] = w;
			q->n++;
		}
		if (p->profile_per_cpu && nev) {
			if (!q->n)
				continue;	/* a CPU with nothing folded */
			snprintf(names[npr], sizeof(names[npr]), "cpu %u", c);
			q->name = names[npr];
		} else {
			q->name = name;
		}
		npr++;
	}
	err = speedscope_write(out, name, PROG " " PSYS_VERSION,
			       period > 0 ? "nanoseconds" : "none", stacks, n, pr, npr);
out:
	free(stacks);
	free(counts);
	free(samples);
	free(weights);
	free(pr);
	free(names);
	return err;
}

/* pprof: the stacks with comm, pid, tid, cpu and host as sample labels,
 * the metadata lines (without their "# ") as the profile's comments, the
 * kernel frames in a kernel mapping; each sample also counts as 1/freq s
 * of CPU time. */
#define NLABELS 5
static int write_pprof(struct fold *f, const struct meta *m, const char *slice_text,
		       uint64_t kernel_start, uint64_t kernel_limit, FILE *out)
{
	struct pprof_meta pm = { 0 };
	struct pprof_label *labels = NULL;
	const char **stacks = NULL, **lines = NULL;
	uint64_t *counts = NULL;
	char *text = NULL, (*nums)[3][12] = NULL;
	size_t n, len = 0, nl = 0;
	FILE *mf;
	int err;

	if ((err = fold_arrays(f, &stacks, &counts, &n)))
		return err;
	err = -ENOMEM;
	labels = calloc((n ? n : 1) * NLABELS, sizeof(*labels));
	nums = calloc(n ? n : 1, sizeof(*nums));
	if (!labels || !nums)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct fold_labels fl;
		struct pprof_label *l = &labels[i * NLABELS];

		if (fold_line_labels(f, i, &fl))
			continue;
		snprintf(nums[i][0], sizeof(nums[i][0]), "%u", fl.pid);
		snprintf(nums[i][1], sizeof(nums[i][1]), "%u", fl.tid);
		snprintf(nums[i][2], sizeof(nums[i][2]), "%u", fl.cpu);
		l[0] = (struct pprof_label){ "comm", fl.comm, 0, NULL };
		l[1] = (struct pprof_label){ "pid", nums[i][0], fl.pid, "pid" };
		l[2] = (struct pprof_label){ "tid", nums[i][1], fl.tid, "tid" };
		l[3] = (struct pprof_label){ "cpu", nums[i][2], fl.cpu, "cpu" };
		l[4] = (struct pprof_label){ "host", fl.host, 0, NULL };
	}
	if (!(mf = open_memstream(&text, &len)))
		goto out;
	meta_print(m, fold_counts(f), slice_text, mf);
	if (fclose(mf))
		goto out;
	lines = calloc(len + 1, sizeof(*lines));
	if (!lines)
		goto out;
	for (char *l = text, *e; *l; l = e + 1) {
		if (!(e = strchr(l, '\n')))
			break;
		*e = '\0';
		lines[nl++] = strncmp(l, "# ", 2) == 0 ? l + 2 : l;
	}
	pm.comments = lines;
	pm.ncomments = nl;
	pm.time_ns = m->wall_first;
	pm.duration_ns = m->wall_last > m->wall_first ? m->wall_last - m->wall_first : 0;
	pm.period_ns = period_ns(m);
	pm.kernel_file = "[kernel.kallsyms]";
	pm.kernel_start = kernel_start;
	pm.kernel_limit = kernel_limit;
	err = pprof_write(out, &pm, stacks, counts, labels, NLABELS, n);
out:
	free(labels);
	free(nums);
	free(lines);
	free(text);
	free(stacks);
	free(counts);
	return err;
}

/* A progress line on a terminal's standard error for folds of many files,
 * "psys-fold: [3/10] PATH", written before each file and ended with \r,
 * not \n: a message about that file starts with the same "psys-fold: ",
 * names the same path and says more, so it overwrites the line whole
 * instead of being glued to it. The last line is erased. */
static void progress_show(int on, int done, int total, const char *path)
{
	if (!on)
		return;
	if (done < total)
		fprintf(stderr, "\033[K" PROG ": [%d/%d] %s\r", done + 1, total, path);
	else
		fputs("\033[K", stderr);
	fflush(stderr);
}

/* Adds " --opt value" to the description of the slice. */
static void note_slice(struct prog *p, const char *opt, const char *val)
{
	size_t len = strlen(p->slice_text);
	char clean[256];

	fold_clean(val ? val : "", clean, sizeof(clean));
	snprintf(p->slice_text + len, sizeof(p->slice_text) - len, " %s%s%s", opt,
		 val ? " " : "", clean);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "idle", no_argument, NULL, OPT_IDLE },
		{ "user", no_argument, NULL, OPT_USER },
		{ "no-comm", no_argument, NULL, OPT_NO_COMM },
		{ "addrs", no_argument, NULL, 'a' },
		{ "annotate", no_argument, NULL, OPT_ANNOTATE },
		{ "kallsyms", required_argument, NULL, 'k' },
		{ "vmlinux", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "cpu", required_argument, NULL, 'C' },
		{ "pid", required_argument, NULL, 'p' },
		{ "tid", required_argument, NULL, 't' },
		{ "comm", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "per-host", no_argument, NULL, OPT_PER_HOST },
		{ "per-cpu", no_argument, NULL, OPT_PER_CPU },
		{ "per-pid", no_argument, NULL, OPT_PER_PID },
		{ "diff", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "root-frames", no_argument, NULL, OPT_ROOT_FRAMES },
		{ "no-timeline", no_argument, NULL, OPT_NO_TIMELINE },
		{ "time-order", no_argument, NULL, OPT_TIME_ORDER },
		{ "info", no_argument, NULL, OPT_INFO },
		{ "no-meta", no_argument, NULL, OPT_NO_META },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct prog p = { 0 };
	struct meta m = { 0 }, bm = { 0 };
	int progress;
	struct fold *f = NULL, *base = NULL;
	const char *diff = NULL, *kallsyms = NULL, *vmlinux = NULL;
	char rerr[256];
	int opt, rc = 1, err = 0, no_timeline = 0, time_order = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":ak:e:C:p:t:c:d:F:hV", longopts, NULL)) != -1) {
		struct idlist *ids = NULL;
		struct slice_time *tm = NULL;

		switch (opt) {
		case OPT_IDLE: p.fo.idle = 1; break;
		case OPT_USER: p.fo.user = 1; break;
		case OPT_NO_COMM: p.fo.no_comm = 1; break;
		case 'a': p.fo.addrs = 1; break;
		case OPT_ANNOTATE: p.fo.annotate = 1; break;
		case 'k': kallsyms = optarg; break;
		case 'e': vmlinux = optarg; break;
		case OPT_FORCE: p.force = 1; break;
		case 'C': ids = &p.slice.cpus; break;
		case 'p': ids = &p.slice.pids; break;
		case 't': ids = &p.slice.tids; break;
		case 'c':
			if ((err = slice_set_comm(&p.slice, optarg, rerr, sizeof(rerr)))) {
				fprintf(stderr, PROG ": bad --comm regex '%s': %s\n", optarg,
					err == -ENOMEM ? strerror(ENOMEM) : rerr);
				goto usage_error;
			}
			note_slice(&p, "--comm", optarg);
			break;
		case OPT_FROM: tm = &p.slice.from; break;
		case OPT_TO: tm = &p.slice.to; break;
		case OPT_PER_HOST: p.per_host = 1; break;
		case OPT_PER_CPU: p.fo.per_cpu = 1; break;
		case OPT_PER_PID: p.fo.per_pid = 1; break;
		case 'd': diff = optarg; break;
		case 'F':
			if (strcmp(optarg, "speedscope") == 0) {
				p.format = FMT_SPEEDSCOPE;
			} else if (strcmp(optarg, "pprof") == 0) {
				p.format = FMT_PPROF;
			} else if (strcmp(optarg, "folded") == 0) {
				p.format = FMT_FOLDED;
			} else {
				fprintf(stderr, PROG ": unknown --format '%s' (folded, "
					"speedscope or pprof)\n", optarg);
				goto usage_error;
			}
			break;
		case OPT_INFO: p.info = 1; break;
		case OPT_ROOT_FRAMES: p.root_frames = 1; break;
		case OPT_NO_META: p.no_meta = 1; break;
		case OPT_NO_TIMELINE: no_timeline = 1; break;
		case OPT_TIME_ORDER: time_order = 1; break;
		case 'h': usage(stdout); rc = 0; goto out;
		case 'V': printf(PROG " %s\n", PSYS_VERSION); rc = 0; goto out;
		default:
			fprintf(stderr, PROG ": %s\n", cli_option_error(opt, argv, longopts,
				rerr, sizeof(rerr)));
			goto usage_error;
		}
		if (ids) {
			if ((err = idlist_parse(optarg, opt == 'C' ? IDLIST_MAX_CPU :
						 IDLIST_MAX_PID, ids))) {
				fprintf(stderr, PROG ": bad list for %s: '%s' (want e.g. "
					"\"1,5-7\")\n", argv[optind - 1][1] == '-' ?
					argv[optind - 1] : opt == 'C' ? "--cpu" : opt == 'p' ?
					"--pid" : "--tid", optarg);
				goto usage_error;
			}
			note_slice(&p, opt == 'C' ? "--cpu" : opt == 'p' ? "--pid" : "--tid", optarg);
		}
		if (tm) {
			if (slice_parse_time(optarg, tm)) {
				fprintf(stderr, PROG ": bad time for %s: '%s' (seconds from the "
					"start, HH:MM:SS, or an ISO 8601 date and time)\n",
					opt == OPT_FROM ? "--from" : "--to", optarg);
				goto usage_error;
			}
			note_slice(&p, opt == OPT_FROM ? "--from" : "--to", optarg);
			snprintf(opt == OPT_FROM ? p.from_text : p.to_text, sizeof(p.from_text),
				 "%s", optarg);
		}
	}
	/* Times of one kind compare before any file is read. */
	if (p.slice.from.kind != SLICE_TIME_NONE && p.slice.from.kind == p.slice.to.kind &&
	    p.slice.from.ns >= p.slice.to.ns) {
		fprintf(stderr, PROG ": --to %s is not after --from %s\n", p.to_text,
			p.from_text);
		rc = 2;
		goto out;
	}
	/* A reader that goes away (| head) ends us silently, as any filter. */
	cli_default_sigpipe();
	/* No file: standard input, as a filter, unless it is a terminal,
	 * where nobody types a capture. */
	char *stdin_only[] = { "-", NULL };
	if (optind == argc) {
		if (isatty(STDIN_FILENO)) {
			fprintf(stderr, PROG ": no input: give FILE.psys, or a pipe or a file "
				"on standard input\n");
			goto usage_error;
		}
		argv = stdin_only;
		argc = 1;
		optind = 0;
	}
	if (kallsyms && vmlinux) {
		fprintf(stderr, PROG ": --kallsyms and --vmlinux exclude each other\n");
		goto usage_error;
	}
	if (diff && p.format != FMT_FOLDED) {
		fprintf(stderr, PROG ": --diff writes folded text only, not %s\n",
			p.format == FMT_PPROF ? "pprof" : "speedscope");
		goto usage_error;
	}
	if ((p.info && (diff || p.format != FMT_FOLDED))) {
		fprintf(stderr, PROG ": --info does not fold: no --diff or --format\n");
		goto usage_error;
	}
	if (p.root_frames && p.format != FMT_PPROF) {
		fprintf(stderr, PROG ": --root-frames is for --format pprof (other formats "
			"always have them)\n");
		goto usage_error;
	}
	/* Compressed protobuf on a terminal is garbage on the screen. */
	if (p.format == FMT_PPROF && isatty(STDOUT_FILENO)) {
		fprintf(stderr, PROG ": --format pprof writes binary data: redirect standard "
			"output to a file\n");
		goto usage_error;
	}
	p.fo.slice = &p.slice;
	if (p.format == FMT_PPROF) {
		/* Labels say who and where; frames say what. The kernel
		 * mark puts kernel frames in the profile's kernel mapping. */
		p.fo.labels = 1;
		p.fo.annotate = 1;
		if (!p.root_frames)
			p.fo.no_comm = 1;
	} else if (p.format == FMT_SPEEDSCOPE) {
		p.fo.timeline = 1;
		/* Per CPU, speedscope gets one profile each, not a frame. */
		p.profile_per_cpu = p.fo.per_cpu;
		p.fo.per_cpu = 0;
	}
	if (time_order && (diff || p.format != FMT_FOLDED)) {
		fprintf(stderr, PROG ": --time-order is for folded output: no --diff or --format\n");
		goto usage_error;
	}
	if (time_order) {
		/* The lines are the timeline: each CPU's, under its frame. */
		p.fo.timeline = p.fo.per_cpu = 1;
		no_timeline = 1;
	}
	/* Times are from one capture's start: a timeline of several would
	 * mix clocks. */
	p.want_tl = !no_timeline && !p.no_meta && !diff && !p.info &&
		    p.format == FMT_FOLDED && argc - optind == 1;
	if (p.want_tl)
		p.fo.timeline = 1;
	p.sym_path = kallsyms ? kallsyms : vmlinux;
	if (p.sym_path && !p.info && load_symbols(&p, vmlinux != NULL))
		goto out;
	f = fold_new(&p.fo);
	base = diff ? fold_new(&p.fo) : NULL;
	if (!f || (diff && !base)) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (diff)
		add_input(&p, diff, base, &bm, 1);
	progress = argc - optind > 1 && isatty(STDERR_FILENO);
	for (int i = optind; i < argc && !(diff && p.failed); i++) {
		progress_show(progress, i - optind, argc - optind, argv[i]);
		add_input(&p, argv[i], f, &m, diff != NULL);
	}
	progress_show(progress, argc - optind, argc - optind, NULL);
	/* A differential graph with one side missing would mislead. */
	if (diff && p.failed)
		goto out;
	if (!p.info && (m.files || fold_nlines(f))) {
		if (p.format == FMT_SPEEDSCOPE) {
			err = write_speedscope(&p, f, &m, stdout);
		} else if (p.format == FMT_PPROF) {
			err = write_pprof(f, &m, p.slice_text, m.kernel_start, m.kernel_limit,
					  stdout);
		} else {
			if (!p.no_meta)
				meta_print(&m, fold_counts(f), p.slice_text, stdout);
			if (diff) {
				char v[4200];
				snprintf(v, sizeof(v), "base %s (%llu samples)", diff,
					 (unsigned long long)fold_counts(base)->folded);
				if (!p.no_meta)
					folded_meta_write(stdout, "diff", v);
				err = fold_write_diff(base, f, stdout);
			} else {
				err = time_order ? timeorder_write(f, stdout)
						 : fold_write(f, stdout);
				if (!err && p.has_tl)
					err = write_timeline(&p, f, stdout);
			}
		}
		if (err == -ENOMEM) {
			fprintf(stderr, PROG ": out of memory\n");
			p.failed = 1;
		}
	}
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, PROG ": cannot write to standard output: %s\n", strerror(errno));
		goto out;
	}
	rc = p.usage ? 2 : p.failed ? 1 : p.damaged ? 3 : 0;
	goto out;
usage_error:
	fputs(CLI_TRY(PROG), stderr);
	rc = CLI_USAGE;
out:
	fold_free(f);
	fold_free(base);
	ksyms_free(p.ks);
	slice_free(&p.slice);
	timeline_free(&p.tl);
	cpulist_free(&m.cpus);
	cpulist_free(&bm.cpus);
	return rc;
}
