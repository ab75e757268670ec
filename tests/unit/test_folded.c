/* Table-driven tests for lib/folded/folded.c: single lines, then whole inputs
 * (metadata, mode, invalid lines, NULs, CRLF, lines longer than the read
 * buffer through a pipe). */
#include "folded/folded.h"
#include "test.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static const struct {
	const char *in;
	int ret;		/* folded_parse_line's return */
	const char *stack;	/* expected stack (ret > 0) */
	double count, count2;
	size_t one_len;		/* ret == 2: stack length read as one count */
} lines[] = {
	{ "a;b;c 12", 1, "a;b;c", 12, 12, 5 },
	{ "a 1", 1, "a", 1, 1, 1 },
	{ "a;b 0", 1, "a;b", 0, 0, 3 },
	{ "a;b 1.5", 1, "a;b", 1.5, 1.5, 3 },
	{ "a;b 7.", 1, "a;b", 7, 7, 3 },
	{ "a;b\t3", 1, "a;b", 3, 3, 3 },
	/* One blank before the count; the others are the frame's
	 * (flamegraph.pl's reading). */
	{ "a;b   3  ", 1, "a;b  ", 3, 3, 5 },
	{ "a;  3", 1, "a; ", 3, 3, 3 },
	{ "a;b 3\r", 1, "a;b", 3, 3, 3 },
	{ "nf_hook_slow [nf_tables] 4", 1, "nf_hook_slow [nf_tables]", 4, 4,
	  24 },
	{ "java;Lfoo/Bar;::baz 99999999999999", 1, "java;Lfoo/Bar;::baz",
	  99999999999999.0, 99999999999999.0, 19 },
	{ "a 12345678901234567890", 1, "a", 12345678901234567890.0,
	  12345678901234567890.0, 1 },
	{ "a;b 3 5", 2, "a;b", 3, 5, 5 },
	{ "a;b 0 5", 2, "a;b", 0, 5, 5 },
	{ "a;b 1.5 2.25", 2, "a;b", 1.5, 2.25, 7 },
	{ "a b 3", 1, "a b", 3, 3, 3 },
	{ "5 10", 1, "5", 10, 10, 1 },	/* no stack left for a pair */
	{ "", 0, NULL, 0, 0, 0 },
	{ "   \r", 0, NULL, 0, 0, 0 },
	{ "a;b", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b ", -EINVAL, NULL, 0, 0, 0 },
	{ "12", -EINVAL, NULL, 0, 0, 0 },
	{ " 12", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b -3", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b +3", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b 1e5", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b 0x10", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b inf", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b nan", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b .5", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b 1.2.3", -EINVAL, NULL, 0, 0, 0 },
	{ "a;b3", -EINVAL, NULL, 0, 0, 0 },
	{ "# title: x", -EINVAL, NULL, 0, 0, 0 },
};

struct seen {
	int n;
	char stack[8][64];
	size_t len[8];
	double count[8], count2[8];
};

static int collect(void *ctx, const struct folded_line *l)
{
	struct seen *s = ctx;

	if (s->n < 8 && l->len < 64) {
		memcpy(s->stack[s->n], l->stack, l->len);
		s->stack[s->n][l->len] = '\0';
		s->len[s->n] = l->len;
		s->count[s->n] = l->count;
		s->count2[s->n] = l->count2;
	}
	s->n++;
	return 0;
}

static void test_lines(void)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct folded_line l = { 0 };
		size_t one = 0;
		int r = folded_parse_line(lines[i].in, strlen(lines[i].in), &l,
					  &one);
		char got[128] = "";

		CHECK(r == lines[i].ret, "'%s': got %d want %d", lines[i].in, r,
		      lines[i].ret);
		if (r <= 0 || r != lines[i].ret)
			continue;
		memcpy(got, l.stack, l.len < 127 ? l.len : 127);
		CHECK_STR(got, lines[i].stack, lines[i].in);
		CHECK(l.count == lines[i].count && l.count2 == lines[i].count2,
		      "'%s': counts %g %g", lines[i].in, l.count, l.count2);
		CHECK(one == lines[i].one_len, "'%s': one_len %zu want %zu",
		      lines[i].in, one, lines[i].one_len);
	}
}

