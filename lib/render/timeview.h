/* The time view of a flame graph SVG: the samples of a timeline drawn over
 * the capture's time, one row per CPU (bar height: the share of that CPU's
 * time the samples stand for), with the triggers, the interval that
 * crossed the gate and the pre-trigger lead marked and the wall-clock time
 * on the axis; and, for the embedded script, every sample's time, CPU and
 * stack with the whole flame tree, so that any range can be folded again
 * in the browser exactly as psys-fold --from --to would fold it. The
 * encoding of that data is described in docs/psys-svg.md. */
#ifndef PSYS_TIMEVIEW_H
#define PSYS_TIMEVIEW_H

#include <stdint.h>

#include "render/flame.h"
#include "render/svg.h"
#include "folded/timeline.h"

/* Selections are whole steps of this many ns from the capture start: the
 * script rounds from/to to it (4 decimals of a second). */
#define TIMEVIEW_QUANTUM_NS 100000

struct timeview_input {
	const struct timeline *tl;
	struct flame *fl;
	/* LINE_NODE[i]: the node where stack line i ends (tl->nlines). */
	const uint32_t *line_node;
	/* The whole tree laid out without pruning (flame_layout with
	 * min_count 0): the order the script lays frames out in. */
	const struct flame_frame *frames;
	size_t nframes;
	/* COLOUR[flame_name_id(node)]: each name's fill, 0xRRGGBB. */
	const uint32_t *colour;
	/* The frames the SVG draws itself: their names and colours are left
	 * out of the data, the script takes them from those frames. */
	const struct flame_frame *drawn;
	size_t ndrawn;
	double x0, width;	/* the graph's left edge and width, px */
	double fs;		/* font size, px */
	/* What psys-fold's metadata says of the rules that fired (NULL:
	 * nothing): RULES, "interval", "peak" or a list of them; FIRST, the
	 * first trigger in words ("peak: cpu 1 at 62.5% sys over 0.15 s
	 * (threshold 50%)"), whose window a peak mark's tooltip gives.
	 * Borrowed, not NUL-terminated. */
	const char *rules, *first;
	size_t rules_len, first_len;
};

/* The height the time view of TL takes, px. */
double timeview_height(const struct timeline *tl, double fs);

/* Writes the time view with its top at Y, and its data. Returns 0 or
 * -ENOMEM (write errors stay in W). */
int timeview_write(struct svg *w, const struct timeview_input *in, double y);

#endif
