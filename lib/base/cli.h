/* What the four programs share on their command lines: exit codes, the
 * one-line answer to a bad option, and the hint that follows every usage
 * error, so that all four say the same thing the same way. */
#ifndef PSYS_CLI_H
#define PSYS_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes, the same in every program (each --help lists its own). */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,		/* the work failed */
	CLI_USAGE = 2,		/* bad options or arguments: nothing was done */
	CLI_DAMAGED = 3,	/* psys-fold: a damaged input folded in part */
};

/* The line after every usage error: "PROG: what was wrong" comes first.
 * PROG must be a string literal. */
#define CLI_TRY(prog) "Try '" prog " --help' for more information.\n"

/* Describes in BUF (size LEN, always terminated) what went wrong when
 * getopt_long(), called with an option string starting with ':' and
 * opterr = 0, returned RET ('?' or ':'), using getopt's optind and optopt,
 * ARGV and LONGOPTS: "unknown option '--x'", "option '-C' needs a value",
 * "option '--help' takes no value", "ambiguous option '--per' (--per-cpu,
 * --per-pid)". Returns BUF. */
char *cli_option_error(int ret, char *const argv[], const struct option *longopts,
		       char *buf, size_t len);

/* Makes SIGPIPE end the process at its default action, whatever the
 * parent left it at: a program writing to a reader that has gone ends
 * at once, silently, as cat or grep do (the shell reports status 141). */
void cli_default_sigpipe(void);

/* One option style for the four programs: each option once, in a table,
 * with its help text beside it; defaults live in the program's options
 * struct initializer, and validation in its one parse callback, next to
 * the table (as bcc's libbpf-tools do with their env struct and argp
 * table). */
struct cli_opt {
	const char *name;	/* long name, without "--" */
	int key;		/* its short letter, or >= 256 for long only */
	const char *arg;	/* the value's name in the help ("SECONDS"),
				   or NULL: the option takes no value */
	const char *help;	/* one line, or several joined by '\n'; NULL
				   leaves the option out of the help */
};

/* Called for each option met, in order, with its KEY and VALUE (NULL for
 * one that takes none). Returns 0 to go on, CLI_USAGE after saying what
 * was wrong (cli_bad()), or CLI_DONE after printing --help or --version. */
typedef int (*cli_opt_fn)(int key, const char *value, void *ctx);

#define CLI_DONE (-1)

/* Parses ARGV's options with OPTS (ended by an entry with NAME NULL),
 * calling FN for each. On return *FIRST is the index of the first operand.
 * Returns 0 (go on), CLI_DONE (help or version printed: exit 0), or
 * CLI_USAGE after a one-line error naming the option and the try-help
 * line on stderr (an unknown option, a missing or unwanted value, or FN's
 * verdict). PROG is the program's name. */
int cli_parse(int argc, char **argv, const char *prog,
	      const struct cli_opt *opts, cli_opt_fn fn, void *ctx, int *first);

/* Writes OPTS' help lines to F: "  -i, --interval=SECONDS  text", the texts
 * in one column, continuation lines indented to it. */
void cli_help(FILE *f, const struct cli_opt *opts);

/* Says on stderr "PROG: bad WHAT 'VALUE': want WANT" and the try-help line;
 * returns CLI_USAGE. */
int cli_bad(const char *prog, const char *what, const char *value,
	    const char *want);

#endif
