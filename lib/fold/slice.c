/* Sample filters for psys-fold; see slice.h. */
#include "fold/slice.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "fold/fold.h"

/* Exactly N digits into *V. */
static int digits(const char **pp, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*pp)[i]))
			return -EINVAL;
		x = x * 10 + ((*pp)[i] - '0');
	}
	*pp += n;
	*v = x;
	return 0;
}

/* "HH:MM[:SS[.fff]]" at *PP into ns after midnight. */
static int parse_clock(const char **pp, int64_t *ns)
{
	const char *p = *pp;
	int h, m, s = 0;
	int64_t frac = 0;

	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m))
		return -EINVAL;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &s))
			return -EINVAL;
		if (*p == '.' || *p == ',') {
			int64_t scale = 100000000;
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			for (; isdigit((unsigned char)*p); p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
	}
	/* 60 allows a leap second. */
	if (h > 23 || m > 59 || s > 60)
		return -EINVAL;
	*ns = ((int64_t)h * 3600 + m * 60 + s) * 1000000000 + frac;
	*pp = p;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Non-zero if SECS since the epoch, in ns, fits in an int64_t (years
 * 1678 to 2261): a date outside is refused, not wrapped around. */
static int secs_fit(int64_t secs)
{
	return secs > INT64_MIN / 1000000000 + 1 && secs < INT64_MAX / 1000000000 - 1;
}

int slice_parse_time(const char *s, struct slice_time *out)
{
	const char *p = s;
	int64_t ns;

	while (*p == ' ')
		p++;
	/* A date: YYYY-MM-DD[T ]HH:MM[:SS[.f]][Z|+HH:MM|-HHMM]. */
	if (strlen(p) >= 10 && p[4] == '-' && p[7] == '-') {
		int y, mo, d, oh = 0, om = 0, sign = 0;
		int64_t tod;

		if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
		    *p++ != '-' || digits(&p, 2, &d) || (*p != 'T' && *p != ' ' && *p != 't'))
			return -EINVAL;
		p++;
		if (parse_clock(&p, &tod) || mo < 1 || mo > 12 || d < 1 || d > 31)
			return -EINVAL;
		if (*p == 'Z' || *p == 'z') {
			sign = 1;
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '+' ? 1 : -1;
			if (digits(&p, 2, &oh))
				return -EINVAL;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om) || oh > 23 || om > 59)
				return -EINVAL;
		}
		if (*p)
			return -EINVAL;
		if (sign) {
			int64_t secs = days_from_civil(y, mo, d) * 86400 -
				       sign * ((int64_t)oh * 3600 + om * 60);
			if (!secs_fit(secs))
				return -EINVAL;
			ns = secs * 1000000000 + tod;
		} else {
			/* Local time: let mktime apply the zone and DST. */
			struct tm tm = { 0 };
			int64_t whole = tod / 1000000000;
			tm.tm_year = y - 1900;
			tm.tm_mon = mo - 1;
			tm.tm_mday = d;
			tm.tm_hour = (int)(whole / 3600);
			tm.tm_min = (int)(whole / 60 % 60);
			tm.tm_sec = (int)(whole % 60);
			tm.tm_isdst = -1;
			time_t t = mktime(&tm);
			if ((t == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11)) ||
			    !secs_fit(t))
				return -EINVAL;
			ns = (int64_t)t * 1000000000 + tod % 1000000000;
		}
		out->kind = SLICE_TIME_WALL;
		out->ns = ns;
		return 0;
	}
	if (strlen(p) >= 5 && p[2] == ':') {
		if (parse_clock(&p, &ns) || *p)
			return -EINVAL;
		out->kind = SLICE_TIME_TOD;
		out->ns = ns;
		return 0;
	}
	/* Seconds from the start: digits with an optional fraction. */
	if (*p == '+')
		p++;
	if (!isdigit((unsigned char)*p) && *p != '.')
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(p, &end);
	if (errno || end == p || *end || !(v >= 0) || v > 1e9 ||
	    strpbrk(p, "xXpPeEnNiI"))
		return -EINVAL;
	out->kind = SLICE_TIME_REL;
	out->ns = (int64_t)(v * 1e9 + 0.5);
	return 0;
}

