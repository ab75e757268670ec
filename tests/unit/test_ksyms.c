/* Table-driven tests for lib/symbols/ksyms.c: kallsyms parsing (core and module
 * symbols, aliases, junk lines, long names) and address lookup (inside,
 * at the start, between, past the last symbol, past end of text). */
#include "symbols/ksyms.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 T srso_alias_untrain_ret\n"
	"ffffffff81001000 t local_fn\n"
	"ffffffff81002000 T do_syscall_64\n"
	"ffffffff81002000 W weak_alias\n"
	"ffffffff81003000 T __x64_sys_read\n"
	"ffffffff81004000 T _etext\n"
	"ffffffff82000000 D some_data\n"
	"ffffffff83000000 T _sinittext\n"
	"ffffffff83000100 T _einittext\n"
	"not a line at all\n"
	"zzzz T bad_hex\n"
	"ffffffff81005000 T\n"
	"ffffffffc0001000 t nft_do_chain\t[nf_tables]\n"
	"ffffffffc0001800 t nft_other\t[nf_tables]\n"
	"ffffffffc0002000 t bpf_prog_6deef7357e7b4530_sd_fw_ingress\t[bpf]\n"
	"ffffffffc0002100 t broken_module\t[nf_tables\n"
	"ffffffffc0003000 t ftrace_trampoline\t[__builtin__ftrace]"; /* no newline */

static const struct {
	uint64_t addr;
	const char *name;	/* NULL: no symbol */
	const char *module;
} lookups[] = {
	{ 0xffffffff80ffffffull, NULL, NULL },		/* before the first */
	{ 0xffffffff81000000ull, "srso_alias_untrain_ret", NULL },
	{ 0xffffffff81000fffull, "srso_alias_untrain_ret", NULL },
	{ 0xffffffff81001000ull, "local_fn", NULL },
	{ 0xffffffff81002010ull, "do_syscall_64", NULL },	/* T beats W */
	{ 0xffffffff81003fffull, "__x64_sys_read", NULL },
	{ 0xffffffff81004000ull, NULL, NULL },		/* _etext: past end of text */
	{ 0xffffffff81ffffffull, NULL, NULL },
	{ 0xffffffff82000010ull, NULL, NULL },		/* data */
	{ 0xffffffff83000010ull, "_sinittext", NULL },
	{ 0xffffffff83000200ull, NULL, NULL },		/* past _einittext */
	{ 0xffffffffc0001004ull, "nft_do_chain", "nf_tables" },
	{ 0xffffffffc0001900ull, "nft_other", "nf_tables" },
	{ 0xffffffffc0002050ull, "bpf_prog_6deef7357e7b4530_sd_fw_ingress", "bpf" },
	{ 0xffffffffc0003010ull, "ftrace_trampoline", "__builtin__ftrace" },
	{ 0xffffffffc0003000ull + KSYMS_MAX_IMPLICIT_SIZE, NULL, NULL }, /* past the last */
	{ 0xffffffffffffffffull, NULL, NULL },
};

static void check_lookups(const struct ksyms *ks, const char *what)
{
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct ksym *k = ksyms_lookup(ks, lookups[i].addr);
		const char *want = lookups[i].name;

		if (!want) {
			CHECK(k == NULL, "%s: %#llx should be unknown, got %s", what,
			      (unsigned long long)lookups[i].addr, k ? k->name : "");
			continue;
		}
		CHECK(k && strcmp(k->name, want) == 0, "%s: %#llx: got %s want %s", what,
		      (unsigned long long)lookups[i].addr, k ? k->name : "(none)", want);
		if (k && lookups[i].module)
			CHECK(k->module && strcmp(k->module, lookups[i].module) == 0,
			      "%s: module of %s", what, want);
		if (k && !lookups[i].module)
			CHECK(k->module == NULL, "%s: %s has no module", what, want);
	}
}

int main(void)
{
	struct ksyms *ks = ksyms_new();
	char path[] = "/tmp/psys-ksyms-XXXXXX";

	CHECK(ksyms_parse(ks, kallsyms, strlen(kallsyms)) == 0, "parse");
	CHECK(ksyms_finish(ks) == 0, "finish");
	CHECK(ksyms_bad_lines(ks) == 4, "bad lines: %zu", ksyms_bad_lines(ks));
	check_lookups(ks, "text");
	CHECK(ksyms_find(ks, "_stext") && ksyms_find(ks, "_stext")->addr == 0xffffffff81000000ull,
	      "find _stext");
	CHECK(ksyms_count_name(ks, "nft_other") == 1, "count name");
	ksyms_free(ks);

	/* A 4 KiB name survives intact. */
	size_t big = 4096;
	char *line = malloc(big + 64);
	int n = sprintf(line, "ffffffff81000000 T ");
	memset(line + n, 'x', big);
	line[n + big] = '\0';
	ks = ksyms_new();
	ksyms_parse(ks, line, strlen(line));
	ksyms_finish(ks);
	const struct ksym *k = ksyms_lookup(ks, 0xffffffff81000001ull);
	CHECK(k && strlen(k->name) == big, "long name");
	ksyms_free(ks);
	free(line);

	/* ksyms_load: plain and gzip copies give the same answers. */
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, kallsyms, strlen(kallsyms)) == (ssize_t)strlen(kallsyms),
	      "write copy");
	close(fd);
	ks = ksyms_load(path);
	CHECK(ks != NULL, "load plain");
	if (ks)
		check_lookups(ks, "plain file");
	ksyms_free(ks);
	gzFile gz = gzopen(path, "wb");
	gzwrite(gz, kallsyms, strlen(kallsyms));
	gzclose(gz);
	ks = ksyms_load(path);
	CHECK(ks != NULL, "load gzip");
	if (ks)
		check_lookups(ks, "gzip file");
	ksyms_free(ks);

	/* Hidden addresses (kptr_restrict) are refused, not used. */
	const char hidden[] = "0000000000000000 T _stext\n0000000000000000 T foo\n";
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, hidden, sizeof(hidden) - 1) > 0, "write hidden");
	close(fd);
	errno = 0;
	CHECK(ksyms_load(path) == NULL && errno == ENODATA, "hidden addresses");
	unlink(path);
	CHECK(ksyms_load("/nonexistent") == NULL && errno == ENOENT, "missing file");

	/* The live table: sorted, and _stext is where kallsyms says. */
	ks = ksyms_load("/proc/kallsyms");
	if (ks) {
		CHECK(ksyms_count(ks) > 1000, "live count");
		const struct ksym *s = ksyms_find(ks, "_stext");
		CHECK(s != NULL, "live _stext");
		const struct ksym *refs[8];
		size_t nref = ksyms_pick_refs(ks, refs, 8);
		CHECK(nref == 8 && refs[0] == s, "8 references, _stext first: %zu", nref);
		for (size_t i = 1; i < nref; i++)
			CHECK(refs[i]->addr > refs[i - 1]->addr && !refs[i]->module &&
				      ksyms_count_name(ks, refs[i]->name) == 1,
			      "reference %zu: %s", i, refs[i]->name);
		for (size_t i = 1; i < ksyms_count(ks); i++)
			if (ksyms_at(ks, i - 1)->addr > ksyms_at(ks, i)->addr) {
				CHECK(0, "live table not sorted at %zu", i);
				break;
			}
		ksyms_free(ks);
	} else {
		printf("live kallsyms not readable here (%s): skipped that part\n",
		       strerror(errno));
	}
	return test_done("test_ksyms");
}
