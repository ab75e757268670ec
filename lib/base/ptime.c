/* Clocks and time stamps; see ptime.h. */
#include "base/ptime.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int64_t ptime_now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int local_tm(int64_t ns, struct tm *tm)
{
	time_t sec = (time_t)(ns / 1000000000);

	return localtime_r(&sec, tm) ? 0 : -EOVERFLOW;
}

int ptime_iso(int64_t ns, char *buf, size_t len)
{
	struct tm tm;
	long off;
	size_t k;

	if (ns < 0 || local_tm(ns, &tm))
		return -EOVERFLOW;
	k = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!k)
		return -EOVERFLOW;
	off = tm.tm_gmtoff;
	if ((size_t)snprintf(buf + k, len - k, ".%03d%c%02ld:%02ld",
			     (int)(ns % 1000000000 / 1000000), off < 0 ? '-' : '+',
			     labs(off) / 3600, labs(off) % 3600 / 60) >= len - k)
		return -EOVERFLOW;
	return 0;
}

int ptime_stamp(int64_t ns, char *buf, size_t len)
{
	struct tm tm;

	if (ns < 0 || local_tm(ns, &tm))
		return -EOVERFLOW;
	return strftime(buf, len, "%Y%m%d_%H%M%S", &tm) ? 0 : -EOVERFLOW;
}

int ptime_parse_seconds(const char *s, int64_t max_ns, int64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 0 ||
	    v * 1e9 > (double)max_ns)
		return -EINVAL;
	*ns = (int64_t)(v * 1e9 + 0.5);
	return 0;
}
