/* The time view's data in a flame graph SVG: the whole flame tree, its
 * names and colours, and every sample's time, CPU and end frame, coded in
 * attributes of <g id="timedata"> for the embedded script, which folds any
 * range of them again as psys-fold --from --to would. The coding is
 * described in docs/psys-svg.md; the script's decoder is in
 * lib/render/flamegraph.js. */
#ifndef PSYS_TIMEDATA_H
#define PSYS_TIMEDATA_H

#include <stdint.h>

#include "render/timeview.h"

/* Writes <g id="timedata" .../> for IN. Returns 0 or -ENOMEM (write
 * errors stay in W). */
int timedata_write(struct svg *w, const struct timeview_input *in);

/* A / B rounded down (B > 0): the step of the time view a time is in. */
static inline int64_t timedata_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

#endif
