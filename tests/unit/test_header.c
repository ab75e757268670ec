/* Tests for lib/psysfile/header.c: a header and a trailer with every
 * field go to JSON and back unchanged; a version 1 header (psys 0.1)
 * without the fields added since reads with their bits clear; a known key
 * of the wrong type is refused with a reason naming it. */
#include "psysfile/header.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TRIGGER_LINE "{\"type\":\"psys-trigger\",\"version\":1," \
	"\"time\":\"2026-11-26T10:15:04.123+01:00\",\"wall_ns\":1795684504123456789," \
	"\"mono_ns\":523456789012,\"mono_start_ns\":522456123456,\"interval\":1.000666," \
	"\"gate\":10.0,\"irq\":false,\"hot\":[{\"cpu\":1,\"sys\":97.53},{\"cpu\":3,\"sys\":12.0}]," \
	"\"rule\":\"interval\",\"future_field\":[1,2]}"

#define PEAK_LINE "{\"type\":\"psys-trigger\",\"version\":1," \
	"\"time\":\"2026-11-26T10:15:05.000+01:00\",\"wall_ns\":1795684505000000000," \
	"\"mono_ns\":524000000000,\"mono_start_ns\":523900000000,\"interval\":0.1," \
	"\"gate\":50,\"irq\":false,\"hot\":[{\"cpu\":0,\"sys\":62.5}],\"rule\":\"peak\"," \
	"\"window\":0.2}"

/* The header of fuzz/corpus/psysfile/stat.psys, a format 1 capture made
 * by psys-record 0.1.0 (ref_symbols shortened). */
static const char v1_header[] =
	"{\"boot_id\":\"dda79372-a07d-4c29-9afa-f6bf45829fc5\",\"clock\":\"CLOCK_MONOTONIC\","
	"\"cpus\":\"1\",\"cpus_online\":\"0-1\",\"duration_s\":0.29999999999999999,"
	"\"format\":\"psys\",\"freq_hz\":500,\"host\":\"vm\",\"kernel\":{\"machine\":"
	"\"x86_64\",\"release\":\"6.18.44-fc-v669\",\"version\":\"#1 SMP PREEMPT_DYNAMIC @0\"},"
	"\"mode\":\"now\",\"ncpus\":2,\"ref_symbols\":[{\"addr\":\"0xffffffff81000000\","
	"\"name\":\"_stext\"},{\"addr\":\"0xffffffff8137a330\",\"name\":\"ksys_setsid\"}],"
	"\"sampled_cpus\":\"1\",\"stack_max\":127,\"start\":{\"mono_ns\":1525814085353,"
	"\"wall\":\"2026-11-26T10:31:02.962+00:00\",\"wall_ns\":1795689062962562965},"
	"\"symbols\":\"embedded\",\"tool\":\"psys-record 0.1.0\",\"version\":1}";

static const char v1_trailer[] =
	"{\"bpf_misses\":0,\"end\":{\"mono_ns\":1526114085353,\"wall\":"
	"\"2026-11-26T10:31:03.262+00:00\",\"wall_ns\":1795689063262559702},\"end_reason\":"
	"\"duration\",\"hot_cpus\":\"1\",\"lost\":0,\"samples\":150,\"stack_errors\":0,"
	"\"stacks\":67,\"symbols\":137,\"triggers\":[]}";

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	if (!j) {
		fprintf(stderr, "test JSON does not parse: %s\n", s);
		exit(1);
	}
	return j;
}

