/* ELF symbol tables into struct ksyms; see elfsyms.h. */
#include "symbols/elfsyms.h"

#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct entry {
	uint64_t addr, size;
	uint64_t sec_end;	/* end of the symbol's section; 0: unknown */
	char *name;
	char type;
};

struct elfsyms_builder {
	struct entry *e;
	size_t n, cap;
};

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

struct elfsyms_builder *elfsyms_builder_new(void)
{
	return calloc(1, sizeof(struct elfsyms_builder));
}

size_t elfsyms_builder_count(const struct elfsyms_builder *b)
{
	return b->n;
}

void elfsyms_builder_free(struct elfsyms_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->e[i].name);
	free(b->e);
	free(b);
}

static int push(struct elfsyms_builder *b, uint64_t addr, uint64_t size,
		uint64_t sec_end, const char *name, char type)
{
	if (buf_grow((void **)&b->e, &b->cap, b->n + 1, sizeof(*b->e)))
		return -ENOMEM;
	struct entry *e = &b->e[b->n];
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->addr = addr;
	e->size = size;
	e->sec_end = sec_end;
	e->type = type;
	b->n++;
	return 0;
}

int elfsyms_builder_add(struct elfsyms_builder *b, Elf *elf, const char *name,
			const GElf_Sym *sym, GElf_Word shndx, int64_t delta)
{
	GElf_Shdr tsh, *tp = NULL;
	size_t nsec = 0;
	char t;

	if (!name || !*name)
		return 0;
	if (sym->st_shndx != SHN_UNDEF && shndx != SHN_UNDEF && shndx < SHN_LORESERVE &&
	    elf && !elf_getshdrnum(elf, &nsec) && shndx < nsec) {
		Elf_Scn *ts = elf_getscn(elf, shndx);
		if (ts && gelf_getshdr(ts, &tsh) && (tsh.sh_flags & SHF_ALLOC))
			tp = &tsh;
	}
	t = type_letter(sym, tp);
	if (!t)
		return 0;
	uint64_t addr = sym->st_value + (uint64_t)delta;
	uint64_t sec_end = tp ? tp->sh_addr + tp->sh_size + (uint64_t)delta : 0;
	return push(b, addr, ksyms_is_text(t) ? sym->st_size : 0, sec_end, name, t);
}

/* ---- PLT entries ---- */

struct reloc {
	uint64_t offset;	/* the GOT slot */
	const char *name;	/* in the ELF's string table */
};

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The dynamic relocations that name a symbol: each GOT slot with its
 * symbol's name. PLT_ORDER (if not NULL) gets .rela.plt's names in order. */
static int read_relocs(Elf *elf, struct reloc **out, size_t *nout,
		       const char ***plt_order, size_t *nplt)
{
	Elf_Scn *scn = NULL;
	struct reloc *r = NULL;
	size_t n = 0, cap = 0, shstrndx;
	const char **order = NULL;
	size_t norder = 0, order_cap = 0;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, lsh;
		Elf_Scn *link;
		Elf_Data *d, *sd;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL) ||
		    !sh.sh_entsize || !(link = elf_getscn(elf, sh.sh_link)) ||
		    !gelf_getshdr(link, &lsh) || lsh.sh_type != SHT_DYNSYM ||
		    !(d = elf_getdata(scn, NULL)) || !(sd = elf_getdata(link, NULL)))
			continue;
		const char *sname = elf_strptr(elf, shstrndx, sh.sh_name);
		int is_plt = sname && (strcmp(sname, ".rela.plt") == 0 ||
				       strcmp(sname, ".rel.plt") == 0);
		size_t cnt = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < cnt; i++) {
			uint64_t off, info;
			GElf_Sym sym;
			const char *name = NULL;

			if (sh.sh_type == SHT_RELA) {
				GElf_Rela ra;
				if (!gelf_getrela(d, (int)i, &ra))
					break;
				off = ra.r_offset;
				info = ra.r_info;
			} else {
				GElf_Rel rl;
				if (!gelf_getrel(d, (int)i, &rl))
					break;
				off = rl.r_offset;
				info = rl.r_info;
			}
			size_t si = gelf_getclass(elf) == ELFCLASS32 ? ELF32_R_SYM(info)
								      : GELF_R_SYM(info);
			if (si && gelf_getsym(sd, (int)si, &sym))
				name = elf_strptr(elf, lsh.sh_link, sym.st_name);
			if (name && !*name)
				name = NULL;
			if (is_plt && plt_order) {
				if (buf_grow((void **)&order, &order_cap, norder + 1,
					     sizeof(*order)))
					goto nomem;
				order[norder++] = name;
			}
			if (!name)
				continue;
			if (buf_grow((void **)&r, &cap, n + 1, sizeof(*r)))
				goto nomem;
			r[n].offset = off;
			r[n].name = name;
			n++;
		}
	}
	if (n)
		qsort(r, n, sizeof(*r), cmp_reloc);
	*out = r;
	*nout = n;
	if (plt_order) {
		*plt_order = order;
		*nplt = norder;
	}
	return 0;
