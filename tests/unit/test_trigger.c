/* Tests for lib/watch/trigger.c: format -> parse round trips, and a table of
 * good, bad and hostile lines for the parser psys-record relies on. */
#include "watch/trigger.h"
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

/* A good line, in parts that cases replace one at a time. */
#define TYPE "\"type\":\"psys-trigger\",\"version\":1,"
#define TIME "\"time\":\"2026-11-26T10:12:12.598+00:00\","
#define WALL "\"wall_ns\":1795687932598822118,"
#define MONO "\"mono_ns\":2000000000,\"mono_start_ns\":1000000000,"
#define IVAL "\"interval\":1.0,"
#define GATE "\"gate\":10.0,"
#define IRQ "\"irq\":false,"
#define HOT "\"hot\":[{\"cpu\":1,\"sys\":50.5}]"
#define LINE(t, tm, w, m, i, g, q, h) "{" t tm w m i g q h "}"
#define GOOD LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ, HOT)

static const struct {
	const char *name, *line;
	int err;
	int nhot;		/* when 0 is expected */
	int cpu0;		/* first hot CPU */
} cases[] = {
	{ "good", GOOD, 0, 1, 1 },
	{ "good with newline", GOOD "\n", 0, 1, 1 },
	{ "good with CRLF", GOOD "\r\n", 0, 1, 1 },
	{ "spaces between tokens", "{ \"type\" : \"psys-trigger\" , "
	  "\"version\" : 1, " TIME WALL MONO IVAL GATE IRQ HOT " }", 0, 1, 1 },
	{ "unknown fields are ignored",
	  "{\"future\":{\"a\":[1,2,{\"b\":null}]}," TYPE TIME WALL MONO IVAL GATE
	  IRQ "\"hot\":[{\"cpu\":1,\"sys\":50.5,\"comm\":\"x\"}],\"z\":1e300}",
	  0, 1, 1 },
	{ "integer numbers where reals are written",
	  LINE(TYPE, TIME, WALL, MONO, "\"interval\":1,", "\"gate\":10,", IRQ,
	       "\"hot\":[{\"cpu\":1,\"sys\":50}]"), 0, 1, 1 },
	{ "unsorted hot list is sorted",
	  LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
	       "\"hot\":[{\"cpu\":7,\"sys\":20},{\"cpu\":2,\"sys\":30}]"),
	  0, 2, 2 },
	{ "hostile time string is just a string",
	  LINE(TYPE, "\"time\":\"<script>\\\"\\n\\u001b[31m\\\\\","
	       , WALL, MONO, IVAL, GATE, IRQ, HOT), 0, 1, 1 },
	{ "gate 0 and sys 100",
	  LINE(TYPE, TIME, WALL, MONO, IVAL, "\"gate\":0,", IRQ,
	       "\"hot\":[{\"cpu\":65535,\"sys\":100}]"), 0, 1, 65535 },

	{ "empty", "", -ENOMSG, 0, 0 },
	{ "newline only", "\n", -ENOMSG, 0, 0 },
	{ "not JSON", "psys-watch: cpu 1 is hot", -ENOMSG, 0, 0 },
	{ "JSON array", "[1,2,3]", -ENOMSG, 0, 0 },
	{ "JSON scalar", "42", -ENOMSG, 0, 0 },
	{ "JSON string", "\"psys-trigger\"", -ENOMSG, 0, 0 },
	{ "empty object", "{}", -ENOMSG, 0, 0 },
	{ "truncated", "{\"type\":\"psys-trigger\",\"version\":1,", -ENOMSG,
	  0, 0 },
	{ "trailing garbage", GOOD " x", -ENOMSG, 0, 0 },
	{ "two objects", GOOD GOOD, -ENOMSG, 0, 0 },
	{ "another type", LINE("\"type\":\"psys-capture\",\"version\":1,", TIME,
			       WALL, MONO, IVAL, GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "type missing", LINE("\"version\":1,", TIME, WALL, MONO, IVAL, GATE,
			       IRQ, HOT), -ENOMSG, 0, 0 },
	{ "type not a string", LINE("\"type\":1,\"version\":1,", TIME, WALL,
				    MONO, IVAL, GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "type with NUL", LINE("\"type\":\"psys-trigger\\u0000x\",\"version\":1,",
				TIME, WALL, MONO, IVAL, GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "version 2", LINE("\"type\":\"psys-trigger\",\"version\":2,", TIME,
			    WALL, MONO, IVAL, GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "version as string",
	  LINE("\"type\":\"psys-trigger\",\"version\":\"1\",", TIME, WALL, MONO,
	       IVAL, GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "version real", LINE("\"type\":\"psys-trigger\",\"version\":1.0,",
			       TIME, WALL, MONO, IVAL, GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "time missing", LINE(TYPE, "", WALL, MONO, IVAL, GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "time a number", LINE(TYPE, "\"time\":5,", WALL, MONO, IVAL, GATE, IRQ,
				HOT), -ENOMSG, 0, 0 },
	{ "raw control char in string",
	  LINE(TYPE, "\"time\":\"a\x01" "b\",", WALL, MONO, IVAL, GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "raw newline in string",
	  LINE(TYPE, "\"time\":\"a\nb\",", WALL, MONO, IVAL, GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "invalid UTF-8", LINE(TYPE, "\"time\":\"\xff\xfe\",", WALL, MONO, IVAL,
				GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "wall_ns missing", LINE(TYPE, TIME, "", MONO, IVAL, GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "wall_ns string", LINE(TYPE, TIME, "\"wall_ns\":\"1\",", MONO, IVAL,
				 GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "wall_ns negative", LINE(TYPE, TIME, "\"wall_ns\":-1,", MONO, IVAL,
				   GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "wall_ns real", LINE(TYPE, TIME, "\"wall_ns\":1.7e18,", MONO, IVAL,
			       GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "mono_ns above int64", LINE(TYPE, TIME, WALL,
				      "\"mono_ns\":99999999999999999999,"
				      "\"mono_start_ns\":1,", IVAL, GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "mono_start_ns == mono_ns",
	  LINE(TYPE, TIME, WALL, "\"mono_ns\":5,\"mono_start_ns\":5,", IVAL, GATE,
	       IRQ, HOT), -ENOMSG, 0, 0 },
	{ "mono_start_ns after mono_ns",
	  LINE(TYPE, TIME, WALL, "\"mono_ns\":5,\"mono_start_ns\":6,", IVAL, GATE,
	       IRQ, HOT), -ENOMSG, 0, 0 },
	{ "mono_start_ns negative",
	  LINE(TYPE, TIME, WALL, "\"mono_ns\":5,\"mono_start_ns\":-6,", IVAL,
	       GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "mono_start_ns missing", LINE(TYPE, TIME, WALL, "\"mono_ns\":5,", IVAL,
					GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "interval 0", LINE(TYPE, TIME, WALL, MONO, "\"interval\":0,", GATE,
			     IRQ, HOT), -ENOMSG, 0, 0 },
	{ "interval negative", LINE(TYPE, TIME, WALL, MONO, "\"interval\":-1,",
				    GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "interval string", LINE(TYPE, TIME, WALL, MONO, "\"interval\":\"1\",",
				  GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "interval 1e300", LINE(TYPE, TIME, WALL, MONO, "\"interval\":1e300,",
				 GATE, IRQ, HOT), -ENOMSG, 0, 0 },
	{ "interval overflows a double",
	  LINE(TYPE, TIME, WALL, MONO, "\"interval\":1e999,", GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "interval NaN", LINE(TYPE, TIME, WALL, MONO, "\"interval\":NaN,", GATE,
			       IRQ, HOT), -ENOMSG, 0, 0 },
	{ "interval Infinity",
	  LINE(TYPE, TIME, WALL, MONO, "\"interval\":Infinity,", GATE, IRQ, HOT),
	  -ENOMSG, 0, 0 },
	{ "gate 101", LINE(TYPE, TIME, WALL, MONO, IVAL, "\"gate\":101,", IRQ,
			   HOT), -ENOMSG, 0, 0 },
	{ "gate negative", LINE(TYPE, TIME, WALL, MONO, IVAL, "\"gate\":-0.5,",
				IRQ, HOT), -ENOMSG, 0, 0 },
	{ "gate null", LINE(TYPE, TIME, WALL, MONO, IVAL, "\"gate\":null,", IRQ,
			    HOT), -ENOMSG, 0, 0 },
	{ "gate twice", LINE(TYPE, TIME, WALL, MONO, IVAL,
			     "\"gate\":10,\"gate\":90,", IRQ, HOT), -ENOMSG, 0, 0 },
	{ "irq as number", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, "\"irq\":1,",
				HOT), -ENOMSG, 0, 0 },
	{ "irq as string", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE,
				"\"irq\":\"true\",", HOT), -ENOMSG, 0, 0 },
	{ "irq missing", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, "", HOT),
	  -ENOMSG, 0, 0 },
	{ "hot missing", "{" TYPE TIME WALL MONO IVAL GATE "\"irq\":false}",
	  -ENOMSG, 0, 0 },
	{ "hot empty", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ, "\"hot\":[]"),
	  -ENOMSG, 0, 0 },
	{ "hot an object", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				"\"hot\":{\"cpu\":1,\"sys\":50}"), -ENOMSG, 0, 0 },
	{ "hot of numbers", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				 "\"hot\":[1,2]"), -ENOMSG, 0, 0 },
	{ "negative cpu", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			       "\"hot\":[{\"cpu\":-1,\"sys\":50}]"), -ENOMSG, 0, 0 },
	{ "cpu too big", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			      "\"hot\":[{\"cpu\":65536,\"sys\":50}]"),
	  -ENOMSG, 0, 0 },
	{ "cpu huge", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			   "\"hot\":[{\"cpu\":9223372036854775807,\"sys\":50}]"),
	  -ENOMSG, 0, 0 },
	{ "cpu real", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			   "\"hot\":[{\"cpu\":1.5,\"sys\":50}]"), -ENOMSG, 0, 0 },
	{ "cpu string", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			     "\"hot\":[{\"cpu\":\"1\",\"sys\":50}]"), -ENOMSG, 0, 0 },
	{ "cpu twice", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			    "\"hot\":[{\"cpu\":1,\"sys\":50},{\"cpu\":1,\"sys\":60}]"),
	  -ENOMSG, 0, 0 },
	{ "sys above 100", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				"\"hot\":[{\"cpu\":1,\"sys\":100.01}]"),
	  -ENOMSG, 0, 0 },
	{ "rule interval", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				HOT ",\"rule\":\"interval\""), 0, 1, 1 },
	{ "rule peak", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			    HOT ",\"rule\":\"peak\",\"window\":0.2"), 0, 1, 1 },
	{ "rule unknown kept", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				    HOT ",\"rule\":\"future-2\""), 0, 1, 1 },
	{ "rule peak without window", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
					   HOT ",\"rule\":\"peak\""), -ENOMSG, 0, 0 },
	{ "rule peak window 0", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				     HOT ",\"rule\":\"peak\",\"window\":0"), -ENOMSG, 0, 0 },
	{ "rule not a string", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				    HOT ",\"rule\":1"), -ENOMSG, 0, 0 },
	{ "rule with odd bytes", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				      HOT ",\"rule\":\"<peak>\""), -ENOMSG, 0, 0 },
	{ "rule empty", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			     HOT ",\"rule\":\"\""), -ENOMSG, 0, 0 },
	{ "sys negative", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			       "\"hot\":[{\"cpu\":1,\"sys\":-1}]"), -ENOMSG, 0, 0 },
	{ "sys missing", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			      "\"hot\":[{\"cpu\":1}]"), -ENOMSG, 0, 0 },
	{ "sys NaN", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
			  "\"hot\":[{\"cpu\":1,\"sys\":NaN}]"), -ENOMSG, 0, 0 },
	{ "sys -Infinity", LINE(TYPE, TIME, WALL, MONO, IVAL, GATE, IRQ,
				"\"hot\":[{\"cpu\":1,\"sys\":-Infinity}]"),
	  -ENOMSG, 0, 0 },
};

