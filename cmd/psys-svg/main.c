/* psys-svg: folded stacks in, one self-contained interactive flame graph
 * SVG out. Reads psys-fold's output (using its "# key: value" metadata for
 * the title and subtitle) or any other collapser's; the options mean what
 * they mean to flamegraph.pl. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <iconv.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cli.h"
#include "render/flame.h"
#include "render/flamegraph.h"
#include "folded/folded.h"
#include "render/nameattr.h"
#include "render/palmap.h"
#include "render/svg.h"
#include "folded/timeline.h"

#define PROG "psys-svg"
/* flamegraph.pl's consistent palette file, in the current directory. */
#define PALETTE_MAP "palette.map"

enum {
	OPT_FONTWIDTH = 256,
	OPT_NOTES,
	OPT_CP,
	OPT_RANDOM,
	OPT_FACTOR,
	OPT_TOTAL,
	OPT_NAMEATTR,
	OPT_FLAMECHART,
	OPT_ENCODING,
};

static const struct option LONG_OPTS[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "title", required_argument, NULL, 't' },
	{ "subtitle", required_argument, NULL, 's' },
	{ "width", required_argument, NULL, 'w' },
	{ "height", required_argument, NULL, 'H' },
	{ "minwidth", required_argument, NULL, 'm' },
	{ "fonttype", required_argument, NULL, 'f' },
	{ "fontsize", required_argument, NULL, 'S' },
	{ "fontwidth", required_argument, NULL, OPT_FONTWIDTH },
	{ "countname", required_argument, NULL, 'C' },
	{ "nametype", required_argument, NULL, 'N' },
	{ "colors", required_argument, NULL, 'c' },
	{ "colours", required_argument, NULL, 'c' },
	{ "bgcolors", required_argument, NULL, 'b' },
	{ "hash", no_argument, NULL, 'x' },
	{ "inverted", no_argument, NULL, 'i' },
	{ "reverse", no_argument, NULL, 'r' },
	{ "negate", no_argument, NULL, 'n' },
	{ "notes", required_argument, NULL, OPT_NOTES },
	{ "cp", no_argument, NULL, OPT_CP },
	{ "random", no_argument, NULL, OPT_RANDOM },
	{ "factor", required_argument, NULL, OPT_FACTOR },
	{ "total", required_argument, NULL, OPT_TOTAL },
	{ "nameattr", required_argument, NULL, OPT_NAMEATTR },
	{ "flamechart", no_argument, NULL, OPT_FLAMECHART },
	{ "encoding", required_argument, NULL, OPT_ENCODING },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTION]... [FILE]\n"
