/* Clocks and time stamps shared by the programs: nanosecond readings of a
 * clock, ISO 8601 local time for humans and JSON, and the compact local
 * time used in capture file names. */
#ifndef PSYS_PTIME_H
#define PSYS_PTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The clock in nanoseconds (CLOCK_MONOTONIC, CLOCK_REALTIME...). */
int64_t ptime_now(clockid_t clock);

/* "2026-11-26T10:15:04.123+01:00": NS since the epoch in local time, with
 * milliseconds and the UTC offset. Returns 0 or -EOVERFLOW. */
int ptime_iso(int64_t ns, char *buf, size_t len);

/* "20261126_101504": local time of NS, for file names. Returns 0 or
 * -EOVERFLOW. */
int ptime_stamp(int64_t ns, char *buf, size_t len);

/* Parses a duration in seconds ("3", "0.5", "1e-1") into NS; refuses
 * negatives, NaN, and anything above MAX_NS. Returns 0 or -EINVAL. */
int ptime_parse_seconds(const char *s, int64_t max_ns, int64_t *ns);

#endif
