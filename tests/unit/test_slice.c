/* Table-driven tests for lib/fold/slice.c: time parsing (relative,
 * time of day, ISO 8601 with and without a zone), resolving times against
 * a capture's start (midnight included), and the comm regex. */
#include "fold/slice.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define S 1000000000LL

static const struct {
	const char *in;
	enum slice_time_kind kind;	/* SLICE_TIME_NONE: must fail */
	int64_t ns;			/* in UTC (TZ=UTC) */
} times[] = {
	{ "0", SLICE_TIME_REL, 0 },
	{ "2.5", SLICE_TIME_REL, 2500000000LL },
	{ "+3", SLICE_TIME_REL, 3 * S },
	{ ".25", SLICE_TIME_REL, 250000000LL },
	{ "-1", SLICE_TIME_NONE, 0 },
	{ "1e3", SLICE_TIME_NONE, 0 },
	{ "nan", SLICE_TIME_NONE, 0 },
	{ "inf", SLICE_TIME_NONE, 0 },
	{ "3s", SLICE_TIME_NONE, 0 },
	{ "", SLICE_TIME_NONE, 0 },
	{ "10:15", SLICE_TIME_TOD, (10 * 3600 + 15 * 60) * S },
	{ "10:15:04", SLICE_TIME_TOD, (10 * 3600 + 15 * 60 + 4) * S },
	{ "10:15:04.25", SLICE_TIME_TOD, (10 * 3600 + 15 * 60 + 4) * S + 250000000LL },
	{ "23:59:60", SLICE_TIME_TOD, (23 * 3600 + 59 * 60 + 60) * S },
	{ "24:00:00", SLICE_TIME_NONE, 0 },
	{ "10:60", SLICE_TIME_NONE, 0 },
	{ "1:15", SLICE_TIME_NONE, 0 },
	{ "10:15:04.", SLICE_TIME_NONE, 0 },
	{ "10:15:04x", SLICE_TIME_NONE, 0 },
	/* 2026-11-26T10:15:04Z is 1795688104 */
	{ "2026-11-26T10:15:04Z", SLICE_TIME_WALL, 1795688104LL * S },
	{ "2026-11-26T10:15:04", SLICE_TIME_WALL, 1795688104LL * S },	/* TZ=UTC */
	{ "2026-11-26 10:15:04.5", SLICE_TIME_WALL, 1795688104LL * S + 500000000LL },
	{ "2026-11-26T10:15:04+01:00", SLICE_TIME_WALL, (1795688104LL - 3600) * S },
	{ "2026-11-26T10:15:04-0530", SLICE_TIME_WALL, (1795688104LL + 19800) * S },
	{ "2026-11-26T10:15", SLICE_TIME_WALL, (1795688104LL - 4) * S },
	{ "2026-13-26T10:15:04", SLICE_TIME_NONE, 0 },
	{ "2026-11-26", SLICE_TIME_NONE, 0 },
	{ "2026-11-26T10:15:04+1", SLICE_TIME_NONE, 0 },
	{ "2026-11-26T10:15:04 junk", SLICE_TIME_NONE, 0 },
};

/* Resolving against a capture that started at START (UTC, epoch s) with
 * monotonic clock 1000 s. */
static const struct {
	const char *in;
	int64_t start;
	int64_t want;	/* mono ns, or -1 for -EINVAL */
} resolve[] = {
	{ "2.5", 1795688104LL, 1000 * S + 2500000000LL },
	{ "10:15:05", 1795688104LL, 1001 * S },
	{ "10:15:00", 1795688104LL, 996 * S },		/* before the start */
	{ "2026-11-26T10:16:04Z", 1795688104LL, 1060 * S },
	/* Started 23:59:50: 00:00:10 is the next day, 20 s later. */
	{ "00:00:10", 1795737590LL, 1020 * S },
	/* Started 00:00:10: 23:59:50 is the day before, 20 s earlier. */
	{ "23:59:50", 1795737610LL, 980 * S },
};

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct slice_time t = { SLICE_TIME_NONE, -1 };
		int err = slice_parse_time(times[i].in, &t);

		if (times[i].kind == SLICE_TIME_NONE) {
			CHECK(err == -EINVAL, "time '%s' should fail", times[i].in);
			continue;
		}
		CHECK(err == 0 && t.kind == times[i].kind && t.ns == times[i].ns,
		      "time '%s': err %d kind %d ns %lld, want kind %d ns %lld", times[i].in,
		      err, t.kind, (long long)t.ns, times[i].kind, (long long)times[i].ns);
	}

	for (size_t i = 0; i < sizeof(resolve) / sizeof(resolve[0]); i++) {
		struct slice_time t;
		int64_t mono = 0;
		int err;

		CHECK(slice_parse_time(resolve[i].in, &t) == 0, "parse '%s'", resolve[i].in);
		err = slice_time_mono(&t, resolve[i].start * S, 1000 * S, &mono);
		CHECK(err == 0 && mono == resolve[i].want, "resolve '%s': %d %lld, want %lld",
		      resolve[i].in, err, (long long)mono, (long long)resolve[i].want);
	}
	struct slice_time none = { SLICE_TIME_NONE, 0 }, rel = { SLICE_TIME_REL, 1 };
	int64_t mono = 42;
	CHECK(slice_time_mono(&none, S, S, &mono) == 1 && mono == 42, "none leaves it");
	CHECK(slice_time_mono(&rel, S, 0, &mono) == -EINVAL, "no start: refused");

	/* A time zone east of UTC: local times move, Z times do not. */
	setenv("TZ", "CET-1", 1);
	tzset();
	struct slice_time t;
	CHECK(slice_parse_time("2026-11-26T11:15:04", &t) == 0 &&
		      t.ns == 1795688104LL * S, "local ISO time in CET: %lld", (long long)t.ns);
	CHECK(slice_parse_time("11:15:05", &t) == 0 &&
		      slice_time_mono(&t, 1795688104LL * S, 1000 * S, &mono) == 0 &&
		      mono == 1001 * S, "time of day in CET: %lld", (long long)mono);

	/* comm filter: POSIX ERE, unanchored unless anchored. */
	struct slice s = { 0 };
	char err[128];
	CHECK(slice_comm_ok(&s, "anything"), "no filter passes");
	CHECK(slice_set_comm(&s, "^load(a|b)$", err, sizeof(err)) == 0, "compile");
	CHECK(slice_comm_ok(&s, "loada") && slice_comm_ok(&s, "loadb") &&
		      !slice_comm_ok(&s, "loadc") && !slice_comm_ok(&s, "xloada"),
	      "alternation and anchors");
	CHECK(slice_set_comm(&s, "kworker", err, sizeof(err)) == 0 &&
		      slice_comm_ok(&s, "kworker/0:1") && !slice_comm_ok(&s, "ksoftirqd/0"),
	      "substring");
	CHECK(slice_set_comm(&s, "a(b", err, sizeof(err)) == -EINVAL && *err,
	      "bad regex is refused with a reason");
	slice_free(&s);
	return test_done("test_slice");
}
