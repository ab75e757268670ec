/* Table-driven tests for lib/symbols/usyms.c on this very process: its own
 * functions (local and global), a PLT entry, libc's functions (by the
 * alias rules, from libc's debug file when one is installed), the vDSO, an
 * unmapped address; callers looked up a byte back; the mappings listed
 * with their build-ids, per period. */
#include "symbols/elfsyms.h"
#include "symbols/usyms.h"
#include "test.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((noinline)) static int local_function_for_usyms(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) int global_function_for_usyms(int x)
{
	return local_function_for_usyms(x) + 2;
}

/* The address of the PLT entry NAME@plt in this program, from its file. */
static uint64_t plt_addr(const char *name, uint64_t self_bias)
{
	struct ksyms *ks = elfsyms_load("/proc/self/exe");
	const struct ksym *k = ks ? ksyms_find(ks, name) : NULL;
	uint64_t a = k ? k->addr + self_bias : 0;

	ksyms_free(ks);
	return a;
}

int main(void)
{
	struct usyms *u = usyms_new();
	uint32_t pid = (uint32_t)getpid();
	char buf[64];

	CHECK(u != NULL, "new");
	if (!u)
		return test_done("test_usyms");
	CHECK(global_function_for_usyms(1) == 6, "the functions run");
	uint64_t g = (uint64_t)(uintptr_t)&global_function_for_usyms;
	uint64_t l = (uint64_t)(uintptr_t)&local_function_for_usyms;
	/* This program's load bias: its global function's address here less
	 * its address in the file. */
	struct ksyms *self = elfsyms_load("/proc/self/exe");
	const struct ksym *gk = self ? ksyms_find(self, "global_function_for_usyms") : NULL;
	uint64_t bias = gk ? g - gk->addr : 0;
	CHECK(gk != NULL, "own symbol table");
	ksyms_free(self);
	uint64_t plt = plt_addr("unlink@plt", bias);
	CHECK(plt != 0, "no unlink@plt in this program");
	/* unlink is called through the PLT above: keep the call. */
	CHECK(unlink("/nonexistent/psys-usyms") < 0, "unlink");

	void *libc_getpid = dlsym(RTLD_DEFAULT, "getpid");
	void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t vdso = getauxval(AT_SYSINFO_EHDR);
	static const char *const getpid_names[] = { "getpid", "__getpid", "__GI___getpid", NULL };

	const struct {
		uint64_t addr;
		int caller;
		const char *want;	/* NULL: any of ALT */
		const char *const *alt;
	} cases[] = {
		{ g, 0, "global_function_for_usyms", NULL },
		{ g + 1, 1, "global_function_for_usyms", NULL },	/* g is looked up */
		{ l + 2, 0, "local_function_for_usyms", NULL },
		{ plt + 4, 0, "unlink@plt", NULL },
		{ (uint64_t)(uintptr_t)libc_getpid, 0, NULL, getpid_names },
		{ (uint64_t)(uintptr_t)page + 8, 0, "[unknown]", NULL },
		{ 8, 0, "[unknown]", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = usyms_name(u, pid, cases[i].addr, cases[i].caller);
		int ok = got && cases[i].want && strcmp(got, cases[i].want) == 0;
		for (const char *const *a = cases[i].alt; a && *a && got && !ok; a++)
			ok = strcmp(got, *a) == 0;
		CHECK(ok, "case %zu: %#llx: got %s, want %s", i, (unsigned long long)cases[i].addr,
		      got ? got : "(null)", cases[i].want ? cases[i].want : cases[i].alt[0]);
		/* Asked again: the same string, from the cache. */
		CHECK(usyms_name(u, pid, cases[i].addr, cases[i].caller) == got, "case %zu cached", i);
	}
	/* The vDSO: one of its functions, or the file's label. */
	if (vdso) {
		const char *got = usyms_name(u, pid, vdso + 0x100, 0);
		CHECK(got && (strstr(got, "vdso") || strcmp(got, "[unknown]") != 0),
		      "vdso: %s", got ? got : "(null)");
	}

	/* The mappings used so far: this program (with its build-id) and
	 * libc, once each. */
	size_t it = 0, self_n = 0, libc_n = 0;
	const struct usyms_mapping *m;
	while ((m = usyms_mapping_next(u, &it))) {
		CHECK(m->pid == pid, "pid %u", m->pid);
		if (strstr(m->file, "test_usyms")) {
			self_n++;
			CHECK(strlen(m->build_id) >= 16, "build-id '%s'", m->build_id);
			CHECK(strcmp(m->symbols, ".symtab") == 0, "symbols '%s'", m->symbols);
			CHECK(m->start <= g && g < m->end, "range");
		}
		if (strstr(m->file, "libc.so"))
			libc_n++;
	}
	CHECK(self_n == 1 && libc_n == 1, "mappings: self %zu, libc %zu", self_n, libc_n);
	/* A new period lists only what names in it, cached or not. */
	usyms_mappings_begin(u);
	it = 0;
	CHECK(usyms_mapping_next(u, &it) == NULL, "empty period");
	CHECK(usyms_name(u, pid, g, 0) != NULL, "name");
	it = 0;
	m = usyms_mapping_next(u, &it);
	CHECK(m && strstr(m->file, "test_usyms") && !usyms_mapping_next(u, &it),
	      "period lists this program only");

	/* exec (simulated): names are read again, and still right. */
	usyms_forget(u, pid);
	const char *again = usyms_name(u, pid, g, 0);
	CHECK(again && strcmp(again, "global_function_for_usyms") == 0, "after forget: %s",
	      again ? again : "(null)");
	/* A process that does not exist. */
	CHECK(strcmp(usyms_name(u, 0x7ffffff0, g, 0), "[unknown]") == 0, "no such pid");
	/* Debug directories: a bad one changes nothing for files with
	 * their own symbols. */
	struct usyms *u2 = usyms_new();
	CHECK(u2 && usyms_set_debug_dirs(u2, "/nonexistent:/also/not") == 0, "debug dirs");
	snprintf(buf, sizeof(buf), "%s", u2 ? usyms_name(u2, pid, g, 0) : "");
	CHECK(strcmp(buf, "global_function_for_usyms") == 0, "with other debug dirs: %s", buf);
	usyms_free(u2);
	munmap(page, 4096);
	usyms_free(u);
	usyms_free(NULL);
	return test_done("test_usyms");
}