int slice_time_mono(const struct slice_time *t, int64_t wall0_ns,
		    int64_t mono0_ns, int64_t *mono)
{
	int64_t wall;

	switch (t->kind) {
	case SLICE_TIME_NONE:
		return 1;
	case SLICE_TIME_REL:
		/* Header times are untrusted: out of range, not wrapped. */
		if (!mono0_ns || __builtin_add_overflow(mono0_ns, t->ns, &wall))
			return -EINVAL;
		*mono = wall;
		return 0;
	case SLICE_TIME_WALL:
		wall = t->ns;
		break;
	case SLICE_TIME_TOD: {
		/* Local midnight of the day 12 h before the start, then
		 * that day's time or the next day's. */
		if (wall0_ns < INT64_MIN + 43200000000000LL)
			return -EINVAL;
		time_t base = (time_t)((wall0_ns - 43200000000000LL) / 1000000000);
		struct tm tm;
		if (!localtime_r(&base, &tm))
			return -EINVAL;
		for (int day = 0; day < 3; day++) {
			struct tm m = tm;
			int64_t secs = t->ns / 1000000000;
			m.tm_mday += day;
			m.tm_hour = (int)(secs / 3600);
			m.tm_min = (int)(secs / 60 % 60);
			m.tm_sec = (int)(secs % 60);
			m.tm_isdst = -1;
			time_t x = mktime(&m);
			if (!secs_fit(x))
				return -EINVAL;
			wall = (int64_t)x * 1000000000 + t->ns % 1000000000;
			if (wall >= wall0_ns - 43200000000000LL)
				break;
		}
		break;
	}
	default:
		return -EINVAL;
	}
	if (!wall0_ns || !mono0_ns || __builtin_sub_overflow(wall, wall0_ns, &wall) ||
	    __builtin_add_overflow(mono0_ns, wall, &wall))
		return -EINVAL;
	*mono = wall;
	return 0;
}

int slice_set_time(struct slice *s, int to, const char *text)
{
	if (slice_parse_time(text, to ? &s->to : &s->from))
		return -EINVAL;
	slice_note(s, to ? "--to" : "--from", text);
	snprintf(to ? s->to_text : s->from_text, sizeof(s->from_text), "%s", text);
	return 0;
}

void slice_note(struct slice *s, const char *opt, const char *val)
{
	size_t len = strlen(s->desc);
	char clean[256];

	fold_clean(val ? val : "", clean, sizeof(clean));
	snprintf(s->desc + len, sizeof(s->desc) - len, " %s%s%s", opt, val ? " " : "", clean);
}

static int set_regex(regex_t *re, int *has, const char *text, char *err, size_t len)
{
	int rc;

	if (*has) {
		regfree(re);
		*has = 0;
	}
	rc = regcomp(re, text, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		if (err && len)
			regerror(rc, re, err, len);
		return rc == REG_ESPACE ? -ENOMEM : -EINVAL;
	}
	*has = 1;
	return 0;
}

int slice_set_comm(struct slice *s, const char *re, char *err, size_t len)
{
	return set_regex(&s->comm, &s->has_comm, re, err, len);
}

int slice_set_cgroup(struct slice *s, const char *re, char *err, size_t len)
{
	return set_regex(&s->cgroup, &s->has_cgroup, re, err, len);
}

int slice_comm_ok(const struct slice *s, const char *comm)
{
	return !s->has_comm || regexec(&s->comm, comm, 0, NULL, 0) == 0;
}

int slice_cgroup_ok(const struct slice *s, const char *cgroup)
{
	return !s->has_cgroup || regexec(&s->cgroup, cgroup, 0, NULL, 0) == 0;
}

void slice_free(struct slice *s)
{
	if (!s)
		return;
	idlist_free(&s->cpus);
	idlist_free(&s->pids);
	idlist_free(&s->tids);
	if (s->has_comm)
		regfree(&s->comm);
	if (s->has_cgroup)
		regfree(&s->cgroup);
	s->has_comm = s->has_cgroup = 0;
}
