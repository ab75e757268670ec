/* What the four programs share on their command lines: exit codes, the
 * one-line answer to a bad option, and the hint that follows every usage
 * error, so that all four say the same thing the same way. */
#ifndef PSYS_CLI_H
#define PSYS_CLI_H

#include <getopt.h>
#include <stddef.h>

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

#endif
