/* Table-driven tests for lib/base/cpulist.c. */
#include "base/cpulist.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>

static const struct {
	const char *in;
	int err;		/* expected return */
	const char *ranges;	/* expected cpulist_format output */
	const char *joined;	/* expected cpulist_join(":") output */
} cases[] = {
	{ "0", 0, "0", "0" },
	{ "0-3,7", 0, "0-3,7", "0:1:2:3:7" },
	{ "7,0-3", 0, "0-3,7", "0:1:2:3:7" },
	{ "1-2,2-3", 0, "1-3", "1:2:3" },
	{ "0,0,0", 0, "0", "0" },
	{ " 1 , 3 \n", 0, "1,3", "1:3" },
	{ "0-1\n", 0, "0-1", "0:1" },
	{ "65535", 0, "65535", "65535" },
	{ "", -EINVAL, NULL, NULL },
	{ ",", -EINVAL, NULL, NULL },
	{ "1,", -EINVAL, NULL, NULL },
	{ "3-1", -EINVAL, NULL, NULL },
	{ "-1", -EINVAL, NULL, NULL },
	{ "1-", -EINVAL, NULL, NULL },
	{ "a", -EINVAL, NULL, NULL },
	{ "1;2", -EINVAL, NULL, NULL },
	{ "0x1", -EINVAL, NULL, NULL },
	{ "65536", -ERANGE, NULL, NULL },
	{ "99999999999999999999", -ERANGE, NULL, NULL },
};

int main(void)
{
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpulist l = { 0 };
		int err = cpulist_parse(cases[i].in, &l);

		CHECK(err == cases[i].err, "'%s': got %d want %d", cases[i].in,
		      err, cases[i].err);
		if (err || cases[i].err)
			continue;
		cpulist_format(&l, buf, sizeof(buf));
		CHECK_STR(buf, cases[i].ranges, cases[i].in);
		cpulist_join(&l, ":", buf, sizeof(buf));
		CHECK_STR(buf, cases[i].joined, cases[i].in);
		cpulist_free(&l);
	}

	/* Truncating output still reports the full length. */
	struct cpulist l = { 0 };
	CHECK(cpulist_parse("10-12", &l) == 0, "parse");
	CHECK(cpulist_join(&l, ":", buf, 4) == 8, "join length");
	CHECK_STR(buf, "10:", "truncated join");
	CHECK(cpulist_has(&l, 11) && !cpulist_has(&l, 9) && !cpulist_has(&l, 13),
	      "has");
	CHECK(cpulist_add(&l, 5) == 0 && cpulist_add(&l, 20) == 0 &&
		      cpulist_add(&l, 11) == 0, "add");
	cpulist_format(&l, buf, sizeof(buf));
	CHECK_STR(buf, "5,10-12,20", "after add");
	CHECK(cpulist_add(&l, -1) == -ERANGE, "add negative");
	cpulist_free(&l);
	cpulist_free(NULL);

	CHECK(cpulist_online(NULL, &l) == 0 && l.n >= 1 && l.cpus[0] == 0,
	      "online cpus");
	cpulist_free(&l);
	return test_done("test_cpulist");
}
