/* libFuzzer harness for psys-svg's input side and everything after it:
 * any bytes as folded stacks (with metadata lines and a timeline), each
 * line also parsed on its own, then read, laid out and written as a whole
 * SVG document (with its time view when the timeline holds) by
 * lib/render/render.h, as psys-svg does. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded/folded.h"
#include "render/render.h"

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct render rd;
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

	/* Then the whole input as psys-svg reads and draws it. */
	flamegraph_opts_init(&o);
	render_init(&rd, size & 1 ? FLAME_REVERSE : 0);
	o.inverted = size >> 1 & 1;
	o.minwidth_percent = size >> 2 & 1;
	o.minwidth = size >> 3 & 1 ? 0 : 0.1;
	o.hash = size >> 4 & 1;
	o.palette = (enum palette_id)(size >> 5 & 7);
	if (render_read_mem(&rd, (const char *)data, size) == 0 &&
	    render_timeline(&rd, why, sizeof(why)) != -ENOMEM && svg_init(&w, sink) == 0) {
		render_write(&rd, &w, &o);
		svg_free(&w);
	}
	(void)folded_meta_get(&rd.in, "title", NULL);
	(void)folded_from_psys(&rd.in);
	render_free(&rd);
	return 0;
}