/* Cgroup triggers: the part of a line after "irq", and what must come of
 * it. */
#define CGL(rest) "{" TYPE TIME WALL MONO IVAL rest "}"
#define CGH "\"gate\":50.0," IRQ "\"hot\":[],\"rule\":\"cgroup\","
#define CG1 "{\"path\":\"/a/b\",\"hier\":\"v2\",\"sys\":63.2}"
static const struct {
	const char *name, *line;
	int err;
	int ncg;		/* cgroups expected */
	const char *path0;	/* the first one's path */
	const char *hier0;
} cgcases[] = {
	{ "cgroup", CGL(CGH "\"cgroups\":[" CG1 "]"), 0, 1, "/a/b", "v2" },
	{ "cgroup order kept, two hierarchies",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/z\",\"hier\":\"cpuacct\",\"sys\":300},"
	      "{\"path\":\"/z\",\"hier\":\"v2\",\"sys\":250}," CG1 "]"),
	  0, 3, "/z", "cpuacct" },
	{ "cgroup gate above 100, hot CPUs too",
	  CGL("\"gate\":150," IRQ "\"hot\":[{\"cpu\":0,\"sys\":99}],\"rule\":\"cgroup\","
	      "\"cgroups\":[{\"path\":\"/x\",\"hier\":\"v2\",\"sys\":6553600}]"),
	  0, 1, "/x", "v2" },
	{ "cgroup hostile path",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/<script>;a b\\n\\u001b\\\"\\ufffd\","
	      "\"hier\":\"v2\",\"sys\":60}]"),
	  0, 1, "/<script>;a b\n\x1b\"\xef\xbf\xbd", "v2" },
	{ "cgroup root path", CGL(CGH "\"cgroups\":[{\"path\":\"/\",\"hier\":\"v2\",\"sys\":60}]"),
	  0, 1, "/", "v2" },
	{ "cgroup unknown field in entry",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"v2\",\"sys\":60,\"id\":7}]"),
	  0, 1, "/a", "v2" },

	{ "cgroup without cgroups", CGL("\"gate\":50.0," IRQ "\"hot\":[],\"rule\":\"cgroup\""),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup empty list", CGL(CGH "\"cgroups\":[]"), -ENOMSG, 0, NULL, NULL },
	{ "cgroup list an object", CGL(CGH "\"cgroups\":" CG1), -ENOMSG, 0, NULL, NULL },
	{ "cgroup entry a string", CGL(CGH "\"cgroups\":[\"/a\"]"), -ENOMSG, 0, NULL, NULL },
	{ "cgroup twice", CGL(CGH "\"cgroups\":[" CG1 "," CG1 "]"), -ENOMSG, 0, NULL, NULL },
	{ "cgroup twice, other figure",
	  CGL(CGH "\"cgroups\":[" CG1 ",{\"path\":\"/a/b\",\"hier\":\"v2\",\"sys\":99}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup path missing", CGL(CGH "\"cgroups\":[{\"hier\":\"v2\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup path relative",
	  CGL(CGH "\"cgroups\":[{\"path\":\"a/b\",\"hier\":\"v2\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup path empty",
	  CGL(CGH "\"cgroups\":[{\"path\":\"\",\"hier\":\"v2\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup path with NUL",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\\u0000b\",\"hier\":\"v2\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup path a number",
	  CGL(CGH "\"cgroups\":[{\"path\":5,\"hier\":\"v2\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup path raw invalid UTF-8",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/\xff\",\"hier\":\"v2\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup hier missing", CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup hier odd bytes",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"<v2>\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup hier too long",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"cpuacctcpuacctxx\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup hier empty",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"\",\"sys\":60}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup sys missing", CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"v2\"}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup sys negative",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"v2\",\"sys\":-1}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup sys above every CPU",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"v2\",\"sys\":6553600.5}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup sys a string",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"hier\":\"v2\",\"sys\":\"60\"}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup entry key twice",
	  CGL(CGH "\"cgroups\":[{\"path\":\"/a\",\"path\":\"/b\",\"hier\":\"v2\",\"sys\":6}]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroup gate above every CPU",
	  CGL("\"gate\":6553601," IRQ "\"hot\":[],\"rule\":\"cgroup\",\"cgroups\":[" CG1 "]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "interval gate above 100 still refused",
	  CGL("\"gate\":150," IRQ HOT ",\"rule\":\"interval\""), -ENOMSG, 0, NULL, NULL },
	{ "cgroups with the interval rule",
	  CGL(GATE IRQ HOT ",\"rule\":\"interval\",\"cgroups\":[" CG1 "]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "cgroups without a rule", CGL(GATE IRQ HOT ",\"cgroups\":[" CG1 "]"),
	  -ENOMSG, 0, NULL, NULL },
	{ "hot empty with the peak rule",
	  CGL(GATE IRQ "\"hot\":[],\"rule\":\"peak\",\"window\":0.2"), -ENOMSG, 0, NULL, NULL },
	{ "cgroup hot missing",
	  CGL("\"gate\":50.0," IRQ "\"rule\":\"cgroup\",\"cgroups\":[" CG1 "]"),
	  -ENOMSG, 0, NULL, NULL },
};

static void test_cgroup_table(void)
{
	char why[160];

	for (size_t i = 0; i < sizeof(cgcases) / sizeof(cgcases[0]); i++) {
		struct trigger t = { 0 };
		int err;

		why[0] = 'x';
		err = trigger_parse(cgcases[i].line, strlen(cgcases[i].line), &t, why,
				    sizeof(why));
		CHECK(err == cgcases[i].err, "%s: got %d want %d (%s)", cgcases[i].name, err,
		      cgcases[i].err, why);
		if (err) {
			CHECK(why[0] && why[0] != 'x', "%s: no reason given", cgcases[i].name);
			CHECK(!strchr(why, '<') && !strchr(why, '\n') && !strstr(why, "/a"),
			      "%s: reason quotes the line", cgcases[i].name);
			CHECK(!t.hot && !t.cgroups && !t.ncgroups, "%s: T touched",
			      cgcases[i].name);
			continue;
		}
		CHECK(trigger_is_cgroup(&t) && t.ncgroups == cgcases[i].ncg &&
		      !strcmp(t.cgroups[0].path, cgcases[i].path0) &&
		      !strcmp(t.cgroups[0].hier, cgcases[i].hier0),
		      "%s: %d cgroups, first '%s' %s", cgcases[i].name, t.ncgroups,
		      t.ncgroups ? t.cgroups[0].path : "", t.ncgroups ? t.cgroups[0].hier : "");
		trigger_free(&t);
		CHECK(!t.cgroups && !t.ncgroups, "%s: freed", cgcases[i].name);
	}
}

/* Writing cgroup triggers: untrusted paths come out as valid JSON that
 * reads back to the repaired bytes, and what would not parse is refused. */
#define N(s) s, sizeof(s) - 1
static void test_cgroup_format(void)
{
	static const struct {
		const char *raw;	/* the cgroup's name bytes */
		size_t len;
		const char *want;	/* the path read back */
	} names[] = {
		{ N("/<script>alert(1)</script>"), "/<script>alert(1)</script>" },
		{ N("/a;b c"), "/a;b c" },
		{ N("/line\nbreak\ttab\"quote\\"), "/line\nbreak\ttab\"quote\\" },
		{ N("/bad\xff\xfeutf8\xc3"), "/bad\xef\xbf\xbd\xef\xbf\xbdutf8\xef\xbf\xbd" },
		{ N("/nul\0byte"), "/nul\xef\xbf\xbd" "byte" },
		{ N("/\xe2\x82\xac-euro"), "/\xe2\x82\xac-euro" },
	};
	struct trigger a = { .wall_ns = 1795687932598822118LL, .mono_ns = 3000000000LL,
			     .mono_start_ns = 2000000000LL, .gate = 50 };
	struct trigger b = { 0 };
	char *line = NULL, name255[257];
	int n = (int)(sizeof(names) / sizeof(names[0]));

	snprintf(a.rule, sizeof(a.rule), "cgroup");
	CHECK(trigger_format(&a, &line) == -EINVAL, "cgroup rule without cgroups");
	for (int i = 0; i < n; i++)
		CHECK(trigger_add_cgroup(&a, names[i].raw, names[i].len, "v2", 50 + i) == 0,
		      "add %d", i);
	/* 255 bytes, the longest name a cgroup can have. */
	name255[0] = '/';
	memset(name255 + 1, 'n', 255);
	name255[256] = '\0';
	CHECK(trigger_add_cgroup(&a, name255, 256, "cpuacct", 420.5) == 0, "add 255");
	CHECK(trigger_add_cgroup(&a, "/a;b c", 6, "v2", 1) == 0 && a.ncgroups == n + 1 &&
	      a.cgroups[1].sys_pct == 51, "the same cgroup keeps one entry, larger figure");
	CHECK(trigger_add_cgroup(&a, "/a;b c", 6, "cpuacct", 1) == 0 && a.ncgroups == n + 2,
	      "the same path in another hierarchy is another entry");
	CHECK(trigger_add_cgroup(&a, "a", 1, "v2", 1) == -EINVAL &&
	      trigger_add_cgroup(&a, "", 0, "v2", 1) == -EINVAL &&
	      trigger_add_cgroup(&a, "/a", 2, "V2", 1) == -EINVAL &&
	      trigger_add_cgroup(&a, "/a", 2, "", 1) == -EINVAL, "bad adds refused");
	CHECK(trigger_format(&a, &line) == 0, "format");
	CHECK(line && !strchr(line, '\n') && strstr(line, "\"hot\":[]") &&
	      strstr(line, "\"rule\":\"cgroup\""), "one line: %s", line ? line : "");
	CHECK(line && trigger_parse(line, strlen(line), &b, NULL, 0) == 0, "parses back");
	CHECK(b.ncgroups == a.ncgroups && trigger_is_cgroup(&b) && b.nhot == 0, "count %d",
	      b.ncgroups);
	for (int i = 0; i < n && i < b.ncgroups; i++)
		CHECK(!strcmp(b.cgroups[i].path, names[i].want) && !strcmp(b.cgroups[i].hier, "v2") &&
		      b.cgroups[i].sys_pct == 50 + i, "name %d: '%s'", i, b.cgroups[i].path);
	CHECK(b.ncgroups > n && !strcmp(b.cgroups[n].path, name255) &&
	      !strcmp(b.cgroups[n].hier, "cpuacct") && b.cgroups[n].sys_pct == 420.5,
	      "255-byte name, sys above 100");
	trigger_free(&b);
	free(line);
	line = NULL;

	/* A gate above 100 is a cgroup trigger's only. */
	a.gate = 250;
	CHECK(trigger_format(&a, &line) == 0, "cgroup gate 250");
	free(line);
	line = NULL;
	struct trigger bad = a;
	snprintf(bad.rule, sizeof(bad.rule), "interval");
	CHECK(trigger_format(&bad, &line) == -EINVAL, "cgroups with the interval rule");
	bad = a;
	bad.gate = TRIGGER_CGROUP_PCT_MAX + 1;
	CHECK(trigger_format(&bad, &line) == -EINVAL, "gate above every CPU");
	/* Entries written by hand must hold what the reader accepts. */
	char *keep = a.cgroups[0].path, twin[] = "/a;b c", bad8[] = "/\xff";
	a.cgroups[0].path = twin;
	CHECK(trigger_format(&a, &line) == -EINVAL, "cgroup twice");
	a.cgroups[0].path = bad8;
	CHECK(trigger_format(&a, &line) == -EINVAL, "invalid UTF-8 set by hand");
	a.cgroups[0].path = keep;
	a.cgroups[0].sys_pct = NAN;
	CHECK(trigger_format(&a, &line) == -EINVAL, "NaN sys");
	trigger_free(&a);
	CHECK(!a.cgroups && !a.ncgroups, "freed");
}

static void test_table(void)
{
	char why[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trigger t = { 0 };
		int err;

		why[0] = 'x';
		err = trigger_parse(cases[i].line, strlen(cases[i].line), &t, why,
				    sizeof(why));
		CHECK(err == cases[i].err, "%s: got %d want %d (%s)",
		      cases[i].name, err, cases[i].err, why);
		if (err) {
			CHECK(why[0] && why[0] != 'x', "%s: no reason given",
			      cases[i].name);
			CHECK(!strchr(why, '<') && !strchr(why, '\n'),
			      "%s: reason quotes the line", cases[i].name);
			CHECK(t.hot == NULL && t.nhot == 0, "%s: T touched",
			      cases[i].name);
			continue;
		}
		CHECK(why[0] == '\0', "%s: reason on success", cases[i].name);
		CHECK(t.nhot == cases[i].nhot && t.hot[0].cpu == cases[i].cpu0,
		      "%s: nhot %d cpu %d", cases[i].name, t.nhot,
		      t.nhot ? t.hot[0].cpu : -1);
		for (int k = 1; k < t.nhot; k++)
			CHECK(t.hot[k].cpu > t.hot[k - 1].cpu, "%s: order",
			      cases[i].name);
		trigger_free(&t);
	}
}

/* Field values come through exactly, and a reason names the field. */
static void test_values(void)
{
	struct trigger t = { 0 };
	char why[128];
	const char *line = GOOD;

	CHECK(trigger_parse(line, strlen(line), &t, NULL, 0) == 0, "parse");
	CHECK(t.wall_ns == 1795687932598822118LL && t.mono_ns == 2000000000 &&
		      t.mono_start_ns == 1000000000 && t.interval == 1.0 &&
		      t.gate == 10.0 && t.irq == 0 && t.nhot == 1 &&
		      t.hot[0].cpu == 1 && t.hot[0].sys_pct == 50.5,
	      "values");
	trigger_free(&t);
	trigger_free(&t);
	trigger_free(NULL);

	line = LINE(TYPE, TIME, WALL, MONO, IVAL, "\"gate\":101,", IRQ, HOT);
	trigger_parse(line, strlen(line), &t, why, sizeof(why));
	CHECK(strstr(why, "'gate'") != NULL, "reason '%s' names the field", why);
	/* The reason is cut to fit, never overrun. */
	trigger_parse("x", 1, &t, why, 4);
	CHECK(strlen(why) == 3, "short reason buffer: '%s'", why);

	/* LEN bounds the line: a good line followed by junk not in LEN. */
	char buf[sizeof(GOOD) + 8];
	snprintf(buf, sizeof(buf), "%s}}}}", GOOD);
	CHECK(trigger_parse(buf, strlen(GOOD), &t, NULL, 0) == 0, "len bound");
	trigger_free(&t);
	/* An embedded NUL inside LEN is not a trigger. */
	buf[5] = '\0';
	CHECK(trigger_parse(buf, strlen(GOOD), &t, NULL, 0) == -ENOMSG,
	      "embedded NUL");
}

/* Long and deeply nested lines: no crash, the right answer. */
static void test_long(void)
{
	struct trigger t = { 0 };
	size_t pad = 2 << 20, len;
	char *s = malloc(pad + sizeof(GOOD) + 64), *p;

	if (!s) {
		CHECK(0, "malloc");
		return;
	}
	/* A 2 MiB unknown field is fine: lines can grow. */
	p = s + sprintf(s, "{\"pad\":\"");
	memset(p, 'a', pad);
	p += pad;
	len = p - s + sprintf(p, "\",%s", GOOD + 1);
	CHECK(trigger_parse(s, len, &t, NULL, 0) == 0, "2 MiB line");
	trigger_free(&t);
	free(s);

	/* Above TRIGGER_LINE_MAX: refused before parsing. */
	len = TRIGGER_LINE_MAX + 1;
	s = malloc(len);
	if (s) {
		memset(s, ' ', len);
		memcpy(s, GOOD, strlen(GOOD));
		CHECK(trigger_parse(s, len, &t, NULL, 0) == -ENOMSG, "too long");
		/* Deep nesting must not blow the stack. */
		memset(s, '[', 1 << 20);
		CHECK(trigger_parse(s, 1 << 20, &t, NULL, 0) == -ENOMSG, "deep");
		free(s);
	}

	/* Many hot CPUs. */
	struct trigger a = { .wall_ns = 1, .mono_ns = 2000, .mono_start_ns = 1000,
			     .gate = 5 };
	char *out = NULL;
	for (int c = 0; c < 4096; c++)
		trigger_add_cpu(&a, 4095 - c, c % 101);
	CHECK(trigger_format(&a, &out) == 0, "format 4096 cpus");
	CHECK(out && trigger_parse(out, strlen(out), &t, NULL, 0) == 0 &&
		      t.nhot == 4096 && t.hot[4095].cpu == 4095,
	      "parse 4096 cpus");
	trigger_free(&t);
	trigger_free(&a);
	free(out);
}

static void test_round_trip(void)
{
	struct trigger a = { 0 }, b = { 0 };
	char *line = NULL;
	int err;

	setenv("TZ", "UTC0", 1);
	tzset();
	a.wall_ns = 1795687932598822118LL;
	a.mono_ns = 395450347757LL;
	a.mono_start_ns = 394950077820LL;
	a.gate = 12.5;
	a.irq = 1;
	CHECK(trigger_format(&a, &line) == -EINVAL, "no hot cpus");
	CHECK(trigger_add_cpu(&a, 3, 97.531) == 0 &&
		      trigger_add_cpu(&a, 0, 100) == 0 &&
		      trigger_add_cpu(&a, 1, 12.5) == 0 &&
		      trigger_add_cpu(&a, 1, 33.333333) == 0, "add");
	CHECK(trigger_add_cpu(&a, -1, 5) == -ERANGE &&
		      trigger_add_cpu(&a, 65536, 5) == -ERANGE, "add range");
	CHECK(a.nhot == 3, "replace keeps one entry per cpu");

	err = trigger_format(&a, &line);
	CHECK(err == 0, "format: %d", err);
	if (err)
		return;
	CHECK_STR(line,
		  "{\"type\":\"psys-trigger\",\"version\":1,"
		  "\"time\":\"2026-11-26T10:12:12.598+00:00\","
		  "\"wall_ns\":1795687932598822118,\"mono_ns\":395450347757,"
		  "\"mono_start_ns\":394950077820,\"interval\":0.50027,"
		  "\"gate\":12.5,\"irq\":true,\"hot\":[{\"cpu\":0,\"sys\":100.0},"
		  "{\"cpu\":1,\"sys\":33.33},{\"cpu\":3,\"sys\":97.53}],"
		  "\"rule\":\"interval\"}",
		  "formatted line");
	CHECK(!strchr(line, '\n'), "one line");
	err = trigger_parse(line, strlen(line), &b, NULL, 0);
	CHECK(err == 0, "parse back: %d", err);
	CHECK(b.wall_ns == a.wall_ns && b.mono_ns == a.mono_ns &&
		      b.mono_start_ns == a.mono_start_ns && b.gate == a.gate &&
		      b.irq == 1 && b.nhot == 3 && fabs(b.interval - 0.50027) < 1e-12,
	      "fields survive");
	for (int i = 0; i < b.nhot && i < a.nhot; i++)
		CHECK(b.hot[i].cpu == a.hot[i].cpu &&
			      fabs(b.hot[i].sys_pct - a.hot[i].sys_pct) <= 0.005,
		      "cpu %d sys %f vs %f", b.hot[i].cpu, b.hot[i].sys_pct,
		      a.hot[i].sys_pct);
	CHECK(!trigger_is_peak(&b) && strcmp(b.rule, "interval") == 0, "rule '%s'", b.rule);
	free(line);
	trigger_free(&b);

	/* The peak rule's line says so, with its window, and reads back. */
	struct trigger p = a;
	snprintf(p.rule, sizeof(p.rule), "peak");
	p.window = 0.2;
	CHECK(trigger_format(&p, &line) == 0 && strstr(line, ",\"rule\":\"peak\",\"window\":0.2}"),
	      "peak line: %s", line);
	CHECK(trigger_parse(line, strlen(line), &b, NULL, 0) == 0 && trigger_is_peak(&b) &&
	      b.window == 0.2, "peak parses back");
	free(line);
	trigger_free(&b);
	p.window = 0;
	CHECK(trigger_format(&p, &line) == -EINVAL, "peak without a window");
	snprintf(p.rule, sizeof(p.rule), "Bad rule");
	CHECK(trigger_format(&p, &line) == -EINVAL, "bad rule name");

	/* The offset follows the local zone, with a colon; ms are truncated. */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	a.wall_ns = 1795687932999999999LL;
	CHECK(trigger_format(&a, &line) == 0 &&
		      strstr(line, "\"time\":\"2026-11-26T15:42:12.999+05:30\""),
	      "positive offset: %s", line);
	free(line);
	setenv("TZ", "EST5", 1);
	tzset();
	CHECK(trigger_format(&a, &line) == 0 &&
		      strstr(line, "\"time\":\"2026-11-26T05:12:12.999-05:00\""),
	      "negative offset: %s", line);
	free(line);

	/* What would not parse back is refused. */
	struct trigger bad = a;
	bad.gate = NAN;
	CHECK(trigger_format(&bad, &line) == -EINVAL, "NaN gate");
	bad = a;
	bad.gate = 100.5;
	CHECK(trigger_format(&bad, &line) == -EINVAL, "gate > 100");
	bad = a;
	bad.mono_start_ns = bad.mono_ns;
	CHECK(trigger_format(&bad, &line) == -EINVAL, "empty interval");
	a.hot[1].sys_pct = INFINITY;
	CHECK(trigger_format(&a, &line) == -EINVAL, "infinite sys");
	trigger_free(&a);
}

int main(void)
{
	test_table();
	test_values();
	test_long();
	test_round_trip();
	test_cgroup_table();
	test_cgroup_format();
	return test_done("test_trigger");
}
