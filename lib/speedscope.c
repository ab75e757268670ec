/* speedscope JSON output; see speedscope.h. */
#include "speedscope.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "utf8.h"

struct frames {
	json_t *list;		/* shared.frames */
	struct hmap map;	/* hash of name -> index */
	json_t *tmp;
};

struct frame_key {
	const json_t *list;
	const char *s;
	size_t n;
	const char *clean;
};

static int frame_eq(const void *ctx, uint32_t i)
{
	const struct frame_key *k = ctx;
	json_t *name = json_object_get(json_array_get(k->list, i), "name");

	return strcmp(json_string_value(name), k->clean) == 0;
}

/* Index of the frame named S (N bytes), added if new; -1 out of memory. */
static long frame_index(struct frames *fr, const char *s, size_t n)
{
	json_t *name = utf8_json(s, n);
	struct frame_key k = { fr->list, s, n, NULL };
	uint64_t h;
	uint32_t i;

	if (!name)
		return -1;
	k.clean = json_string_value(name);
	h = hash_bytes(k.clean, strlen(k.clean), 0);
	i = hmap_get(&fr->map, h, frame_eq, &k);
	if (i != HMAP_NONE) {
		json_decref(name);
		return i;
	}
	i = (uint32_t)json_array_size(fr->list);
	if (json_array_append_new(fr->list, json_pack("{s:o}", "name", name)) ||
	    hmap_put(&fr->map, h, i))
		return -1;
	return i;
}

int speedscope_write(FILE *out, const char *name, const char *exporter,
		     const char *const *stacks, const uint64_t *counts, size_t n)
{
	struct frames fr = { json_array(), { 0 }, NULL };
	json_t *samples = json_array(), *weights = json_array(), *doc = NULL;
	uint64_t total = 0;
	int err = -ENOMEM;

	if (!fr.list || !samples || !weights)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		json_t *stack = json_array();
		const char *p = stacks[i];

		if (!stack || json_array_append_new(samples, stack))
			goto cleanup;
		/* speedscope's sampled stacks list frames root first, as
		 * folded lines do. */
		for (;;) {
			const char *semi = strchr(p, ';');
			size_t len = semi ? (size_t)(semi - p) : strlen(p);
			long idx = frame_index(&fr, p, len);

			if (idx < 0 || json_array_append_new(stack, json_integer(idx)))
				goto cleanup;
			if (!semi)
				break;
			p = semi + 1;
		}
		if (json_array_append_new(weights, json_integer((json_int_t)counts[i])))
			goto cleanup;
		total += counts[i];
	}
	doc = json_pack("{s:s, s:{s:O}, s:[{s:s, s:o, s:s, s:I, s:I, s:O, s:O}], s:o, "
			"s:i, s:o}",
		"$schema", "https://www.speedscope.app/file-format-schema.json",
		"shared", "frames", fr.list,
		"profiles", "type", "sampled", "name", utf8_json(name, strlen(name)),
		"unit", "none", "startValue", (json_int_t)0, "endValue", (json_int_t)total,
		"samples", samples, "weights", weights,
		"name", utf8_json(name, strlen(name)),
		"activeProfileIndex", 0,
		"exporter", utf8_json(exporter, strlen(exporter)));
	if (!doc)
		goto cleanup;
	err = json_dumpf(doc, out, JSON_COMPACT) || fputc('\n', out) == EOF ||
	      ferror(out) ? -EIO : 0;
cleanup:
	json_decref(doc);
	json_decref(fr.list);
	json_decref(samples);
	json_decref(weights);
	hmap_free(&fr.map);
	return err;
}
