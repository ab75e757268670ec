/* trigline CPU...: writes one trigger line for the CPUs with lib/watch's
 * own writer, stamped now with the clocks psys-watch uses, as if its 1 s
 * interval had just crossed a 10% gate at 50% sys: the tests' hand-made
 * triggers, so that the trigger line has one writer.
 * trigline --cgroup HIER PATH [--cgroup HIER PATH]... [CPU...]: a cgroup
 * trigger instead ("rule":"cgroup", gate 50), each cgroup at 63.2% of a
 * CPU; PATH is taken as raw bytes. */
#include "watch/trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct trigger t = { 0 };
	char *line = NULL;

	t.mono_ns = now_ns(CLOCK_MONOTONIC);
	t.wall_ns = now_ns(CLOCK_REALTIME);
	t.mono_start_ns = t.mono_ns - 1000000000;
	t.gate = 10;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cgroup")) {
			if (i + 2 >= argc ||
			    trigger_add_cgroup(&t, argv[i + 2], strlen(argv[i + 2]), argv[i + 1], 63.2)) {
				fprintf(stderr, "trigline: want --cgroup HIER /PATH\n");
				return 2;
			}
			snprintf(t.rule, sizeof(t.rule), "%s", TRIGGER_RULE_CGROUP);
			t.gate = 50;
			i += 2;
		} else if (trigger_add_cpu(&t, atoi(argv[i]), 50)) {
			fprintf(stderr, "trigline: bad cpu '%s'\n", argv[i]);
			return 2;
		}
	}
	if (trigger_format(&t, &line)) {
		fprintf(stderr, "trigline: cannot format the line\n");
		return 1;
	}
	printf("%s\n", line);
	fflush(stdout);
	free(line);
	trigger_free(&t);
	return 0;
}
