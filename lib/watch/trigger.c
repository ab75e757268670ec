/* Trigger lines: formatting and parsing; see trigger.h for the format. */
#include "watch/trigger.h"

#include "base/cpulist.h"
#include "base/ptime.h"
#include "base/utf8.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Enough digits for ns-exact intervals up to ~1e9 s; %g trims the zeros
 * so 12.5 stays "12.5". */
#define REAL_PRECISION 15
/* Longest accepted interval: a bound so that a hostile line cannot ask a
 * reader for an absurd look-back; far above any real -i. */
#define INTERVAL_MAX 1e9

int trigger_add_cpu(struct trigger *t, int cpu, double sys_pct)
{
	struct trigger_cpu *hot;
	int i;

	if (cpu < 0 || cpu > CPULIST_MAX_CPU)
		return -ERANGE;
	for (i = 0; i < t->nhot; i++)
		if (t->hot[i].cpu == cpu) {
			t->hot[i].sys_pct = sys_pct;
			return 0;
		}
	hot = realloc(t->hot, (t->nhot + 1) * sizeof(*hot));
	if (!hot)
		return -ENOMEM;
	for (i = t->nhot; i > 0 && hot[i - 1].cpu > cpu; i--)
		hot[i] = hot[i - 1];
	hot[i].cpu = cpu;
	hot[i].sys_pct = sys_pct;
	t->hot = hot;
	t->nhot++;
	return 0;
}

int trigger_is_peak(const struct trigger *t)
{
	return strcmp(t->rule, TRIGGER_RULE_PEAK) == 0;
}

int trigger_is_cgroup(const struct trigger *t)
{
	return strcmp(t->rule, TRIGGER_RULE_CGROUP) == 0;
}

/* 1..15 of a-z, 0-9, '_': "v2", "cpuacct". */
static int hier_ok(const char *h)
{
	size_t n = strlen(h);

	if (n < 1 || n > 15)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '_'))
			return 0;
	return 1;
}

static int cg_pct_ok(double v)
{
	return isfinite(v) && v >= 0 && v <= TRIGGER_CGROUP_PCT_MAX;
}

int trigger_add_cgroup(struct trigger *t, const char *path, size_t len,
		       const char *hier, double sys_pct)
{
	struct trigger_cgroup *cg;
	size_t need;
	char *p;

	if (len < 1 || path[0] != '/' || !hier_ok(hier))
		return -EINVAL;
	need = utf8_repair(path, len, NULL, 0);
	if (need > TRIGGER_PATH_MAX)
		return -EINVAL;
	if (!(p = malloc(need + 1)))
		return -ENOMEM;
	utf8_repair(path, len, p, need + 1);
	for (int i = 0; i < t->ncgroups; i++)
		if (!strcmp(t->cgroups[i].path, p) && !strcmp(t->cgroups[i].hier, hier)) {
			if (sys_pct > t->cgroups[i].sys_pct)
				t->cgroups[i].sys_pct = sys_pct;
			free(p);
			return 0;
		}
	cg = realloc(t->cgroups, (t->ncgroups + 1) * sizeof(*cg));
	if (!cg) {
		free(p);
		return -ENOMEM;
	}
	t->cgroups = cg;
	cg = &t->cgroups[t->ncgroups++];
	cg->path = p;
	snprintf(cg->hier, sizeof(cg->hier), "%s", hier);
	cg->sys_pct = sys_pct;
	return 0;
}

static int cmp_cgroup(const void *a, const void *b)
{
	const struct trigger_cgroup *x = *(const struct trigger_cgroup *const *)a;
	const struct trigger_cgroup *y = *(const struct trigger_cgroup *const *)b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->hier, y->hier);
}

/* Index of a cgroup listed twice in T (same path and hier), -1 if none,
 * -2 when out of memory. */
