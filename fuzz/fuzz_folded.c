/* libFuzzer harness for psys-svg's input side and everything after it:
 * any bytes as folded stacks (with metadata lines and a timeline), each
 * line also parsed on its own, then the flame tree, its layout and the
 * whole SVG document (with its time view when the timeline holds) written
 * out, as psys-svg does. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/flame.h"
#include "render/flamegraph.h"
#include "folded/folded.h"
#include "render/svg.h"
#include "folded/timeline.h"

static FILE *sink;

struct ctx {
	struct folded *in;
	struct flame *fl;
	unsigned flags;
	double counts[256];
	uint32_t ends[256];
	size_t nlines;
};

static int on_stack(void *p, const struct folded_line *l)
{
	struct ctx *c = p;
	struct folded_line again;
	int err;

	if (l->len && !l->stack)
		abort();
	/* A stack line the reader accepted parses again on its own. */
	(void)folded_parse_line(l->stack, l->len, &again, NULL);
	if (!c->fl) {
		if (c->in->mode == FOLDED_DIFF)
			c->flags |= FLAME_DIFF;
		c->fl = flame_new(c->flags);
		if (!c->fl)
			return -ENOMEM;
	}
	if (c->in->mode == FOLDED_DIFF)
		err = flame_add_stack(c->fl, l->stack, l->len, l->count2, l->count);
	else
		err = flame_add_stack(c->fl, l->stack, l->len, l->count, 0);
	/* The first lines' counts and ends, for a timeline (more lines
	 * than that: the timeline is not checked, so not drawn). */
	if (c->nlines < 256) {
		c->counts[c->nlines] = err ? -1 : l->count;
		c->ends[c->nlines] = flame_last_node(c->fl);
	}
	c->nlines++;
	return err == -EINVAL ? 0 : err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct folded in;
	struct ctx c = { .in = &in };
	struct timeline tl;
	char why[256];
	struct flamegraph_opts o;
	struct svg w;
	const char *p = (const char *)data, *end = p + size;

	if (!sink)
		sink = fopen("/dev/null", "w");
	/* Each line on its own first. */
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct folded_line l;
		size_t one;

		if (folded_parse_line(p, len, &l, &one) > 0 &&
		    (l.len > len || (l.len && (l.stack < p || l.stack + l.len > p + len))))
			abort();
		p += len + 1;
	}

	folded_init(&in);
	flamegraph_opts_init(&o);
	c.flags = size & 1 ? FLAME_REVERSE : 0;
	o.inverted = size >> 1 & 1;
	o.minwidth_percent = size >> 2 & 1;
	o.minwidth = size >> 3 & 1 ? 0 : 0.1;
	o.hash = size >> 4 & 1;
	o.palette = (enum palette_id)(size >> 5 & 7);
	if (folded_read_mem(&in, (const char *)data, size, on_stack, &c) == 0 &&
	    svg_init(&w, sink) == 0) {
		if (timeline_read(&in, &tl, why, sizeof(why)) == 1 && in.mode != FOLDED_DIFF &&
		    c.nlines <= 256 && timeline_check(&tl, c.counts, c.nlines, why, sizeof(why)) == 0) {
			o.timeline = &tl;
			o.line_node = c.ends;
		}
		flamegraph_write(&w, c.fl, &in, &o);
		svg_free(&w);
		timeline_free(&tl);
	}
	(void)folded_meta_get(&in, "title", NULL);
	(void)folded_from_psys(&in);
	flame_free(c.fl);
	folded_free(&in);
	return 0;
}
