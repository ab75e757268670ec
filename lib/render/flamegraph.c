/* The flame graph SVG document; see flamegraph.h. Geometry and palettes
 * follow flamegraph.pl's conventions so that its users find what they
 * expect (the colours are lib/render/palette.c's); the markup is ours and smaller (no per-frame handlers, labels
 * only where they fit, colours as #rrggbb). */
#include "render/flamegraph.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph_js.h"	/* generated from flamegraph.js */
#include "render/palette.h"
#include "render/timeview.h"

#define XPAD 10.0	/* left and right margin, px */
#define FRAMEPAD 1.0	/* vertical gap between rows, px */

static const struct {
	const char *name, *top, *bottom;
} BACKGROUNDS[] = {
	{ "yellow", "#eeeeee", "#eeeeb0" },
	{ "blue", "#eeeeee", "#e0e0ff" },
	{ "green", "#eef2ee", "#e0ffe0" },
	{ "grey", "#f8f8f8", "#e8e8e8" },
	{ "gray", "#f8f8f8", "#e8e8e8" },
};

void flamegraph_opts_init(struct flamegraph_opts *o)
{
	*o = (struct flamegraph_opts)FLAMEGRAPH_OPTS_DEFAULT;
}

static int hex_colour(const char *s)
{
	size_t n = strlen(s);

	if (s[0] != '#' || (n != 4 && n != 7))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return 1;
}

int flamegraph_bgcolors_ok(const char *s)
{
	for (size_t i = 0; i < sizeof(BACKGROUNDS) / sizeof(BACKGROUNDS[0]); i++)
		if (strcmp(s, BACKGROUNDS[i].name) == 0)
			return 1;
	return hex_colour(s);
}

static void put_colour(struct svg *w, uint32_t c)
{
	static const char hex[] = "0123456789abcdef";
	char buf[7];

	buf[0] = '#';
	for (int i = 0; i < 6; i++)
		buf[1 + i] = hex[(c >> (20 - 4 * i)) & 0xf];
	svg_put(w, buf, 7);
}

static void put_str(struct svg *w, const char *s)
{
	svg_escape(w, s, strlen(s));
}

static void put_pct(struct svg *w, double part, double whole)
{
	svg_fixed(w, whole > 0 ? 100 * part / whole : 0, 2);
	svg_put(w, "%", 1);
}

/* The subtitle psys-fold's metadata gives: host, who ran (one container
 * or service), window, the trigger (which rule fired), counts; the
 * samples are the graph's TOTAL, whatever a "# samples:" line of another
 * tool says. */
static int meta_subtitle(struct svg *w, const struct folded *in, int write,
			 double total)
{
	static const char *const keys[] = { "host", "who", "window", "trigger",
					    "samples", "lost" };
	int parts = 0;

	for (size_t i = 0; i < 6; i++) {
		size_t n;
		const char *v = in ? folded_meta_get(in, keys[i], &n) : NULL;

		if (!v || !n)
			continue;
		if (write) {
			if (parts)
				svg_puts(w, i == 5 && folded_meta_get(in, "samples", NULL)
						    ? ", " : "  \xC2\xB7  ");
			if (i == 4)
				svg_count(w, total, 0);
			else
				svg_escape(w, v, n);
			if (i >= 4) {
				svg_put(w, " ", 1);
				svg_puts(w, keys[i]);
			}
		}
		parts++;
	}
	return parts;
}

/* A count as tooltips show it: times --factor, to two decimals when the
 * factor makes it fractional. */
static void put_count(struct svg *w, double v, const struct flamegraph_opts *o)
{
	if (o->factor != 1)
		v = round(v * o->factor * 100) / 100;
	svg_count(w, v, 1);
}

static void put_tooltip(struct svg *w, struct flame *fl,
			const struct flame_frame *f, double total, int diff,
			const struct flamegraph_opts *o)
{
	const char *s;
	size_t n;

	s = flame_name(fl, f->node, &n);
	svg_escape(w, s, n);
	svg_put(w, " (", 2);
	put_count(w, f->count, o);
	svg_put(w, " ", 1);
	put_str(w, o->countname);
	svg_put(w, ", ", 2);
	put_pct(w, f->count, total);
	if (f->node != FLAME_ROOT) {
		svg_put(w, ", ", 2);
		put_pct(w, f->count, f->parent_count);
		svg_puts(w, " of parent");
	}
	if (diff) {
		/* Normally the other column is the earlier one; --negate says
		 * it is the later one, so the change runs the other way. */
		double other = f->before;
		double change = o->negate ? other - f->count : f->count - other;
		double base = o->negate ? f->count : other;

		svg_puts(w, o->negate ? "; after " : "; before ");
		put_count(w, other, o);
		if (change == 0) {
			svg_puts(w, ", no change");
		} else {
			svg_puts(w, change > 0 ? ", +" : ", -");
			put_count(w, fabs(change), o);
			if (base > 0) {
				svg_puts(w, change > 0 ? ", +" : ", -");
				put_pct(w, fabs(change), base);
			} else {
				svg_puts(w, ", new");
			}
		}
	}
	svg_put(w, ")", 1);
}

