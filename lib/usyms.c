/* User-space symbolization of live processes; see usyms.h. */
#include "usyms.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "elfsyms.h"
#include "hmap.h"
#include "ksyms.h"

struct seg {
	uint64_t off, filesz, vaddr;
};

/* One ELF file, by device and inode (the same library in every process). */
struct efile {
	uint64_t dev, ino;
	struct ksyms *syms;	/* NULL: no symbols or not readable */
	struct seg *segs;
	int nsegs;
	char *label;		/* "[libc.so.6]" */
};

struct mapping {
	uint64_t start, end, pgoff;
	int file;		/* index in efiles, -1 for none */
	const char *special;	/* "[vdso]", or NULL */
};

struct proc {
	uint32_t pid;
	struct mapping *maps;
	int nmaps;
	int64_t loaded_ns;	/* when maps was read */
	uint32_t gen;		/* bumped by usyms_forget: names cached before
				   belong to an earlier image */
	int gone, stale;
};

struct usyms {
	struct proc *procs;
	uint32_t nprocs, procs_cap;
	struct hmap proc_map;		/* pid -> index */
	struct efile *files;
	uint32_t nfiles, files_cap;
	struct hmap file_map;		/* dev/ino hash -> index */
	struct hmap name_map;		/* (pid, addr, caller) -> name index */
	uint64_t *name_keys;		/* the exact keys: pid, addr, caller */
	char **names;			/* interned by content below */
	uint32_t nnames, names_cap;
	struct hmap str_map;		/* string -> index in strs */
	char **strs;
	uint32_t nstrs, strs_cap;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct usyms *usyms_new(void)
{
	return calloc(1, sizeof(struct usyms));
}

/* Interns S: one copy per distinct name. */
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
	if (u->nstrs == u->strs_cap) {
		uint32_t cap = u->strs_cap ? u->strs_cap * 2 : 256;
		char **p = realloc(u->strs, cap * sizeof(*p));
		if (!p)
			return NULL;
		u->strs = p;
		u->strs_cap = cap;
	}
	char *copy = strdup(s);
	if (!copy || hmap_put(&u->str_map, h, u->nstrs)) {
		free(copy);
		return NULL;
	}
	u->strs[u->nstrs] = copy;
	return u->strs[u->nstrs++];
}

/* The PT_LOAD segments of an ELF file: file offsets to link addresses. */
static int read_segments(const char *path, struct efile *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = -EBADMSG;
	Elf *elf = NULL;
	size_t n;

	if (fd < 0)
		return -errno;
	if (elf_version(EV_CURRENT) == EV_NONE)
		goto out;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n))
		goto out;
	f->segs = calloc(n ? n : 1, sizeof(*f->segs));
	if (!f->segs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD) {
			f->segs[f->nsegs].off = ph.p_offset;
			f->segs[f->nsegs].filesz = ph.p_filesz;
			f->segs[f->nsegs].vaddr = ph.p_vaddr;
			f->nsegs++;
		}
	}
	err = 0;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

struct file_key {
	const struct usyms *u;
	uint64_t dev, ino;
};

static int file_eq(const void *ctx, uint32_t i)
{
	const struct file_key *k = ctx;

	return k->u->files[i].dev == k->dev && k->u->files[i].ino == k->ino;
}

static int file_index(struct usyms *u, uint32_t pid, uint64_t start, uint64_t end,
		      uint64_t dev, uint64_t ino, const char *path)
{
	struct file_key k = { u, dev, ino };
	uint64_t h = hash_mix(dev * 0x9e3779b97f4a7c15ull ^ ino);
	uint32_t i = hmap_get(&u->file_map, h, file_eq, &k);
	char where[96], label[300];

	if (i != HMAP_NONE)
		return (int)i;
	if (u->nfiles == u->files_cap) {
		uint32_t cap = u->files_cap ? u->files_cap * 2 : 64;
		struct efile *p = realloc(u->files, cap * sizeof(*p));
		if (!p)
			return -1;
		u->files = p;
		u->files_cap = cap;
	}
	struct efile *f = &u->files[u->nfiles];
	memset(f, 0, sizeof(*f));
	f->dev = dev;
	f->ino = ino;
	const char *base = strrchr(path, '/');
	snprintf(label, sizeof(label), "[%s]", base ? base + 1 : path);
	f->label = strdup(label);
	/* The process's own view of the file: works for deleted files and
	 * other mount namespaces (needs CAP_SYS_ADMIN, which we have). */
	snprintf(where, sizeof(where), "/proc/%u/map_files/%llx-%llx", pid,
		 (unsigned long long)start, (unsigned long long)end);
	if (read_segments(where, f) == 0) {
		f->syms = elfsyms_load(where);
	} else {
		char root[4200];
		snprintf(root, sizeof(root), "/proc/%u/root%s", pid, path);
		if (read_segments(root, f) == 0)
			f->syms = elfsyms_load(root);
	}
	if (!f->label || hmap_put(&u->file_map, h, u->nfiles)) {
		free(f->label);
		ksyms_free(f->syms);
		free(f->segs);
		return -1;
	}
	return (int)u->nfiles++;
}

static struct proc *load_maps(struct usyms *u, struct proc *p)
{
	char path[64], line[4608];
	FILE *f;
	int cap = 0;