static void test_header_round_trip(void)
{
	json_t *line = parse(TRIGGER_LINE);
	struct psys_ref_symbol refs[] = {
		{ "_stext", 0xffffffff81000000ull }, { "do_sys_poll", 0xffffffff8137a330ull },
		{ "_etext", 0xffffffff82000000ull },
	};
	struct psys_header h = {
		.format = "psys", .version = 2, .tool = "psys-record 0.2.0",
		.host = "bad\xff" "host", .kernel_release = "6.18.0", .kernel_version = "#1 SMP",
		.kernel_machine = "x86_64", .boot_id = "b00t", .ncpus = 8,
		.cpus_online = "0-7", .cpus = "1,3", .sampled_cpus = "0-7", .hot_cpus = "1,3",
		.freq_hz = 999, .duration_s = 2.5, .clock = "CLOCK_MONOTONIC",
		.start_wall = "2026-11-26T10:15:03.000+01:00",
		.start_wall_ns = 1795684503000000000, .start_mono_ns = 521456789012,
		.mode = "triggered", .trigger = { .received_mono_ns = 523456789999, .line = line },
		.peak_window_s = 0.2, .peak_threshold = 50, .pre_s = 2.01, .pre_wanted_s = 3.5,
		.symbols = "embedded", .user_stacks = 1, .idle_stacks = 0, .stack_max = 127,
		.ref_symbols = refs, .nref_symbols = 3,
		.cgroup_v2 = "/sys/fs/cgroup/unified", .cgroup_v1 = "cpuacct",
		.cgroup_v1_mount = "/sys/fs/cgroup/cpuacct",
	};
	struct psys_header g;
	char err[200];

	h.has = (1ull << PSYS_H_NFIELDS) - 1;
	json_t *j = psys_header_to_json(&h);
	CHECK(j != NULL, "header to JSON");
	if (!j)
		return;
	/* The layout files have always had. */
	CHECK(json_is_object(json_object_get(j, "kernel")), "kernel is an object");
	CHECK(json_integer_value(json_object_get(json_object_get(j, "start"), "mono_ns")) ==
	      521456789012, "start.mono_ns");
	CHECK(json_is_real(json_object_get(json_object_get(j, "peak_rule"), "window_s")),
	      "peak_rule.window_s");
	CHECK_STR(json_string_value(json_object_get(json_array_get(
		  json_object_get(j, "ref_symbols"), 1), "addr")), "0xffffffff8137a330", "addr");
	CHECK(json_is_false(json_object_get(j, "idle_stacks")), "idle_stacks false");
	/* A trigger line travels as sent, unknown fields included. */
	json_t *tj = json_object_get(j, "trigger");
	CHECK(json_is_array(json_object_get(tj, "future_field")), "unknown trigger field kept");
	CHECK(json_integer_value(json_object_get(tj, "received_mono_ns")) == 523456789999,
	      "received_mono_ns");
	CHECK_STR(json_string_value(json_object_get(json_object_get(j, "cgroups"), "v1")),
		  "cpuacct", "cgroups.v1");
	CHECK(json_object_size(j) == 26, "26 keys, got %zu", json_object_size(j));

	int rc = psys_header_from_json(j, &g, err, sizeof(err));
	CHECK(rc == 0, "header from JSON: %s", err);
	CHECK(g.has == h.has, "every field back: %#llx", (unsigned long long)g.has);
	CHECK_STR(g.format, "psys", "format");
	CHECK(g.version == 2 && g.ncpus == 8 && g.freq_hz == 999 && g.stack_max == 127,
	      "integers");
	CHECK_STR(g.host, "bad\xef\xbf\xbdhost", "host repaired to UTF-8");
	CHECK_STR(g.kernel_release, "6.18.0", "kernel.release");
	CHECK_STR(g.kernel_version, "#1 SMP", "kernel.version");
	CHECK_STR(g.kernel_machine, "x86_64", "kernel.machine");
	CHECK_STR(g.cpus, "1,3", "cpus");
	CHECK_STR(g.hot_cpus, "1,3", "hot_cpus");
	CHECK(g.duration_s == 2.5 && g.pre_s == 2.01 && g.pre_wanted_s == 3.5, "reals");
	CHECK(g.peak_window_s == 0.2 && g.peak_threshold == 50, "peak_rule");
	CHECK(g.start_wall_ns == h.start_wall_ns && g.start_mono_ns == h.start_mono_ns,
	      "start");
	CHECK(g.user_stacks == 1 && g.idle_stacks == 0, "booleans");
	CHECK(g.nref_symbols == 3 && psys_header_ref(&g, "_etext") == 0xffffffff82000000ull &&
	      psys_header_ref(&g, "missing") == 0, "ref_symbols");
	CHECK(g.trigger.t.nhot == 2 && g.trigger.t.hot[1].cpu == 3 &&
	      g.trigger.t.hot[0].sys_pct == 97.53 && g.trigger.t.gate == 10.0 &&
	      g.trigger.t.mono_ns == 523456789012 && strcmp(g.trigger.t.rule, "interval") == 0,
	      "trigger parsed");
	CHECK(g.trigger.received_mono_ns == 523456789999, "trigger received");

	/* And out again: the same JSON. */
	json_t *j2 = psys_header_to_json(&g);
	CHECK(j2 && json_equal(j, j2), "JSON -> struct -> JSON is the same");
	json_decref(j2);
	psys_header_release(&g);
	CHECK(g.has == 0 && g.ref_symbols == NULL, "release zeroes");

	/* Only the fields whose bits are set are written. */
	h.has = PSYS_BIT(PSYS_H_FORMAT) | PSYS_BIT(PSYS_H_START_WALL_NS);
	json_t *j3 = psys_header_to_json(&h);
	CHECK(j3 && json_object_size(j3) == 2 &&
	      json_object_size(json_object_get(j3, "start")) == 1, "only the fields set");
	json_decref(j3);
	json_decref(j);
	json_decref(line);
}

