/* speedscope JSON output; see speedscope.h. */
#include "speedscope.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

/* Length of the valid UTF-8 sequence at S (N bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] >= 0x01 && s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t speedscope_utf8(const char *s, size_t len, char *out, size_t out_len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t o = 0;

	while (p < end) {
		size_t k = utf8_seq(p, (size_t)(end - p));
		const char *src = k ? (const char *)p : "\xef\xbf\xbd";
		size_t m = k ? k : 3;

		if (o + m < out_len)
			memcpy(out + o, src, m);
		o += m;
		p += k ? k : 1;
	}
	if (out_len)
		out[o < out_len ? o : out_len - 1] = '\0';
	return o;
}

static json_t *json_text(const char *s, size_t n)
{
	size_t need = speedscope_utf8(s, n, NULL, 0);
	char *tmp = malloc(need + 1);
	json_t *j;

	if (!tmp)
		return NULL;
	speedscope_utf8(s, n, tmp, need + 1);
	j = json_stringn(tmp, need);
	free(tmp);
	return j;
}

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
	json_t *name = json_text(s, n);
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
		"profiles", "type", "sampled", "name", json_text(name, strlen(name)),
		"unit", "none", "startValue", (json_int_t)0, "endValue", (json_int_t)total,
		"samples", samples, "weights", weights,
		"name", json_text(name, strlen(name)),
		"activeProfileIndex", 0,
		"exporter", json_text(exporter, strlen(exporter)));
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
