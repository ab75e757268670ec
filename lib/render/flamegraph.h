/* The flame graph document: a laid-out flame tree written as one
 * self-contained interactive SVG (tooltips, click to zoom, regex search,
 * view state in the URL), with flamegraph.pl's options; the colours are
 * lib/render/palette.h's.
 * Output is a function of the input and options only: no clock, no
 * randomness, no locale. */
#ifndef PSYS_FLAMEGRAPH_H
#define PSYS_FLAMEGRAPH_H

#include <stdint.h>

#include "render/flame.h"
#include "folded/folded.h"
#include "render/nameattr.h"
#include "render/palette.h"
#include "render/palmap.h"
#include "render/svg.h"
#include "folded/timeline.h"

struct flamegraph_opts {
	const char *title;	/* NULL: metadata "title", else "Flame Graph" */
	const char *subtitle;	/* NULL: built from metadata, if any */
	double width;		/* image width, px */
	double frame_height;	/* px per frame row */
	double minwidth;	/* prune frames narrower than this... */
	int minwidth_percent;	/* ...px, or % of the total if set */
	const char *fonttype;
	double fontsize;
	double fontwidth;	/* average glyph width / font size */
	const char *countname;	/* "samples" */
	const char *nametype;	/* "Function:" */
	enum palette_id palette;	/* lib/render/palette.h */
	int palette_set;	/* PALETTE was asked for, not the default */
	int hash;		/* similar names get similar colours */
	const char *bgcolors;	/* NULL: by palette; yellow, blue, green,
				 * grey or #rrggbb */
	int inverted;		/* icicle: root at the top */
	int negate;		/* differential: the columns are AFTER BEFORE */
	const char *notes;	/* put into the document's <desc> */
	/* flamegraph.pl's --factor: counts shown in tooltips are multiplied
	 * by this (1), widths are not. */
	double factor;
	/* flamegraph.pl's --total: the count the full width stands for, when
	 * above the counts' sum (0: the sum); the root spans it all. */
	double total;
	int flamechart;		/* --flamechart: the default title says so */
	/* --random: every box its own colour, drawn from a generator seeded
	 * with SEED, instead of one colour per name. */
	int random;
	uint64_t seed;
	/* --cp: names' colours come from this map, and names it lacks are
	 * added with the colour they got (NULL: none). Borrowed. */
	struct palmap *palmap;
	/* --nameattr: per name attributes of the frame's element (NULL:
	 * none). Borrowed. */
	const struct nameattr *nameattr;
	/* The samples over time (NULL: none), and LINE_NODE[i], the node
	 * of the tree where stack line i ends: a time view above the graph
	 * (lib/render/timeview.h). Not for differential graphs. */
	const struct timeline *timeline;
	const uint32_t *line_node;
};

/* flamegraph.pl's defaults, as an initializer. */
#define FLAMEGRAPH_OPTS_DEFAULT                                             \
	{                                                                   \
		.width = 1200, .frame_height = 16, .minwidth = 0.1,        \
		.fonttype = "Verdana", .fontsize = 12, .fontwidth = 0.59,  \
		.countname = "samples", .nametype = "Function:",           \
		.palette = PALETTE_HOT, .factor = 1,                       \
	}

/* Fills O with FLAMEGRAPH_OPTS_DEFAULT. */
void flamegraph_opts_init(struct flamegraph_opts *o);

/* Non-zero if S is a --bgcolors value we accept. */
int flamegraph_bgcolors_ok(const char *s);

/* Writes the graph of FL (NULL, or a tree without counts, gives a valid
 * document saying there are no samples) to W. IN supplies the metadata
 * and whether the tree is differential (IN->mode) and all-kernel (from
 * psys-fold). Returns 0, -ENOMEM, or the writer's error. */
int flamegraph_write(struct svg *w, struct flame *fl, const struct folded *in,
		     const struct flamegraph_opts *o);

#endif