static void test_trailer_round_trip(void)
{
	/* One stretch over, one still open as the capture ended. */
	const struct psys_cpu_gap gaps[] = { { 1, 2010000000, 3020000000 }, { 3, 4000000000, 0 } };
	const struct psys_loss losses[] = { { 2500000000, 1637, 2400000000 } };
	struct psys_trigger_rec trig[2] = { 0 };
	struct psys_user_mapping maps[] = {
		{ 4242, 0x555500000000ull, 0x555500010000ull, "/usr/bin/x", "abcdef01",
		  "/usr/lib/debug/.build-id/ab/cdef01.debug" },
	};
	struct psys_trailer t = {
		.end_wall = "2026-11-26T10:15:08.000+01:00", .end_wall_ns = 1795684508000000000,
		.end_mono_ns = 526456789012, .samples = 12345, .lost = 7, .stack_errors = 2,
		.bpf_misses = 1, .stacks = 300, .symbols = 900, .hot_cpus = "0,1,3",
		.end_reason = "write error", .triggers = trig, .ntriggers = 2,
		.pre_ring_evicted_full = 5, .user_mappings = maps, .nuser_mappings = 1,
		.write_error = "No space left on device", .dropped = 17,
		.cpu_gaps = gaps, .ncpu_gaps = 2, .lost_at = losses, .nlost_at = 1,
	};
	struct psys_trailer g;
	char err[200];

	/* One trigger as received, one made here from its fields alone. */
	trig[0].line = parse(TRIGGER_LINE);
	trig[0].received_mono_ns = 523456790000;
	CHECK(trigger_parse(PEAK_LINE, strlen(PEAK_LINE), &trig[1].t, err, sizeof(err)) == 0,
	      "peak line: %s", err);
	trig[1].received_mono_ns = 524000000100;
	t.has = (1ull << PSYS_T_NFIELDS) - 1;

	json_t *j = psys_trailer_to_json(&t);
	CHECK(j != NULL, "trailer to JSON");
	if (!j)
		goto out;
	CHECK(json_object_size(j) == 16, "16 keys, got %zu", json_object_size(j));
	CHECK(json_array_size(json_object_get(j, "triggers")) == 2, "two triggers");
	int rc = psys_trailer_from_json(j, &g, err, sizeof(err));
	CHECK(rc == 0, "trailer from JSON: %s", err);
	CHECK(g.has == t.has, "every field back");
	CHECK(g.samples == 12345 && g.lost == 7 && g.stack_errors == 2 && g.bpf_misses == 1 &&
	      g.stacks == 300 && g.symbols == 900 && g.pre_ring_evicted_full == 5 &&
	      g.dropped == 17, "counts");
	CHECK(g.end_wall_ns == t.end_wall_ns && g.end_mono_ns == t.end_mono_ns, "end");
	CHECK_STR(g.end_reason, "write error", "end_reason");
	CHECK_STR(g.write_error, "No space left on device", "write_error");
	CHECK(g.ntriggers == 2 && g.triggers_unread == 0, "triggers back");
	if (g.ntriggers == 2) {
		CHECK(g.triggers[1].t.window == 0.2 && strcmp(g.triggers[1].t.rule, "peak") == 0 &&
		      g.triggers[1].t.hot[0].sys_pct == 62.5, "peak trigger");
		CHECK(g.triggers[0].received_mono_ns == 523456790000 &&
		      g.triggers[1].received_mono_ns == 524000000100, "received");
	}
	CHECK(g.nuser_mappings == 1 && g.user_mappings[0].pid == 4242 &&
	      g.user_mappings[0].end == 0x555500010000ull &&
	      strcmp(g.user_mappings[0].build_id, "abcdef01") == 0, "user_mappings");
	CHECK(g.ncpu_gaps == 2 && g.cpu_gaps[0].cpu == 1 &&
	      g.cpu_gaps[0].online_mono_ns == 3020000000 && g.cpu_gaps[1].cpu == 3 &&
	      g.cpu_gaps[1].offline_mono_ns == 4000000000 && g.cpu_gaps[1].online_mono_ns == 0,
	      "cpu_gaps back");
	CHECK(g.nlost_at == 1 && g.lost_at[0].mono_ns == 2500000000 && g.lost_at[0].lost == 1637 &&
	      g.lost_at[0].from_mono_ns == 2400000000,
	      "lost_at back");
	CHECK(!json_object_get(json_array_get(json_object_get(j, "cpu_gaps"), 1), "online_mono_ns"),
	      "an open stretch has no online time");
	json_t *j2 = psys_trailer_to_json(&g);
	CHECK(j2 && json_equal(j, j2), "JSON -> struct -> JSON is the same");
	json_decref(j2);
	psys_trailer_release(&g);
	json_decref(j);
out:
	json_decref(trig[0].line);
	trigger_free(&trig[1].t);
}

