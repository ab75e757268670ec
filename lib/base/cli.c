/* Command-line conventions shared by the programs; see cli.h. */
#include "base/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* The "--name" part of ARG ("--name=value"), in BUF. */
static const char *long_name(const char *arg, char *buf, size_t len)
{
	size_t n = strcspn(arg, "=");

	snprintf(buf, len, "%.*s", (int)(n < 200 ? n : 200), arg);
	return buf;
}

char *cli_option_error(int ret, char *const argv[], const struct option *longopts,
		       char *buf, size_t len)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	int is_long = arg && strncmp(arg, "--", 2) == 0 && arg[2];
	char name[256], also[512] = "";
	size_t matches = 0;

	if (!arg)
		arg = "";
	if (!is_long) {
		snprintf(buf, len, ret == ':' ? "option '-%c' needs a value" :
			 "unknown option '-%c'", optopt);
		return buf;
	}
	long_name(arg, name, sizeof(name));
	if (ret == ':') {
		snprintf(buf, len, "option '%s' needs a value", name);
		return buf;
	}
	/* '?' with optopt set: a long option that takes no value got one. */
	if (optopt) {
		for (const struct option *o = longopts; o && o->name; o++)
			if (o->val == optopt && !o->flag && o->has_arg == no_argument &&
			    strncmp(o->name, name + 2, strlen(name + 2)) == 0) {
				snprintf(buf, len, "option '--%s' takes no value", o->name);
				return buf;
			}
	}
	/* An abbreviation that fits several options. */
	for (const struct option *o = longopts; o && o->name; o++) {
		if (strncmp(o->name, name + 2, strlen(name + 2)) != 0)
			continue;
		size_t used = strlen(also);
		snprintf(also + used, sizeof(also) - used, "%s--%s", matches ? ", " : "",
			 o->name);
		matches++;
	}
	if (matches > 1)
		snprintf(buf, len, "ambiguous option '%s' (%s)", name, also);
	else
		snprintf(buf, len, "unknown option '%s'", name);
	return buf;
}

void cli_default_sigpipe(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* The table as getopt_long() wants it: "--name" entries and the short
 * letters, ':'-prefixed so that a missing value is told from an unknown
 * option. */
static int getopt_tables(const struct cli_opt *opts, struct option **longs,
			 char **shorts)
{
	size_t n = 0, i, k = 0;

	while (opts[n].name)
		n++;
	*longs = calloc(n + 1, sizeof(**longs));
	*shorts = malloc(2 + 2 * n + 1);
	if (!*longs || !*shorts) {
		free(*longs);
		free(*shorts);
		return -ENOMEM;
	}
	(*shorts)[k++] = ':';
	for (i = 0; i < n; i++) {
		(*longs)[i] = (struct option){ opts[i].name,
			opts[i].arg ? required_argument : no_argument, NULL, opts[i].key };
		if (opts[i].key > 0 && opts[i].key < 256) {
			(*shorts)[k++] = (char)opts[i].key;
			if (opts[i].arg)
				(*shorts)[k++] = ':';
		}
	}
	(*shorts)[k] = 0;
	return 0;
}

int cli_parse(int argc, char **argv, const char *prog,
	      const struct cli_opt *opts, cli_opt_fn fn, void *ctx, int *first)
{
	struct option *longs;
	char *shorts, why[256];
	int c, ret = 0;

	if (getopt_tables(opts, &longs, &shorts)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return CLI_FAIL;
	}
	opterr = 0;
	optind = 0;	/* glibc: start afresh, even if called before */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == '?' || c == ':') {
			fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
				prog, cli_option_error(c, argv, longs, why, sizeof(why)),
				prog);
			ret = CLI_USAGE;
			break;
		}
		if ((ret = fn(c, optarg, ctx)))
			break;
	}
	*first = optind;
	free(longs);
	free(shorts);
	return ret;
}

/* The left part of an option's help line: "  -i, --interval=SECONDS". */
static int help_left(const struct cli_opt *o, char *buf, size_t len)
{
	char key[8] = "    ";

	if (o->key > 0 && o->key < 256)
		snprintf(key, sizeof(key), "-%c, ", o->key);
	return snprintf(buf, len, "  %s--%s%s%s", key, o->name, o->arg ? "=" : "",
			o->arg ? o->arg : "");
}

void cli_help(FILE *f, const struct cli_opt *opts)
{
	/* One column for every text: past the widest left part, but never so
	 * far right that the text gets squeezed; a wider option takes a line
	 * of its own. */
	const int max_col = 28;
	char left[128];
	int col = 0;

	for (const struct cli_opt *o = opts; o->name; o++) {
		int w = help_left(o, left, sizeof(left)) + 2;

		if (o->help && w > col && w <= max_col)
			col = w;
	}
	for (const struct cli_opt *o = opts; o->name; o++) {
		const char *p = o->help;
		int w;

		if (!p)
			continue;
		w = help_left(o, left, sizeof(left));
		fputs(left, f);
		if (w + 2 > col)
			fprintf(f, "\n%*s", col, "");
		else
			fprintf(f, "%*s", col - w, "");
		for (;;) {
			size_t n = strcspn(p, "\n");

			fprintf(f, "%.*s\n", (int)n, p);
			if (!p[n])
				break;
			p += n + 1;
			fprintf(f, "%*s", col, "");
		}
	}
}

int cli_bad(const char *prog, const char *what, const char *value,
	    const char *want)
{
	fprintf(stderr, "%s: bad %s '%s': want %s\nTry '%s --help' for more "
		"information.\n", prog, what, value, want, prog);
	return CLI_USAGE;
}
