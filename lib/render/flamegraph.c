/* The flame graph SVG document; see flamegraph.h. Geometry and palettes
 * follow flamegraph.pl's conventions so that its users find what they
 * expect; the markup is ours and smaller (no per-frame handlers, labels
 * only where they fit, colours as #rrggbb). */
#include "render/flamegraph.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "flamegraph_js.h"
#include "render/timeview.h"

#define XPAD 10.0	/* left and right margin, px */
#define FRAMEPAD 1.0	/* vertical gap between rows, px */

static const struct {
	const char *name;
	enum flamegraph_palette p;
} PALETTES[] = {
	{ "hot", PALETTE_HOT },	      { "mem", PALETTE_MEM },
	{ "io", PALETTE_IO },	      { "red", PALETTE_RED },
	{ "green", PALETTE_GREEN },   { "blue", PALETTE_BLUE },
	{ "aqua", PALETTE_AQUA },     { "yellow", PALETTE_YELLOW },
	{ "purple", PALETTE_PURPLE }, { "orange", PALETTE_ORANGE },
	{ "java", PALETTE_JAVA },     { "grey", PALETTE_GREY },
	{ "gray", PALETTE_GREY },     { "js", PALETTE_JS },
	{ "perl", PALETTE_PERL },     { "wakeup", PALETTE_WAKEUP },
	{ "chain", PALETTE_CHAIN },
};

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
	memset(o, 0, sizeof(*o));
	o->width = 1200;
	o->frame_height = 16;
	o->minwidth = 0.1;
	o->fonttype = "Verdana";
	o->fontsize = 12;
	o->fontwidth = 0.59;
	o->countname = "samples";
	o->nametype = "Function:";
	o->palette = PALETTE_HOT;
	o->factor = 1;
}

const char *flamegraph_palette_names(void)
{
	return "hot, mem, io, red, green, blue, aqua, yellow, purple, orange, grey, "
	       "java, js, perl, wakeup or chain";
}

