/* Table-driven tests for lib/symbols/elfsyms.c: an ELF file written here with
 * libelf (symbols of every kind: functions with sizes, an untyped code
 * label, a local, a weak, data, undefined, file and section symbols) is
 * read back, and addresses are looked up; bad inputs fail with the
 * documented errno. */
#include "symbols/elfsyms.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <unistd.h>

#define TEXT 0xffffffff81000000ull
#define DATA 0xffffffff82000000ull

enum { SEC_TEXT = 1, SEC_DATA = 2, SEC_SYMTAB = 3, SEC_STRTAB = 4, SEC_SHSTRTAB = 5 };

static const struct {
	const char *name;
	uint64_t value, size;
	int type, bind, shndx;
	char want;		/* kallsyms letter read back; 0: left out */
} syms[] = {
	{ "vmlinux.c", 0, 0, STT_FILE, STB_LOCAL, SHN_ABS, 0 },
	{ "", TEXT, 0, STT_SECTION, STB_LOCAL, SEC_TEXT, 0 },
	{ "local_fn", TEXT + 0x2000, 0x80, STT_FUNC, STB_LOCAL, SEC_TEXT, 't' },
	{ "local_var", DATA + 0x10, 4, STT_OBJECT, STB_LOCAL, SEC_DATA, 'd' },
	/* globals from here (sh_info) */
	{ "_stext", TEXT, 0, STT_NOTYPE, STB_GLOBAL, SEC_TEXT, 'T' },
	{ "do_one", TEXT + 0x1000, 0x100, STT_FUNC, STB_GLOBAL, SEC_TEXT, 'T' },
	{ "weak_fn", TEXT + 0x3000, 0x10, STT_FUNC, STB_WEAK, SEC_TEXT, 'W' },
	{ "asm_entry", TEXT + 0x4000, 0, STT_NOTYPE, STB_GLOBAL, SEC_TEXT, 'T' },
	{ "_etext", TEXT + 0x5000, 0, STT_NOTYPE, STB_GLOBAL, SEC_TEXT, 'T' },
	{ "some_var", DATA, 8, STT_OBJECT, STB_GLOBAL, SEC_DATA, 'D' },
	{ "printk_undef", 0, 0, STT_FUNC, STB_GLOBAL, SHN_UNDEF, 0 },
};
#define NSYMS (sizeof(syms) / sizeof(syms[0]))
#define FIRST_GLOBAL 4

static const struct {
	uint64_t addr;
	const char *name;	/* NULL: no symbol */
} lookups[] = {
	{ TEXT - 1, NULL },
	{ TEXT, "_stext" },
	{ TEXT + 0x1000, "do_one" },
	{ TEXT + 0x10ff, "do_one" },
	{ TEXT + 0x1100, NULL },		/* past do_one's ELF size */
	{ TEXT + 0x2040, "local_fn" },
	{ TEXT + 0x2080, NULL },
	{ TEXT + 0x3008, "weak_fn" },
	{ TEXT + 0x4fff, "asm_entry" },		/* no size: up to _etext */
	{ TEXT + 0x5000, NULL },		/* _etext is a bound */
	{ DATA + 4, NULL },			/* data is never a frame */
};

/* Writes the table above as an ELF64 executable at PATH. */
static int write_elf(const char *path)
{
	static const char shstr[] = "\0.text\0.data\0.symtab\0.strtab\0.shstrtab";
	static const size_t shname[] = { 0, 1, 7, 13, 21, 29 };
	char strtab[512];
	size_t stlen = 1;
	Elf64_Sym st[NSYMS + 1];
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

	memset(st, 0, sizeof(st));
	strtab[0] = '\0';
	for (size_t i = 0; i < NSYMS; i++) {
		Elf64_Sym *s = &st[i + 1];
		s->st_name = (Elf64_Word)stlen;
		memcpy(strtab + stlen, syms[i].name, strlen(syms[i].name) + 1);
		stlen += strlen(syms[i].name) + 1;
		s->st_value = syms[i].value;
		s->st_size = syms[i].size;
		s->st_info = ELF64_ST_INFO(syms[i].bind, syms[i].type);
		s->st_shndx = (Elf64_Section)syms[i].shndx;
	}

	for (int sec = SEC_TEXT; sec <= SEC_SHSTRTAB; sec++) {
		Elf_Scn *scn = elf_newscn(e);
		Elf64_Shdr *sh = elf64_getshdr(scn);
		Elf_Data *d = elf_newdata(scn);

		sh->sh_name = (Elf64_Word)shname[sec];
		d->d_align = 1;
		d->d_version = EV_CURRENT;
		switch (sec) {
		case SEC_TEXT:
		case SEC_DATA:
			sh->sh_type = SHT_NOBITS;
			sh->sh_flags = SHF_ALLOC | (sec == SEC_TEXT ? SHF_EXECINSTR : SHF_WRITE);
			sh->sh_addr = sec == SEC_TEXT ? TEXT : DATA;
			d->d_type = ELF_T_BYTE;
			d->d_size = 0x6000;
			break;
		case SEC_SYMTAB:
			sh->sh_type = SHT_SYMTAB;
			sh->sh_link = SEC_STRTAB;
			sh->sh_info = FIRST_GLOBAL + 1;
			sh->sh_entsize = sizeof(Elf64_Sym);
			d->d_buf = st;
			d->d_type = ELF_T_SYM;
			d->d_size = sizeof(st);
			d->d_align = 8;
			break;
		case SEC_STRTAB:
			sh->sh_type = SHT_STRTAB;
			d->d_buf = strtab;
			d->d_size = stlen;
			break;
		case SEC_SHSTRTAB:
			sh->sh_type = SHT_STRTAB;
			d->d_buf = (void *)shstr;
			d->d_size = sizeof(shstr);
			break;
		}
	}
	eh->e_shstrndx = SEC_SHSTRTAB;
	int rc = elf_update(e, ELF_C_WRITE) < 0 ? -1 : 0;
	elf_end(e);
	close(fd);
	return rc;
}

