/* Table-driven tests for ksyms_match_refs (same boot, KASLR shift up and
 * down, another build, missing symbols, too few references, module
 * symbols never used as references) and ksyms_past_etext. */
#include "symbols/ksyms.h"
#include "test.h"

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 T alpha\n"
	"ffffffff81002000 T beta\n"
	"ffffffff81003000 T gamma\n"
	"ffffffff81004000 T _etext\n"
	"ffffffff83000000 T _sinittext\n"
	"ffffffffc0001000 t beta_mod\t[m]\n"
	"ffffffffc0002000 t delta\t[m]\n";

#define R(n, a) { n, a }
static const struct {
	const char *what;
	struct ksyms_ref refs[4];
	size_t n;
	enum ksyms_match want;
	int64_t delta;
	size_t bad;
} cases[] = {
	{ "same", { R("_stext", 0xffffffff81000000), R("alpha", 0xffffffff81001000),
		    R("gamma", 0xffffffff81003000) }, 3, KSYMS_SAME, 0, 3 },
	{ "moved up", { R("_stext", 0xffffffff80000000), R("alpha", 0xffffffff80001000),
			R("gamma", 0xffffffff80003000) }, 3, KSYMS_SHIFTED, 0x1000000, 3 },
	{ "moved down", { R("_stext", 0xffffffff9f000000), R("beta", 0xffffffff9f002000) },
	  2, KSYMS_SHIFTED, -0x1e000000, 2 },
	{ "another build", { R("_stext", 0xffffffff80000000), R("alpha", 0xffffffff80001000),
			     R("gamma", 0xffffffff80003100) }, 3, KSYMS_DIFFERENT, 0, 2 },
	{ "missing", { R("_stext", 0xffffffff81000000), R("nosuch", 0xffffffff81001000) },
	  2, KSYMS_DIFFERENT, 0, 1 },
	/* A module symbol never stands for a core reference. */
	{ "module name", { R("_stext", 0xffffffff81000000), R("delta", 0xffffffffc0002000) },
	  2, KSYMS_DIFFERENT, 0, 1 },
	{ "one reference", { R("_stext", 0xffffffff80000000) }, 1, KSYMS_UNCHECKED, 0, 1 },
	{ "none", { R(NULL, 0) }, 0, KSYMS_UNCHECKED, 0, 0 },
	{ "one, wrong", { R("nosuch", 1) }, 1, KSYMS_DIFFERENT, 0, 0 },
};

static const struct {
	uint64_t etext;		/* 0: the table's own */
	uint64_t addr;
	int want;
} past[] = {
	{ 0, 0xffffffff81003fff, 0 },
	{ 0, 0xffffffff81004000, 1 },
	{ 0, 0xffffffff85000000, 1 },
	{ 0, 0xffffffffc0000fff, 1 },	/* below the first module */
	{ 0, 0xffffffffc0001000, 0 },	/* module space */
	{ 0, 0xffffffff80000000, 0 },
	{ 0xffffffff81002000, 0xffffffff81002800, 1 },	/* a header's _etext */
};

int main(void)
{
	struct ksyms *ks = ksyms_new();

	ksyms_parse(ks, kallsyms, sizeof(kallsyms) - 1);
	ksyms_finish(ks);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t delta = 12345;
		size_t bad = 99;
		enum ksyms_match m = ksyms_match_refs(ks, cases[i].refs, cases[i].n, &delta, &bad);

		CHECK(m == cases[i].want && delta == cases[i].delta && bad == cases[i].bad,
		      "%s: match %d delta %lld bad %zu, want %d %lld %zu", cases[i].what, m,
		      (long long)delta, bad, cases[i].want, (long long)cases[i].delta,
		      cases[i].bad);
	}
	CHECK(ksyms_etext(ks) == 0xffffffff81004000ull, "etext");
	for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++)
		CHECK(ksyms_past_etext(ks, past[i].etext, past[i].addr) == past[i].want,
		      "past_etext %#llx", (unsigned long long)past[i].addr);
	ksyms_free(ks);

	/* No _etext and no header value: nothing is "past". */
	ks = ksyms_new();
	ksyms_parse(ks, "ffffffff81000000 T a\n", 21);
	ksyms_finish(ks);
	CHECK(!ksyms_past_etext(ks, 0, 0xffffffff82000000ull), "no _etext known");
	ksyms_free(ks);
	return test_done("test_ksyms_match");
}