static int cgroup_twice(const struct trigger *t)
{
	const struct trigger_cgroup **v;
	int twice = -1;

	if (t->ncgroups < 2)
		return -1;
	if (!(v = malloc(t->ncgroups * sizeof(*v))))
		return -2;
	for (int i = 0; i < t->ncgroups; i++)
		v[i] = &t->cgroups[i];
	qsort(v, t->ncgroups, sizeof(*v), cmp_cgroup);
	for (int i = 1; i < t->ncgroups && twice < 0; i++)
		if (!cmp_cgroup(&v[i - 1], &v[i]))
			twice = (int)(v[i] - t->cgroups);
	free(v);
	return twice;
}

/* Whether T's cgroups (if any) would parse back: 0, -EINVAL or -ENOMEM. */
static int cgroups_ok(const struct trigger *t)
{
	int twice;

	if (trigger_is_cgroup(t) ? t->ncgroups < 1 : t->ncgroups != 0)
		return -EINVAL;
	for (int i = 0; i < t->ncgroups; i++) {
		const struct trigger_cgroup *c = &t->cgroups[i];
		size_t n = c->path ? strlen(c->path) : 0;

		if (n < 1 || c->path[0] != '/' || n > TRIGGER_PATH_MAX ||
		    utf8_repair(c->path, n, NULL, 0) != n || !hier_ok(c->hier) ||
		    !cg_pct_ok(c->sys_pct))
			return -EINVAL;
	}
	twice = cgroup_twice(t);
	return twice == -2 ? -ENOMEM : twice >= 0 ? -EINVAL : 0;
}

