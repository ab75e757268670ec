/* The header and trailer records to and from JSON; see header.h. Each
 * record is one table of fields (key, type, place in the struct), walked
 * the same way for writing and for reading, so a field is named once. */
#include "psysfile/header.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

enum kind {
	K_STR,		/* const char * */
	K_INT,		/* int64_t */
	K_U64,		/* uint64_t, a count: never negative */
	K_REAL,		/* double */
	K_BOOL,		/* int */
	K_TRIGGER,	/* struct psys_trigger_rec */
	K_TRIGGERS,	/* an array of them, with its count */
	K_REFS,		/* struct psys_ref_symbol array, with its count */
	K_MAPS,		/* struct psys_user_mapping array, with its count */
	K_GAPS,		/* struct psys_cpu_gap array, with its count */
	K_LOSSES,	/* struct psys_loss array, with its count */
};

struct field {
	int id;			/* its bit in the struct's HAS */
	const char *parent;	/* the object it is in; NULL: the record */
	const char *key;
	enum kind kind;
	size_t off;		/* of the value in the struct */
	size_t noff;		/* arrays: of their count */
};

#define HF(id, parent, key, kind, m) \
	{ PSYS_H_##id, parent, key, K_##kind, offsetof(struct psys_header, m), 0 }
#define TF(id, parent, key, kind, m) \
	{ PSYS_T_##id, parent, key, K_##kind, offsetof(struct psys_trailer, m), 0 }

/* In the order psys-record has always built them (files store keys
 * sorted, so the order is for the reader of this table). */
static const struct field header_fields[] = {
	HF(FORMAT, NULL, "format", STR, format),
	HF(VERSION, NULL, "version", INT, version),
	HF(TOOL, NULL, "tool", STR, tool),
	HF(HOST, NULL, "host", STR, host),
	HF(KERNEL_RELEASE, "kernel", "release", STR, kernel_release),
	HF(KERNEL_VERSION, "kernel", "version", STR, kernel_version),
	HF(KERNEL_MACHINE, "kernel", "machine", STR, kernel_machine),
	HF(BOOT_ID, NULL, "boot_id", STR, boot_id),
	HF(NCPUS, NULL, "ncpus", INT, ncpus),
	HF(CPUS_ONLINE, NULL, "cpus_online", STR, cpus_online),
	HF(CPUS, NULL, "cpus", STR, cpus),
	HF(SAMPLED_CPUS, NULL, "sampled_cpus", STR, sampled_cpus),
	HF(FREQ_HZ, NULL, "freq_hz", INT, freq_hz),
	HF(DURATION_S, NULL, "duration_s", REAL, duration_s),
	HF(CLOCK, NULL, "clock", STR, clock),
	HF(START_WALL, "start", "wall", STR, start_wall),
	HF(START_WALL_NS, "start", "wall_ns", INT, start_wall_ns),
	HF(START_MONO_NS, "start", "mono_ns", INT, start_mono_ns),
	HF(MODE, NULL, "mode", STR, mode),
	HF(HOT_CPUS, NULL, "hot_cpus", STR, hot_cpus),
	HF(TRIGGER, NULL, "trigger", TRIGGER, trigger),
	HF(PEAK_WINDOW_S, "peak_rule", "window_s", REAL, peak_window_s),
	HF(PEAK_THRESHOLD, "peak_rule", "threshold", REAL, peak_threshold),
	HF(PRE_S, NULL, "pre_s", REAL, pre_s),
	HF(PRE_WANTED_S, NULL, "pre_wanted_s", REAL, pre_wanted_s),
	HF(SYMBOLS, NULL, "symbols", STR, symbols),
	HF(USER_STACKS, NULL, "user_stacks", BOOL, user_stacks),
	HF(IDLE_STACKS, NULL, "idle_stacks", BOOL, idle_stacks),
	HF(STACK_MAX, NULL, "stack_max", INT, stack_max),
	{ PSYS_H_REF_SYMBOLS, NULL, "ref_symbols", K_REFS,
	  offsetof(struct psys_header, ref_symbols),
	  offsetof(struct psys_header, nref_symbols) },
	HF(CGROUP_V2, "cgroups", "v2", STR, cgroup_v2),
	HF(CGROUP_V1, "cgroups", "v1", STR, cgroup_v1),
	HF(CGROUP_V1_MOUNT, "cgroups", "v1_mount", STR, cgroup_v1_mount),
};

static const struct field trailer_fields[] = {
	TF(END_WALL, "end", "wall", STR, end_wall),
	TF(END_WALL_NS, "end", "wall_ns", INT, end_wall_ns),
	TF(END_MONO_NS, "end", "mono_ns", INT, end_mono_ns),
	TF(SAMPLES, NULL, "samples", U64, samples),
	TF(LOST, NULL, "lost", U64, lost),
	TF(STACK_ERRORS, NULL, "stack_errors", U64, stack_errors),
	TF(BPF_MISSES, NULL, "bpf_misses", U64, bpf_misses),
	TF(STACKS, NULL, "stacks", U64, stacks),
	TF(SYMBOLS, NULL, "symbols", U64, symbols),
	TF(HOT_CPUS, NULL, "hot_cpus", STR, hot_cpus),
	TF(END_REASON, NULL, "end_reason", STR, end_reason),
	{ PSYS_T_TRIGGERS, NULL, "triggers", K_TRIGGERS,
	  offsetof(struct psys_trailer, triggers),
	  offsetof(struct psys_trailer, ntriggers) },
	TF(PRE_RING_EVICTED_FULL, NULL, "pre_ring_evicted_full", U64, pre_ring_evicted_full),
	{ PSYS_T_USER_MAPPINGS, NULL, "user_mappings", K_MAPS,
	  offsetof(struct psys_trailer, user_mappings),
	  offsetof(struct psys_trailer, nuser_mappings) },
	TF(WRITE_ERROR, NULL, "write_error", STR, write_error),
	TF(DROPPED, NULL, "dropped", U64, dropped),
	{ PSYS_T_CPU_GAPS, NULL, "cpu_gaps", K_GAPS,
	  offsetof(struct psys_trailer, cpu_gaps),
	  offsetof(struct psys_trailer, ncpu_gaps) },
	{ PSYS_T_LOST_AT, NULL, "lost_at", K_LOSSES,
	  offsetof(struct psys_trailer, lost_at),
	  offsetof(struct psys_trailer, nlost_at) },
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- writing ---- */

static json_t *str_json(const char *s)
{
	return utf8_json(s ? s : "", s ? strlen(s) : 0);
}

static json_t *hex_json(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

/* Sets KEY of O to V (stolen); -1 if V is NULL or out of memory. */
static int put(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static json_t *trigger_json(const struct psys_trigger_rec *r)
{
	json_t *j = NULL;
	char *s = NULL;

	if (r->line) {
		j = json_deep_copy(r->line);
	} else if (trigger_format(&r->t, &s) == 0) {
		j = json_loads(s, 0, NULL);
		free(s);
	} else {
		errno = EINVAL;
		return NULL;
	}
	if (j && r->received_mono_ns &&
	    put(j, "received_mono_ns", json_integer(r->received_mono_ns))) {
		json_decref(j);
		j = NULL;
	}
	if (!j && errno != EINVAL)
		errno = ENOMEM;
	return j;
}

static json_t *triggers_json(const struct psys_trigger_rec *r, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *v = trigger_json(&r[i]);
		if (!v || json_array_append_new(a, v)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *refs_json(const struct psys_ref_symbol *r, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o = json_object();
		if (!o || json_array_append_new(a, o) || put(o, "name", str_json(r[i].name)) ||
		    put(o, "addr", hex_json(r[i].addr))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *maps_json(const struct psys_user_mapping *m, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o = json_object();
		if (!o || json_array_append_new(a, o) ||
		    put(o, "pid", json_integer(m[i].pid)) ||
		    put(o, "start", hex_json(m[i].start)) ||
		    put(o, "end", hex_json(m[i].end)) ||
		    put(o, "file", str_json(m[i].file)) ||
		    put(o, "build_id", str_json(m[i].build_id)) ||
		    put(o, "symbols", str_json(m[i].symbols))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *gaps_json(const struct psys_cpu_gap *g, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o = json_object();
		if (!o || json_array_append_new(a, o) ||
		    put(o, "cpu", json_integer(g[i].cpu)) ||
		    put(o, "offline_mono_ns", json_integer(g[i].offline_mono_ns)) ||
		    (g[i].online_mono_ns &&
		     put(o, "online_mono_ns", json_integer(g[i].online_mono_ns)))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *losses_json(const struct psys_loss *l, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o = json_object();
		if (!o || json_array_append_new(a, o) ||
		    put(o, "mono_ns", json_integer(l[i].mono_ns)) ||
		    put(o, "lost", json_integer((json_int_t)l[i].lost)) ||
		    (l[i].from_mono_ns &&
		     put(o, "from_mono_ns", json_integer(l[i].from_mono_ns)))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *value_json(const struct field *f, const char *base)
{
	const void *p = base + f->off;
	size_t n = f->noff ? *(const size_t *)(base + f->noff) : 0;

	switch (f->kind) {
	case K_STR:
		return str_json(*(const char *const *)p);
	case K_INT:
		return json_integer(*(const int64_t *)p);
	case K_U64:
		return json_integer((json_int_t)*(const uint64_t *)p);
	case K_REAL:
		return json_real(*(const double *)p);
	case K_BOOL:
		return json_boolean(*(const int *)p);
	case K_TRIGGER:
		return trigger_json(p);
	case K_TRIGGERS:
		return triggers_json(*(const struct psys_trigger_rec *const *)p, n);
	case K_REFS:
		return refs_json(*(const struct psys_ref_symbol *const *)p, n);
	case K_MAPS:
		return maps_json(*(const struct psys_user_mapping *const *)p, n);
	case K_GAPS:
		return gaps_json(*(const struct psys_cpu_gap *const *)p, n);
	case K_LOSSES:
		return losses_json(*(const struct psys_loss *const *)p, n);
	}
	return NULL;
}

static json_t *to_json(const struct field *fields, size_t nfields, uint64_t has,
		       const void *base)
{
	json_t *o = json_object();

	errno = ENOMEM;
	for (size_t i = 0; o && i < nfields; i++) {
		const struct field *f = &fields[i];
		json_t *in = o;

		if (!((has >> f->id) & 1))
			continue;
		/* A nested object is made by its first field. */
		if (f->parent && !(in = json_object_get(o, f->parent)) &&
		    put(o, f->parent, in = json_object()))
			goto fail;
		if (put(in, f->key, value_json(f, base)))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *psys_header_to_json(const struct psys_header *h)
{
	return to_json(header_fields, NFIELDS(header_fields), h->has, h);
}

json_t *psys_trailer_to_json(const struct psys_trailer *t)
{
	return to_json(trailer_fields, NFIELDS(trailer_fields), t->has, t);
}

/* ---- reading ---- */

struct rd {
	char *err;
	size_t errlen;
	const char *parent, *key;	/* the field being read */
	size_t unread;			/* triggers left out */
};

/* Says why the field being read is refused; returns -EINVAL. */
static int bad(struct rd *rd, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!rd->err || !rd->errlen)
		return -EINVAL;
	n = snprintf(rd->err, rd->errlen, "field '%s%s%s': ", rd->parent ? rd->parent : "",
		     rd->parent ? "." : "", rd->key);
	if (n >= 0 && (size_t)n < rd->errlen) {
		va_start(ap, fmt);
		vsnprintf(rd->err + n, rd->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int read_hex(struct rd *rd, const json_t *o, const char *key, uint64_t *out)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *end;

	if (!s)
		return bad(rd, "entry without a string '%s'", key);
	errno = 0;
	*out = strtoull(s, &end, 16);
	if (end == s || *end || errno || *s == '-' || *s == '+' || *s == ' ')
		return bad(rd, "'%s' is not a hex address", key);
	return 0;
}

static int read_str(struct rd *rd, const json_t *o, const char *key, const char **out)
{
	if (!(*out = json_string_value(json_object_get(o, key))))
		return bad(rd, "entry without a string '%s'", key);
	return 0;
}

/* A trigger line kept in a record into R. Returns 0, 1 if V is an
 * object but not a trigger line, or a negative errno. */
static int read_trigger(struct rd *rd, json_t *v, struct psys_trigger_rec *r, char *why,
			size_t whylen)
{
	json_t *rx;
	char *line;
	int err;

	if (!json_is_object(v))
		return bad(rd, "not an object");
	if (!(line = json_dumps(v, JSON_COMPACT)))
		return -ENOMEM;
	err = trigger_parse(line, strlen(line), &r->t, why, whylen);
	free(line);
	if (err == -ENOMEM)
		return err;
	if (err)
		return 1;
	rx = json_object_get(v, "received_mono_ns");
	r->received_mono_ns = json_is_integer(rx) ? json_integer_value(rx) : 0;
	r->line = v;
	return 0;
}

static int read_triggers(struct rd *rd, json_t *a, const struct psys_trigger_rec **out,
			 size_t *n)
{
	struct psys_trigger_rec *r;
	json_t *v;
	size_t i;
	int err;

	if (!json_is_array(a))
		return bad(rd, "not an array");
	if (!(r = calloc(json_array_size(a) + 1, sizeof(*r))))
		return -ENOMEM;
	*out = r;
	json_array_foreach(a, i, v) {
		if ((err = read_trigger(rd, v, &r[*n], NULL, 0)) < 0)
			return err;
		if (err)
			rd->unread++;
		else
			(*n)++;
	}
	return 0;
}

static int read_refs(struct rd *rd, json_t *a, const struct psys_ref_symbol **out, size_t *n)
{
	struct psys_ref_symbol *r;
	json_t *v;
	size_t i;
	int err;

	if (!json_is_array(a))
		return bad(rd, "not an array");
	if (!(r = calloc(json_array_size(a) + 1, sizeof(*r))))
		return -ENOMEM;
	*out = r;
	json_array_foreach(a, i, v) {
		if (!json_is_object(v))
			return bad(rd, "entry %zu is not an object", i);
		if ((err = read_str(rd, v, "name", &r[i].name)) ||
		    (err = read_hex(rd, v, "addr", &r[i].addr)))
			return err;
		(*n)++;
	}
	return 0;
}

static int read_maps(struct rd *rd, json_t *a, const struct psys_user_mapping **out,
		     size_t *n)
{
	struct psys_user_mapping *m;
	json_t *v;
	size_t i;
	int err;

	if (!json_is_array(a))
		return bad(rd, "not an array");
	if (!(m = calloc(json_array_size(a) + 1, sizeof(*m))))
		return -ENOMEM;
	*out = m;
	json_array_foreach(a, i, v) {
		json_t *pid;

		if (!json_is_object(v))
			return bad(rd, "entry %zu is not an object", i);
		if (!json_is_integer(pid = json_object_get(v, "pid")))
			return bad(rd, "entry without an integer 'pid'");
		m[i].pid = json_integer_value(pid);
		if ((err = read_hex(rd, v, "start", &m[i].start)) ||
		    (err = read_hex(rd, v, "end", &m[i].end)) ||
		    (err = read_str(rd, v, "file", &m[i].file)) ||
		    (err = read_str(rd, v, "build_id", &m[i].build_id)) ||
		    (err = read_str(rd, v, "symbols", &m[i].symbols)))
			return err;
		(*n)++;
	}
	return 0;
}

static int read_gaps(struct rd *rd, json_t *a, const struct psys_cpu_gap **out, size_t *n)
{
	struct psys_cpu_gap *g;
	json_t *v;
	size_t i;

	if (!json_is_array(a))
		return bad(rd, "not an array");
	if (!(g = calloc(json_array_size(a) + 1, sizeof(*g))))
		return -ENOMEM;
	*out = g;
	json_array_foreach(a, i, v) {
		json_t *cpu = json_object_get(v, "cpu"), *off = json_object_get(v, "offline_mono_ns"),
		       *on = json_object_get(v, "online_mono_ns");

		if (!json_is_integer(cpu) || json_integer_value(cpu) < 0 ||
		    !json_is_integer(off) || (on && !json_is_integer(on)))
			return bad(rd, "entry %zu is not {cpu, offline_mono_ns[, online_mono_ns]}",
				   i);
		g[i].cpu = json_integer_value(cpu);
		g[i].offline_mono_ns = json_integer_value(off);
		g[i].online_mono_ns = on ? json_integer_value(on) : 0;
		(*n)++;
	}
	return 0;
}

static int read_losses(struct rd *rd, json_t *a, const struct psys_loss **out, size_t *n)
{
	struct psys_loss *l;
	json_t *v;
	size_t i;

	if (!json_is_array(a))
		return bad(rd, "not an array");
	if (!(l = calloc(json_array_size(a) + 1, sizeof(*l))))
		return -ENOMEM;
	*out = l;
	json_array_foreach(a, i, v) {
		json_t *t = json_object_get(v, "mono_ns"), *k = json_object_get(v, "lost"),
		       *f = json_object_get(v, "from_mono_ns");

		if (!json_is_integer(t) || !json_is_integer(k) || json_integer_value(k) < 0 ||
		    (f && !json_is_integer(f)))
			return bad(rd, "entry %zu is not {mono_ns, lost[, from_mono_ns]}", i);
		l[i] = (struct psys_loss){ json_integer_value(t),
					   (uint64_t)json_integer_value(k),
					   f ? json_integer_value(f) : 0 };
		(*n)++;
	}
	return 0;
}

static int value_read(struct rd *rd, const struct field *f, json_t *v, char *base)
{
	void *p = base + f->off;
	size_t *n = f->noff ? (size_t *)(base + f->noff) : NULL;
	char why[160];
	int err;

	switch (f->kind) {
	case K_STR:
		if (!json_is_string(v))
			return bad(rd, "not a string");
		*(const char **)p = json_string_value(v);
		return 0;
	case K_INT:
		if (!json_is_integer(v))
			return bad(rd, "not an integer");
		*(int64_t *)p = json_integer_value(v);
		return 0;
	case K_U64:
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(rd, "not a count (an integer >= 0)");
		*(uint64_t *)p = (uint64_t)json_integer_value(v);
		return 0;
	case K_REAL:
		if (!json_is_number(v))
			return bad(rd, "not a number");
		*(double *)p = json_number_value(v);
		return 0;
	case K_BOOL:
		if (!json_is_boolean(v))
			return bad(rd, "not true or false");
		*(int *)p = json_is_true(v);
		return 0;
	case K_TRIGGER:
		err = read_trigger(rd, v, p, why, sizeof(why));
		return err == 1 ? bad(rd, "not a trigger line (%s)", why) : err;
	case K_TRIGGERS:
		return read_triggers(rd, v, p, n);
	case K_REFS:
		return read_refs(rd, v, p, n);
	case K_MAPS:
		return read_maps(rd, v, p, n);
	case K_GAPS:
		return read_gaps(rd, v, p, n);
	case K_LOSSES:
		return read_losses(rd, v, p, n);
	}
	return -EINVAL;
}

static int from_json(const struct field *fields, size_t nfields, const json_t *j,
		     uint64_t *has, void *base, struct rd *rd)
{
	int err;

	if (rd->err && rd->errlen)
		rd->err[0] = '\0';
	if (!j)
		return 0;
	if (!json_is_object(j)) {
		if (rd->err && rd->errlen)
			snprintf(rd->err, rd->errlen, "not a JSON object");
		return -EINVAL;
	}
	for (size_t i = 0; i < nfields; i++) {
		const struct field *f = &fields[i];
		const json_t *in = j;
		json_t *v;

		rd->parent = NULL;
		rd->key = f->parent ? f->parent : f->key;
		if (f->parent && (in = json_object_get(j, f->parent)) && !json_is_object(in))
			return bad(rd, "not an object");
		rd->parent = f->parent;
		rd->key = f->key;
		if (!in || !(v = json_object_get(in, f->key)))
			continue;
		if ((err = value_read(rd, f, v, base)))
			return err;
		*has |= 1ull << f->id;
	}
	return 0;
}

int psys_header_from_json(const json_t *j, struct psys_header *h, char *err,
			  size_t errlen)
{
	struct rd rd = { err, errlen, NULL, NULL, 0 };

	memset(h, 0, sizeof(*h));
	return from_json(header_fields, NFIELDS(header_fields), j, &h->has, h, &rd);
}

int psys_trailer_from_json(const json_t *j, struct psys_trailer *t, char *err,
			   size_t errlen)
{
	struct rd rd = { err, errlen, NULL, NULL, 0 };
	int ret;

	memset(t, 0, sizeof(*t));
	ret = from_json(trailer_fields, NFIELDS(trailer_fields), j, &t->has, t, &rd);
	t->triggers_unread = rd.unread;
	return ret;
}

void psys_header_release(struct psys_header *h)
{
	if (!h)
		return;
	trigger_free(&h->trigger.t);
	free((void *)h->ref_symbols);
	memset(h, 0, sizeof(*h));
}

void psys_trailer_release(struct psys_trailer *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->triggers && i < t->ntriggers; i++)
		trigger_free((struct trigger *)&t->triggers[i].t);
	free((void *)t->triggers);
	free((void *)t->user_mappings);
	free((void *)t->cpu_gaps);
	free((void *)t->lost_at);
	memset(t, 0, sizeof(*t));
}

uint64_t psys_header_ref(const struct psys_header *h, const char *name)
{
	for (size_t i = 0; i < h->nref_symbols; i++)
		if (strcmp(h->ref_symbols[i].name, name) == 0)
			return h->ref_symbols[i].addr;
	return 0;
}