static void test_v1(void)
{
	json_t *h = parse(v1_header), *t = parse(v1_trailer);
	struct psys_header g;
	struct psys_trailer gt;
	char err[200];

	CHECK(psys_header_from_json(h, &g, err, sizeof(err)) == 0, "v1 header: %s", err);
	CHECK(g.version == 1 && g.freq_hz == 500 && g.start_mono_ns == 1525814085353,
	      "v1 values");
	CHECK_STR(g.mode, "now", "v1 mode");
	CHECK(psys_header_ref(&g, "_stext") == 0xffffffff81000000ull, "v1 _stext");
	/* Added since 0.1, or triggered mode only: absent, their bits clear. */
	int absent[] = { PSYS_H_USER_STACKS, PSYS_H_IDLE_STACKS, PSYS_H_HOT_CPUS,
			 PSYS_H_TRIGGER, PSYS_H_PEAK_WINDOW_S, PSYS_H_PRE_S,
			 PSYS_H_PRE_WANTED_S };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		CHECK(!PSYS_HAS(&g, absent[i]), "field %d absent", absent[i]);
	CHECK(PSYS_HAS(&g, PSYS_H_STACK_MAX) && PSYS_HAS(&g, PSYS_H_START_WALL),
	      "present ones set");
	CHECK(g.hot_cpus == NULL && g.user_stacks == 0 && g.trigger.t.nhot == 0, "zeroes");
	psys_header_release(&g);

	CHECK(psys_trailer_from_json(t, &gt, err, sizeof(err)) == 0, "v1 trailer: %s", err);
	CHECK(gt.samples == 150 && gt.stacks == 67 && gt.ntriggers == 0 &&
	      PSYS_HAS(&gt, PSYS_T_TRIGGERS) && !PSYS_HAS(&gt, PSYS_T_USER_MAPPINGS) &&
	      !PSYS_HAS(&gt, PSYS_T_WRITE_ERROR), "v1 trailer fields");
	psys_trailer_release(&gt);

	/* No header at all (a damaged file): empty, not an error. */
	CHECK(psys_header_from_json(NULL, &g, err, sizeof(err)) == 0 && g.has == 0, "none");
	/* A trailer entry that is not a trigger line is left out, counted. */
	json_t *odd = parse("{\"triggers\":[{\"type\":\"other\"}," TRIGGER_LINE "]}");
	CHECK(psys_trailer_from_json(odd, &gt, err, sizeof(err)) == 0 && gt.ntriggers == 1 &&
	      gt.triggers_unread == 1, "odd trigger left out");
	psys_trailer_release(&gt);
	json_decref(odd);
	json_decref(h);
	json_decref(t);
}

