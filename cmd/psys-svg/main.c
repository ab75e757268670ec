/* psys-svg: folded stacks in, one self-contained interactive flame graph
 * SVG out. Reads psys-fold's output (using its "# key: value" metadata for
 * the title and subtitle) or any other collapser's; the options mean what
 * they mean to flamegraph.pl. The work is lib/render/render.h's; this file
 * holds the options, the output file and the messages. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/file.h"
#include "base/num.h"
#include "render/flamegraph.h"
#include "render/nameattr.h"
#include "render/outfile.h"
#include "render/palette.h"
#include "render/palmap.h"
#include "render/render.h"
#include "render/svg.h"

#define PROG "psys-svg"
/* flamegraph.pl's consistent palette file, in the current directory. */
#define PALETTE_MAP "palette.map"

enum {
	OPT_FONTWIDTH = 256, OPT_NOTES, OPT_CP, OPT_RANDOM, OPT_FACTOR, OPT_TOTAL,
	OPT_NAMEATTR, OPT_FLAMECHART, OPT_ENCODING,
};

struct opts {
	struct flamegraph_opts graph;
	unsigned flags;			/* FLAME_REVERSE, FLAME_CHART */
	const char *output;		/* "-": standard output */
	const char *nameattr;		/* --nameattr FILE, or NULL */
	const char *encoding;		/* --encoding NAME, or NULL */
	int cp;				/* --cp */
};

static const struct cli_opt OPTS[] = {
	{ "output", 'o', "FILE", "write FILE (replaced atomically), not stdout" },
	{ "title", 't', "TEXT", "title (default: metadata title, or Flame Graph)" },
	{ "subtitle", 's', "TEXT", "subtitle (default: host, window, trigger, samples,\n"
				   "lost, from the metadata; '' for none)" },
	{ "width", 'w', "PX", "image width (default 1200)" },
	{ "height", 'H', "PX", "height of each frame (default 16)" },
	{ "minwidth", 'm', "PX|P%", "leave out frames narrower than PX pixels or P\n"
				    "percent of the total (default 0.1)" },
	{ "fonttype", 'f', "FONT", "font family (default Verdana)" },
	{ "fontsize", 'S', "PX", "font size (default 12)" },
	{ "fontwidth", OPT_FONTWIDTH, "R", "average character width / font size (0.59)" },
	{ "countname", 'C', "WORD", "what the counts are (default samples)" },
	{ "nametype", 'N', "WORD", "what the frames are (default Function:)" },
	{ "colors", 'c', "PALETTE", "hot (default), mem, io, red, green, blue, aqua,\n"
				    "yellow, purple, orange, grey, java; by language:\n"
				    "js, perl; wakeup (aqua); chain (waker frames,\n"
				    "after a -- frame, aqua; off-CPU ones blue)" },
	{ "colours", 'c', "PALETTE", NULL },
	{ "bgcolors", 'b', "BG", "yellow, blue, green, grey, or #rrggbb" },
	{ "hash", 'x', NULL, "similar names get similar colours (colours are\n"
			     "always stable per name)" },
	{ "random", OPT_RANDOM, NULL, "every box a random colour, not one per name" },
	{ "cp", OPT_CP, NULL, "consistent palette: names take their colours from\n"
			      "./" PALETTE_MAP ", new names are added to it" },
	{ "inverted", 'i', NULL, "icicle graph: the root at the top" },
	{ "reverse", 'r', NULL, "merge stacks from their leaves (reversed stacks)" },
	{ "flamechart", OPT_FLAMECHART, NULL, "a flame chart: stacks in input order (time order\n"
					      "for input written that way), merged only with the\n"
					      "stack before, not sorted by name" },
	{ "negate", 'n', NULL, "differential: the counts are AFTER BEFORE" },
	{ "factor", OPT_FACTOR, "F", "counts shown are multiplied by F (e.g. 0.001)" },
	{ "total", OPT_TOTAL, "N", "the full width stands for N (when more than the\n"
				   "input's sum): graphs of one scale" },
	{ "nameattr", OPT_NAMEATTR, "FILE", "per frame name, attributes of its box: lines\n"
					    "NAME<TAB>KEY=VALUE<TAB>..., KEY title, href, target,\n"
					    "id or class" },
	{ "encoding", OPT_ENCODING, "NAME", "the input's character set (iconv name, e.g.\n"
					    "ISO-8859-1); names are converted to UTF-8" },
	{ "notes", OPT_NOTES, "TEXT", "add TEXT to the SVG's description" },
	{ "help", 'h', NULL, "show this help and exit" },
	{ "version", 'V', NULL, "show the version and exit" },
	{ 0 },
};