static void test_metadata(void)
{
	static const char in[] =
		"# psys-fold 0.1.0\n"
		"# title: sysHigh for cpu 1:3\n"
		"# host:   web-17  \r\n"
		"# window: 2026-11-26 10:15:04.123 .. 10:15:07.125 (3.002 s)\n"
		"# empty:\n"
		"#nospace: x\n"
		"\n"
		"a;b 3\n"
		"# lost: 7\n"
		"c 1";
	struct folded f;
	struct seen s = { 0 };
	size_t n;
	const char *v;

	folded_init(&f);
	CHECK(folded_read_mem(&f, in, sizeof(in) - 1, collect, &s) == 0,
	      "read");
	CHECK(f.nmeta == 5, "nmeta %zu", f.nmeta);
	CHECK(folded_from_psys(&f), "from psys");
	v = folded_meta_get(&f, "title", &n);
	CHECK(v && n == 19 && strcmp(v, "sysHigh for cpu 1:3") == 0, "title");
	v = folded_meta_get(&f, "host", NULL);
	CHECK(v && strcmp(v, "web-17") == 0, "host trimmed: '%s'", v ? v : "");
	v = folded_meta_get(&f, "window", NULL);
	CHECK(v && strcmp(v, "2026-11-26 10:15:04.123 .. 10:15:07.125 "
			     "(3.002 s)") == 0, "window value keeps colons");
	v = folded_meta_get(&f, "empty", &n);
	CHECK(v && n == 0, "empty value");
	/* "#nospace" is not metadata, and "# lost" comes after a stack. */
	CHECK(folded_meta_get(&f, "lost", NULL) == NULL, "late metadata");
	CHECK(f.invalid == 2 && f.first_invalid == 6, "invalid %llu first %llu",
	      f.invalid, f.first_invalid);
	CHECK(s.n == 2 && f.stacks == 2 && f.lines == 10, "stacks %d lines %llu",
	      s.n, f.lines);
	CHECK(f.mode == FOLDED_SINGLE, "mode");
	folded_free(&f);

	folded_init(&f);
	CHECK(folded_read_mem(&f, "# samples: 5\na 1\n", 17, collect, &s) == 0,
	      "read");
	CHECK(!folded_from_psys(&f), "not psys without its first line");
	folded_free(&f);
	folded_free(NULL);
}

static void test_modes(void)
{
	/* A pair first: the input is differential, a single count
	 * unchanged (flamegraph.pl draws it), other lines invalid. */
	static const char diff[] = "a;b 1 2\na 3\nc 4 0\nbad\n";
	/* One count first: "x 5" is a frame name in "x 5 6". */
	static const char single[] = "a 3\nx 5 6\n";
	struct folded f;
	struct seen s = { 0 };

	folded_init(&f);
	folded_read_mem(&f, diff, sizeof(diff) - 1, collect, &s);
	CHECK(f.mode == FOLDED_DIFF && s.n == 3 && f.invalid == 1, "diff mode");
	CHECK(s.count[0] == 1 && s.count2[0] == 2, "diff counts");
	CHECK(s.count[1] == 3 && s.count2[1] == 3, "diff: one count");
	CHECK(s.count[2] == 4 && s.count2[2] == 0, "diff counts 2");
	folded_free(&f);

	memset(&s, 0, sizeof(s));
	folded_init(&f);
	folded_read_mem(&f, single, sizeof(single) - 1, collect, &s);
	CHECK(f.mode == FOLDED_SINGLE && s.n == 2 && f.invalid == 0, "single");
	CHECK(strcmp(s.stack[1], "x 5") == 0 && s.count[1] == 6,
	      "reread as one count: '%s' %g", s.stack[1], s.count[1]);
	folded_free(&f);
}

static void test_nul_and_crlf(void)
{
	static const char in[] = "a\0b;c 2\r\nd 1\r\n";
	struct folded f;
	struct seen s = { 0 };

	folded_init(&f);
	folded_read_mem(&f, in, sizeof(in) - 1, collect, &s);
	CHECK(s.n == 2 && s.len[0] == 5 && memcmp(s.stack[0], "a\0b;c", 5) == 0,
	      "NUL kept inside a name");
	CHECK(s.count[0] == 2 && s.count[1] == 1, "CRLF counts");
	folded_free(&f);
}

/* A line far longer than the read buffer, through a real pipe. */
struct writer {
	int fd;
	size_t len;
};

static void *write_long(void *arg)
{
	struct writer *w = arg;
	char *line = malloc(w->len + 16);
	size_t off = 0;

	memset(line, 'x', w->len);
	for (size_t i = 1000; i < w->len; i += 1000)
		line[i] = ';';
	memcpy(line + w->len, " 7\nb 1\n", 7);
	while (off < w->len + 7) {
		ssize_t k = write(w->fd, line + off, w->len + 7 - off);

		if (k <= 0)
			break;
		off += k;
	}
	close(w->fd);
	free(line);
	return NULL;
}

