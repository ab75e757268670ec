/* Table-driven tests for lib/speedscope.c: UTF-8 repair of untrusted
 * names (invalid, overlong, surrogate, truncated sequences, NUL), and a
 * written file read back with jansson: schema, shared frames, stacks root
 * first, weights. */
#include "speedscope.h"
#include "utf8.h"
#include "test.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#define FFFD "\xef\xbf\xbd"

static const struct {
	const char *in;
	size_t len;
	const char *want;
} utf8[] = {
	{ "plain", 5, "plain" },
	{ "", 0, "" },
	{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },			/* 2 bytes */
	{ "\xe2\x82\xac", 3, "\xe2\x82\xac" },			/* euro, 3 bytes */
	{ "\xf0\x9f\x94\xa5", 4, "\xf0\x9f\x94\xa5" },		/* 4 bytes */
	{ "\xff\xfe" "bad", 5, FFFD FFFD "bad" },
	{ "\xc0\x80", 2, FFFD FFFD },				/* overlong NUL */
	{ "\xe0\x80\xaf", 3, FFFD FFFD FFFD },			/* overlong '/' */
	{ "\xed\xa0\x80", 3, FFFD FFFD FFFD },			/* surrogate */
	{ "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD },		/* > U+10FFFF */
	{ "\xe2\x82", 2, FFFD FFFD },				/* truncated */
	{ "a\x80z", 3, "a" FFFD "z" },				/* lone continuation */
	{ "a\0b", 3, "a" FFFD "b" },				/* NUL inside */
	{ "<svg onload=alert(1)>&\"'", 24, "<svg onload=alert(1)>&\"'" },
};

int main(void)
{
	char out[64];

	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		size_t n = utf8_repair(utf8[i].in, utf8[i].len, out, sizeof(out));
		CHECK(n == strlen(utf8[i].want) && strcmp(out, utf8[i].want) == 0,
		      "utf8 case %zu: got '%s' (%zu)", i, out, n);
		/* Too small a buffer: truncated, terminated, needed length told. */
		char small[2] = "x";
		CHECK(utf8_repair(utf8[i].in, utf8[i].len, small, sizeof(small)) == n &&
			      strlen(small) <= 1, "utf8 case %zu: small buffer", i);
	}

	const char *stacks[] = { "comm;do_syscall_64;ksys_read", "comm;do_syscall_64",
				 "\xff" "evil\";<b>;do_syscall_64" };
	const uint64_t counts[] = { 5, 3, 2 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(speedscope_write(f, "sysHigh for cpu 1", "psys-fold test", stacks, counts, 3) == 0,
	      "write");
	fclose(f);

	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, 0, &jerr);
	CHECK(doc != NULL, "output is JSON: %s", jerr.text);
	if (doc) {
		json_t *frames = json_object_get(json_object_get(doc, "shared"), "frames");
		json_t *prof = json_array_get(json_object_get(doc, "profiles"), 0);
		json_t *samples = json_object_get(prof, "samples");
		json_t *weights = json_object_get(prof, "weights");

		CHECK_STR(json_string_value(json_object_get(doc, "$schema")),
			  "https://www.speedscope.app/file-format-schema.json", "schema");
		CHECK_STR(json_string_value(json_object_get(prof, "type")), "sampled", "type");
		CHECK_STR(json_string_value(json_object_get(prof, "unit")), "none", "unit");
		CHECK(json_integer_value(json_object_get(prof, "endValue")) == 10, "endValue");
		/* comm, do_syscall_64, ksys_read, the evil name, <b>: five. */
		CHECK(json_array_size(frames) == 5, "frames shared: %zu", json_array_size(frames));
		CHECK(json_array_size(samples) == 3 && json_array_size(weights) == 3, "sizes");
		const char *want[][3] = { { "comm", "do_syscall_64", "ksys_read" },
					  { "comm", "do_syscall_64", NULL },
					  { FFFD "evil\"", "<b>", "do_syscall_64" } };
		for (size_t i = 0; i < 3; i++) {
			json_t *st = json_array_get(samples, i);
			CHECK(json_integer_value(json_array_get(weights, i)) == (json_int_t)counts[i],
			      "weight %zu", i);
			for (size_t j = 0; j < 3; j++) {
				json_t *ix = json_array_get(st, j);
				if (!want[i][j]) {
					CHECK(!ix, "stack %zu has %zu frames", i, j);
					continue;
				}
				json_t *fr = json_array_get(frames, json_integer_value(ix));
				const char *name = json_string_value(json_object_get(fr, "name"));
				CHECK(name && strcmp(name, want[i][j]) == 0, "stack %zu frame %zu: %s",
				      i, j, name ? name : "(none)");
			}
		}
		json_decref(doc);
	}
	free(buf);

	/* A write error is reported. */
	f = fopen("/dev/full", "w");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		CHECK(speedscope_write(f, "x", "y", stacks, counts, 3) == -EIO, "/dev/full");
		fclose(f);
	}
	return test_done("test_speedscope");
}
