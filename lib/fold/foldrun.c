/* A run of psys-fold over its inputs; see foldrun.h. */
#include "fold/foldrun.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "fold/capinfo.h"
#include "fold/export.h"
#include "fold/foldtext.h"
#include "fold/foldtl.h"
#include "fold/summary.h"
#include "fold/symplan.h"
#include "fold/timeorder.h"
#include "fold/window.h"
#include "folded/folded.h"

struct foldrun {
	const struct foldrun_opts *o;
	const struct diag *d;
	FILE *out;
	struct symplan sym;
	struct fold *f, *base;
	struct summary sum, base_sum;
	/* The timeline of a fold of one capture to folded text. */
	struct foldtl tl;
	int want_tl;
	struct foldrun_status st;
};

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

/* Says on D what a damaged or cut-short file lost. Returns 1 if anything
 * was. */
static int warn_damage(const char *path, struct psysfile_reader *r, const struct capinfo *ci,
		       const struct fold_counts *c, const struct diag *d)
{
	const struct psysfile_stats *st = psysfile_stats(r);
	char part[3][200] = { "", "", "" };
	int hurt = 0;

	if (!st->has_header) {
		diag_say(d, "warning: '%s': header missing or damaged", path);
		hurt = 1;
	}
	if (st->bad_records || st->skipped_bytes || st->missing_records) {
		/* Each record stands alone: what is lost is lost whole, and
		 * nothing else is attributed differently. */
		if (st->lost_samples)
			snprintf(part[0], sizeof(part[0]), " (%llu samples)",
				 (unsigned long long)st->lost_samples);
		diag_say(d, "warning: '%s': damaged: %llu records%s and %llu bytes skipped; "
			 "every sample folded is from an intact record", path,
			 (unsigned long long)(st->bad_records + st->missing_records), part[0],
			 (unsigned long long)st->skipped_bytes);
		hurt = 1;
	}
	if (st->duplicates) {
		diag_say(d, "warning: '%s': %llu repeated records skipped", path,
			 (unsigned long long)st->duplicates);
		hurt = 1;
	}
	if (st->unread_bytes || st->unresolved) {
		/* A 1.x file's ids are file-wide: past damage they may point
		 * anywhere, so nothing after it is read. */
		if (st->unresolved)
			snprintf(part[0], sizeof(part[0]), "; %llu samples with undefined ids "
				 "dropped", (unsigned long long)st->unresolved);
		else
			part[0][0] = '\0';
		diag_say(d, "warning: '%s': format %d capture damaged: the last %llu bytes "
			 "cannot be read safely and were not folded%s", path, st->version,
			 (unsigned long long)st->unread_bytes, part[0]);
		hurt = 1;
	}
	if (!st->has_trailer) {
		int64_t mono0 = ci->h.start_mono_ns;
		double got = c->last_ns && mono0 ? (c->last_ns - mono0) / 1e9 : 0;

		if (ci->h.duration_s > 0)
			snprintf(part[1], sizeof(part[1]), " of %.3f s planned", ci->h.duration_s);
		if (st->truncated_bytes)
			snprintf(part[2], sizeof(part[2]), "; %llu bytes of an unfinished "
				 "record dropped", (unsigned long long)st->truncated_bytes);
		/* What the file shows, not a guess at why: a recorder that
		 * ends on a write error writes a trailer into the room it
		 * kept, so none means it stopped before the end (killed,
		 * crashed, the machine down) or a disk that kept no room. */
		diag_say(d, "warning: '%s': truncated (no trailer, and no write error "
			 "recorded: the recorder stopped before the end): folded the samples "
			 "up to +%.3f s%s, %llu records intact%s", path, got, part[1],
			 (unsigned long long)st->records, part[2]);
		hurt = 1;
	}
	return hurt;
}

