/* User-space symbolization of live processes through libdwfl; see
 * usyms.h. */
#include "symbols/usyms.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "symbols/elfsyms.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "symbols/ksyms.h"

/* Processes whose Dwfl (and the files it holds open) is kept at once:
 * the others keep the modules they already used, and get a new Dwfl
 * only for an address none of those covers. */
#define LIVE_DWFL 32
#define NO_MAPPING UINT32_MAX

/* One ELF file, by build-id (the same library in every process). */
struct efile {
	char *key;		/* build-id hex, or "PID NAME" without one */
	struct ksyms *syms;	/* in the file's link-time addresses; NULL: none */
	char *label;		/* "[libc.so.6]" */
	char *symbols;		/* see struct usyms_mapping */
	uint64_t (*exec)[2];	/* executable PT_LOAD ranges, link-time */
	uint32_t nexec;		/* 0: not known, any address goes */
};

/* A module of a process: its place, and the file it maps. */
struct pmod {
	struct usyms_mapping m;
	uint64_t bias;		/* process address - link-time address */
	uint32_t file;		/* index in files */
	uint32_t period;	/* last usyms_mappings_begin period it named in */
};

struct proc {
	uint32_t pid;
	Dwfl *dwfl;		/* NULL: not read yet, or let go */
	uint32_t *mods;		/* indexes in pmods */
	uint32_t nmods;
	size_t mods_cap;
	int64_t loaded_ns;	/* when the maps were read */
	uint64_t last_use;
	uint32_t gen;		/* bumped by usyms_forget: names cached before
				   belong to an earlier image */
	int gone, stale;
};

struct usyms {
	Dwfl_Callbacks cb;
	char *debug_path;		/* for cb.debuginfo_path; NULL: default */
	struct proc *procs;
	uint32_t nprocs;
	size_t procs_cap;
	struct hmap proc_map;		/* pid -> index */
	uint32_t live;			/* procs holding a Dwfl */
	uint64_t clock;			/* for last_use */
	struct efile *files;
	uint32_t nfiles;
	size_t files_cap;
	struct hmap file_map;		/* key hash -> index */
	struct pmod *pmods;
	uint32_t npmods;
	size_t pmods_cap;
	uint32_t period;
	struct hmap name_map;		/* (pid, gen, caller, addr) -> index */
	uint64_t *name_keys;		/* the exact keys: who, addr */
	const char **names;		/* interned below */
	uint32_t *name_mod;		/* pmods index, or NO_MAPPING */
	uint32_t nnames;
	size_t names_cap, name_mod_cap, name_keys_cap;
	struct hmap str_map;		/* string -> index in strs */
	char **strs;
	uint32_t nstrs;
	size_t strs_cap;
};

/* The process libdwfl's find_elf callback opens files for: libdwfl's
 * callbacks carry no context of ours, and one usyms is used at a time. */
static uint32_t opening_pid;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A file of the maps, opened as the process sees it (its root, its mount
 * namespace); libdwfl's own finder for what that cannot open (deleted
 * files, read from the process's memory, and the vDSO). *FILE_NAME keeps
 * the path the process knows, which debuglink look-ups start from. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	char path[PATH_MAX + 32];

	if (name[0] == '/' && opening_pid) {
		snprintf(path, sizeof(path), "/proc/%u/root%s", opening_pid, name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*file_name = strdup(name);
			return fd;
		}
	}
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
}

struct usyms *usyms_new(void)
{
	struct usyms *u = calloc(1, sizeof(struct usyms));

	if (!u)
		return NULL;
	u->cb.find_elf = find_elf;
	u->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	u->cb.debuginfo_path = &u->debug_path;
	if (usyms_set_debug_dirs(u, NULL)) {
		free(u);
		return NULL;
	}
	return u;
}

int usyms_set_debug_dirs(struct usyms *u, const char *dirs)
{
	/* libdwfl's syntax: "-" turns off CRC checks of debuglink copies
	 * (build-ids are checked anyway); an empty element is the main
	 * file's own folder, ".debug" a subfolder of it, as gdb and perf
	 * look; absolute folders hold .build-id trees. */
	size_t n = 32 + (dirs ? strlen(dirs) : 16);
	char *p = malloc(n);

	if (!p)
		return -ENOMEM;
	snprintf(p, n, "-:.debug:%s", dirs ? dirs : "/usr/lib/debug");
	free(u->debug_path);
	u->debug_path = p;
	return 0;
}

/* Interns S: one copy per distinct string. */
struct str_key {
	const struct usyms *u;
	const char *s;
};

static int str_eq(const void *ctx, uint32_t i)
{
	const struct str_key *k = ctx;

	return strcmp(k->u->strs[i], k->s) == 0;
}

