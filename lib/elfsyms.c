/* ELF symbol tables into struct ksyms; see elfsyms.h. */
#include "elfsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

/* kallsyms' letter for an ELF symbol, or 0 to leave it out. */
static char type_letter(const GElf_Sym *sym, const GElf_Shdr *shdr)
{
	int type = GELF_ST_TYPE(sym->st_info), bind = GELF_ST_BIND(sym->st_info);
	int code;

	if (sym->st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE)
		return 0;
	/* Untyped symbols mark places: in a code section they are code
	 * (_stext, _etext, entry points written in assembly). */
	code = type == STT_FUNC || type == STT_GNU_IFUNC ||
	       (type == STT_NOTYPE && shdr && (shdr->sh_flags & SHF_EXECINSTR));
	if (bind == STB_WEAK)
		return code ? 'W' : 'V';
	if (code)
		return bind == STB_LOCAL ? 't' : 'T';
	return bind == STB_LOCAL ? 'd' : 'D';
}

/* Adds the symbols of section SCN (a SYMTAB or DYNSYM). */
static int add_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
		       struct ksyms *ks, size_t *added)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n, nsec = 0;

	if (!data || !sh->sh_entsize)
		return -EBADMSG;
	if (elf_getshdrnum(elf, &nsec))
		return -EBADMSG;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Shdr tsh, *tp = NULL;
		const char *name;
		char t;

		if (!gelf_getsym(data, (int)i, &sym))
			return -EBADMSG;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE &&
		    sym.st_shndx < nsec) {
			Elf_Scn *ts = elf_getscn(elf, sym.st_shndx);
			if (ts && gelf_getshdr(ts, &tsh))
				tp = &tsh;
		}
		t = type_letter(&sym, tp);
		if (!t)
			continue;
		uint64_t end = ksyms_is_text(t) && sym.st_size ? sym.st_value + sym.st_size : 0;
		if (ksyms_add(ks, sym.st_value, end, name, strlen(name), NULL, 0, t))
			return -ENOMEM;
		(*added)++;
	}
	return 0;
}

struct ksyms *elfsyms_load(const char *path)
{
	struct ksyms *ks = NULL;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr sh, ssh;
	size_t added = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		err = -EBADMSG;
		goto cleanup;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB && !symtab)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM && !dynsym)
			dynsym = scn;
	}
	scn = symtab ? symtab : dynsym;
	if (!scn) {
		err = -ENODATA;
		goto cleanup;
	}
	ks = ksyms_new();
	if (!ks) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!gelf_getshdr(scn, &ssh)) {
		err = -EBADMSG;
		goto cleanup;
	}
	if ((err = add_symbols(elf, scn, &ssh, ks, &added)))
		goto cleanup;
	if (!added) {
		err = -ENODATA;
		goto cleanup;
	}
	err = ksyms_finish(ks);
cleanup:
	if (elf)
		elf_end(elf);
	close(fd);
	if (err) {
		ksyms_free(ks);
		errno = -err;
		return NULL;
	}
	return ks;
}
