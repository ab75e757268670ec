/* speedscope JSON output; see speedscope.h. The frames are built with
 * jansson; the samples, which may number millions, are streamed: each
 * stack's array of frame indices is formatted once and copied for every
 * sample of it. */
#include "fold/speedscope.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/utf8.h"

struct frames {
	json_t *list;		/* shared.frames */
	struct intern names;	/* their names, the same ids */
};

/* Index of the frame named S (N bytes), added if new; -1 out of memory. */
static long frame_index(struct frames *fr, const char *s, size_t n)
{
	json_t *name = utf8_json(s, n);
	const char *clean;
	uint32_t i;
	int is_new;

	if (!name)
		return -1;
	clean = json_string_value(name);
	i = intern_add(&fr->names, clean, strlen(clean), &is_new);
	if (i == INTERN_NONE || !is_new) {
		json_decref(name);
		return i == INTERN_NONE ? -1 : (long)i;
	}
	if (json_array_append_new(fr->list, json_pack("{s:o}", "name", name)))
		return -1;
	return i;
}

/* Appends STACK's frame indices as a JSON array ("[0,1,2]") to B. */
static int stack_json(struct frames *fr, const char *p, struct buf *b)
{
	char num[24];

	buf_put_u8(b, '[');
	/* speedscope's sampled stacks list frames root first, as folded
	 * lines do. */
	for (int first = 1;; first = 0) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		long idx = frame_index(fr, p, len);

		if (idx < 0)
			return -ENOMEM;
		snprintf(num, sizeof(num), "%s%ld", first ? "" : ",", idx);
		buf_put(b, num, strlen(num));
		if (!semi)
			break;
		p = semi + 1;
	}
	buf_put_u8(b, ']');
	return b->err ? -ENOMEM : 0;
}

/* Writes S as a JSON string (made valid UTF-8). */
static int put_string(FILE *out, const char *s)
{
	json_t *j = utf8_json(s, strlen(s));
	int err = !j ? -ENOMEM : json_dumpf(j, out, JSON_ENCODE_ANY) ? -EIO : 0;

	json_decref(j);
	return err;
}

int speedscope_write(FILE *out, const char *name, const char *exporter, const char *unit,
		     const char *const *stacks, size_t nstacks,
		     const struct speedscope_profile *profiles, size_t nprofiles)
{
	struct frames fr = { .list = json_array() };
	struct buf text = { 0 };	/* every stack's index array */
	size_t *off = NULL;		/* stack i's at text + off[i]... */
	int err = -ENOMEM;

	if (!fr.list || !(off = malloc((nstacks + 1) * sizeof(*off))))
		goto cleanup;
	for (size_t i = 0; i < nstacks; i++) {
		off[i] = text.len;
		if ((err = stack_json(&fr, stacks[i], &text)))
			goto cleanup;
	}
	off[nstacks] = text.len;	/* ...up to off[i + 1] */
	for (size_t p = 0; p < nprofiles; p++)
		for (size_t i = 0; i < profiles[p].n; i++)
			if (profiles[p].samples[i] >= nstacks) {
				err = -EINVAL;
				goto cleanup;
			}

	err = -EIO;
	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
	      "\"shared\":{\"frames\":", out);
	if (json_dumpf(fr.list, out, JSON_COMPACT))
		goto cleanup;
	fputs("},\"profiles\":[", out);
	for (size_t p = 0; p < nprofiles; p++) {
		const struct speedscope_profile *pr = &profiles[p];
		uint64_t total = 0;

		for (size_t i = 0; i < pr->n; i++)
			total += pr->weights[i];
		fputs(p ? ",{\"type\":\"sampled\",\"name\":" : "{\"type\":\"sampled\",\"name\":",
		      out);
		if ((err = put_string(out, pr->name)))
			goto cleanup;
		err = -EIO;
		fputs(",\"unit\":", out);
		if (put_string(out, unit))
			goto cleanup;
		fprintf(out, ",\"startValue\":0,\"endValue\":%" PRIu64 ",\"samples\":[", total);
		for (size_t i = 0; i < pr->n; i++) {
			uint32_t s = pr->samples[i];

			if (i)
				putc(',', out);
			fwrite(text.data + off[s], 1, off[s + 1] - off[s], out);
		}
		fputs("],\"weights\":[", out);
		for (size_t i = 0; i < pr->n; i++)
			fprintf(out, i ? ",%" PRIu64 : "%" PRIu64, pr->weights[i]);
		fputs("]}", out);
		if (ferror(out))
			goto cleanup;
	}
	fputs("],\"name\":", out);
	if (put_string(out, name))
		goto cleanup;
	fputs(",\"activeProfileIndex\":0,\"exporter\":", out);
	if (put_string(out, exporter))
		goto cleanup;
	fputs("}\n", out);
	err = ferror(out) ? -EIO : 0;
cleanup:
	json_decref(fr.list);
	intern_free(&fr.names);
	buf_free(&text);
	free(off);
	return err;
}