static const char *intern(struct usyms *u, const char *s)
{
	struct str_key k = { u, s };
	uint64_t h = hash_bytes(s, strlen(s), 0);
	uint32_t i = hmap_get(&u->str_map, h, str_eq, &k);

	if (i != HMAP_NONE)
		return u->strs[i];
	if (buf_grow((void **)&u->strs, &u->strs_cap, (size_t)u->nstrs + 1, sizeof(*u->strs)))
		return NULL;
	char *copy = strdup(s);
	if (!copy || hmap_put(&u->str_map, h, u->nstrs)) {
		free(copy);
		return NULL;
	}
	u->strs[u->nstrs] = copy;
	return u->strs[u->nstrs++];
}

struct file_key {
	const struct usyms *u;
	const char *key;
};

static int file_eq(const void *ctx, uint32_t i)
{
	const struct file_key *k = ctx;

	return strcmp(k->u->files[i].key, k->key) == 0;
}

/* The symbols of MOD's file, link-time addresses of the main file: every
 * symbol libdwfl found (moved by the difference of the biases, should a
 * debug file be linked elsewhere), and the PLT of the main file. */
static struct ksyms *read_symbols(Dwfl_Module *mod, Elf *main_elf, GElf_Addr main_bias,
				  const char **from)
{
	struct elfsyms_builder *b = elfsyms_builder_new();
	int n = dwfl_module_getsymtab(mod), other = 0;

	*from = "";
	if (!b)
		return NULL;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *elf = NULL;
		Dwarf_Addr bias = 0;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx,
							   &elf, &bias);

		if (!name || GELF_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;
		other |= elf != main_elf;
		if (elfsyms_builder_add(b, elf, name, &sym, shndx,
					(int64_t)(bias - main_bias)) < 0) {
			elfsyms_builder_free(b);
			return NULL;
		}
	}
	if (n > 1) {
		const char *debug = NULL;
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;
		int symtab = 0;

		dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, &debug);
		while ((scn = elf_nextscn(main_elf, scn)))
			if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
				symtab = 1;
		*from = debug && other ? debug : other ? ".gnu_debugdata" :
			symtab ? ".symtab" : ".dynsym";
	}
	if (elfsyms_add_plt(b, main_elf, 0) < 0) {
		elfsyms_builder_free(b);
		return NULL;
	}
	if (!elfsyms_builder_count(b)) {
		elfsyms_builder_free(b);
		return NULL;
	}
	return elfsyms_builder_finish(b);
}

/* The executable segments of ELF: a module's range also covers its data
 * and the gaps between, where other mappings (a JIT's code) may sit. */
static void read_exec(Elf *elf, struct efile *f)
{
	size_t n = 0;

	if (!elf || elf_getphdrnum(elf, &n) || !n || !(f->exec = calloc(n, sizeof(*f->exec))))
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			f->exec[f->nexec][0] = ph.p_vaddr;
			f->exec[f->nexec][1] = ph.p_vaddr + ph.p_memsz;
			f->nexec++;
		}
	}
}

static int in_exec(const struct efile *f, uint64_t link)
{
	for (uint32_t i = 0; i < f->nexec; i++)
		if (link >= f->exec[i][0] && link < f->exec[i][1])
			return 1;
	return !f->nexec;
}

/* The index in files of MOD's file, read the first time it is seen. */
static uint32_t file_index(struct usyms *u, uint32_t pid, Dwfl_Module *mod,
			   const char *name, const char **build_id, GElf_Addr *biasp)
{
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = elf ? dwfl_module_build_id(mod, &bits, &vaddr) : 0;
	char key[4200], label[300];

	*biasp = bias;
	if (len > 0 && len <= 64) {
		for (int i = 0; i < len; i++)
			sprintf(key + 2 * i, "%02x", bits[i]);
		*build_id = intern(u, key);
	} else {
		*build_id = "";
		/* Without a build-id a file is only known in its process. */
		snprintf(key, sizeof(key), "%u %s", pid, name);
	}
	struct file_key k = { u, key };
	uint64_t h = hash_bytes(key, strlen(key), 1);
	uint32_t i = hmap_get(&u->file_map, h, file_eq, &k);

	if (i != HMAP_NONE)
		return i;
	if (buf_grow((void **)&u->files, &u->files_cap, (size_t)u->nfiles + 1, sizeof(*u->files)))
		return NO_MAPPING;
	struct efile *f = &u->files[u->nfiles];
	const char *from = "";
	memset(f, 0, sizeof(*f));
	if (strncmp(name, "[vdso", 5) == 0) {
		snprintf(label, sizeof(label), "[vdso]");
	} else {
		const char *base = strrchr(name, '/');
		snprintf(label, sizeof(label), "[%s]", base ? base + 1 : name);
	}
	f->key = strdup(key);
	f->label = strdup(label);
	f->syms = elf ? read_symbols(mod, elf, bias, &from) : NULL;
	f->symbols = strdup(from);
	read_exec(elf, f);
	if (!f->key || !f->label || !f->symbols || hmap_put(&u->file_map, h, u->nfiles)) {
		free(f->key);
		free(f->label);
		free(f->symbols);
		ksyms_free(f->syms);
		free(f->exec);
		return NO_MAPPING;
	}
	return u->nfiles++;
}