struct geometry {
	double width, graph_w, fs, fh, height;
	double ypad1, ypad2, y0, ty;
	int inverted;
	double tv_y;		/* top of the time view; 0: none */
};

static double frame_y(const struct geometry *g, uint32_t depth)
{
	return g->inverted ? g->ypad1 + depth * g->fh
			   : g->height - g->ypad2 - (depth + 1) * g->fh;
}

static void write_head(struct svg *w, const struct geometry *g,
		       const struct folded *in, const struct flamegraph_opts *o,
		       double total)
{
	const char *top = "#eeeeee", *bottom = "#eeeeb0";
	const char *bg = o->bgcolors;
	const char *title = o->title;
	size_t title_len = title ? strlen(title) : 0;

	if (!bg)
		bg = palette_background(o->palette);
	for (size_t i = 0; i < sizeof(BACKGROUNDS) / sizeof(BACKGROUNDS[0]); i++)
		if (strcmp(bg, BACKGROUNDS[i].name) == 0) {
			top = BACKGROUNDS[i].top;
			bottom = BACKGROUNDS[i].bottom;
		}
	if (hex_colour(bg))
		top = bottom = bg;
	if (!title && in)
		title = folded_meta_get(in, "title", &title_len);
	if (!title || !title_len) {
		title = o->flamechart ? "Flame Chart" : "Flame Graph";
		title_len = strlen(title);
	}

	svg_puts(w, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		    "<svg version=\"1.1\" width=\"");
	svg_fixed(w, g->width, 2);
	svg_puts(w, "\" height=\"");
	svg_fixed(w, g->height, 2);
	svg_puts(w, "\" viewBox=\"0 0 ");
	svg_fixed(w, g->width, 2);
	svg_put(w, " ", 1);
	svg_fixed(w, g->height, 2);
	svg_puts(w, "\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"");
	put_str(w, o->fonttype);
	svg_puts(w, "\" font-size=\"");
	svg_fixed(w, g->fs, 2);
	svg_puts(w, "\">\n<!-- psys-svg " PSYS_VERSION " -->\n");
	if (o->notes) {
		svg_puts(w, "<desc id=\"notes\">");
		put_str(w, o->notes);
		svg_puts(w, "</desc>\n");
	}
	svg_puts(w, "<style>\n"
		    "text{fill:#000}\n"
		    "#title{text-anchor:middle;font-size:");
	svg_fixed(w, g->fs + 5, 2);
	svg_puts(w, "px}\n"
		    "#subtitle{text-anchor:middle;fill:#444}\n"
		    "#search,#ignorecase,#matched{text-anchor:end}\n"
		    ".button{cursor:pointer;opacity:0.8}\n"
		    ".button:hover{opacity:1;text-decoration:underline}\n"
		    ".hidden{display:none}\n"
		    "#ignorecase{opacity:0.35}\n"
		    "#ignorecase.on{opacity:1}\n"
		    "#frames>*{cursor:pointer}\n"
		    "#frames rect{rx:2px;ry:2px}\n"
		    "#frames>*:hover>rect{stroke:#000;stroke-width:0.5}\n"
		    "#frames text{pointer-events:none}\n"
		    ".parent{opacity:0.5}\n");
	if (g->tv_y > 0)
		svg_puts(w, "#timeview text{font-size:0.85em}\n"
			    "#tvplot,.tvmark{cursor:crosshair}\n"
			    ".tvrow text{text-anchor:end;fill:#555}\n"
			    ".tvrow path{fill:#e8590c;pointer-events:none}\n"
			    ".tvlabel{text-anchor:middle;fill:#7a4a00}\n"
			    ".tvtrig{text-anchor:end;fill:#b00000}\n.tvstart{text-anchor:start}\n"
			    "#tvlegend text{fill:#444}\n"
			    "#tvaxis{pointer-events:none}\n#tvaxis text{text-anchor:middle;fill:#444}\n"
			    "#tvreset{text-anchor:end}\n#tvsel{pointer-events:none}\n");
	svg_puts(w, "</style>\n"
		    "<defs><linearGradient id=\"background\" x1=\"0\" y1=\"0\" "
		    "x2=\"0\" y2=\"1\"><stop offset=\"5%\" stop-color=\"");
	put_str(w, top);
	svg_puts(w, "\"/><stop offset=\"95%\" stop-color=\"");
	put_str(w, bottom);
	svg_puts(w, "\"/></linearGradient></defs>\n"
		    "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" "
		    "fill=\"url(#background)\"/>\n<text id=\"title\" x=\"");
	svg_fixed(w, g->width / 2, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, g->fs * 2, 2);
	svg_puts(w, "\">");
	svg_escape(w, title, title_len);
	svg_puts(w, "</text>\n");
	if ((o->subtitle && *o->subtitle) || (!o->subtitle && meta_subtitle(w, in, 0, total))) {
		svg_puts(w, "<text id=\"subtitle\" x=\"");
		svg_fixed(w, g->width / 2, 2);
		svg_puts(w, "\" y=\"");
		svg_fixed(w, g->fs * 3.5, 2);
		svg_puts(w, "\">");
		if (o->subtitle)
			put_str(w, o->subtitle);
		else
			meta_subtitle(w, in, 1, total);
		svg_puts(w, "</text>\n");
	}
}

/* The controls and the lines the script writes into. */
static void write_controls(struct svg *w, const struct geometry *g)
{
	double right = g->width - XPAD, bottom = g->height - g->ypad2 / 2;

	svg_puts(w, "<text id=\"unzoom\" class=\"button hidden\" x=\"");
	svg_fixed(w, XPAD, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, g->fs * 2, 2);
	svg_puts(w, "\">Reset Zoom</text>\n<text id=\"search\" class=\"button\" x=\"");
	svg_fixed(w, right - 8 * g->fs, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, g->fs * 2, 2);
	svg_puts(w, "\">Search</text>\n<text id=\"ignorecase\" class=\"button\" x=\"");
	svg_fixed(w, right, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, g->fs * 2, 2);
	svg_puts(w, "\">Ignore case</text>\n"
		    "<text id=\"details\" x=\"");
	svg_fixed(w, XPAD, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, bottom, 2);
	svg_puts(w, "\"> </text>\n<text id=\"matched\" x=\"");
	svg_fixed(w, right, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, bottom, 2);
	svg_puts(w, "\"> </text>\n");
}

/* The ids the document's own elements have, which --nameattr may not
 * give a frame. */
static int reserved_id(const char *id)
{
	static const char *const ids[] = { "frames", "title", "subtitle", "details", "matched",
					   "search", "ignorecase", "unzoom", "background",
					   "notes", "nosamples" };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (strcmp(id, ids[i]) == 0)
			return 1;
	return 0;
}

/* A frame's --nameattr attributes, escaped, inside its start tag (after
 * an attribute value still open: each begins by closing it). With a
 * title of its own, the frame keeps its name in data-name for the
 * script, which otherwise reads it from the tooltip. */
static void put_nameattr(struct svg *w, struct flame *fl, uint32_t node,
			 const struct nameattr_entry *na)
{
	const char *s;
	size_t n;

	if (na->id && *na->id && !reserved_id(na->id)) {
		svg_puts(w, "\" id=\"");
		put_str(w, na->id);
	}
	if (na->class_ && *na->class_) {
		svg_puts(w, "\" class=\"");
		put_str(w, na->class_);
	}
	if (na->href) {
		svg_puts(w, "\" href=\"");
		put_str(w, na->href);
		/* flamegraph.pl's default: not inside an <object>. */
		svg_puts(w, "\" target=\"");
		put_str(w, na->target && *na->target ? na->target : "_top");
	}
	if (na->title) {
		s = flame_name(fl, node, &n);
		svg_puts(w, "\" data-name=\"");
		svg_escape(w, s, n);
	}
}

/* The "-" and "--" frames, grey in every graph, differential ones too. */
static int grey_frame(struct flame *fl, uint32_t node)
{
	size_t n;
	const char *s = flame_raw_name(fl, node, &n);

	return node != FLAME_ROOT && (n == 1 || n == 2) && s[0] == '-' && s[n - 1] == '-';
}

static int write_empty(struct svg *w, const struct folded *in,
		       const struct flamegraph_opts *o)
{
	struct geometry g = { 0 };

	g.width = o->width;
	g.fs = o->fontsize;
	g.height = o->fontsize * 7;
	write_head(w, &g, in, o, 0);
	svg_puts(w, "<text id=\"nosamples\" x=\"");
	svg_fixed(w, g.width / 2, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, g.fs * 5.5, 2);
	svg_puts(w, "\" style=\"text-anchor:middle\">No samples in the input</text>\n"
		    "</svg>\n");
	return svg_flush(w);
}

int flamegraph_write(struct svg *w, struct flame *fl, const struct folded *in,
		     const struct flamegraph_opts *o)
{
	struct flame_frame *frames = NULL, *whole = NULL;
	struct palette_opts po = { 0 };
	struct palette *pt;
	size_t nwhole = 0;
	uint32_t *colour = NULL;
	struct geometry g = { 0 };
	size_t nframes = 0;
	uint32_t depth = 0;
	double total, min_count, max_delta = 0, scale;
	double ch = o->fontsize * o->fontwidth;
	int diff = in && in->mode == FOLDED_DIFF;
	/* The time view's script lays frames out as flame_layout does and
	 * titles them plainly: not for the options that change that. */
	int tv = o->timeline && o->line_node && !diff && !o->flamechart &&
		 !(o->total > 0) && o->factor == 1 && !o->random && !o->palmap &&
		 !o->nameattr && o->palette != PALETTE_CHAIN;
	int has_subtitle, err;

	if (!fl || !(flame_total(fl) > 0))
		return write_empty(w, in, o);
	/* --total: the full width stands for more than the counts. */
	total = flame_total(fl) > o->total ? flame_total(fl) : o->total;
	g.width = o->width;
	g.graph_w = o->width - 2 * XPAD;
	scale = g.graph_w / total;
	min_count = o->minwidth_percent ? total * o->minwidth / 100
					: o->minwidth / scale;
	err = flame_layout(fl, min_count, &frames, &nframes, &depth);
	if (err)
		return err;
	/* The root spans the whole width; its children are parts of it. */
	for (size_t i = 0; i < nframes; i++) {
		if (frames[i].depth == 0)
			frames[i].count = total;
		else if (frames[i].depth == 1)
			frames[i].parent_count = total;
	}

	has_subtitle = o->subtitle ? *o->subtitle != '\0'
				   : meta_subtitle(w, in, 0, 0) > 0;
	g.fs = o->fontsize;
	g.fh = o->frame_height;
	g.inverted = o->inverted;
	g.ypad1 = o->fontsize * (has_subtitle ? 5 : 4);
	if (tv) {
		/* The time view goes between the titles and the frames,
		 * whose y stay whole pixels when the font size is whole
		 * (fractions would cost bytes on every frame). */
		g.tv_y = o->fontsize * (has_subtitle ? 4.2 : 2.7);
		g.ypad1 = ceil(g.tv_y + timeview_height(o->timeline, o->fontsize)) + o->fontsize;
	}
	g.ypad2 = o->fontsize * 2 + 10;
	g.height = g.ypad1 + (depth + 1) * g.fh + g.ypad2;
	g.y0 = frame_y(&g, 0);
	g.ty = (g.fh - FRAMEPAD) / 2 + g.fs * 0.35;

	po.id = o->palette;
	po.id_set = o->palette_set;
	po.hash = o->hash;
	po.random = o->random;
	po.seed = o->seed;
	po.map = o->palmap;
	po.all_kernel = in && folded_from_psys(in);
	if (!(pt = palette_new(fl, &po, frames, nframes))) {
		free(frames);
		return -ENOMEM;
	}
	if (tv) {
		/* Every frame any range can show, and the colour of each name. */
		uint32_t d;

		colour = calloc(flame_names(fl) + 1, sizeof(*colour));
		if (!colour || (err = flame_layout(fl, 0, &whole, &nwhole, &d))) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nwhole; i++)
			colour[flame_name_id(fl, whole[i].node)] = palette_colour(pt, whole[i].node);
	}
	/* flamegraph.pl's scale: the largest change of one line. */
	if (diff)
		max_delta = flame_max_delta(fl);

	write_head(w, &g, in, o, flame_total(fl));
	write_controls(w, &g);
	if (tv) {
		struct timeview_input ti = {
			.tl = o->timeline, .fl = fl, .line_node = o->line_node,
			.frames = whole, .nframes = nwhole, .colour = colour,
			.drawn = frames, .ndrawn = nframes,
			.x0 = XPAD, .width = g.graph_w, .fs = g.fs,
		};

		ti.rules = in ? folded_meta_get(in, "rules", &ti.rules_len) : NULL;
		ti.first = in ? folded_meta_get(in, "trigger", &ti.first_len) : NULL;

		if ((err = timeview_write(w, &ti, g.tv_y)))
			goto out;
	}
	svg_puts(w, "<g id=\"frames\" data-total=\"");
	svg_count(w, total, 0);
	svg_puts(w, "\" data-w=\"");
	svg_fixed(w, g.graph_w, 2);
	svg_puts(w, "\" data-xpad=\"");
	svg_fixed(w, XPAD, 2);
	svg_puts(w, "\" data-fh=\"");
	svg_fixed(w, g.fh, 2);
	svg_puts(w, "\" data-y0=\"");
	svg_fixed(w, g.y0, 2);
	svg_puts(w, "\" data-ty=\"");
	svg_fixed(w, g.ty, 2);
	svg_puts(w, g.inverted ? "\" data-inv=\"1" : "\" data-inv=\"0");
	svg_puts(w, "\" data-fs=\"");
	svg_fixed(w, g.fs, 2);
	svg_puts(w, "\" data-fw=\"");
	svg_fixed(w, o->fontwidth, 4);
	svg_puts(w, diff ? "\" data-diff=\"1\" data-cn=\"" : "\" data-cn=\"");
	put_str(w, o->countname);
	svg_puts(w, "\" data-nt=\"");
	put_str(w, o->nametype);
	if (tv) {
		/* What the script needs to lay out any range as this did. */
		svg_puts(w, "\" data-ypad1=\"");
		svg_fixed(w, g.ypad1, 2);
		svg_puts(w, "\" data-ypad2=\"");
		svg_fixed(w, g.ypad2, 2);
		svg_puts(w, "\" data-gw=\"");
		svg_count(w, g.graph_w, 0);
		svg_puts(w, o->minwidth_percent ? "\" data-mwp=\"" : "\" data-mw=\"");
		svg_count(w, o->minwidth, 0);
	}
	svg_puts(w, "\">\n");

	for (size_t i = 0; i < nframes; i++) {
		const struct flame_frame *f = &frames[i];
		double x = XPAD + f->x * scale, fw = f->count * scale;
		double y = frame_y(&g, f->depth);
		double delta = o->negate ? -f->self_delta : f->self_delta;
		double fit = ch > 0 ? floor((fw - 3) / ch) : 0;
		size_t chars = fit > 0 ? (size_t)fit : 0;
		const char *s;
		size_t n;

		const struct nameattr_entry *na = NULL;

		if (o->nameattr && f->node != FLAME_ROOT) {
			const char *raw = flame_raw_name(fl, f->node, &n);
			na = nameattr_get(o->nameattr, raw, n);
		}
		/* --nameattr: a frame with a link is an <a>, as in
		 * flamegraph.pl; the script treats both alike. */
		svg_puts(w, na && na->href ? "<a data-x=\"" : "<g data-x=\"");
		svg_count(w, f->x, 0);
		svg_puts(w, "\" data-n=\"");
		svg_count(w, f->count, 0);
		if (na)
			put_nameattr(w, fl, f->node, na);
		svg_puts(w, "\"><title>");
		if (na && na->title)
			put_str(w, na->title);
		else
			put_tooltip(w, fl, f, total, diff, o);
		svg_puts(w, "</title><rect x=\"");
		svg_fixed(w, x, 2);
		svg_puts(w, "\" y=\"");
		svg_fixed(w, y, 2);
		svg_puts(w, "\" width=\"");
		svg_fixed(w, fw, 2);
		svg_puts(w, "\" height=\"");
		svg_fixed(w, g.fh - FRAMEPAD, 2);
		svg_puts(w, "\" fill=\"");
		put_colour(w, diff && !f->no_delta && !grey_frame(fl, f->node)
				   ? palette_change(delta, max_delta)
				   : palette_colour(pt, f->node));
		svg_puts(w, "\"/>");
		/* A label only where at least one character and ".." fit;
		 * the script adds the others when zooming makes room. */
		s = flame_name(fl, f->node, &n);
		if (chars >= 3 && n > 0) {
			svg_puts(w, "<text x=\"");
			svg_fixed(w, x + 3, 2);
			svg_puts(w, "\" y=\"");
			svg_fixed(w, y + g.ty, 2);
			svg_puts(w, "\">");
			svg_escape_fit(w, s, n, chars);
			svg_puts(w, "</text>");
		}
		svg_puts(w, na && na->href ? "</a>\n" : "</g>\n");
	}
	svg_puts(w, "</g>\n<script type=\"text/ecmascript\"><![CDATA[\n");
	svg_put(w, FLAMEGRAPH_JS, sizeof(FLAMEGRAPH_JS) - 1);
	svg_puts(w, "]]></script>\n</svg>\n");
	err = 0;
out:
	free(frames);
	free(whole);
	free(colour);
	if (!err)
		err = palette_error(pt);
	palette_free(pt);
	return err ? err : svg_flush(w);
}