/* --info: R's header, trailer and read counts as JSON on OUT. */
static int print_info(const char *path, struct psysfile_reader *r, FILE *out)
{
	struct psysfile_sample s;
	uint64_t *per_thread = NULL;
	size_t cap = 0;

	/* Samples by thread, for the cgroups they ran in. */
	while (psysfile_next(r, &s) == 1) {
		if (s.thread_id >= cap) {
			size_t old = cap;
			if (buf_grow((void **)&per_thread, &cap, (size_t)s.thread_id + 1, 8)) {
				free(per_thread);
				return -ENOMEM;
			}
			memset(per_thread + old, 0, (cap - old) * 8);
		}
		per_thread[s.thread_id]++;
	}
	json_t *cgroups = who_cgroups_json(r, per_thread, cap);
	free(per_thread);
	if (!cgroups)
		return -ENOMEM;
	const struct psysfile_stats *st = psysfile_stats(r);
	json_t *h = psysfile_header(r), *t = psysfile_trailer(r);
	json_t *o = json_pack("{s:o?, s:O?, s:O?, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
		"file", utf8_json(path, strlen(path)), "header", h, "trailer", t,
		"cgroups", cgroups,
		"read", "records", (json_int_t)st->records,
		"bad_records", (json_int_t)st->bad_records,
		"skipped_bytes", (json_int_t)st->skipped_bytes,
		"truncated_bytes", (json_int_t)st->truncated_bytes,
		"samples", (json_int_t)st->samples,
		"unresolved", (json_int_t)st->unresolved);

	if (!o)
		return -ENOMEM;
	json_t *rd = json_object_get(o, "read");
	json_object_set_new(rd, "version", json_integer(st->version));
	json_object_set_new(rd, "lost_samples", json_integer((json_int_t)st->lost_samples));
	json_object_set_new(rd, "missing_records", json_integer((json_int_t)st->missing_records));
	json_object_set_new(rd, "duplicates", json_integer((json_int_t)st->duplicates));
	json_object_set_new(rd, "unread_bytes", json_integer((json_int_t)st->unread_bytes));
	if (!json_object_get(o, "trailer"))
		json_object_set_new(o, "trailer", json_null());
	json_dumpf(o, out, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', out);
	json_decref(o);
	return 0;
}

/* Reads R's header (TRAILER 0) or trailer into CI. A record that does not
 * read as one is warned of and read as missing: the samples do not
 * depend on it. Returns 0 or -ENOMEM. */
static int read_record(struct foldrun *run, const char *path, struct psysfile_reader *r,
		       struct capinfo *ci, int trailer)
{
	char why[256];
	int err = trailer ? capinfo_trailer(ci, r, why, sizeof(why)) :
			    capinfo_header(ci, r, why, sizeof(why));

	if (err != -EINVAL)
		return err;
	diag_say(run->d, "warning: '%s': %s damaged (%s): read as missing", path,
		 trailer ? "trailer" : "header", why);
	run->st.damaged = 1;
	return 0;
}

/* Folds the capture R (at PATH, header CI) into F and S. */
static int add_capture(struct foldrun *run, const char *path, struct psysfile_reader *r,
		       struct capinfo *ci, struct fold *f, struct summary *s)
{
	const struct foldrun_opts *o = run->o;
	struct fold_input in = { 0 };
	int err;

	if (symplan_check(&run->sym, path, ci, &in, run->d))
		return -EINVAL;
	if ((err = window_resolve(&o->slice, path, ci, &in, run->d))) {
		run->st.usage |= err == -ERANGE;
		return -EINVAL;
	}
	in.host = o->per_host ? ci->host : NULL;
	in.host_label = ci->host;
	if (ci->has_clocks)
		in.clock_offset_ns = ci->h.start_wall_ns - ci->h.start_mono_ns;
	if ((err = fold_add(f, r, &in)) || (err = read_record(run, path, r, ci, 1)))
		return err;
	if (run->want_tl && (err = foldtl_capture(&run->tl, ci, f, &in)))
		return err;
	summary_add(s, &o->slice, ci, fold_counts(f));
	window_check_empty(&o->slice, path, ci, fold_counts(f), run->d);
	run->st.damaged |= warn_damage(path, r, ci, fold_counts(f), run->d);
	return 0;
}

/* Folds one input into F and S. TEXT_OK allows folded text (--diff). */
static void add_input(struct foldrun *run, const char *path, struct fold *f,
		      struct summary *s, int text_ok)
{
	struct psysfile_reader *r;
	struct capinfo ci = { 0 };
	int err = psysfile_open(path, &r);

	if (err == -EPROTO && text_ok && strcmp(path, "-") != 0) {
		if (foldtext_add(f, path, run->d))
			run->st.failed = 1;
		return;
	}
	/* Messages from here on name the input as people know it. */
	if (strcmp(path, "-") == 0)
		path = "standard input";
	if (err) {
		diag_say(run->d, "cannot read '%s': %s", path, open_error(err));
		run->st.failed = 1;
		return;
	}
	if (!(err = read_record(run, path, r, &ci, 0))) {
		if (run->o->info) {
			err = print_info(path, r, run->out);
			run->st.damaged |= warn_damage(path, r, &ci, fold_counts(f), run->d);
		} else {
			err = add_capture(run, path, r, &ci, f, s);
		}
	}
	if (err == -EINVAL)
		run->st.failed = 1;	/* said already */
	else if (err) {
		diag_say(run->d, "'%s': %s", path, strerror(-err));
		run->st.failed = 1;
	}
	capinfo_free(&ci);
	psysfile_reader_free(r);
}

/* What the format asks of the fold. */
static void fit_format(struct foldrun_opts *o)
{
	o->fo.slice = &o->slice;
	if (o->format == FOLDRUN_PPROF) {
		/* Labels say who and where; frames say what. The kernel
		 * mark puts kernel frames in the profile's kernel mapping. */
		o->fo.labels = 1;
		o->fo.annotate = 1;
		if (!o->root_frames)
			o->fo.no_comm = 1;
	} else if (o->format == FOLDRUN_SPEEDSCOPE) {
		o->fo.timeline = 1;
	}
	if (o->time_order) {
		/* The lines are the timeline: each CPU's, under its frame. */
		o->fo.timeline = o->fo.per_cpu = 1;
		o->no_timeline = 1;
	}
}

int foldrun_new(struct foldrun_opts *o, FILE *out, const struct diag *d,
		struct foldrun **run)
{
	struct foldrun *r = calloc(1, sizeof(*r));
	struct fold_opts fo;
	int err;

	*run = NULL;
	if (!r)
		goto nomem;
	r->o = o;
	r->d = d;
	r->out = out;
	fit_format(o);
	fo = o->fo;
	/* Per CPU, speedscope gets one profile each, not a frame. */
	if (o->format == FOLDRUN_SPEEDSCOPE)
		fo.per_cpu = 0;
	/* Times are from one capture's start: a timeline of several would
	 * mix clocks. */
	r->want_tl = !o->no_timeline && !o->no_meta && !o->diff && !o->info &&
		     o->format == FOLDRUN_FOLDED && o->nfiles == 1;
	if (r->want_tl)
		fo.timeline = 1;
	if ((o->kallsyms || o->vmlinux) && !o->info) {
		r->sym.force = o->force;
		if ((err = symplan_load(&r->sym, o->kallsyms ? o->kallsyms : o->vmlinux,
					!o->kallsyms, d))) {
			foldrun_free(r);
			return err;
		}
	}
	r->f = fold_new(&fo);
	r->base = o->diff ? fold_new(&fo) : NULL;
	if (!r->f || (o->diff && !r->base))
		goto nomem;
	if (o->diff)
		add_input(r, o->diff, r->base, &r->base_sum, 1);
	*run = r;
	return 0;
nomem:
	diag_say(d, "out of memory");
	foldrun_free(r);
	return -ENOMEM;
}

void foldrun_add(struct foldrun *r, const char *path)
{
	add_input(r, path, r->f, &r->sum, r->o->diff != NULL);
}

/* The folded text: metadata, lines, then the timeline or the diff. */
static int write_folded(struct foldrun *r)
{
	const struct foldrun_opts *o = r->o;
	int err;

	if (!o->no_meta)
		summary_write(&r->sum, fold_counts(r->f), o->slice.desc, r->out);
	if (o->diff) {
		char v[4200];

		snprintf(v, sizeof(v), "base %s (%llu samples)", o->diff,
			 (unsigned long long)fold_counts(r->base)->folded);
		if (!o->no_meta)
			folded_meta_write(r->out, "diff", v);
		return fold_write_diff(r->base, r->f, r->out);
	}
	err = o->time_order ? timeorder_write(r->f, r->out) : fold_write(r->f, r->out);
	if (err || !r->tl.has)
		return err;
	err = foldtl_write(&r->tl, r->f, r->out);
	if (err == -EINVAL) {
		/* fold_timeline names lines fold_nlines knows: a bug if not. */
		diag_say(r->d, "internal error: a sample of the timeline names no line");
		r->st.failed = 1;
		err = 0;
	}
	return err;
}

void foldrun_write(struct foldrun *r)
{
	const struct foldrun_opts *o = r->o;
	int err;

	if (o->info || (o->diff && r->st.failed) || (!r->sum.files && !fold_nlines(r->f)))
		return;
	if (o->format == FOLDRUN_SPEEDSCOPE)
		err = export_speedscope(r->f, &r->sum, o->fo.per_cpu, o->exporter, r->out);
	else if (o->format == FOLDRUN_PPROF)
		err = export_pprof(r->f, &r->sum, o->slice.desc, r->out);
	else
		err = write_folded(r);
	if (err == -ENOMEM) {
		diag_say(r->d, "out of memory");
		r->st.failed = 1;
	}
}

const struct foldrun_status *foldrun_status(const struct foldrun *r)
{
	return &r->st;
}

void foldrun_free(struct foldrun *r)
{
	if (!r)
		return;
	fold_free(r->f);
	fold_free(r->base);
	symplan_free(&r->sym);
	summary_free(&r->sum);
	summary_free(&r->base_sum);
	foldtl_free(&r->tl);
	free(r);
}