static void let_go(struct usyms *u, struct proc *p)
{
	if (p->dwfl) {
		dwfl_end(p->dwfl);
		p->dwfl = NULL;
		u->live--;
	}
}

/* Reads the maps of P into a new Dwfl, letting go of the least recently
 * used process's first if too many are open. */
static void load_maps(struct usyms *u, struct proc *p)
{
	let_go(u, p);
	p->loaded_ns = now_ns();
	if (u->live >= LIVE_DWFL) {
		struct proc *old = NULL;
		for (uint32_t i = 0; i < u->nprocs; i++)
			if (u->procs[i].dwfl && (!old || u->procs[i].last_use < old->last_use))
				old = &u->procs[i];
		if (old)
			let_go(u, old);
	}
	p->dwfl = dwfl_begin(&u->cb);
	if (!p->dwfl)
		return;
	u->live++;
	dwfl_report_begin(p->dwfl);
	int rc = dwfl_linux_proc_report(p->dwfl, (pid_t)p->pid);
	dwfl_report_end(p->dwfl, NULL, NULL);
	if (rc)
		p->gone = 1;
}

static struct proc *get_proc(struct usyms *u, uint32_t pid)
{
	uint32_t i = hmap_get(&u->proc_map, pid, NULL, NULL);

	if (i != HMAP_NONE)
		return &u->procs[i];
	if (buf_grow((void **)&u->procs, &u->procs_cap, (size_t)u->nprocs + 1, sizeof(*u->procs)))
		return NULL;
	struct proc *p = &u->procs[u->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (hmap_put(&u->proc_map, pid, u->nprocs))
		return NULL;
	u->nprocs++;
	return p;
}

/* The module of P holding A, from those already used or from the maps. */
static uint32_t find_mod(struct usyms *u, struct proc *p, uint64_t a)
{
	for (uint32_t i = 0; i < p->nmods; i++) {
		const struct pmod *m = &u->pmods[p->mods[i]];
		if (a >= m->m.start && a < m->m.end)
			return p->mods[i];
	}
	if (!p->dwfl && !p->gone)
		load_maps(u, p);
	Dwfl_Module *mod = p->dwfl ? dwfl_addrmodule(p->dwfl, a) : NULL;
	/* A mapping made since we read the maps: read them again, but not
	 * over and over for an address that is simply not mapped. */
	if (!mod && !p->gone && now_ns() - p->loaded_ns > 50 * 1000000LL) {
		load_maps(u, p);
		mod = p->dwfl ? dwfl_addrmodule(p->dwfl, a) : NULL;
	}
	if (!mod)
		return NO_MAPPING;
	Dwarf_Addr start, end;
	const char *name = dwfl_module_info(mod, NULL, &start, &end, NULL, NULL, NULL, NULL);
	if (!name || buf_grow((void **)&u->pmods, &u->pmods_cap, (size_t)u->npmods + 1, sizeof(*u->pmods)) ||
	    buf_grow((void **)&p->mods, &p->mods_cap, (size_t)p->nmods + 1, sizeof(*p->mods)))
		return NO_MAPPING;
	struct pmod *m = &u->pmods[u->npmods];
	memset(m, 0, sizeof(*m));
	opening_pid = p->pid;
	m->file = file_index(u, p->pid, mod, name, &m->m.build_id, &m->bias);
	opening_pid = 0;
	if (m->file == NO_MAPPING)
		return NO_MAPPING;
	/* The same module read again (after an exec that changed nothing
	 * there, or a reload): one entry, so the trailer lists it once. */
	for (uint32_t i = u->npmods; i-- > 0;) {
		const struct pmod *o = &u->pmods[i];
		if (o->m.pid == p->pid && o->m.start == start && o->m.end == end &&
		    o->file == m->file && o->bias == m->bias) {
			p->mods[p->nmods++] = i;
			return i;
		}
	}
	/* libdwfl names the vDSO "[vdso: PID]"; the maps say "[vdso]". */
	m->m.file = intern(u, strncmp(name, "[vdso", 5) == 0 ? "[vdso]" : name);
	m->m.symbols = u->files[m->file].symbols;
	m->m.pid = p->pid;
	m->m.start = start;
	m->m.end = end;
	m->period = UINT32_MAX;
	if (!m->m.file)
		return NO_MAPPING;
	p->mods[p->nmods++] = u->npmods;
	return u->npmods++;
}

static const char *resolve(struct usyms *u, struct proc *p, uint64_t addr, int caller,
			   uint32_t *modp)
{
	uint64_t a = addr - (caller ? 1 : 0);

	*modp = NO_MAPPING;
	if (p->stale) {
		/* exec: another image; its modules are read anew. */
		p->stale = 0;
		p->gone = 0;
		p->nmods = 0;
		let_go(u, p);
	}
	p->last_use = ++u->clock;
	uint32_t mi = find_mod(u, p, a);
	if (mi == NO_MAPPING)
		return "[unknown]";
	const struct pmod *m = &u->pmods[mi];
	const struct efile *f = &u->files[m->file];
	if (!in_exec(f, a - m->bias))
		return "[unknown]";
	*modp = mi;
	const struct ksym *k = f->syms ? ksyms_lookup(f->syms, a - m->bias) : NULL;
	return k ? k->name : f->label;
}

/* Names are cached by (pid, generation, caller) and address. */
struct name_key {
	const struct usyms *u;
	uint64_t who, addr;
};

static int name_eq(const void *ctx, uint32_t i)
{
	const struct name_key *k = ctx;
	const uint64_t *e = &k->u->name_keys[2 * (size_t)i];

	return e[0] == k->who && e[1] == k->addr;
}

static void mark_used(struct usyms *u, uint32_t mi)
{
	if (mi != NO_MAPPING)
		u->pmods[mi].period = u->period;
}

const char *usyms_name(struct usyms *u, uint32_t pid, uint64_t addr, int caller)
{
	struct proc *p = get_proc(u, pid);
	const char *name;
	uint32_t mi;

	if (!p)
		return NULL;
	struct name_key k = { u, (uint64_t)pid << 32 | (uint64_t)(p->gen & 0x7fffffff) << 1 |
				 (caller != 0), addr };
	uint64_t h = hash_mix(addr ^ hash_mix(k.who));
	uint32_t i = hmap_get(&u->name_map, h, name_eq, &k);

	if (i != HMAP_NONE) {
		mark_used(u, u->name_mod[i]);
		return u->names[i];
	}
	name = resolve(u, p, addr, caller, &mi);
	name = name ? intern(u, name) : NULL;
	if (!name)
		return NULL;
	mark_used(u, mi);
	/* Three arrays side by side, each with its own capacity. */
	if (buf_grow((void **)&u->names, &u->names_cap, (size_t)u->nnames + 1,
		     sizeof(*u->names)) ||
	    buf_grow((void **)&u->name_mod, &u->name_mod_cap, (size_t)u->nnames + 1,
		     sizeof(*u->name_mod)) ||
	    buf_grow((void **)&u->name_keys, &u->name_keys_cap, 2 * ((size_t)u->nnames + 1),
		     sizeof(*u->name_keys)))
		return NULL;
	u->names[u->nnames] = name;
	u->name_mod[u->nnames] = mi;
	u->name_keys[2 * (size_t)u->nnames] = k.who;
	u->name_keys[2 * (size_t)u->nnames + 1] = addr;
	if (hmap_put(&u->name_map, h, u->nnames))
		return NULL;
	u->nnames++;
	return name;
}

void usyms_forget(struct usyms *u, uint32_t pid)
{
	uint32_t i = hmap_get(&u->proc_map, pid, NULL, NULL);

	/* The next look-up reads the maps again, and names cached so far
	 * belong to the old image. */
	if (i != HMAP_NONE) {
		u->procs[i].stale = 1;
		u->procs[i].gen++;
	}
}

void usyms_mappings_begin(struct usyms *u)
{
	u->period++;
}

const struct usyms_mapping *usyms_mapping_next(const struct usyms *u, size_t *iter)
{
	while (*iter < u->npmods) {
		const struct pmod *m = &u->pmods[(*iter)++];
		if (m->period == u->period)
			return &m->m;
	}
	return NULL;
}

void usyms_free(struct usyms *u)
{
	if (!u)
		return;
	for (uint32_t i = 0; i < u->nprocs; i++) {
		let_go(u, &u->procs[i]);
		free(u->procs[i].mods);
	}
	free(u->procs);
	hmap_free(&u->proc_map);
	for (uint32_t i = 0; i < u->nfiles; i++) {
		ksyms_free(u->files[i].syms);
		free(u->files[i].key);
		free(u->files[i].label);
		free(u->files[i].symbols);
		free(u->files[i].exec);
	}
	free(u->files);
	hmap_free(&u->file_map);
	free(u->pmods);
	hmap_free(&u->name_map);
	free(u->name_keys);
	free(u->names);
	free(u->name_mod);
	hmap_free(&u->str_map);
	for (uint32_t i = 0; i < u->nstrs; i++)
		free(u->strs[i]);
	free(u->strs);
	free(u->debug_path);
	free(u);
}