struct longest {
	size_t len;
	double count;
	int n;
};

static int measure(void *ctx, const struct folded_line *l)
{
	struct longest *m = ctx;

	if (l->len > m->len) {
		m->len = l->len;
		m->count = l->count;
	}
	m->n++;
	return 0;
}

static int stop_at_second(void *ctx, const struct folded_line *l)
{
	int *n = ctx;

	return ++*n == 2 ? -ECANCELED : 0;
}

static void test_long_line(void)
{
	struct writer w = { -1, 5 * 1024 * 1024 };
	struct longest m = { 0 };
	struct folded f;
	pthread_t t;
	int p[2], n = 0;

	CHECK(pipe(p) == 0, "pipe");
	w.fd = p[1];
	pthread_create(&t, NULL, write_long, &w);
	folded_init(&f);
	CHECK(folded_read_fd(&f, p[0], measure, &m) == 0, "read long");
	pthread_join(t, NULL);
	close(p[0]);
	CHECK(m.n == 2 && m.len == w.len && m.count == 7,
	      "long line: n %d len %zu count %g", m.n, m.len, m.count);
	folded_free(&f);

	/* The callback's error stops the reader and comes back. */
	folded_init(&f);
	CHECK(folded_read_mem(&f, "a 1\nb 1\nc 1\n", 12, stop_at_second, &n) ==
		      -ECANCELED && n == 2, "callback error");
	folded_free(&f);

	/* A read error is reported. */
	folded_init(&f);
	CHECK(folded_read_fd(&f, -1, measure, &m) == -EBADF, "bad fd");
	folded_free(&f);
}

/* Metadata values written as JSON strings come back decoded; plain values
 * (other producers) and malformed strings come back as written; and no
 * written line could be read as a stack by a tool that ignores metadata. */
static int count_lines(void *ctx, const struct folded_line *l)
{
	(void)l;
	(*(int *)ctx)++;
	return 0;
}

static void test_quoted_metadata(void)
{
	static const struct {
		const char *line, *key, *want;
	} cases[] = {
		{ "# title: \"sysHigh for cpu 1\"", "title", "sysHigh for cpu 1" },
		{ "# host: plain value 7", "host", "plain value 7" },
		{ "# a: \"q\\\"b\\\\c\\/d\"", "a", "q\"b\\c/d" },
		{ "# u: \"\\u00e9\\u20ac\\ud83d\\ude00\"", "u", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "# lone: \"x\\ud800y\"", "lone", "x\xef\xbf\xbdy" },
		{ "# bad: \"x\\qy\"", "bad", "\"x\\qy\"" },
		{ "# cut: \"x\\u12\"", "cut", "\"x\\u12\"" },
		{ "# inner: \"a\"b\"", "inner", "\"a\"b\"" },
		{ "# one: \"", "one", "\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct folded f;
		char buf[256];
		int n = 0;

		snprintf(buf, sizeof(buf), "%s\nx;y 1\n", cases[i].line);
		folded_init(&f);
		CHECK(folded_read_mem(&f, buf, strlen(buf), count_lines, &n) == 0 && n == 1,
		      "read %s", cases[i].line);
		const char *v = folded_meta_get(&f, cases[i].key, NULL);
		CHECK(v && strcmp(v, cases[i].want) == 0, "%s: got '%s'", cases[i].line, v ? v : "(null)");
		folded_free(&f);
	}

	/* Round trip of a hostile value through the writer. */
	const char hostile[] = "a\"b\\c\n# title: x 5\t\x01\x7f\xc3\xa9 9";
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	folded_meta_write(m, "title", hostile);
	fputs("x;y 3\n", m);
	fclose(m);
	CHECK(strchr(text, '\n') == text + strlen(text) - strlen("x;y 3\n") - 1,
	      "one line: %s", text);
	CHECK(text[strlen(text) - strlen("x;y 3\n") - 2] == '"', "metadata line ends in a quote");
	struct folded f;
	int n = 0;
	folded_init(&f);
	CHECK(folded_read_mem(&f, text, len, count_lines, &n) == 0 && n == 1, "round trip read");
	const char *v = folded_meta_get(&f, "title", NULL);
	CHECK(v && strcmp(v, hostile) == 0, "round trip: '%s'", v ? v : "(null)");
	folded_free(&f);
	free(text);
}

int main(void)
{
	test_quoted_metadata();
	test_lines();
	test_metadata();
	test_modes();
	test_nul_and_crlf();
	test_long_line();
	return test_done("test_folded");
}