static json_t *cgroups_json(const struct trigger *t)
{
	json_t *a = json_array();

	for (int i = 0; a && i < t->ncgroups; i++) {
		const struct trigger_cgroup *c = &t->cgroups[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(a, o) ||
		    json_object_set_new(o, "path", json_string(c->path)) ||
		    json_object_set_new(o, "hier", json_string(c->hier)) ||
		    json_object_set_new(o, "sys", json_real(round(c->sys_pct * 100) / 100))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* 1..31 of a-z, 0-9, '-'. */
static int rule_ok(const char *r)
{
	size_t n = strlen(r);

	if (n < 1 || n > 31)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return 0;
	return 1;
}

static int pct_ok(double v)
{
	return isfinite(v) && v >= 0 && v <= 100;
}

/* Sets KEY of O to V (stolen), which may be NULL from a failed
 * constructor. Returns 0 or -1. */
static int put_new(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

int trigger_format(const struct trigger *t, char **out)
{
	json_t *root = NULL, *hot = NULL;
	char when[64];
	int err = -ENOMEM, cg = trigger_is_cgroup(t);

	/* Only a cgroup trigger may name no CPU: it names its cgroups. */
	if ((!cg && t->nhot < 1) || t->wall_ns < 0 || t->mono_start_ns < 0 ||
	    t->mono_start_ns >= t->mono_ns || !(cg ? cg_pct_ok(t->gate) : pct_ok(t->gate)))
		return -EINVAL;
	if ((err = cgroups_ok(t)))
		return err;
	err = -ENOMEM;
	/* The interval is written rounded to 1 us and must read back as
	 * above 0 and at most INTERVAL_MAX. */
	if (t->mono_ns - t->mono_start_ns < 500 ||
	    t->mono_ns - t->mono_start_ns > (int64_t)(INTERVAL_MAX * 1e9))
		return -EINVAL;
	for (int i = 0; i < t->nhot; i++)
		if (!pct_ok(t->hot[i].sys_pct) || t->hot[i].cpu < 0 ||
		    t->hot[i].cpu > CPULIST_MAX_CPU ||
		    (i && t->hot[i].cpu <= t->hot[i - 1].cpu))
			return -EINVAL;
	if (ptime_iso(t->wall_ns, when, sizeof(when)))
		return -EINVAL;
	const char *rule = *t->rule ? t->rule : TRIGGER_RULE_INTERVAL;
	if (!rule_ok(rule) || (trigger_is_peak(t) &&
			       !(isfinite(t->window) && t->window > 0 && t->window <= INTERVAL_MAX)))
		return -EINVAL;

	root = json_object();
	hot = json_array();
	if (!root || !hot)
		goto cleanup;
	/* json_object_set_new steals the value even on failure, so a NULL
	 * from a failed constructor is the only thing to watch for. */
	if (json_object_set_new(root, "type", json_string(TRIGGER_TYPE)) ||
	    json_object_set_new(root, "version", json_integer(TRIGGER_VERSION)) ||
	    json_object_set_new(root, "time", json_string(when)) ||
	    json_object_set_new(root, "wall_ns", json_integer(t->wall_ns)) ||
	    json_object_set_new(root, "mono_ns", json_integer(t->mono_ns)) ||
	    json_object_set_new(root, "mono_start_ns",
				json_integer(t->mono_start_ns)) ||
	    json_object_set_new(root, "interval",
				json_real(round((t->mono_ns - t->mono_start_ns) /
						1e3) / 1e6)) ||
	    json_object_set_new(root, "gate", json_real(t->gate)) ||
	    json_object_set_new(root, "irq", json_boolean(t->irq)))
		goto cleanup;
	for (int i = 0; i < t->nhot; i++) {
		json_t *c = json_object();

		if (!c || json_array_append_new(hot, c) ||
		    json_object_set_new(c, "cpu", json_integer(t->hot[i].cpu)) ||
		    json_object_set_new(c, "sys",
					json_real(round(t->hot[i].sys_pct * 100) /
						  100)))
			goto cleanup;
	}
	if (json_object_set(root, "hot", hot) ||
	    json_object_set_new(root, "rule", json_string(rule)) ||
	    (trigger_is_peak(t) && json_object_set_new(root, "window", json_real(t->window))) ||
	    (cg && put_new(root, "cgroups", cgroups_json(t))))
		goto cleanup;
	*out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(REAL_PRECISION));
	if (*out)
		err = 0;
cleanup:
	json_decref(hot);
	json_decref(root);
	return err;
}

static int why(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -ENOMSG;
}

/* An integer field in MIN..MAX. */
static int get_int(json_t *o, const char *key, json_int_t min, json_int_t max,
		   json_int_t *v, char *err, size_t errlen)
{
	json_t *j = json_object_get(o, key);

	if (!j)
		return why(err, errlen, "field '%s' missing", key);
	if (!json_is_integer(j) || json_integer_value(j) < min ||
	    json_integer_value(j) > max)
		return why(err, errlen, "field '%s': not an integer in %lld..%lld",
			   key, (long long)min, (long long)max);
	*v = json_integer_value(j);
	return 0;
}

/* A number field (integer or real) in MIN..MAX; JSON has no NaN or
 * infinity, and jansson refuses reals that overflow, but check anyway. */
static int get_num(json_t *o, const char *key, double min, double max,
		   double *v, char *err, size_t errlen)
{
	json_t *j = json_object_get(o, key);
	double d;

	if (!j)
		return why(err, errlen, "field '%s' missing", key);
	d = json_number_value(j);
	if (!json_is_number(j) || !isfinite(d) || d < min || d > max)
		return why(err, errlen, "field '%s': not a number in %g..%g",
			   key, min, max);
	*v = d;
	return 0;
}

static int cmp_hot(const void *a, const void *b)
{
	const struct trigger_cpu *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

/* The "cgroups" field of ROOT into TR, whose rule is read: required with
 * "rule":"cgroup", refused with any other. Returns 0, -ENOMSG (said in
 * ERR) or -ENOMEM. */
static int parse_cgroups(json_t *root, struct trigger *tr, char *err, size_t errlen)
{
	json_t *a = json_object_get(root, "cgroups");
	size_t n;
	int twice;

	if (!trigger_is_cgroup(tr))
		return a ? why(err, errlen, "field 'cgroups' with a rule other than \"cgroup\"") : 0;
	if (!json_is_array(a) || (n = json_array_size(a)) < 1 || n > INT_MAX / 2)
		return why(err, errlen, "field 'cgroups': not an array of at least one cgroup");
	if (!(tr->cgroups = calloc(n, sizeof(*tr->cgroups))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct trigger_cgroup *c = &tr->cgroups[i];
		json_t *o = json_array_get(a, i), *p, *h;
		size_t plen;

		if (!json_is_object(o))
			return why(err, errlen, "field 'cgroups': entry %zu not an object", i);
		p = json_object_get(o, "path");
		h = json_object_get(o, "hier");
		plen = json_string_length(p);
		/* jansson hands valid UTF-8 only, but it may hold NUL. */
		if (!json_is_string(p) || plen < 1 || plen > TRIGGER_PATH_MAX ||
		    memchr(json_string_value(p), '\0', plen) || json_string_value(p)[0] != '/')
			return why(err, errlen, "field 'cgroups': entry %zu: 'path' not a "
				   "path from '/' without NUL", i);
		if (!json_is_string(h) || json_string_length(h) >= sizeof(c->hier) ||
		    !hier_ok(json_string_value(h)))
			return why(err, errlen, "field 'cgroups': entry %zu: 'hier' not a "
				   "hierarchy name (a-z, 0-9, _)", i);
		if (get_num(o, "sys", 0, TRIGGER_CGROUP_PCT_MAX, &c->sys_pct, err, errlen))
			return -ENOMSG;
		if (!(c->path = strdup(json_string_value(p))))
			return -ENOMEM;
		snprintf(c->hier, sizeof(c->hier), "%s", json_string_value(h));
		tr->ncgroups++;
	}
	if ((twice = cgroup_twice(tr)) == -2)
		return -ENOMEM;
	if (twice >= 0)
		return why(err, errlen, "field 'cgroups': a cgroup listed twice");
	return 0;
}

int trigger_parse(const char *line, size_t len, struct trigger *t, char *err,
		  size_t errlen)
{
	struct trigger tr = { 0 };
	json_t *root = NULL, *j;
	json_error_t jerr;
	json_int_t v;
	double d;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len > TRIGGER_LINE_MAX)
		return why(err, errlen, "line longer than %u bytes",
			   TRIGGER_LINE_MAX);
	/* Duplicate keys would let two readers see two different triggers. */
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return -ENOMEM;
		return why(err, errlen, "not JSON (column %d: %s)", jerr.column,
			   json_error_code(&jerr) == json_error_duplicate_key ?
				   "duplicate key" : "syntax or value error");
	}
	ret = -ENOMSG;
	if (!json_is_object(root)) {
		why(err, errlen, "not a JSON object");
		goto cleanup;
	}
	j = json_object_get(root, "type");
	if (!json_is_string(j) || strcmp(json_string_value(j), TRIGGER_TYPE)) {
		why(err, errlen, "type is not \"%s\"", TRIGGER_TYPE);
		goto cleanup;
	}
	j = json_object_get(root, "version");
	if (!json_is_integer(j) || json_integer_value(j) != TRIGGER_VERSION) {
		why(err, errlen, "version is not %d", TRIGGER_VERSION);
		goto cleanup;
	}
	if (!json_is_string(json_object_get(root, "time"))) {
		why(err, errlen, "field 'time' missing or not a string");
		goto cleanup;
	}
	if (get_int(root, "wall_ns", 0, INT64_MAX, &v, err, errlen))
		goto cleanup;
	tr.wall_ns = v;
	if (get_int(root, "mono_ns", 1, INT64_MAX, &v, err, errlen))
		goto cleanup;
	tr.mono_ns = v;
	if (get_int(root, "mono_start_ns", 0, tr.mono_ns - 1, &v, err, errlen))
		goto cleanup;
	tr.mono_start_ns = v;
	if (get_num(root, "interval", 0, INTERVAL_MAX, &d, err, errlen))
		goto cleanup;
	if (d <= 0) {
		why(err, errlen, "field 'interval': not above 0");
		goto cleanup;
	}
	tr.interval = d;
	/* The gate's range depends on the rule, read below. */
	if (get_num(root, "gate", 0, TRIGGER_CGROUP_PCT_MAX, &tr.gate, err, errlen))
		goto cleanup;
	j = json_object_get(root, "irq");
	if (!json_is_boolean(j)) {
		why(err, errlen, "field 'irq' missing or not true/false");
		goto cleanup;
	}
	tr.irq = json_is_true(j);
	j = json_object_get(root, "rule");
	if (j) {
		if (!json_is_string(j) || !rule_ok(json_string_value(j))) {
			why(err, errlen, "field 'rule': not a rule name (a-z, 0-9, -)");
			goto cleanup;
		}
		snprintf(tr.rule, sizeof(tr.rule), "%s", json_string_value(j));
	}
	if (trigger_is_peak(&tr) && get_num(root, "window", 0, INTERVAL_MAX, &tr.window,
					    err, errlen))
		goto cleanup;
	if (trigger_is_peak(&tr) && tr.window <= 0) {
		why(err, errlen, "field 'window': not above 0");
		goto cleanup;
	}

	if (!trigger_is_cgroup(&tr) && tr.gate > 100) {
		why(err, errlen, "field 'gate': not a number in 0..100");
		goto cleanup;
	}
	if ((ret = parse_cgroups(root, &tr, err, errlen)))
		goto cleanup;
	ret = -ENOMSG;

	j = json_object_get(root, "hot");
	/* A cgroup trigger names its cgroups; its CPUs are every CPU. */
	if (!json_is_array(j) || json_array_size(j) < (trigger_is_cgroup(&tr) ? 0u : 1u) ||
	    json_array_size(j) > CPULIST_MAX_CPU + 1) {
		why(err, errlen, "field 'hot': not an array of %d..%d CPUs",
		    trigger_is_cgroup(&tr) ? 0 : 1, CPULIST_MAX_CPU + 1);
		goto cleanup;
	}
	tr.nhot = (int)json_array_size(j);
	tr.hot = tr.nhot ? calloc(tr.nhot, sizeof(*tr.hot)) : NULL;
	if (tr.nhot && !tr.hot) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (int i = 0; i < tr.nhot; i++) {
		json_t *c = json_array_get(j, i);

		if (!json_is_object(c)) {
			why(err, errlen, "field 'hot': entry %d not an object", i);
			goto cleanup;
		}
		if (get_int(c, "cpu", 0, CPULIST_MAX_CPU, &v, err, errlen) ||
		    get_num(c, "sys", 0, 100, &tr.hot[i].sys_pct, err, errlen))
			goto cleanup;
		tr.hot[i].cpu = (int)v;
	}
	if (tr.nhot)
		qsort(tr.hot, tr.nhot, sizeof(*tr.hot), cmp_hot);
	for (int i = 1; i < tr.nhot; i++)
		if (tr.hot[i].cpu == tr.hot[i - 1].cpu) {
			why(err, errlen, "field 'hot': cpu %d twice", tr.hot[i].cpu);
			goto cleanup;
		}
	*t = tr;
	memset(&tr, 0, sizeof(tr));
	ret = 0;
cleanup:
	trigger_free(&tr);
	json_decref(root);
	return ret;
}

void trigger_free(struct trigger *t)
{
	if (!t)
		return;
	free(t->hot);
	for (int i = 0; i < t->ncgroups; i++)
		free(t->cgroups[i].path);
	free(t->cgroups);
	memset(t, 0, sizeof(*t));
}
