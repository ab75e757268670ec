/* The header and trailer facts of a capture; see capinfo.h. */
#include "fold/capinfo.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int64_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static double jnum(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* The address of the first reference symbol NAME as written, 0 if none. */
static uint64_t first_ref(json_t *h, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(h, "ref_symbols"), i, v)
		if (strcmp(jstr(v, "name"), name) == 0)
			return strtoull(jstr(v, "addr"), NULL, 16);
	return 0;
}

static int read_refs(struct capinfo *ci, json_t *h)
{
	json_t *arr = json_object_get(h, "ref_symbols"), *v;
	size_t i;

	ci->refs = calloc(json_array_size(arr) + 1, sizeof(*ci->refs));
	if (!ci->refs)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		const char *name = jstr(v, "name"), *addr = jstr(v, "addr");
		char *end;
		unsigned long long a;

		errno = 0;
		a = strtoull(addr, &end, 16);
		if (!*name || !*addr || *end || errno)
			continue;
		ci->refs[ci->nrefs].name = name;
		ci->refs[ci->nrefs++].addr = a;
		if (strcmp(name, "_etext") == 0)
			ci->etext = a;
	}
	ci->stext_first = first_ref(h, "_stext");
	ci->etext_first = first_ref(h, "_etext");
	return 0;
}

static int read_trigger(struct capinfo_trigger *t, json_t *tr)
{
	json_t *hot = json_object_get(tr, "hot"), *v;
	size_t i;

	t->rule = jstr(tr, "rule");
	t->window = jnum(tr, "window");
	t->interval = jnum(tr, "interval");
	t->gate = jnum(tr, "gate");
	t->nhot = json_array_size(hot);
	json_array_foreach(hot, i, v) {
		if (i == 4)
			break;
		t->hot_cpu[i] = jint(v, "cpu");
		t->hot_sys[i] = jnum(v, "sys");
	}
	if (json_is_object(tr) && !(t->line = json_dumps(tr, JSON_COMPACT)))
		return -ENOMEM;
	return 0;
}

int capinfo_header(struct capinfo *ci, struct psysfile_reader *r)
{
	json_t *h = psysfile_header(r), *start = json_object_get(h, "start");
	json_t *tr = json_object_get(h, "trigger");

	ci->host = jstr(h, "host");
	ci->kernel_release = jstr(json_object_get(h, "kernel"), "release");
	ci->cpus = jstr(h, "hot_cpus");
	if (!*ci->cpus)
		ci->cpus = jstr(h, "cpus");
	ci->no_symbols = strcmp(jstr(h, "symbols"), "none") == 0;
	ci->freq_hz = jint(h, "freq_hz");
	ci->wall0_ns = jint(start, "wall_ns");
	ci->mono0_ns = jint(start, "mono_ns");
	ci->has_clocks = json_is_integer(json_object_get(start, "wall_ns")) &&
			 json_is_integer(json_object_get(start, "mono_ns"));
	ci->duration_s = json_real_value(json_object_get(h, "duration_s"));
	if (read_refs(ci, h))
		return -ENOMEM;
	if (json_is_object(tr)) {
		if (!(ci->trigger = calloc(1, sizeof(*ci->trigger))))
			return -ENOMEM;
		return read_trigger(ci->trigger, tr);
	}
	return 0;
}

int capinfo_trailer(struct capinfo *ci, struct psysfile_reader *r)
{
	json_t *t = psysfile_trailer(r), *end = json_object_get(t, "end");
	json_t *list = json_object_get(t, "triggers"), *v;
	size_t i;

	ci->end_wall_ns = jint(end, "wall_ns");
	ci->end_mono_ns = jint(end, "mono_ns");
	ci->lost = (uint64_t)jint(t, "lost");
	ci->stack_errors = (uint64_t)jint(t, "stack_errors");
	ci->bpf_misses = (uint64_t)jint(t, "bpf_misses");
	if (!json_array_size(list))
		return 0;
	ci->has_list = 1;
	ci->triggers = calloc(json_array_size(list), sizeof(*ci->triggers));
	if (!ci->triggers)
		return -ENOMEM;
	json_array_foreach(list, i, v) {
		if (!json_is_object(v))
			continue;
		if (read_trigger(&ci->triggers[ci->ntriggers++], v))
			return -ENOMEM;
	}
	return 0;
}

void capinfo_free(struct capinfo *ci)
{
	if (!ci)
		return;
	free(ci->refs);
	if (ci->trigger)
		free(ci->trigger->line);
	free(ci->trigger);
	for (size_t i = 0; i < ci->ntriggers; i++)
		free(ci->triggers[i].line);
	free(ci->triggers);
	memset(ci, 0, sizeof(*ci));
}
