/* libFuzzer harness for the CPU-list parser (and psys-fold's --cpu/--pid
 * lists and --from/--to times, the other list and time syntax a user
 * types): any bytes as a string; a list that parses formats back into
 * the same set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpulist.h"
#include "fold/slice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[256], *big = NULL;
	struct cpulist l = { 0 }, m = { 0 };
	struct idlist ids = { 0 };
	struct slice_time tm;
	int64_t mono;
	size_t need;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cpulist_parse(s, &l) == 0) {
		if (l.n < 1)
			abort();
		for (int i = 0; i < l.n; i++)
			if (l.cpus[i] < 0 || l.cpus[i] > CPULIST_MAX_CPU ||
			    (i && l.cpus[i - 1] >= l.cpus[i]) ||
			    !cpulist_has(&l, l.cpus[i]))
				abort();
		need = cpulist_format(&l, buf, sizeof(buf));
		if (need >= sizeof(buf)) {
			big = malloc(need + 1);
			if (!big || cpulist_format(&l, big, need + 1) != need)
				abort();
		}
		if (cpulist_parse(big ? big : buf, &m) != 0 || m.n != l.n ||
		    memcmp(m.cpus, l.cpus, l.n * sizeof(*l.cpus)))
			abort();
		(void)cpulist_join(&l, ":", buf, sizeof(buf));
		(void)cpulist_join(&l, ":", buf, 3);
		free(big);
		cpulist_free(&m);
		cpulist_free(&l);
	}
	if (idlist_parse(s, IDLIST_MAX_PID, &ids) == 0) {
		/* Sorted, disjoint and merged: a gap of at least one id. */
		for (size_t i = 0; i < ids.n; i++)
			if (ids.n < 1 || ids.r[i][0] > ids.r[i][1] ||
			    ids.r[i][1] > IDLIST_MAX_PID ||
			    (i && (uint64_t)ids.r[i - 1][1] + 1 >= ids.r[i][0]) ||
			    !idlist_has(&ids, ids.r[i][0]) ||
			    !idlist_has(&ids, ids.r[i][1]) ||
			    (ids.r[i][0] && idlist_has(&ids, ids.r[i][0] - 1)))
				abort();
		idlist_free(&ids);
	}
	if (slice_parse_time(s, &tm) == 0) {
		/* Capture starts come from untrusted headers: try the edges. */
		static const int64_t starts[][2] = {
			{ 1795684504123456789LL, 523456789012LL },
			{ INT64_MAX, INT64_MAX }, { INT64_MIN, INT64_MIN },
			{ INT64_MIN + 1, 1 }, { 1, INT64_MAX - 1 }, { -1, -1 },
		};
		for (size_t i = 0; i < sizeof(starts) / sizeof(*starts); i++)
			(void)slice_time_mono(&tm, starts[i][0], starts[i][1], &mono);
	}
	free(s);
	return 0;
}