static void usage(FILE *f)
{
	fputs("Usage: " PROG " [OPTION]... [FILE]\n"
"Render folded stacks (FILE, or standard input when FILE is absent and it\n"
"is not a terminal, or -)\n"
"as an interactive flame graph SVG: hover for details, click to zoom,\n"
"Search or Ctrl-F for a regular expression; the view is kept in the URL.\n"
"\n"
"Input: one stack per line, frames root first joined by ';', a space and\n"
"a count (integer or decimal): 'main;read;vfs_read 12'. Two counts,\n"
"'STACK BEFORE AFTER', make a differential graph: boxes sized by AFTER,\n"
"red where frames grew, blue where they shrank. Leading '# key: value'\n"
"lines (psys-fold's metadata) give the title and subtitle. Frames and\n"
"colours are flamegraph.pl's; but with the default colours, frames ending\n"
"in '_[k]' are kernel frames, in orange, apart from user frames (red),\n"
"and psys-fold's frames are all kernel frames unless annotated.\n"
"With psys-fold's timeline (its '# timeline' lines), a time view above the\n"
"graph shows the samples per CPU over the capture's time, with its\n"
"triggers; drag across it, or click a column or a mark, and the graph is\n"
"that range's, as psys-fold --from A --to B would fold it; arrows move the\n"
"selection, and it is kept in the URL as from=A&to=B (seconds from the\n"
"start, in steps of 0.1 ms).\n"
"\n", f);
	cli_help(f, OPTS);
	fputs("\n"
"Lines that are not folded stacks are skipped with one warning at the end.\n"
"Exit status: 0 success; 1 failure (input or output error); 2 usage error,\n"
"or no samples in the input (a valid SVG saying so is still written). A\n"
"reader that goes away (| head) ends it silently, by SIGPIPE (status 141\n"
"in a shell).\n", f);
}

/* A number option within [MIN, MAX] into *OUT, or the usage error. */
static int number(const char *what, const char *val, double min, double max, double *out)
{
	char want[64];

	if (!num_double(val, min, max, out))
		return 0;
	snprintf(want, sizeof(want), "a number from %g to %g", min, max);
	return cli_bad(PROG, what, val, want);
}

static int parse_opt(int key, const char *val, void *ctx)
{
	struct opts *o = ctx;
	struct flamegraph_opts *g = &o->graph;
	size_t n;

	switch (key) {
	case 'o': o->output = val; break;
	case 't': g->title = val; break;
	case 's': g->subtitle = val; break;
	case 'w': return number("width", val, 100, 1e6, &g->width);
	case 'H': return number("height", val, 2, 1000, &g->frame_height);
	case 'm': {
		char num[64];

		n = strlen(val);
		g->minwidth_percent = n > 0 && val[n - 1] == '%';
		if (g->minwidth_percent)
			n--;
		if (n >= sizeof(num) || (snprintf(num, sizeof(num), "%.*s", (int)n, val),
					 num_double(num, 0, g->minwidth_percent ? 100 : 1e6,
						    &g->minwidth)))
			return cli_bad(PROG, "minwidth", val, "pixels from 0 to 1e+06, or a "
				       "percentage from 0% to 100%");
		break;
	}
	case 'f': g->fonttype = val; break;
	case 'S': return number("fontsize", val, 1, 500, &g->fontsize);
	case OPT_FONTWIDTH: return number("fontwidth", val, 0.05, 10, &g->fontwidth);
	case 'C': g->countname = val; break;
	case 'N': g->nametype = val; break;
	case 'c':
		if (palette_by_name(val) < 0)
			return cli_bad(PROG, "colors", val, palette_names());
		g->palette = palette_by_name(val);
		g->palette_set = 1;
		break;
	case 'b':
		if (!flamegraph_bgcolors_ok(val))
			return cli_bad(PROG, "bgcolors", val,
				       "yellow, blue, green, grey or #rrggbb");
		g->bgcolors = val;
		break;
	case 'x': g->hash = 1; break;
	case 'i': g->inverted = 1; break;
	case 'r': o->flags |= FLAME_REVERSE; break;
	case 'n': g->negate = 1; break;
	case OPT_NOTES: g->notes = val; break;
	case OPT_CP: o->cp = 1; break;
	case OPT_RANDOM: g->random = 1; break;
	case OPT_FACTOR: return number("factor", val, 1e-12, 1e12, &g->factor);
	case OPT_TOTAL: return number("total", val, 1e-9, 1e300, &g->total);
	case OPT_NAMEATTR: o->nameattr = val; break;
	case OPT_FLAMECHART:
		g->flamechart = 1;
		o->flags |= FLAME_CHART;
		break;
	case OPT_ENCODING: o->encoding = val; break;
	case 'h': usage(stdout); return CLI_DONE;
	case 'V': printf(PROG " " PSYS_VERSION "\n"); return CLI_DONE;
	}
	return 0;
}

