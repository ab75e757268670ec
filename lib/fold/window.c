/* Resolving the time window; see window.h. */
#include "fold/window.h"

#include <errno.h>
#include <stdio.h>

#include "base/ptime.h"

int window_resolve(const struct slice *sl, const char *path, const struct capinfo *ci,
		   struct fold_input *in, const struct diag *d)
{
	int64_t t;
	int rc;

	in->from_ns = 0;
	in->to_ns = UINT64_MAX;
	rc = slice_time_mono(&sl->from, ci->h.start_wall_ns, ci->h.start_mono_ns, &t);
	if (rc == 0)
		in->from_ns = t > 0 ? (uint64_t)t : 0;
	if (rc >= 0) {
		rc = slice_time_mono(&sl->to, ci->h.start_wall_ns, ci->h.start_mono_ns, &t);
		if (rc == 0)
			in->to_ns = t > 0 ? (uint64_t)t : 0;
	}
	if (rc < 0) {
		diag_say(d, "'%s': no start time in the header: cannot apply --from/--to", path);
		return -EINVAL;
	}
	/* Times of different kinds (seconds, a time of day) meet only here,
	 * against this capture's start. */
	if (in->from_ns >= in->to_ns) {
		diag_say(d, "'%s': --to %s is not after --from %s", path, sl->to_text,
			 sl->from_text);
		return -ERANGE;
	}
	return 0;
}

void window_check_empty(const struct slice *sl, const char *path, const struct capinfo *ci,
			const struct fold_counts *c, const struct diag *d)
{
	int64_t wall0 = ci->h.start_wall_ns, mono0 = ci->h.start_mono_ns, mono1 = ci->t.end_mono_ns;
	char a[64] = "?", b[64] = "?", from[80] = "", to[80] = "";

	if (c->in_window || (sl->from.kind == SLICE_TIME_NONE && sl->to.kind == SLICE_TIME_NONE))
		return;
	/* No trailer: the capture ran until its last sample. */
	if (!mono1)
		mono1 = c->last_ns ? (int64_t)c->last_ns : mono0;
	ptime_iso(wall0, a, sizeof(a));
	ptime_iso(wall0 + (mono1 - mono0), b, sizeof(b));
	if (sl->from.kind != SLICE_TIME_NONE)
		snprintf(from, sizeof(from), " --from %s", sl->from_text);
	if (sl->to.kind != SLICE_TIME_NONE)
		snprintf(to, sizeof(to), " --to %s", sl->to_text);
	diag_say(d, "warning: '%s': no samples in the range%s%s: the capture covers 0 to "
		 "%.3f s (%s .. %s)", path, from, to, (mono1 - mono0) / 1e9, a, b);
}