"Render folded stacks (FILE, or standard input when FILE is absent and it\n"
"is not a terminal, or -)\n"
"as an interactive flame graph SVG: hover for details, click to zoom,\n"
"Search or Ctrl-F for a regular expression; the view is kept in the URL.\n"
"\n"
"Input: one stack per line, frames root first joined by ';', a space and\n"
"a count (integer or decimal): 'main;read;vfs_read 12'. Two counts,\n"
"'STACK BEFORE AFTER', make a differential graph: boxes sized by AFTER,\n"
"red where frames grew, blue where they shrank. Leading '# key: value'\n"
"lines (psys-fold's metadata) give the title and subtitle. Frames ending\n"
"in '_[k]' are kernel frames, in orange, apart from user frames (red);\n"
"psys-fold's frames are all kernel frames unless annotated.\n"
"With psys-fold's timeline (its '# timeline' lines), a time view above the\n"
"graph shows the samples per CPU over the capture's time, with its\n"
"triggers; drag across it, or click a column or a mark, and the graph is\n"
"that range's, as psys-fold --from A --to B would fold it; arrows move the\n"
"selection, and it is kept in the URL as from=A&to=B (seconds from the\n"
"start, in steps of 0.1 ms).\n"
"\n"
"  -o, --output=FILE      write FILE (replaced atomically), not stdout\n"
"  -t, --title=TEXT       title (default: metadata title, or Flame Graph)\n"
"  -s, --subtitle=TEXT    subtitle (default: host, window, trigger, samples,\n"
"                         lost, from the metadata; '' for none)\n"
"  -w, --width=PX         image width (default 1200)\n"
"  -H, --height=PX        height of each frame (default 16)\n"
"  -m, --minwidth=PX|P%%   leave out frames narrower than PX pixels or P\n"
"                         percent of the total (default 0.1)\n"
"  -f, --fonttype=FONT    font family (default Verdana)\n"
"  -S, --fontsize=PX      font size (default 12)\n"
"      --fontwidth=R      average character width / font size (0.59)\n"
"  -C, --countname=WORD   what the counts are (default samples)\n"
"  -N, --nametype=WORD    what the frames are (default Function:)\n"
"  -c, --colors=PALETTE   hot (default), mem, io, red, green, blue, aqua,\n"
"                         yellow, purple, orange, grey, java; by language:\n"
"                         js, perl; wakeup (aqua); chain (waker frames,\n"
"                         after a -- frame, aqua; off-CPU ones blue)\n"
"  -b, --bgcolors=BG      yellow, blue, green, grey, or #rrggbb\n"
"  -x, --hash             similar names get similar colours (colours are\n"
"                         always stable per name)\n"
"      --random           every box a random colour, not one per name\n"
"      --cp               consistent palette: names take their colours from\n"
"                         ./" PALETTE_MAP ", new names are added to it\n"
"  -i, --inverted         icicle graph: the root at the top\n"
"  -r, --reverse          merge stacks from their leaves (reversed stacks)\n"
"      --flamechart       a flame chart: stacks in input order (time order\n"
"                         for input written that way), merged only with the\n"
"                         stack before, not sorted by name\n"
"  -n, --negate           differential: the counts are AFTER BEFORE\n"
"      --factor=F         counts shown are multiplied by F (e.g. 0.001)\n"
"      --total=N          the full width stands for N (when more than the\n"
"                         input's sum): graphs of one scale\n"
"      --nameattr=FILE    per frame name, attributes of its box: lines\n"
"                         NAME<TAB>KEY=VALUE<TAB>..., KEY title, href, target,\n"
"                         id or class\n"
"      --encoding=NAME    the input's character set (iconv name, e.g.\n"
"                         ISO-8859-1); names are converted to UTF-8\n"
"      --notes=TEXT       add TEXT to the SVG's description\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Lines that are not folded stacks are skipped with one warning at the end.\n"
"Exit status: 0 success; 1 failure (input or output error); 2 usage error,\n"
"or no samples in the input (a valid SVG saying so is still written). A\n"
"reader that goes away (| head) ends it silently, by SIGPIPE (status 141\n"
"in a shell).\n");
}

static void warn(const char *fmt, const char *which, const char *why)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, which, why);
	fputc('\n', stderr);
}