	free(p->maps);
	p->maps = NULL;
	p->nmaps = 0;
	p->loaded_ns = now_ns();
	snprintf(path, sizeof(path), "/proc/%u/maps", p->pid);
	f = fopen(path, "re");
	if (!f) {
		p->gone = 1;
		return p;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, pgoff, ino;
		unsigned int major, minor;
		char perms[8];
		int pos = 0;

		if (!strchr(line, '\n') && !feof(f)) {
			/* A path longer than the buffer: skip the rest. */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms,
			   &pgoff, &major, &minor, &ino, &pos) < 7 || perms[2] != 'x')
			continue;
		char *name = line + pos;
		name[strcspn(name, "\n")] = '\0';
		if (p->nmaps == cap) {
			cap = cap ? cap * 2 : 32;
			struct mapping *m = realloc(p->maps, cap * sizeof(*m));
			if (!m)
				break;
			p->maps = m;
		}
		struct mapping *m = &p->maps[p->nmaps];
		m->start = start;
		m->end = end;
		m->pgoff = pgoff;
		m->file = -1;
		m->special = NULL;
		if (name[0] == '/' && ino)
			m->file = file_index(u, p->pid, start, end,
					     (uint64_t)major << 32 | minor, ino, name);
		else if (strcmp(name, "[vdso]") == 0)
			m->special = "[vdso]";
		p->nmaps++;
	}
	fclose(f);
	return p;
}

static struct proc *get_proc(struct usyms *u, uint32_t pid)
{
	uint32_t i = hmap_get(&u->proc_map, pid, NULL, NULL);

	if (i != HMAP_NONE)
		return &u->procs[i];
	if (u->nprocs == u->procs_cap) {
		uint32_t cap = u->procs_cap ? u->procs_cap * 2 : 64;
		struct proc *p = realloc(u->procs, cap * sizeof(*p));
		if (!p)
			return NULL;
		u->procs = p;
		u->procs_cap = cap;
	}
	struct proc *p = &u->procs[u->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (hmap_put(&u->proc_map, pid, u->nprocs))
		return NULL;
	u->nprocs++;
	return load_maps(u, p);
}

static const struct mapping *find_map(const struct proc *p, uint64_t addr)
{
	for (int i = 0; i < p->nmaps; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

static const char *resolve(struct usyms *u, uint32_t pid, uint64_t addr, int caller)
{
	struct proc *p = get_proc(u, pid);
	const struct mapping *m;
	uint64_t a = addr - (caller ? 1 : 0);

	if (!p)
		return NULL;
	if (p->stale) {
		p->stale = 0;
		p->gone = 0;
		load_maps(u, p);
	}
	m = find_map(p, a);
	/* A mapping made since we read the maps: read them again, but not
	 * over and over for an address that is simply not mapped. */
	if (!m && !p->gone && now_ns() - p->loaded_ns > 50 * 1000000LL) {
		load_maps(u, p);
		m = find_map(p, a);
	}
	if (!m)
		return "[unknown]";
	if (m->special)
		return m->special;
	if (m->file < 0)
		return "[unknown]";
	const struct efile *f = &u->files[m->file];
	uint64_t off = a - m->start + m->pgoff;
	for (int i = 0; f->syms && i < f->nsegs; i++) {
		const struct seg *s = &f->segs[i];

		if (off >= s->off && off < s->off + s->filesz) {
			const struct ksym *k = ksyms_lookup(f->syms, off - s->off + s->vaddr);
			if (k)
				return k->name;
			break;
		}
	}
	return f->label;
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

const char *usyms_name(struct usyms *u, uint32_t pid, uint64_t addr, int caller)
{
	struct proc *p = get_proc(u, pid);
	const char *name;

	if (!p)
		return NULL;
	struct name_key k = { u, (uint64_t)pid << 32 | (uint64_t)(p->gen & 0x7fffffff) << 1 |
				 (caller != 0), addr };
	uint64_t h = hash_mix(addr ^ hash_mix(k.who));
	uint32_t i = hmap_get(&u->name_map, h, name_eq, &k);

	if (i != HMAP_NONE)
		return u->names[i];
	name = resolve(u, pid, addr, caller);
	name = name ? intern(u, name) : NULL;
	if (!name)
		return NULL;
	if (u->nnames == u->names_cap) {
		uint32_t cap = u->names_cap ? u->names_cap * 2 : 1024;
		char **n = realloc(u->names, cap * sizeof(*n));
		if (!n)
			return NULL;
		u->names = n;
		uint64_t *keys = realloc(u->name_keys, 2 * (size_t)cap * sizeof(*keys));
		if (!keys)
			return NULL;
		u->name_keys = keys;
		u->names_cap = cap;
	}
	u->names[u->nnames] = (char *)name;
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

void usyms_free(struct usyms *u)
{
	if (!u)
		return;
	for (uint32_t i = 0; i < u->nprocs; i++)
		free(u->procs[i].maps);
	free(u->procs);
	hmap_free(&u->proc_map);
	for (uint32_t i = 0; i < u->nfiles; i++) {
		ksyms_free(u->files[i].syms);
		free(u->files[i].segs);
		free(u->files[i].label);
	}
	free(u->files);
	hmap_free(&u->file_map);
	hmap_free(&u->name_map);
	free(u->name_keys);
	free(u->names);
	hmap_free(&u->str_map);
	for (uint32_t i = 0; i < u->nstrs; i++)
		free(u->strs[i]);
	free(u->strs);
	free(u);
}
