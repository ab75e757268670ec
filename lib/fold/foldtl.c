/* The timeline of a folded capture; see foldtl.h. */
#include "fold/foldtl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"

/* Trigger TR as a timeline mark. */
static int add_mark(struct timeline *tl, size_t *cap, const struct trigger *tr, int64_t mono0)
{
	char hot[4096] = "";
	size_t len = 0;

	for (int k = 0; k < tr->nhot && len + 32 < sizeof(hot); k++)
		len += (size_t)snprintf(hot + len, sizeof(hot) - len, "%s%d:%.2f", k ? "," : "",
					tr->hot[k].cpu, tr->hot[k].sys_pct);
	if (buf_grow((void **)&tl->marks, cap, tl->nmarks + 1, sizeof(*tl->marks)) ||
	    !(tl->marks[tl->nmarks].hot = strdup(hot)))
		return -ENOMEM;
	tl->marks[tl->nmarks].at_ns = tr->mono_ns - mono0;
	tl->marks[tl->nmarks].from_ns = tr->mono_start_ns - mono0;
	tl->marks[tl->nmarks++].gate = tr->gate;
	return 0;
}

int foldtl_capture(struct foldtl *t, const struct capinfo *ci, const struct fold *f,
		   const struct fold_input *in)
{
	int64_t wall0 = ci->h.start_wall_ns, mono0 = ci->h.start_mono_ns, end = ci->t.end_mono_ns;
	struct tm tm;
	time_t sec;
	size_t cap = 0;
	int err;

	/* Without a start there is nothing to count --from and --to from. */
	if (!wall0 || !mono0)
		return 0;
	sec = (time_t)(wall0 / 1000000000);
	if (!end)
		end = (int64_t)fold_counts(f)->last_ns;
	t->tl.wall0_ns = wall0;
	t->tl.utc_offset_s = localtime_r(&sec, &tm) ? (int32_t)tm.tm_gmtoff : 0;
	t->tl.end_ns = end > mono0 ? end - mono0 : 0;
	t->tl.freq_hz = ci->h.freq_hz > 0 ? (uint32_t)ci->h.freq_hz : 0;
	/* fold_timeline's clock: the samples' plus the offset. */
	t->start0 = mono0 + in->clock_offset_ns;
	t->has = 1;
	/* Every trigger that started or extended the capture, in the
	 * trailer; the header's one when it was cut short. */
	if (!ci->has_list)
		return ci->trigger ? add_mark(&t->tl, &cap, ci->trigger, mono0) : 0;
	for (size_t i = 0; i < ci->t.ntriggers; i++)
		if ((err = add_mark(&t->tl, &cap, &ci->t.triggers[i].t, mono0)))
			return err;
	return 0;
}

int foldtl_write(struct foldtl *t, struct fold *f, FILE *out)
{
	const struct fold_event *fs;
	size_t n;

	errno = 0;
	fs = fold_timeline(f, &n);
	if (!fs && n == 0 && errno == ENOMEM)
		return -ENOMEM;
	t->tl.nlines = fold_nlines(f);
	if (!(t->tl.samples = malloc((n ? n : 1) * sizeof(*t->tl.samples))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		t->tl.samples[i] = (struct timeline_sample){
			(int64_t)fs[i].time_ns - t->start0, fs[i].cpu, fs[i].line
		};
	t->tl.nsamples = n;
	return timeline_write(out, &t->tl);
}

void foldtl_free(struct foldtl *t)
{
	if (t)
		timeline_free(&t->tl);
}