/* Parses a number for option OPT within [MIN, MAX]. */
static int number(const char *opt, const char *arg, double min, double max,
		  double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, PROG ": invalid %s '%s': expected a number from "
				"%g to %g\n", opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

struct reader {
	struct folded *in;
	struct flame *fl;
	unsigned flags;
	int err;
	/* Per stack line, for a timeline: its count and the node it ends
	   at. */
	double *counts;
	uint32_t *ends;
	size_t nlines, cap;
	iconv_t cd;		/* --encoding, or (iconv_t)-1 */
	struct buf utf8;	/* a stack converted */
};

/* The LEN bytes at S converted by CD into B; bytes CD cannot convert
 * become U+FFFD. Returns 0 or -ENOMEM. */
static int recode(iconv_t cd, const char *s, size_t len, struct buf *b)
{
	char *in = (char *)s;
	size_t left = len;

	buf_reset(b);
	iconv(cd, NULL, NULL, NULL, NULL);
	while (left) {
		if (buf_reserve(b, 4 * left + 16))
			return -ENOMEM;
		char *out = (char *)b->data + b->len;
		size_t room = b->cap - b->len;

		if (iconv(cd, &in, &left, &out, &room) == (size_t)-1 && errno != E2BIG) {
			/* Invalid or cut short: one byte replaced, go on. */
			b->len = b->cap - room;
			buf_put(b, "\xef\xbf\xbd", 3);
			in++;
			left--;
			continue;
		}
		b->len = b->cap - room;
	}
	/* A stateful encoding's final shift sequence. */
	if (buf_reserve(b, 16))
		return -ENOMEM;
	char *out = (char *)b->data + b->len;
	size_t room = b->cap - b->len;
	iconv(cd, NULL, NULL, &out, &room);
	b->len = b->cap - room;
	return b->err ? -ENOMEM : 0;
}

static int on_stack(void *ctx, const struct folded_line *l)
{
	struct reader *r = ctx;
	struct folded_line conv;
	int err;

	if (r->cd != (iconv_t)-1) {
		if (recode(r->cd, l->stack, l->len, &r->utf8))
			return -ENOMEM;
		conv = *l;
		conv.stack = (const char *)r->utf8.data;
		conv.len = r->utf8.len;
		l = &conv;
	}

	if (!r->fl) {
		/* The first stack line decides whether this is a
		 * differential input. */
		if (r->in->mode == FOLDED_DIFF)
			r->flags |= FLAME_DIFF;
		r->fl = flame_new(r->flags);
		if (!r->fl)
			return -ENOMEM;
	}
	if (r->in->mode == FOLDED_DIFF) {
		err = flame_add_stack(r->fl, l->stack, l->len, l->count2,
				      l->count);
	} else {
		err = flame_add_stack(r->fl, l->stack, l->len, l->count, 0);
		if (err != -ENOMEM) {
			size_t c2 = r->cap;

			if (buf_grow((void **)&r->counts, &r->cap, r->nlines + 1,
				     sizeof(*r->counts)) ||
			    buf_grow((void **)&r->ends, &c2, r->nlines + 1,
				     sizeof(*r->ends)))
				return -ENOMEM;
			r->counts[r->nlines] = err ? -1 : l->count;
			r->ends[r->nlines++] = flame_last_node(r->fl);
		}
	}
	/* Counts past 1e300 are refused by the parser; nothing else makes
	 * a line unusable here. */
	return err == -EINVAL ? 0 : err;
}

/* Reads all of PATH into a new buffer (*TEXT, *LEN; NUL-terminated).
 * Returns 0 or -errno. */
static int slurp(const char *path, char **text, size_t *len)
{
	struct buf b = { 0 };
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		buf_put(&b, chunk, (size_t)n);
	}
	close(fd);
	buf_put_u8(&b, 0);
	if (!err && b.err)
		err = -ENOMEM;
	if (err) {
		buf_free(&b);
		return err;
	}
	*text = (char *)b.data;
	*len = b.len - 1;
	return 0;
}

/* --cp: reads ./palette.map if there is one into a new map *PM. Returns
 * 0, or 1 after an error message. */
static int palette_read(struct palmap **pm)
{
	char *text = NULL;
	size_t len = 0, bad, first;
	int err;

	if (!(*pm = palmap_new())) {
		warn("%s%s", "out of memory", "");
		return 1;
	}
	err = slurp(PALETTE_MAP, &text, &len);
	if (err == -ENOENT)
		return 0;
	if (err || (err = palmap_parse(*pm, text, len, &bad, &first))) {
		warn("cannot read '%s': %s", PALETTE_MAP, strerror(-err));
		free(text);
		return 1;
	}
	if (bad)
		fprintf(stderr, PROG ": warning: '" PALETTE_MAP "': %zu line%s not NAME->rgb(R,G,B) "
			"skipped (the first is line %zu)\n", bad, bad == 1 ? "" : "s", first);
	free(text);
	return 0;
}

/* --cp: writes the map back to ./palette.map, replacing it atomically,
 * when it gained names. Returns 0, or 1 after an error message. */
static int palette_write(struct palmap *pm)
{
	char tmp[] = PALETTE_MAP ".tmp.XXXXXX";
	int fd, err;
	FILE *f;

	if (!palmap_changed(pm))
		return 0;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		warn("cannot create '%s': %s", PALETTE_MAP, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return 1;
	}
	/* An ordinary file, as flamegraph.pl's would be. */
	mode_t mask = umask(0);
	umask(mask);
	err = fchmod(fd, 0666 & ~mask) ? -errno : palmap_write(pm, f);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, PALETTE_MAP))
		err = -errno;
	if (err) {
		unlink(tmp);
		warn("cannot write '%s': %s", PALETTE_MAP, strerror(-err));
		return 1;
	}
	return 0;
}