/* --encoding: the converter, in RD. Returns 0 or the usage error. */
static int encoding_open(struct render *rd, const char *name)
{
	int err = render_encoding(rd, name);

	if (!err)
		return 0;
	return cli_bad(PROG, "encoding", name,
		       err == -EINVAL ? "a character set iconv knows"
		       : err == -EILSEQ ? "a character set that keeps ASCII as it is "
					  "(folded stacks split on ';', ' ' and newlines)"
		       : strerror(-err));
}

/* --cp: ./palette.map, if there is one, into a new map *PM. Returns 0,
 * or 1 after an error message. */
static int palette_read(struct palmap **pm)
{
	unsigned char *text = NULL;
	size_t len = 0, bad, first;
	int err;

	if (!(*pm = palmap_new())) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	err = file_read_path(PALETTE_MAP, SIZE_MAX, &text, &len);
	if (err == -ENOENT)
		return 0;
	if (err || (err = palmap_parse(*pm, (const char *)text, len, &bad, &first))) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", PALETTE_MAP, strerror(-err));
		free(text);
		return 1;
	}
	if (bad)
		fprintf(stderr, PROG ": warning: '" PALETTE_MAP "': %zu line%s not NAME->rgb(R,G,B) "
			"skipped (the first is line %zu)\n", bad, bad == 1 ? "" : "s", first);
	free(text);
	return 0;
}

/* --cp: the map back to ./palette.map, replaced atomically, when it
 * gained names. Returns 0, or 1 after an error message. */
static int palette_write(struct palmap *pm)
{
	struct outfile of;
	int err;

	if (!palmap_changed(pm))
		return 0;
	if ((err = outfile_open(&of, PALETTE_MAP))) {
		fprintf(stderr, PROG ": cannot create '%s': %s\n", PALETTE_MAP, strerror(-err));
		return 1;
	}
	err = palmap_write(pm, of.f);
	if (err)
		outfile_discard(&of);
	else
		err = outfile_commit(&of, 0);
	if (err)
		fprintf(stderr, PROG ": cannot write '%s': %s\n", PALETTE_MAP, strerror(-err));
	return err ? 1 : 0;
}

/* --nameattr FILE: the table in *NA. Returns 0, or 1 after an error. */
static int nameattr_read(const char *path, struct nameattr **na)
{
	unsigned char *text = NULL;
	char key[64];
	size_t len = 0, line, ignored;
	int err = file_read_path(path, SIZE_MAX, &text, &len);

	if (err) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", path, strerror(-err));
		return 1;
	}
	*na = nameattr_parse((const char *)text, len, &line, &ignored, key, sizeof(key));
	free(text);
	if (!*na && errno == EINVAL) {
		fprintf(stderr, PROG ": '%s': line %zu is not NAME<TAB>KEY=VALUE...\n", path, line);
		return 1;
	}
	if (!*na) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", path, strerror(errno));
		return 1;
	}
	if (ignored)
		fprintf(stderr, PROG ": warning: '%s': %zu attribute%s ignored (the first is "
			"'%s'; taken are title, href, target, id and class)\n", path, ignored,
			ignored == 1 ? "" : "s", key);
	return 0;
}

/* The -o temporary, removed if a signal ends us before the rename. */
static volatile sig_atomic_t tmp_live;
static char *tmp_name;

static void on_signal(int sig)
{
	if (tmp_live)
		unlink(tmp_name);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads the input (PATH, "-" for stdin, shown as WHERE) into RD and says
 * what it skipped. Returns 0, or 1 after an error message. */
static int read_input(struct render *rd, const char *path, const char *where,
		      struct flamegraph_opts *g)
{
	int fd = STDIN_FILENO, err;
	char why[256];

	if (strcmp(path, "-") && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, PROG ": cannot open '%s': %s\n", path, strerror(errno));
		return 1;
	}
	err = render_read(rd, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!err && (err = render_timeline(rd, why, sizeof(why))) == -EBADMSG) {
		fprintf(stderr, PROG ": '%s': timeline left out: %s\n", where, why);
		err = 0;
	}
	if (err < 0) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", where, strerror(-err));
		return 1;
	}
	if (rd->in.invalid)
		fprintf(stderr, PROG ": '%s': skipped %llu line%s that %s not "
				"folded stacks (the first is line %llu)\n",
			where, rd->in.invalid, rd->in.invalid == 1 ? "" : "s",
			rd->in.invalid == 1 ? "is" : "are", rd->in.first_invalid);
	/* flamegraph.pl ignores a --total below the counts' sum, saying so. */
	if (g->total > 0 && rd->fl && g->total < render_total(rd)) {
		fprintf(stderr, PROG ": warning: --total %g is less than the input's total %g: "
			"ignored\n", g->total, render_total(rd));
		g->total = 0;
	}
	return 0;
}

