/* Names at one address, chosen the same way from every symbol source: a
 * kallsyms fixture whose aliases are listed in an unhelpful order is read
 * as kallsyms text (as given and reversed), as a vmlinux-like ELF written
 * here (sizes 0 and real sizes), and as the symbols a capture embeds
 * (written with psysfile and read back). Each must name each address as
 * the table below says (ksyms.h, ksyms_prefer). */
#include "symbols/elfsyms.h"
#include "symbols/ksyms.h"
#include "psysfile/psysfile.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <unistd.h>

static const char fixture[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 T __pi__text\n"
	"ffffffff81000000 T srso_alias_untrain_ret\n"
	"ffffffff81001000 t __do_sys_getpid\n"
	"ffffffff81001000 T __ia32_sys_getpid\n"
	"ffffffff81001000 T __x64_sys_getpid\n"
	"ffffffff81002000 T __se_sys_openat\n"
	"ffffffff81002000 t __do_sys_openat\n"
	"ffffffff81002000 T __arm64_sys_openat\n"
	"ffffffff81003000 T __pi_memcpy\n"
	"ffffffff81003000 T __memcpy\n"
	"ffffffff81003000 T memcpy\n"
	"ffffffff81004000 t __GI___fstatat\n"
	"ffffffff81004000 W fstatat64\n"
	"ffffffff81004000 t __GI___fstatat64\n"
	"ffffffff81004000 t __fstatat64\n"
	"ffffffff81005000 W weak_fn\n"
	"ffffffff81005000 t local_fn\n"
	"ffffffff81006000 T zeta\n"
	"ffffffff81006000 T alpha\n"
	"ffffffff81007000 T _etext\n"
	"ffffffff81008000 D some_data\n";

static const struct {
	uint64_t addr;
	const char *want;
	const char *why;
} cases[] = {
	{ 0xffffffff81000010ull, "srso_alias_untrain_ret", "fewest underscores" },
	{ 0xffffffff81001010ull, "__x64_sys_getpid", "native syscall entry (x86-64)" },
	{ 0xffffffff81002010ull, "__arm64_sys_openat", "native syscall entry (arm64)" },
	{ 0xffffffff81003010ull, "memcpy", "fewest underscores" },
	{ 0xffffffff81004010ull, "__GI___fstatat64", "non-weak, then the longer name" },
	{ 0xffffffff81005010ull, "local_fn", "non-weak before weak" },
	{ 0xffffffff81006010ull, "alpha", "byte order last" },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void check_table(const struct ksyms *ks, const char *source)
{
	for (size_t i = 0; i < NCASES; i++) {
		const struct ksym *k = ksyms_lookup(ks, cases[i].addr);
		CHECK(k && strcmp(k->name, cases[i].want) == 0, "%s: %#llx: got %s, want %s (%s)",
		      source, (unsigned long long)cases[i].addr, k ? k->name : "(none)",
		      cases[i].want, cases[i].why);
	}
}

/* The fixture's lines in reverse order. */
static char *reversed(void)
{
	size_t n = strlen(fixture);
	char *out = malloc(n + 1), *o = out;
	const char *end = fixture + n;

	while (end > fixture) {
		const char *start = end - 1;
		while (start > fixture && start[-1] != '\n')
			start--;
		memcpy(o, start, end - start);
		o += end - start;
		end = start;
	}
	*o = '\0';
	return out;
}

/* The fixture as an ELF64 vmlinux: one .text section over the code, code
 * symbols as functions (SIZE bytes, or 0) except the _stext/_text/_etext
 * markers, weak and local bindings from the letters. */
static int write_elf(const char *path, uint64_t size)
{
	static const char shstr[] = "\0.text\0.data\0.symtab\0.strtab\0.shstrtab";
	static const size_t shname[] = { 0, 1, 7, 13, 21, 29 };
	char strtab[4096];
	size_t stlen = 1, nsym = 1, nlocal;
	Elf64_Sym st[64], loc[64], glob[64];
	size_t nloc = 0, nglob = 0;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	Elf *e;

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE ||
	    !(e = elf_begin(fd, ELF_C_WRITE, NULL)))
		return -1;
	Elf64_Ehdr *eh = elf64_newehdr(e);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	strtab[0] = '\0';
	for (const char *p = fixture; *p;) {
		const char *nl = strchr(p, '\n');
		unsigned long long addr;
		char type, name[128];
		if (sscanf(p, "%llx %c %127s", &addr, &type, name) == 3) {
			Elf64_Sym s = { 0 };
			int code = type == 'T' || type == 't' || type == 'W';
			int marker = !strcmp(name, "_stext") || !strcmp(name, "_text") ||
				     !strcmp(name, "_etext");
			s.st_name = (Elf64_Word)stlen;
			memcpy(strtab + stlen, name, strlen(name) + 1);
			stlen += strlen(name) + 1;
			s.st_value = addr;
			s.st_size = code && !marker ? size : 0;
			s.st_info = ELF64_ST_INFO(type == 'W' ? STB_WEAK : type == 't' ? STB_LOCAL :
						  STB_GLOBAL, !code ? STT_OBJECT :
						  marker ? STT_NOTYPE : STT_FUNC);
			s.st_shndx = code ? 1 : 2;
			if (type == 't')
				loc[nloc++] = s;
			else
				glob[nglob++] = s;
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	memset(st, 0, sizeof(st));
	memcpy(st + nsym, loc, nloc * sizeof(*loc));
	nsym += nloc;
	nlocal = nsym;
	memcpy(st + nsym, glob, nglob * sizeof(*glob));
	nsym += nglob;
	for (int sec = 1; sec <= 5; sec++) {
		Elf_Scn *scn = elf_newscn(e);
		Elf64_Shdr *sh = elf64_getshdr(scn);
		Elf_Data *d = elf_newdata(scn);

		sh->sh_name = (Elf64_Word)shname[sec];
		d->d_align = 1;
		d->d_version = EV_CURRENT;
		if (sec <= 2) {
			sh->sh_type = SHT_NOBITS;
			sh->sh_flags = SHF_ALLOC | (sec == 1 ? SHF_EXECINSTR : SHF_WRITE);
			sh->sh_addr = sec == 1 ? 0xffffffff81000000ull : 0xffffffff81008000ull;
			d->d_type = ELF_T_BYTE;
			d->d_size = 0x8000;
		} else if (sec == 3) {
			sh->sh_type = SHT_SYMTAB;
			sh->sh_link = 4;
			sh->sh_info = (Elf64_Word)nlocal;
			sh->sh_entsize = sizeof(Elf64_Sym);
			d->d_buf = st;
			d->d_type = ELF_T_SYM;
			d->d_size = nsym * sizeof(Elf64_Sym);
			d->d_align = 8;
		} else {
			sh->sh_type = SHT_STRTAB;
			d->d_buf = sec == 4 ? strtab : (void *)shstr;
			d->d_size = sec == 4 ? stlen : sizeof(shstr);
		}
	}
	eh->e_shstrndx = 5;
	int rc = elf_update(e, ELF_C_WRITE) < 0 ? -1 : 0;
	elf_end(e);
	close(fd);
	return rc;
}

int main(void)
{
	char path[] = "/tmp/psys-alias-XXXXXX";
	int fd = mkstemp(path);
	struct ksyms *ks = ksyms_new(), *rev = ksyms_new();
	char *back = reversed();

	CHECK(fd >= 0, "mkstemp");
	close(fd);
	/* kallsyms text (--kallsyms), both orders. */
	CHECK(ksyms_parse(ks, fixture, strlen(fixture)) == 0 && ksyms_finish(ks) == 0, "parse");
	check_table(ks, "kallsyms");
	CHECK(ksyms_parse(rev, back, strlen(back)) == 0 && ksyms_finish(rev) == 0, "parse");
	check_table(rev, "kallsyms reversed");
	ksyms_free(rev);
	free(back);

	/* An ELF (--vmlinux), without and with sizes. */
	for (uint64_t size = 0; size <= 0x100; size += 0x100) {
		char what[64];
		snprintf(what, sizeof(what), "vmlinux, size %#llx", (unsigned long long)size);
		CHECK(write_elf(path, size) == 0, "write ELF: %s", elf_errmsg(-1));
		struct ksyms *es = elfsyms_load(path);
		CHECK(es != NULL, "%s: %s", what, strerror(errno));
		if (es)
			check_table(es, what);
		ksyms_free(es);
	}

	/* Embedded: a capture written with the kallsyms table, one sample
	 * per address, read back with only the symbols it carries. */
	unlink(path);
	struct psysfile_writer *w;
	json_t *hdr = json_pack("{s:s}", "format", "psys"), *trl = json_object();
	CHECK(psysfile_create(AT_FDCWD, path, hdr, ks, &w) == 0, "create");
	for (size_t i = 0; i < NCASES; i++) {
		uint64_t frame = cases[i].addr;
		struct psysfile_sample s = { .time_ns = 1000 + i, .cpu = 0, .pid = 7, .tid = 7,
					     .comm = "t", .nframes = 1, .frames = &frame };
		CHECK(psysfile_add(w, &s) == 0, "add");
	}
	CHECK(psysfile_finish(w, trl) == 0, "finish");
	psysfile_writer_free(w);
	json_decref(hdr);
	json_decref(trl);
	struct psysfile_reader *r;
	struct psysfile_sample s;
	CHECK(psysfile_open(path, &r) == 0, "open");
	while (psysfile_next(r, &s) == 1)
		;
	check_table(psysfile_ksyms(r), "embedded");
	psysfile_reader_free(r);
	unlink(path);
	ksyms_free(ks);
	return test_done("test_ksyms_alias");
}
