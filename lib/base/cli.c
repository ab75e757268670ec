/* Command-line conventions shared by the programs; see cli.h. */
#include "base/cli.h"

#include <signal.h>
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