nomem:
	free(r);
	free(order);
	return -ENOMEM;
}

static const char *reloc_name(const struct reloc *r, size_t n, uint64_t slot)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].offset < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].offset == slot ? r[lo].name : NULL;
}

static int add_plt_entry(struct elfsyms_builder *b, uint64_t addr, uint64_t size,
			 const char *sym)
{
	char name[512];

	snprintf(name, sizeof(name), "%s@plt", sym);
	return push(b, addr, size, addr + size, name, 't') ? -ENOMEM : 1;
}

/* An x86-64 PLT entry jumps through its GOT slot: "jmp *disp32(%rip)"
 * (ff 25), after an endbr64 or with a bnd prefix in IBT layouts. */
static int64_t x86_64_slot(const unsigned char *p, size_t len, uint64_t addr)
{
	for (size_t j = 0; j + 6 <= len; j++)
		if (p[j] == 0xff && p[j + 1] == 0x25) {
			int32_t disp;
			memcpy(&disp, p + j + 2, 4);	/* little-endian host and file */
			return (int64_t)(addr + j + 6 + (int64_t)disp);
		}
	return -1;
}

int elfsyms_add_plt(struct elfsyms_builder *b, Elf *elf, int64_t delta)
{
	GElf_Ehdr eh;
	Elf_Scn *scn = NULL;
	struct reloc *r = NULL;
	const char **order = NULL;
	size_t nr = 0, norder = 0, shstrndx;
	int added = 0, err;

	if (!gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	if ((err = read_relocs(elf, &r, &nr, &order, &norder)))
		return err;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *sname;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) ||
		    !(sname = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		int plt = strcmp(sname, ".plt") == 0, sec = strcmp(sname, ".plt.sec") == 0,
		    got = strcmp(sname, ".plt.got") == 0;
		if (!plt && !sec && !got)
			continue;
		if (eh.e_machine == EM_X86_64 && eh.e_ident[EI_DATA] == ELFDATA2LSB) {
			uint64_t ent = sh.sh_entsize ? sh.sh_entsize : got ? 8 : 16;
			if (!(d = elf_getdata(scn, NULL)) || !d->d_buf || d->d_size < sh.sh_size)
				continue;
			/* .plt starts with the resolver's stub, PLT0. */
			for (uint64_t o = plt ? ent : 0; o + ent <= sh.sh_size; o += ent) {
				int64_t slot = x86_64_slot((const unsigned char *)d->d_buf + o,
							   ent, sh.sh_addr + o);
				const char *name = slot < 0 ? NULL : reloc_name(r, nr, (uint64_t)slot);

				if (!name)
					continue;
				if ((err = add_plt_entry(b, sh.sh_addr + o + (uint64_t)delta, ent,
							 name)) < 0)
					goto cleanup;
				added++;
			}
		} else if (plt && (eh.e_machine == EM_AARCH64 || eh.e_machine == EM_386)) {
			/* PLT0 (32 bytes on arm64, 16 on i386), then one 16-byte
			 * entry per .rela.plt relocation, in its order. */
			uint64_t head = eh.e_machine == EM_AARCH64 ? 32 : 16;
			for (size_t i = 0; i < norder && head + 16 * (i + 1) <= sh.sh_size; i++) {
				if (!order[i])
					continue;
				if ((err = add_plt_entry(b, sh.sh_addr + head + 16 * i +
							 (uint64_t)delta, 16, order[i])) < 0)
					goto cleanup;
				added++;
			}
		}
	}
	err = 0;
cleanup:
	free(r);
	free(order);
	return err ? err : added;
}