int flamegraph_palette(const char *name)
{
	for (size_t i = 0; i < sizeof(PALETTES) / sizeof(PALETTES[0]); i++)
		if (strcmp(name, PALETTES[i].name) == 0)
			return PALETTES[i].p;
	return -1;
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

/* Three numbers in [0, 1) that pick a colour within a palette. */
struct shade {
	double v1, v2, v3;
};

/* Default: every name its own stable colour. FNV-1a over the bytes, so
 * the result is the same on every machine, whatever its byte order. */
static struct shade shade_of(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	struct shade c;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	c.v1 = (double)(h & 0xffff) / 65536.0;
	c.v2 = (double)((h >> 16) & 0xffff) / 65536.0;
	c.v3 = (double)((h >> 32) & 0xffff) / 65536.0;
	return c;
}

/* --hash: names that start (v1) or end (v2, v3) alike get similar
 * colours, the first characters weighing most, as flamegraph.pl does. */
static double leaning(const char *s, size_t n, int from_end)
{
	double v = 0, weight = 1, max = 1;

	for (size_t i = 0; i < n && i < 3; i++) {
		unsigned char c = from_end ? s[n - 1 - i] : s[i];

		v += (double)(c % 11) / 10.0 * weight;
		max += weight;
		weight *= 0.7;
	}
	return 1 - v / max;
}

static uint32_t rgb(int r, int g, int b)
{
	return (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

/* flamegraph.pl's palettes, as ranges per channel. */
static uint32_t paint(enum flamegraph_palette p, struct shade c)
{
	double v1 = c.v1, v2 = c.v2, v3 = c.v3;

	switch (p) {
	case PALETTE_HOT:
		return rgb(205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
	case PALETTE_MEM:
		return rgb(0, 190 + (int)(50 * v2), (int)(210 * v1));
	case PALETTE_IO: {
		int x = 80 + (int)(60 * v1);

		return rgb(x, x, 190 + (int)(55 * v2));
	}
	case PALETTE_RED: {
		int x = 50 + (int)(80 * v1);

		return rgb(200 + (int)(55 * v1), x, x);
	}
	case PALETTE_GREEN: {
		int x = 50 + (int)(60 * v1);

		return rgb(x, 200 + (int)(55 * v1), x);
	}
	case PALETTE_BLUE: {
		int x = 80 + (int)(60 * v1);

		return rgb(x, x, 205 + (int)(50 * v1));
	}
	case PALETTE_AQUA: {
		int x = 165 + (int)(55 * v1);

		return rgb(50 + (int)(60 * v1), x, x);
	}
	case PALETTE_YELLOW: {
		int x = 175 + (int)(55 * v1);

		return rgb(x, x, 50 + (int)(20 * v1));
	}
	case PALETTE_PURPLE: {
		int x = 190 + (int)(65 * v1);

		return rgb(x, 80 + (int)(60 * v1), x);
	}
	case PALETTE_ORANGE:
		return rgb(190 + (int)(65 * v1), 90 + (int)(65 * v1), 0);
	case PALETTE_GREY:
	case PALETTE_JAVA: {
		int x = 150 + (int)(60 * v1);

		return rgb(x, x, x);
	}
	case PALETTE_JS:
	case PALETTE_PERL:
	case PALETTE_WAKEUP:
	case PALETTE_CHAIN:
		break;		/* classify() picks a plain palette first */
	}
	return 0;
}

static int contains(const char *s, size_t n, const char *sub)
{
	return memmem(s, n, sub, strlen(sub)) != NULL;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* flamegraph.pl's multi palettes: the plain palette the frame named S (N
 * bytes, annotation included) takes; WAKER says it follows a "--" frame
 * (chain graphs). Other palettes are returned as they are. */
static enum flamegraph_palette classify(enum flamegraph_palette p, const char *s, size_t n,
					int waker)
{
	const char *slash;

	switch (p) {
	case PALETTE_JS:
		if (ends_with(s, n, "_[j]"))		/* JIT: source, or builtin */
			return memchr(s, '/', n) ? PALETTE_GREEN : PALETTE_AQUA;
		if (contains(s, n, "::"))		/* C++ */
			return PALETTE_YELLOW;
		slash = memchr(s, '/', n);		/* a path to a .js file */
		if (slash && contains(slash, n - (size_t)(slash - s), ".js"))
			return PALETTE_GREEN;
		if (memchr(s, ':', n))			/* builtin */
			return PALETTE_AQUA;
		if (n == 1 && s[0] == ' ')		/* missing symbol */
			return PALETTE_GREEN;
		if (contains(s, n, "_[k]"))
			return PALETTE_ORANGE;
		return PALETTE_RED;			/* system */
	case PALETTE_PERL:
		if (contains(s, n, "::"))
			return PALETTE_YELLOW;
		if (contains(s, n, "Perl") || contains(s, n, ".pl"))
			return PALETTE_GREEN;
		if (ends_with(s, n, "_[k]"))
			return PALETTE_ORANGE;
		return PALETTE_RED;
	case PALETTE_WAKEUP:
		return PALETTE_AQUA;
	case PALETTE_CHAIN:
		return waker || contains(s, n, "_[w]") ? PALETTE_AQUA : PALETTE_BLUE;
	default:
		return p;
	}
}

static int multi_palette(enum flamegraph_palette p)
{
	return p == PALETTE_JS || p == PALETTE_PERL || p == PALETTE_WAKEUP ||
	       p == PALETTE_CHAIN;
}

/* How frames are told apart: when some frames carry "_[k]", kernel
 * frames take the kernel palette (orange) and the others the user one;
 * psys-fold output without annotations is all kernel, so it takes the
 * kernel palette too unless --colors said otherwise; other tools' output
 * without annotations takes the chosen palette. */
struct painter {
	enum flamegraph_palette user, kernel;
	enum flamegraph_palette multi;	/* a multi palette, else 0 */
	int mixed, hash, random;
	uint64_t rng;		/* --random's generator state */
	struct palmap *palmap;	/* --cp */
	uint8_t *waker;		/* chain: per node, follows a "--" frame */
	struct buf key;		/* scratch: a palette.map key */
	int err;
	uint32_t *cache;	/* per name id; UINT32_MAX = not yet */
};

/* A number in [0, 1) from the --random generator (xorshift64*). */
static double random_unit(struct painter *pt)
{
	pt->rng ^= pt->rng >> 12;
	pt->rng ^= pt->rng << 25;
	pt->rng ^= pt->rng >> 27;
	return (double)((pt->rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

static uint32_t colour_of(struct painter *pt, struct flame *fl, uint32_t node)
{
	uint32_t id = flame_name_id(fl, node), colour;
	enum flamegraph_palette p = pt->user;
	int waker = pt->waker ? pt->waker[node] : 0;
	/* Random colours differ box by box; chain colours by position. */
	int cached = !pt->random && !pt->waker;
	struct shade c;
	const char *s, *raw;
	size_t n, rn;

	if (cached && pt->cache[id] != UINT32_MAX)
		return pt->cache[id];
	s = flame_name(fl, node, &n);
	raw = flame_raw_name(fl, node, &rn);
	/* "--" separates stacks in chain graphs, "-" perf's user and kernel
	 * stacks: grey. */
	if (rn == 2 && raw[0] == '-' && raw[1] == '-') {
		colour = rgb(160, 160, 160);
		goto out;
	}
	if (n == 1 && s[0] == '-') {
		colour = rgb(160, 160, 160);
		goto out;
	}
	/* palette.map keys are names as flamegraph.pl saw them, with the
	 * _[w] it gives waker frames of chain graphs. */
	buf_reset(&pt->key);
	buf_put(&pt->key, raw, rn);
	if (waker && !ends_with(raw, rn, "_[w]"))
		buf_put(&pt->key, "_[w]", 4);
	if (pt->key.err) {
		pt->err = -ENOMEM;
		return 0;
	}
	/* The root is flamegraph.pl's nameless frame: not in the map. */
	int mapped = pt->palmap && node != FLAME_ROOT;
	if (mapped && palmap_get(pt->palmap, (const char *)pt->key.data, pt->key.len, &colour))
		goto out;
	if (pt->multi) {
		p = classify(pt->multi, raw, rn, waker);
	} else {
		switch (flame_kind(fl, node)) {
		case FLAME_KERNEL:
			p = pt->kernel;
			break;
		case FLAME_JIT:
			p = PALETTE_GREEN;
			break;
		case FLAME_INLINE:
			p = PALETTE_AQUA;
			break;
		case FLAME_PLAIN:
		case FLAME_WAKER:
			break;
		}
	}
	if (pt->hash) {
		c.v1 = leaning(s, n, 0);
		c.v2 = c.v3 = leaning(s, n, 1);
	} else if (pt->random) {
		c.v1 = random_unit(pt);
		c.v2 = random_unit(pt);
		c.v3 = random_unit(pt);
	} else {
		c = shade_of(s, n);
	}
	colour = paint(p, c);
	if (mapped && palmap_set(pt->palmap, (const char *)pt->key.data, pt->key.len, colour))
		pt->err = -ENOMEM;
out:
	if (cached)
		pt->cache[id] = colour;
	return colour;
}

/* Differential: white for no change, deeper red for growth and deeper
 * blue for shrinking, relative to the largest change shown. */
static uint32_t colour_of_change(double delta, double max)
{
	double t;
	int other;

	if (delta == 0 || !(max > 0))
		return rgb(255, 255, 255);
	t = fabs(delta) / max;
	if (t > 1)
		t = 1;
	other = (int)(230 * (1 - t));
	return delta > 0 ? rgb(255, other, other) : rgb(other, other, 255);
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

/* The subtitle psys-fold's metadata gives: host, window, the trigger
 * (which rule fired), counts. */
static int meta_subtitle(struct svg *w, const struct folded *in, int write)
{
	static const char *const keys[] = { "host", "window", "trigger",
					    "samples", "lost" };
	int parts = 0;

	for (size_t i = 0; i < 5; i++) {
		size_t n;
		const char *v = in ? folded_meta_get(in, keys[i], &n) : NULL;

		if (!v || !n)
			continue;
		if (write) {
			if (parts)
				svg_puts(w, i == 4 && folded_meta_get(in, "samples", NULL)
						    ? ", " : "  \xC2\xB7  ");
			svg_escape(w, v, n);
			if (i >= 3) {
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
		       const struct folded *in, const struct flamegraph_opts *o)
{
	const char *top = "#eeeeee", *bottom = "#eeeeb0";
	const char *bg = o->bgcolors;
	const char *title = o->title;
	size_t title_len = title ? strlen(title) : 0;

	if (!bg)
		bg = o->palette == PALETTE_MEM || o->palette == PALETTE_WAKEUP ||
				     o->palette == PALETTE_CHAIN ? "blue"
		     : o->palette == PALETTE_IO ? "grey" : "yellow";
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
			    ".tvtrig{text-anchor:end;fill:#b00000}\n"
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
	if ((o->subtitle && *o->subtitle) || (!o->subtitle && meta_subtitle(w, in, 0))) {
		svg_puts(w, "<text id=\"subtitle\" x=\"");
		svg_fixed(w, g->width / 2, 2);
		svg_puts(w, "\" y=\"");
		svg_fixed(w, g->fs * 3.5, 2);
		svg_puts(w, "\">");
		if (o->subtitle)
			put_str(w, o->subtitle);
		else
			meta_subtitle(w, in, 1);
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
	svg_fixed(w, right - 4 * g->fs, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, g->fs * 2, 2);
	svg_puts(w, "\">Search</text>\n<text id=\"ignorecase\" class=\"button\" x=\"");
	svg_fixed(w, right, 2);
	svg_puts(w, "\" y=\"");
	svg_fixed(w, g->fs * 2, 2);
	svg_puts(w, "\">ic</text>\n<text id=\"details\" x=\"");
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

static int write_empty(struct svg *w, const struct folded *in,
		       const struct flamegraph_opts *o)
{
	struct geometry g = { 0 };

	g.width = o->width;
	g.fs = o->fontsize;
	g.height = o->fontsize * 7;
	write_head(w, &g, in, o);
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
	struct painter pt = { 0 };
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
				   : meta_subtitle(w, in, 0) > 0;
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

	pt.cache = malloc((flame_names(fl) + 1) * sizeof(*pt.cache));
	if (!pt.cache) {
		free(frames);
		return -ENOMEM;
	}
	memset(pt.cache, 0xff, (flame_names(fl) + 1) * sizeof(*pt.cache));
	pt.hash = o->hash;
	pt.random = o->random;
	/* A zero state would stay zero. */
	pt.rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ull;
	pt.palmap = o->palmap;
	pt.multi = multi_palette(o->palette) ? o->palette : 0;
	if (o->palette == PALETTE_CHAIN) {
		/* Frames after a "--" frame are the wakers': frames come
		 * parents first, so one pass marks them all. */
		pt.waker = calloc(flame_nodes(fl), 1);
		if (!pt.waker) {
			free(frames);
			free(pt.cache);
			return -ENOMEM;
		}
		for (size_t i = 0; i < nframes; i++) {
			uint32_t up = flame_parent(fl, frames[i].node);
			size_t pn;
			const char *ps = flame_raw_name(fl, up, &pn);

			if (frames[i].node != FLAME_ROOT)
				pt.waker[frames[i].node] = pt.waker[up] ||
					(up != FLAME_ROOT && pn == 2 && ps[0] == '-' && ps[1] == '-');
		}
	}
	pt.user = o->palette;
	pt.kernel = PALETTE_ORANGE;
	pt.mixed = flame_has_kernel_annotations(fl);
	if (pt.mixed || o->palette == PALETTE_JAVA) {
		/* Mixed stacks: user frames in red (flamegraph.pl's java
		 * palette) unless another palette was asked for, kernel
		 * frames in orange, or yellow when orange is taken. */
		if (o->palette == PALETTE_HOT || o->palette == PALETTE_JAVA)
			pt.user = PALETTE_RED;
		if (o->palette == PALETTE_ORANGE)
			pt.kernel = PALETTE_YELLOW;
	}
	if (!pt.mixed && in && folded_from_psys(in) && !o->palette_set)
		pt.user = PALETTE_ORANGE;
	if (tv) {
		/* Every frame any range can show, and the colour of each name. */
		uint32_t d;

		colour = calloc(flame_names(fl) + 1, sizeof(*colour));
		if (!colour || (err = flame_layout(fl, 0, &whole, &nwhole, &d))) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nwhole; i++)
			colour[flame_name_id(fl, whole[i].node)] = colour_of(&pt, fl, whole[i].node);
	}
	if (diff)
		for (size_t i = 0; i < nframes; i++)
			if (fabs(frames[i].self_delta) > max_delta)
				max_delta = fabs(frames[i].self_delta);

	write_head(w, &g, in, o);
	write_controls(w, &g);
	if (tv) {
		struct timeview_input ti = {
			.tl = o->timeline, .fl = fl, .line_node = o->line_node,
			.frames = whole, .nframes = nwhole, .colour = colour,
			.drawn = frames, .ndrawn = nframes,
			.x0 = XPAD, .width = g.graph_w, .fs = g.fs,
		};

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
		put_colour(w, diff ? colour_of_change(delta, max_delta)
				   : colour_of(&pt, fl, f->node));
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
	free(pt.cache);
	free(pt.waker);
	buf_free(&pt.key);
	return err ? err : pt.err ? pt.err : svg_flush(w);
}
