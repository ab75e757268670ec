/* Table-driven tests for lib/fold/speedscope.c: UTF-8 repair of untrusted
 * names (invalid, overlong, surrogate, truncated sequences, NUL), and a
 * written file read back with jansson: schema, shared frames, stacks root
 * first, profiles with their samples in order, weights and units. */
#include "fold/speedscope.h"
#include "base/utf8.h"
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
	/* Two profiles in time order: stacks repeat, weights in ns. */
	const uint32_t s0[] = { 0, 1, 0, 2 }, s1[] = { 1 };
	const uint64_t w0[] = { 2000000, 1000000, 3000000, 1000000 }, w1[] = { 5000000 };
	const struct speedscope_profile prof[] = { { "cpu 0", s0, w0, 4 },
						   { "cpu 1", s1, w1, 1 } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(speedscope_write(f, "sysHigh for cpu 0:1", "psys-fold test", "nanoseconds", stacks,
			       3, prof, 2) == 0, "write");
	fclose(f);

	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, 0, &jerr);
	CHECK(doc != NULL, "output is JSON: %s", jerr.text);
	if (doc) {
		json_t *frames = json_object_get(json_object_get(doc, "shared"), "frames");
		json_t *profiles = json_object_get(doc, "profiles");
		json_t *p0 = json_array_get(profiles, 0), *p1 = json_array_get(profiles, 1);
		json_t *samples = json_object_get(p0, "samples");
		json_t *weights = json_object_get(p0, "weights");

		CHECK_STR(json_string_value(json_object_get(doc, "$schema")),
			  "https://www.speedscope.app/file-format-schema.json", "schema");
		CHECK_STR(json_string_value(json_object_get(doc, "name")), "sysHigh for cpu 0:1",
			  "file name");
		CHECK_STR(json_string_value(json_object_get(doc, "exporter")), "psys-fold test",
			  "exporter");
		CHECK(json_integer_value(json_object_get(doc, "activeProfileIndex")) == 0, "active");
		CHECK(json_array_size(profiles) == 2, "profiles: %zu", json_array_size(profiles));
		CHECK_STR(json_string_value(json_object_get(p0, "type")), "sampled", "type");
		CHECK_STR(json_string_value(json_object_get(p0, "unit")), "nanoseconds", "unit");
		CHECK_STR(json_string_value(json_object_get(p0, "name")), "cpu 0", "name 0");
		CHECK_STR(json_string_value(json_object_get(p1, "name")), "cpu 1", "name 1");
		CHECK(json_integer_value(json_object_get(p0, "startValue")) == 0 &&
			      json_integer_value(json_object_get(p0, "endValue")) == 7000000,
		      "profile 0 runs 0..7 ms");
		CHECK(json_integer_value(json_object_get(p1, "endValue")) == 5000000, "endValue 1");
		/* comm, do_syscall_64, ksys_read, the evil name, <b>: five. */
		CHECK(json_array_size(frames) == 5, "frames shared: %zu", json_array_size(frames));
		CHECK(json_array_size(samples) == 4 && json_array_size(weights) == 4, "sizes");
		const char *want[][3] = { { "comm", "do_syscall_64", "ksys_read" },
					  { "comm", "do_syscall_64", NULL },
					  { FFFD "evil\"", "<b>", "do_syscall_64" } };
		for (size_t i = 0; i < 4; i++) {
			json_t *st = json_array_get(samples, i);
			CHECK(json_integer_value(json_array_get(weights, i)) == (json_int_t)w0[i],
			      "weight %zu", i);
			for (size_t j = 0; j < 3; j++) {
				json_t *ix = json_array_get(st, j);
				if (!want[s0[i]][j]) {
					CHECK(!ix, "sample %zu has %zu frames", i, j);
					continue;
				}
				json_t *fr = json_array_get(frames, json_integer_value(ix));
				const char *name = json_string_value(json_object_get(fr, "name"));
				CHECK(name && strcmp(name, want[s0[i]][j]) == 0,
				      "sample %zu frame %zu: %s", i, j, name ? name : "(none)");
			}
		}
		json_decref(doc);
	}
	free(buf);

	/* A sample past the stacks is refused; no profiles is valid JSON. */
	const uint32_t bad[] = { 3 };
	const struct speedscope_profile badp = { "x", bad, w1, 1 };
	f = open_memstream(&buf, &len);
	CHECK(speedscope_write(f, "x", "y", "none", stacks, 3, &badp, 1) == -EINVAL, "bad index");
	fclose(f);
	free(buf);
	f = open_memstream(&buf, &len);
	CHECK(speedscope_write(f, "x", "y", "none", stacks, 0, NULL, 0) == 0, "empty");
	fclose(f);
	doc = json_loadb(buf, len, 0, &jerr);
	CHECK(doc && json_array_size(json_object_get(doc, "profiles")) == 0, "empty is JSON");
	json_decref(doc);
	free(buf);

	/* A write error is reported. */
	f = fopen("/dev/full", "w");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		CHECK(speedscope_write(f, "x", "y", "none", stacks, 3, prof, 2) == -EIO,
		      "/dev/full");
		fclose(f);
	}
	return test_done("test_speedscope");
}