static const struct {
	int trailer;
	const char *json, *reason;
} bad_cases[] = {
	{ 0, "[1]", "not a JSON object" },
	{ 0, "{\"freq_hz\":\"500\"}", "field 'freq_hz': not an integer" },
	{ 0, "{\"freq_hz\":500.5}", "field 'freq_hz': not an integer" },
	{ 0, "{\"host\":7}", "field 'host': not a string" },
	{ 0, "{\"kernel\":\"6.18\"}", "field 'kernel': not an object" },
	{ 0, "{\"kernel\":{\"release\":null}}", "field 'kernel.release': not a string" },
	{ 0, "{\"start\":{\"mono_ns\":\"1\"}}", "field 'start.mono_ns': not an integer" },
	{ 0, "{\"duration_s\":\"3\"}", "field 'duration_s': not a number" },
	{ 0, "{\"user_stacks\":1}", "field 'user_stacks': not true or false" },
	{ 0, "{\"ref_symbols\":{}}", "field 'ref_symbols': not an array" },
	{ 0, "{\"ref_symbols\":[7]}", "field 'ref_symbols': entry 0 is not an object" },
	{ 0, "{\"ref_symbols\":[{\"name\":\"x\",\"addr\":\"zz\"}]}",
	  "field 'ref_symbols': 'addr' is not a hex address" },
	{ 0, "{\"ref_symbols\":[{\"addr\":\"0x10\"}]}",
	  "field 'ref_symbols': entry without a string 'name'" },
	{ 0, "{\"trigger\":{\"type\":\"psys-trigger\"}}", "field 'trigger': not a trigger line" },
	{ 0, "{\"trigger\":[]}", "field 'trigger': not an object" },
	{ 1, "{\"lost\":-1}", "field 'lost': not a count" },
	{ 1, "{\"samples\":true}", "field 'samples': not a count" },
	{ 1, "{\"end\":{\"wall_ns\":1.5}}", "field 'end.wall_ns': not an integer" },
	{ 1, "{\"triggers\":{}}", "field 'triggers': not an array" },
	{ 1, "{\"triggers\":[3]}", "field 'triggers': not an object" },
	{ 1, "{\"user_mappings\":[{\"pid\":1,\"start\":\"0x1\",\"end\":\"0x2\",\"file\":\"f\"}]}",
	  "field 'user_mappings': entry without a string 'build_id'" },
	{ 1, "{\"end_reason\":[]}", "field 'end_reason': not a string" },
};

static void test_wrong_types(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		json_t *j = parse(bad_cases[i].json);
		struct psys_header h;
		struct psys_trailer t;
		char err[200] = "";
		int rc;

		if (bad_cases[i].trailer) {
			rc = psys_trailer_from_json(j, &t, err, sizeof(err));
			psys_trailer_release(&t);
		} else {
			rc = psys_header_from_json(j, &h, err, sizeof(err));
			psys_header_release(&h);
		}
		CHECK(rc == -EINVAL, "%s: refused (rc %d)", bad_cases[i].json, rc);
		CHECK(strncmp(err, bad_cases[i].reason, strlen(bad_cases[i].reason)) == 0,
		      "%s: reason '%s', want '%s...'", bad_cases[i].json, err,
		      bad_cases[i].reason);
		json_decref(j);
	}
}

int main(void)
{
	test_header_round_trip();
	test_trailer_round_trip();
	test_v1();
	test_wrong_types();
	return test_done("test_header");
}