/* Writes the graph to standard output or, through a temporary, to
 * OUTPUT. Returns 0, or 1 after an error message. */
static int write_graph(struct render *rd, const char *output, const struct flamegraph_opts *g)
{
	struct outfile of = { 0 };
	struct svg w = { 0 };
	int to_file = strcmp(output, "-") != 0, err;

	if (to_file) {
		if ((err = outfile_open(&of, output))) {
			fprintf(stderr, PROG ": cannot create '%s': %s\n", output, strerror(-err));
			return 1;
		}
		/* The handler's own copy: outfile_commit frees of.tmp. */
		if (!(tmp_name = strdup(of.tmp))) {
			outfile_discard(&of);
			fprintf(stderr, PROG ": cannot create '%s': %s\n", output, strerror(ENOMEM));
			return 1;
		}
		tmp_live = 1;
	}
	err = svg_init(&w, to_file ? of.f : stdout) ? -ENOMEM : render_write(rd, &w, g);
	svg_free(&w);
	if (to_file) {
		/* The data must be on disk before the name points at it. */
		if (err)
			outfile_discard(&of);
		else
			err = outfile_commit(&of, 1);
		tmp_live = 0;
		free(tmp_name);
	}
	if (err)
		fprintf(stderr, PROG ": cannot write '%s': %s\n",
			to_file ? output : "standard output", strerror(-err));
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .graph = FLAMEGRAPH_OPTS_DEFAULT, .output = "-" };
	struct render rd;
	struct palmap *pm = NULL;
	struct nameattr *na = NULL;
	const char *input = "-", *where;
	int first, status;

	render_init(&rd, 0);
	status = cli_parse(argc, argv, PROG, OPTS, parse_opt, &o, &first);
	if (status == CLI_DONE)
		return fclose(stdout) ? CLI_FAIL : CLI_OK;
	if (!status && o.encoding)
		status = encoding_open(&rd, o.encoding);
	if (!status && argc - first > 1) {
		fprintf(stderr, PROG ": too many arguments: '%s' (one input file, or none "
			"for standard input)\n" CLI_TRY(PROG), argv[first + 1]);
		status = CLI_USAGE;
	} else if (!status && first < argc) {
		input = argv[first];
	} else if (!status && isatty(STDIN_FILENO)) {
		/* Nobody types folded stacks: a pipe or a file was meant. */
		fprintf(stderr, PROG ": no input: give FILE, or a pipe or a file on standard "
			"input\n" CLI_TRY(PROG));
		status = CLI_USAGE;
	}
	if (status)
		goto cleanup;
	rd.flags = o.flags;
	where = strcmp(input, "-") ? input : "standard input";
	if (o.graph.random &&
	    getrandom(&o.graph.seed, sizeof(o.graph.seed), GRND_NONBLOCK) != sizeof(o.graph.seed))
		o.graph.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	status = CLI_FAIL;
	if ((o.nameattr && nameattr_read(o.nameattr, &na)) || (o.cp && palette_read(&pm)))
		goto cleanup;
	o.graph.nameattr = na;
	o.graph.palmap = pm;

	/* A reader that goes away (| head) ends us silently, as any filter;
	 * an interrupt leaves no temporary behind. */
	cli_default_sigpipe();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	if (read_input(&rd, input, where, &o.graph) || write_graph(&rd, o.output, &o.graph))
		goto cleanup;
	if (!(render_total(&rd) > 0)) {
		fprintf(stderr, PROG ": '%s': no samples (wrote a graph that says so)\n", where);
		status = CLI_USAGE;
	} else {
		status = CLI_OK;
	}
	/* The palette only once the graph is written: a failed run leaves
	 * the file as it was. */
	if (pm && palette_write(pm))
		status = CLI_FAIL;
	/* Only now is stdout known good: a full disk may show at close. */
	if (status != CLI_FAIL && !strcmp(o.output, "-") && (ferror(stdout) || fclose(stdout))) {
		fprintf(stderr, PROG ": cannot write 'standard output': %s\n",
			strerror(errno ? errno : EIO));
		status = CLI_FAIL;
	}
cleanup:
	render_free(&rd);
	palmap_free(pm);
	nameattr_free(na);
	return status;
}
