/* psys-svg: folded stacks in, one self-contained interactive flame graph
 * SVG out. Reads psys-fold's output (using its "# key: value" metadata for
 * the title and subtitle) or any other collapser's; the options mean what
 * they mean to flamegraph.pl. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "flame.h"
#include "flamegraph.h"
#include "folded.h"
#include "svg.h"

#define PROG "psys-svg"

enum {
	OPT_FONTWIDTH = 256,
	OPT_NOTES,
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
"\n"
"  -o, --output=FILE      write FILE (replaced atomically), not stdout\n"
"  -t, --title=TEXT       title (default: metadata title, or Flame Graph)\n"
"  -s, --subtitle=TEXT    subtitle (default: host, window, samples, lost\n"
"                         from the metadata; '' for none)\n"
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
"                         yellow, purple, orange, grey, java\n"
"  -b, --bgcolors=BG      yellow, blue, green, grey, or #rrggbb\n"
"  -x, --hash             similar names get similar colours (colours are\n"
"                         always stable per name)\n"
"  -i, --inverted         icicle graph: the root at the top\n"
"  -r, --reverse          merge stacks from their leaves (reversed stacks)\n"
"  -n, --negate           differential: the counts are AFTER BEFORE\n"
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
};

static int on_stack(void *ctx, const struct folded_line *l)
{
	struct reader *r = ctx;
	int err;

	if (!r->fl) {
		/* The first stack line decides whether this is a
		 * differential input. */
		if (r->in->mode == FOLDED_DIFF)
			r->flags |= FLAME_DIFF;
		r->fl = flame_new(r->flags);
		if (!r->fl)
			return -ENOMEM;
	}
	if (r->in->mode == FOLDED_DIFF)
		err = flame_add_stack(r->fl, l->stack, l->len, l->count2,
				      l->count);
	else
		err = flame_add_stack(r->fl, l->stack, l->len, l->count, 0);
	/* Counts past 1e300 are refused by the parser; nothing else makes
	 * a line unusable here. */
	return err == -EINVAL ? 0 : err;
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
	struct reader rd = { 0 };
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
			if (flamegraph_palette(optarg) < 0) {
				warn("invalid --colors '%s': %s", optarg,
				     "expected hot, mem, io, red, green, blue, "
				     "aqua, yellow, purple, orange, grey or java");
				goto usage_error;
			}
			o.palette = flamegraph_palette(optarg);
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
	folded_free(&in);
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