/* --nameattr FILE: the table in *NA. Returns 0, or 1 after an error. */
static int nameattr_read(const char *path, struct nameattr **na)
{
	char *text = NULL, key[64];
	size_t len = 0, line, ignored;
	int err = slurp(path, &text, &len);

	if (err) {
		warn("cannot read '%s': %s", path, strerror(-err));
		return 1;
	}
	*na = nameattr_parse(text, len, &line, &ignored, key, sizeof(key));
	free(text);
	if (!*na && errno == EINVAL) {
		fprintf(stderr, PROG ": '%s': line %zu is not NAME<TAB>KEY=VALUE...\n", path, line);
		return 1;
	}
	if (!*na) {
		warn("cannot read '%s': %s", path, strerror(errno));
		return 1;
	}
	if (ignored)
		fprintf(stderr, PROG ": warning: '%s': %zu attribute%s ignored (the first is "
			"'%s'; taken are title, href, target, id and class)\n", path, ignored,
			ignored == 1 ? "" : "s", key);
	return 0;
}

/* --encoding NAME: a converter to UTF-8 in *CD. Folded input splits on
 * ';', ' ' and newlines, so the encoding must keep ASCII as it is.
 * Returns 0, or 2 after a usage message. */
static int encoding_open(const char *name, iconv_t *cd)
{
	static const char probe[] = "main;f 12\n";
	char out[64], *in = (char *)probe, *o = out;
	size_t left = sizeof(probe) - 1, room = sizeof(out);

	*cd = iconv_open("UTF-8", name);
	if (*cd == (iconv_t)-1) {
		warn("invalid --encoding '%s': %s", name,
		     errno == EINVAL ? "not a character set iconv knows" : strerror(errno));
		return 2;
	}
	if (iconv(*cd, &in, &left, &o, &room) == (size_t)-1 || left ||
	    (size_t)(o - out) != sizeof(probe) - 1 || memcmp(out, probe, sizeof(probe) - 1)) {
		warn("invalid --encoding '%s': %s", name,
		     "folded stacks need a character set that keeps ASCII as it is");
		iconv_close(*cd);
		*cd = (iconv_t)-1;
		return 2;
	}
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

/* The temporary file beside DEST, so that rename() stays atomic. */
static FILE *open_temp(const char *dest, char **tmp_path)
{
	size_t n = strlen(dest);
	char *path = malloc(n + 16);
	int fd;
	mode_t mask;
	FILE *f;

	*tmp_path = NULL;
	if (!path)
		return NULL;
	memcpy(path, dest, n);
	memcpy(path + n, ".tmp.XXXXXX", 12);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	/* mkstemp makes 0600; a graph is an ordinary file. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || !(f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		unlink(path);
		free(path);
		errno = e;
		return NULL;
	}
	*tmp_path = path;
	tmp_name = path;
	tmp_live = 1;
	return f;
}

int main(int argc, char **argv)
{
	struct flamegraph_opts o;
	struct folded in;
	struct reader rd = { .cd = (iconv_t)-1 };
	struct palmap *pm = NULL;
	struct nameattr *na = NULL;
	const char *nameattr_path = NULL;
	int cp = 0;
	struct timeline tl = { 0 };
	struct svg w = { 0 };
	const char *input = "-", *output = "-", *where;
	char *tmp_path = NULL;
	FILE *out = stdout;
	int c, fd = STDIN_FILENO, err, status = 1;
	double total;
	char why[256];

	flamegraph_opts_init(&o);
	folded_init(&in);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:s:w:H:m:f:S:C:N:c:b:xirnhV",
				LONG_OPTS, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 't':
			o.title = optarg;
			break;
		case 's':
			o.subtitle = optarg;
			break;
		case 'w':
			if (number("--width", optarg, 100, 1e6, &o.width))
				goto usage_error;
			break;
		case 'H':
			if (number("--height", optarg, 2, 1000, &o.frame_height))
				goto usage_error;
			break;
		case 'm': {
			size_t n = strlen(optarg);
			char *copy = strdup(optarg);

			if (!copy)
				return 1;
			o.minwidth_percent = n > 0 && optarg[n - 1] == '%';
			if (o.minwidth_percent)
				copy[n - 1] = '\0';
			err = number("--minwidth", copy, 0,
				     o.minwidth_percent ? 100 : 1e6, &o.minwidth);
			free(copy);
			if (err)
				goto usage_error;
			break;
		}
		case 'f':
			o.fonttype = optarg;
			break;
		case 'S':
			if (number("--fontsize", optarg, 1, 500, &o.fontsize))
				goto usage_error;
			break;
		case OPT_FONTWIDTH:
			if (number("--fontwidth", optarg, 0.05, 10, &o.fontwidth))
				goto usage_error;
			break;
		case 'C':
			o.countname = optarg;
			break;
		case 'N':
			o.nametype = optarg;
			break;
		case 'c':
			if (palette_by_name(optarg) < 0) {
				warn("invalid --colors '%s': expected %s", optarg,
				     palette_names());
				goto usage_error;
			}
			o.palette = palette_by_name(optarg);
			o.palette_set = 1;
			break;
		case 'b':
			if (!flamegraph_bgcolors_ok(optarg)) {
				warn("invalid --bgcolors '%s': %s", optarg,
				     "expected yellow, blue, green, grey or "
				     "#rrggbb");
				goto usage_error;
			}
			o.bgcolors = optarg;
			break;
		case 'x':
			o.hash = 1;
			break;
		case 'i':
			o.inverted = 1;
			break;
		case 'r':
			rd.flags |= FLAME_REVERSE;
			break;
		case 'n':
			o.negate = 1;
			break;
		case OPT_NOTES:
			o.notes = optarg;
			break;
		case OPT_CP:
			cp = 1;
			break;
		case OPT_RANDOM:
			o.random = 1;
			break;
		case OPT_FACTOR:
			if (number("--factor", optarg, 1e-12, 1e12, &o.factor))
				return 2;
			break;
		case OPT_TOTAL:
			if (number("--total", optarg, 1e-9, 1e300, &o.total))
				return 2;
			break;
		case OPT_NAMEATTR:
			nameattr_path = optarg;
			break;
		case OPT_FLAMECHART:
			o.flamechart = 1;
			rd.flags |= FLAME_CHART;
			break;
		case OPT_ENCODING:
			if (rd.cd != (iconv_t)-1)
				iconv_close(rd.cd);
			if ((err = encoding_open(optarg, &rd.cd)))
				return err;
			break;
		case 'h':
			usage(stdout);
			return fclose(stdout) ? 1 : 0;
		case 'V':
			printf(PROG " " PSYS_VERSION "\n");
			return fclose(stdout) ? 1 : 0;
		default:
			warn("%s%s", cli_option_error(c, argv, LONG_OPTS, why,
						      sizeof(why)), "");
			goto usage_error;
		}
	}
	if (argc - optind > 1) {
		warn("too many arguments: '%s'%s", argv[optind + 1],
		     " (one input file, or none for standard input)");
		goto usage_error;
	}
	if (optind < argc)
		input = argv[optind];
	else if (isatty(STDIN_FILENO)) {
		/* Nobody types folded stacks: a pipe or a file was meant. */
		warn("%s%s", "no input: give FILE, or a pipe or a file on standard ",
		     "input");
		goto usage_error;
	}
	where = strcmp(input, "-") ? input : "standard input";
	if (o.random && getrandom(&o.seed, sizeof(o.seed), GRND_NONBLOCK) != sizeof(o.seed))
		o.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	if (nameattr_path && nameattr_read(nameattr_path, &na))
		goto cleanup;
	if (cp && palette_read(&pm))
		goto cleanup;
	o.nameattr = na;
	o.palmap = pm;

	/* A reader that goes away (| head) ends us silently, as any filter;
	 * an interrupt leaves no temporary behind. */
	cli_default_sigpipe();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	if (strcmp(input, "-") && (fd = open(input, O_RDONLY | O_CLOEXEC)) < 0) {
		warn("cannot open '%s': %s", input, strerror(errno));
		return 1;
	}
	rd.in = &in;
	err = folded_read_fd(&in, fd, on_stack, &rd);
	if (fd != STDIN_FILENO)
		close(fd);
	if (err) {
		warn("cannot read '%s': %s", where, strerror(-err));
		goto cleanup;
	}
	if (in.invalid)
		fprintf(stderr, PROG ": '%s': skipped %llu line%s that %s not "
				"folded stacks (the first is line %llu)\n",
			where, in.invalid, in.invalid == 1 ? "" : "s",
			in.invalid == 1 ? "is" : "are", in.first_invalid);
	/* flamegraph.pl ignores a --total below the counts' sum, saying so. */
	if (o.total > 0 && rd.fl && o.total < flame_total(rd.fl)) {
		fprintf(stderr, PROG ": warning: --total %g is less than the input's total %g: "
			"ignored\n", o.total, flame_total(rd.fl));
		o.total = 0;
	}

	/* psys-fold's timeline, when it holds together with the stacks. */
	err = timeline_read(&in, &tl, why, sizeof(why));
	if (err == 1 && in.mode == FOLDED_DIFF) {
		snprintf(why, sizeof(why), "a differential graph has no time view");
		err = -EBADMSG;
		timeline_free(&tl);
	} else if (err == 1) {
		err = timeline_check(&tl, rd.counts, rd.nlines, why, sizeof(why));
		if (err)
			timeline_free(&tl);
		else
			err = 1;
	}
	if (err == -ENOMEM) {
		warn("cannot read '%s': %s", where, strerror(ENOMEM));
		goto cleanup;
	}
	if (err < 0)
		fprintf(stderr, PROG ": '%s': timeline left out: %s\n", where, why);
	if (err == 1) {
		o.timeline = &tl;
		o.line_node = rd.ends;
	}

	if (strcmp(output, "-")) {
		out = open_temp(output, &tmp_path);
		if (!out) {
			warn("cannot create '%s': %s", output, strerror(errno));
			goto cleanup;
		}
	}
	if (svg_init(&w, out)) {
		warn("cannot write '%s': %s", output, strerror(ENOMEM));
		goto cleanup;
	}
	err = flamegraph_write(&w, rd.fl, &in, &o);
	if (!err && out != stdout) {
		/* The data must be on disk before the name points at it. */
		if (fsync(fileno(out)) < 0)
			err = -errno;
		if (fclose(out) && !err)
			err = errno ? -errno : -EIO;
		out = NULL;
		if (!err && rename(tmp_path, output) < 0)
			err = -errno;
		if (!err)
			tmp_live = 0;
	}
	if (err) {
		warn("cannot write '%s': %s",
		     out == stdout ? "standard output" : output, strerror(-err));
		goto cleanup;
	}
	total = rd.fl ? flame_total(rd.fl) : 0;
	if (!(total > 0)) {
		warn("'%s': %s", where, "no samples (wrote a graph that says so)");
		status = 2;
	} else {
		status = 0;
	}
	/* The palette only once the graph is written: a failed run leaves
	 * the file as it was. */
	if (pm && palette_write(pm))
		status = 1;
cleanup:
	if (out && out != stdout)
		fclose(out);
	if (tmp_path) {
		if (status == 1)
			unlink(tmp_path);
		tmp_live = 0;
		free(tmp_path);
	}
	svg_free(&w);
	flame_free(rd.fl);
	timeline_free(&tl);
	free(rd.counts);
	free(rd.ends);
	folded_free(&in);
	palmap_free(pm);
	nameattr_free(na);
	buf_free(&rd.utf8);
	if (rd.cd != (iconv_t)-1)
		iconv_close(rd.cd);
	/* Only now is stdout known good: a full disk may show at close. */
	if (status != 1 && out == stdout &&
	    (ferror(stdout) || fclose(stdout))) {
		warn("cannot write '%s': %s", "standard output",
		     strerror(errno ? errno : EIO));
		status = 1;
	}
	return status;

usage_error:
	fputs(CLI_TRY(PROG), stderr);
	return CLI_USAGE;
}