int main(void)
{
	char path[] = "/tmp/psys-elfsyms-XXXXXX";
	int fd = mkstemp(path);
	struct ksyms *ks;

	CHECK(fd >= 0, "mkstemp");
	close(fd);
	CHECK(write_elf(path) == 0, "write test ELF: %s", elf_errmsg(-1));
	ks = elfsyms_load(path);
	CHECK(ks != NULL, "load: %s", strerror(errno));
	if (ks) {
		size_t want_n = 0;
		for (size_t i = 0; i < NSYMS; i++) {
			const struct ksym *k = ksyms_find(ks, syms[i].name);
			want_n += syms[i].want != 0;
			if (!syms[i].want) {
				CHECK(!*syms[i].name || !k, "%s should be left out", syms[i].name);
				continue;
			}
			CHECK(k && k->type == syms[i].want && k->addr == syms[i].value &&
				      !k->module,
			      "%s: type %c addr %#llx", syms[i].name, k ? k->type : '-',
			      k ? (unsigned long long)k->addr : 0ull);
		}
		CHECK(ksyms_count(ks) == want_n, "count %zu, want %zu", ksyms_count(ks), want_n);
		for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
			const struct ksym *k = ksyms_lookup(ks, lookups[i].addr);
			if (!lookups[i].name)
				CHECK(!k, "%#llx: want none, got %s",
				      (unsigned long long)lookups[i].addr, k->name);
			else
				CHECK(k && strcmp(k->name, lookups[i].name) == 0,
				      "%#llx: want %s, got %s", (unsigned long long)lookups[i].addr,
				      lookups[i].name, k ? k->name : "(none)");
		}
		CHECK(ksyms_etext(ks) == TEXT + 0x5000, "_etext known");
		CHECK(ksyms_past_etext(ks, 0, TEXT + 0x5010), "past _etext");
		ksyms_free(ks);
	}

	/* Failures: not ELF, missing, an ELF with no symbol table. */
	static const struct {
		const char *content;	/* NULL: the path does not exist */
		int err;
	} bad[] = {
		{ "ffffffff81000000 T _stext\n", ENOEXEC },
		{ "", ENOEXEC },
		{ NULL, ENOENT },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unlink(path);
		if (bad[i].content) {
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			CHECK(write(fd, bad[i].content, strlen(bad[i].content)) >= 0, "write");
			close(fd);
		}
		errno = 0;
		ks = elfsyms_load(path);
		CHECK(!ks && errno == bad[i].err, "bad %zu: errno %d, want %d", i, errno,
		      bad[i].err);
		ksyms_free(ks);
	}
	/* Stripped: a real ELF without .symtab (this very test, if stripped
	 * copies exist, is not guaranteed; build one with no symbols). */
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	Elf64_Ehdr *eh = elf64_newehdr(e);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	elf_update(e, ELF_C_WRITE);
	elf_end(e);
	close(fd);
	errno = 0;
	ks = elfsyms_load(path);
	CHECK(!ks && errno == ENODATA, "stripped: errno %d", errno);
	ksyms_free(ks);
	unlink(path);

	/* A real program, this one: calls into libc go through its PLT,
	 * whose entries are named after the function they reach; _init (no
	 * size, in .init) must not stretch over them. */
	ks = elfsyms_load("/proc/self/exe");
	CHECK(ks != NULL, "self: %s", strerror(errno));
	if (ks) {
		const struct ksym *plt = ksyms_find(ks, "unlink@plt");
		const struct ksym *init = ksyms_find(ks, "_init");
		CHECK(plt != NULL, "no unlink@plt");
		if (plt) {
			const struct ksym *k = ksyms_lookup(ks, plt->addr + 2);
			CHECK(k && strcmp(k->name, "unlink@plt") == 0, "inside unlink@plt: %s",
			      k ? k->name : "(none)");
			CHECK(plt->end - plt->addr == 16 || plt->end - plt->addr == 8,
			      "PLT entry size %llu", (unsigned long long)(plt->end - plt->addr));
		}
		if (init && plt)
			CHECK(init->end <= plt->addr || init->addr > plt->addr,
			      "_init covers the PLT");
		ksyms_free(ks);
	}
	return test_done("test_elfsyms");
}
