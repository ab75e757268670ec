/* trigline CPU...: writes one trigger line for the CPUs with lib/watch's
 * own writer, stamped now with the clocks psys-watch uses, as if its 1 s
 * interval had just crossed a 10% gate at 50% sys: the tests' hand-made
 * triggers, so that the trigger line has one writer. */
#include "watch/trigger.h"

#include <stdio.h>
#include <stdlib.h>
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
	for (int i = 1; i < argc; i++)
		if (trigger_add_cpu(&t, atoi(argv[i]), 50)) {
			fprintf(stderr, "trigline: bad cpu '%s'\n", argv[i]);
			return 2;
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
