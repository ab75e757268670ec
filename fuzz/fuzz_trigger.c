/* libFuzzer harness for psys-record's trigger-line parser: any bytes as a
 * line; a line that parses must format back into a line that parses to
 * the same trigger. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "watch/trigger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trigger t = { 0 }, u = { 0 };
	char err[128], *line = NULL;
	int rc;

	rc = trigger_parse((const char *)data, size, &t, err, sizeof(err));
	if (rc != 0 && rc != -ENOMSG && rc != -ENOMEM)
		abort();
	if (rc != 0)
		return 0;
	if (trigger_is_cgroup(&t) ? t.ncgroups < 1 : (t.nhot < 1 || t.ncgroups))
		abort();
	for (int i = 1; i < t.nhot; i++)
		if (t.hot[i - 1].cpu >= t.hot[i].cpu)
			abort();
	/* trigger_format refuses mono_start_ns >= mono_ns, which the parser
	 * may accept; only a formatted line must round-trip. */
	if (trigger_format(&t, &line) == 0) {
		if (trigger_parse(line, strlen(line), &u, err, sizeof(err)) != 0)
			abort();
		if (u.wall_ns != t.wall_ns || u.mono_ns != t.mono_ns ||
		    u.mono_start_ns != t.mono_start_ns || u.nhot != t.nhot ||
		    u.irq != t.irq)
			abort();
		for (int i = 0; i < t.nhot; i++)
			if (u.hot[i].cpu != t.hot[i].cpu)
				abort();
		if (u.ncgroups != t.ncgroups)
			abort();
		for (int i = 0; i < t.ncgroups; i++)
			if (strcmp(u.cgroups[i].path, t.cgroups[i].path) ||
			    strcmp(u.cgroups[i].hier, t.cgroups[i].hier))
				abort();
		trigger_free(&u);
		free(line);
	}
	trigger_free(&t);
	return 0;
}