/* ---- finishing ---- */

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct ksyms *elfsyms_builder_finish(struct elfsyms_builder *b)
{
	struct ksyms *ks = ksyms_new();
	uint64_t *addrs = malloc((b->n ? b->n : 1) * sizeof(*addrs));
	int err = 0;

	if (!ks || !addrs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < b->n; i++)
		addrs[i] = b->e[i].addr;
	if (b->n)
		qsort(addrs, b->n, sizeof(*addrs), cmp_addr);
	for (size_t i = 0; i < b->n; i++) {
		const struct entry *e = &b->e[i];
		uint64_t end = 0;

		if (ksyms_is_text(e->type) && e->size) {
			end = e->addr + e->size;
		} else if (ksyms_is_text(e->type) && e->sec_end) {
			/* No size: up to the next symbol as in kallsyms, but
			 * never past its own section (_init in .init must
			 * not cover .plt), and at least a byte. */
			size_t lo = 0, hi = b->n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (addrs[mid] <= e->addr)
					lo = mid + 1;
				else
					hi = mid;
			}
			end = e->sec_end > e->addr ? e->sec_end : e->addr + 1;
			if (lo < b->n && addrs[lo] < end)
				end = addrs[lo];
			if (end - e->addr > KSYMS_MAX_IMPLICIT_SIZE)
				end = e->addr + KSYMS_MAX_IMPLICIT_SIZE;
		}
		if (ksyms_add(ks, e->addr, end, e->name, strlen(e->name), NULL, 0, e->type)) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	err = ksyms_finish(ks);
cleanup:
	free(addrs);
	elfsyms_builder_free(b);
	if (err) {
		ksyms_free(ks);
		errno = -err;
		return NULL;
	}
	return ks;
}

/* Adds the symbols of section SCN (a SYMTAB or DYNSYM). */
static int add_symbols(struct elfsyms_builder *b, Elf *elf, Elf_Scn *scn,
		       const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	Elf_Data *xdata = NULL;
	Elf_Scn *x = NULL;
	GElf_Shdr xsh;
	size_t n, idx = elf_ndxscn(scn);

	if (!data || !sh->sh_entsize)
		return -EBADMSG;
	/* Section indexes above 0xff00 live in SHT_SYMTAB_SHNDX. */
	while ((x = elf_nextscn(elf, x)))
		if (gelf_getshdr(x, &xsh) && xsh.sh_type == SHT_SYMTAB_SHNDX &&
		    xsh.sh_link == idx)
			xdata = elf_getdata(x, NULL);
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		Elf32_Word xndx = 0;
		int err;

		if (!gelf_getsymshndx(data, xdata, (int)i, &sym, &xndx))
			return -EBADMSG;
		GElf_Word shndx = sym.st_shndx == SHN_XINDEX ? xndx : sym.st_shndx;
		const char *name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if ((err = elfsyms_builder_add(b, elf, name, &sym, shndx, 0)))
			return err;
	}
	return 0;
}

struct ksyms *elfsyms_load(const char *path)
{
	struct elfsyms_builder *b = NULL;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr sh, ssh;
	struct ksyms *ks = NULL;
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
	b = elfsyms_builder_new();
	if (!b) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!gelf_getshdr(scn, &ssh)) {
		err = -EBADMSG;
		goto cleanup;
	}
	if ((err = add_symbols(b, elf, scn, &ssh)))
		goto cleanup;
	if (!elfsyms_builder_count(b)) {
		err = -ENODATA;
		goto cleanup;
	}
	if ((err = elfsyms_add_plt(b, elf, 0)) > 0)
		err = 0;
	if (err)
		goto cleanup;
	ks = elfsyms_builder_finish(b);
	b = NULL;
	if (!ks)
		err = -errno;
cleanup:
	elfsyms_builder_free(b);
	if (elf)
		elf_end(elf);
	close(fd);
	if (err) {
		errno = -err;
		return NULL;
	}
	return ks;
}
