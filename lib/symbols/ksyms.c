/* Kernel symbol tables; see ksyms.h. */
#include "symbols/ksyms.h"

#include "base/buf.h"
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* Strings live in fixed blocks that never move, so struct ksym can point
 * into them while the symbol array grows. */
struct block {
	struct block *next;
	size_t used, cap;
	char data[];
};

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	size_t *order;		/* after finish: index of each distinct address */
	size_t norder;
	struct block *blocks;
	size_t bad_lines;
	uint64_t etext;		/* core _etext, 0 if unknown */
	uint64_t module_lo;	/* lowest module symbol address, 0 if none */
	int finished;
};

int ksyms_is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

struct ksyms *ksyms_new(void)
{
	return calloc(1, sizeof(struct ksyms));
}

static char *store(struct ksyms *ks, const char *s, size_t n)
{
	struct block *b = ks->blocks;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > 65536 ? n + 1 : 65536;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = ks->blocks;
		ks->blocks = b;
	}
	char *p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

int ksyms_add(struct ksyms *ks, uint64_t addr, uint64_t end, const char *name,
	      size_t name_len, const char *module, size_t module_len,
	      char type)
{
	struct ksym *s;

	if (buf_grow((void **)&ks->syms, &ks->cap, ks->n + 1, sizeof(*ks->syms)))
		return -ENOMEM;
	s = &ks->syms[ks->n];
	s->addr = addr;
	s->end = end;
	s->type = type;
	s->name = store(ks, name, name_len);
	s->module = module ? store(ks, module, module_len) : NULL;
	if (!s->name || (module && !s->module))
		return -ENOMEM;
	ks->n++;
	ks->finished = 0;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One kallsyms line: "ADDR TYPE NAME" optionally "\t[MODULE]". */
static int parse_line(struct ksyms *ks, const char *p, const char *end)
{
	uint64_t addr = 0;
	int digits = 0, h;
	const char *name, *name_end, *mod = NULL, *mod_end = NULL;
	char type;

	while (p < end && (h = hexval((unsigned char)*p)) >= 0) {
		if (++digits > 16)
			return -EINVAL;
		addr = addr << 4 | (uint64_t)h;
		p++;
	}
	if (!digits || end - p < 3 || p[0] != ' ' || p[2] != ' ')
		return -EINVAL;
	type = p[1];
	name = p + 3;
	name_end = memchr(name, '\t', end - name);
	if (name_end) {
		mod = name_end + 1;
		if (end - mod < 3 || mod[0] != '[' || end[-1] != ']')
			return -EINVAL;
		mod++;
		mod_end = end - 1;
	} else {
		name_end = end;
	}
	if (name_end == name)
		return -EINVAL;
	return ksyms_add(ks, addr, 0, name, name_end - name, mod,
			 mod ? (size_t)(mod_end - mod) : 0, type) ? -ENOMEM : 0;
}

int ksyms_parse(struct ksyms *ks, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *line_end = nl ? nl : end;
		int err = parse_line(ks, p, line_end);

		if (err == -ENOMEM)
			return err;
		if (err)
			ks->bad_lines++;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* Ranks names at one address: global code first, so an alias such as
 * _stext or a weak symbol loses to the function a stack frame is in
 * (perf's rule too: non-weak before weak, then global before local). */
static int type_rank(char t)
{
	switch (t) {
	case 'T': return 0;
	case 't': return 1;
	case 'W': return 2;
	case 'w': return 3;
	default: return 4;
	}
}

static int is_end_marker(const struct ksym *s)
{
	return !s->module && (strcmp(s->name, "_etext") == 0 ||
			      strcmp(s->name, "_einittext") == 0);
}

/* The entry point a 64-bit system call goes through on its own
 * architecture. x86-64 puts __x64_sys_NAME, __ia32_sys_NAME and the local
 * __do_sys_NAME at one address; arm64's compat entries have their own
 * names (__arm64_compat_sys_), so its native prefix never meets a rival. A
 * kernel has one architecture, so all the prefixes may be listed. */
static int is_native_syscall(const char *name)
{
	static const char *const prefix[] = {
		"__x64_sys_", "__arm64_sys_", "__riscv_sys_", "__s390x_sys_",
		"__powerpc_sys_",
	};

	if (strncmp(name, "__", 2) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			return 1;
	return 0;
}

int ksyms_prefer(const struct ksym *x, const struct ksym *y)
{
	/* End markers last at their address: the symbol that starts there
	 * (if any) is what covers it. */
	if (is_end_marker(x) != is_end_marker(y))
		return is_end_marker(x) - is_end_marker(y);
	if (is_native_syscall(x->name) != is_native_syscall(y->name))
		return is_native_syscall(y->name) - is_native_syscall(x->name);
	if (type_rank(x->type) != type_rank(y->type))
		return type_rank(x->type) - type_rank(y->type);
	/* Section markers and internal aliases (_stext, __pfx_...) lose to
	 * the plain function name. */
	size_t ux = strspn(x->name, "_"), uy = strspn(y->name, "_");
	if (ux != uy)
		return ux < uy ? -1 : 1;
	/* perf's next rule: the longer name (__GI___fstatat64 over
	 * __GI___fstatat), the most specific of a family of aliases. */
	size_t lx = strlen(x->name), ly = strlen(y->name);
	if (lx != ly)
		return lx > ly ? -1 : 1;
	/* Where perf keeps the first it read, psys takes the first in
	 * byte order: the same whatever order a source lists them in. */
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (!x->module != !y->module)
		return x->module ? 1 : -1;
	return x->module ? strcmp(x->module, y->module) : 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return ksyms_prefer(x, y);
}

int ksyms_finish(struct ksyms *ks)
{
	size_t *order;

	/* qsort's pointer must not be NULL, even for an empty table. */
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_sym);
	order = realloc(ks->order, (ks->n ? ks->n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	ks->order = order;
	ks->norder = 0;
	for (size_t i = 0; i < ks->n; i++)
		if (i == 0 || ks->syms[i].addr != ks->syms[i - 1].addr)
			order[ks->norder++] = i;
	for (size_t k = 0; k < ks->norder; k++) {
		size_t i = order[k];
		uint64_t next = k + 1 < ks->norder ? ks->syms[order[k + 1]].addr
						    : UINT64_MAX;
		uint64_t cap = ks->syms[i].addr + KSYMS_MAX_IMPLICIT_SIZE;

		if (cap < ks->syms[i].addr)
			cap = UINT64_MAX;
		/* All names at one address share its extent. */
		for (size_t j = i; j < ks->n && ks->syms[j].addr == ks->syms[i].addr; j++)
			if (!ks->syms[j].end)
				ks->syms[j].end = next < cap ? next : cap;
	}
	ks->etext = 0;
	ks->module_lo = 0;
	for (size_t i = 0; i < ks->n; i++) {
		const struct ksym *s = &ks->syms[i];

		if (s->module && s->addr && !ks->module_lo)
			ks->module_lo = s->addr;	/* sorted: the first is lowest */
		if (!s->module && !ks->etext && strcmp(s->name, "_etext") == 0)
			ks->etext = s->addr;
	}
	ks->finished = 1;
	return 0;
}

const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->norder;
	const struct ksym *s;

	/* Largest distinct address <= ADDR. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[ks->order[mid]].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &ks->syms[ks->order[lo - 1]];
	if (addr >= s->end || !ksyms_is_text(s->type) || is_end_marker(s))
		return NULL;
	return s;
}

const struct ksym *ksyms_find(const struct ksyms *ks, const char *name)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->syms[i].name, name) == 0)
			return &ks->syms[i];
	return NULL;
}

size_t ksyms_count_name(const struct ksyms *ks, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < ks->n; i++)
		n += strcmp(ks->syms[i].name, name) == 0;
	return n;
}

size_t ksyms_count(const struct ksyms *ks)
{
	return ks->n;
}

const struct ksym *ksyms_at(const struct ksyms *ks, size_t i)
{
	return i < ks->n ? &ks->syms[i] : NULL;
}

size_t ksyms_bad_lines(const struct ksyms *ks)
{
	return ks->bad_lines;
}

size_t ksyms_pick_refs(const struct ksyms *ks, const struct ksym **out, size_t n)
{
	const struct ksym *stext = ksyms_find(ks, "_stext");
	size_t got = 0, first = 0, last = 0;

	if (!n)
		return 0;
	if (stext)
		out[got++] = stext;
	/* Core text runs from _stext to _etext: both in the table. */
	for (size_t i = 0; i < ks->n; i++) {
		const struct ksym *s = &ks->syms[i];

		if (stext && s->addr < stext->addr)
			continue;
		if (s->module || strcmp(s->name, "_etext") == 0)
			break;
		if (!first)
			first = i + 1;
		last = i + 1;
	}
	if (!first)
		return got;
	for (size_t k = 1; got < n && k < n; k++) {
		size_t i = first - 1 + (last - first) * k / n;

		/* Walk forward to the next global function whose name is
		 * unique: a static function may share its name with others. */
		for (; i < last; i++) {
			const struct ksym *s = &ks->syms[i];

			if (s->type == 'T' && s->name[0] != '_' &&
			    (got == 0 || s->addr > out[got - 1]->addr) &&
			    ksyms_count_name(ks, s->name) == 1) {
				out[got++] = s;
				break;
			}
		}
	}
	return got;
}

enum ksyms_match ksyms_match_refs(const struct ksyms *ks,
				  const struct ksyms_ref *refs, size_t n,
				  int64_t *delta, size_t *bad)
{
	int64_t d = 0;

	*delta = 0;
	if (bad)
		*bad = n;
	for (size_t i = 0; i < n; i++) {
		const struct ksym *s = NULL;

		/* The first core-kernel symbol of that name: references are
		 * chosen among core symbols with unique names. */
		for (size_t j = 0; j < ks->n && !s; j++)
			if (!ks->syms[j].module && strcmp(ks->syms[j].name, refs[i].name) == 0)
				s = &ks->syms[j];
		int64_t di = s ? (int64_t)(s->addr - refs[i].addr) : 0;

		if (!s || (i > 0 && di != d)) {
			if (bad)
				*bad = i;
			return KSYMS_DIFFERENT;
		}
		d = di;
	}
	if (n < 2)
		return KSYMS_UNCHECKED;
	*delta = d;
	return d ? KSYMS_SHIFTED : KSYMS_SAME;
}

uint64_t ksyms_etext(const struct ksyms *ks)
{
	return ks->etext;
}

int ksyms_past_etext(const struct ksyms *ks, uint64_t etext, uint64_t addr)
{
	if (!etext)
		etext = ks->etext;
	if (!etext || addr < etext || addr - etext >= (1ull << 30))
		return 0;
	return ks->module_lo <= etext || addr < ks->module_lo;
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	while (ks->blocks) {
		struct block *b = ks->blocks;

		ks->blocks = b->next;
		free(b);
	}
	free(ks->syms);
	free(ks->order);
	free(ks);
}

/* Doubles *BUF (capacity *CAP), refusing to pass LIMIT. Returns 0,
 * -EFBIG or -ENOMEM (the buffer is unchanged then). */
static int grow(char **buf, size_t *cap, size_t limit)
{
	char *p;

	if (*cap * 2 > limit)
		return -EFBIG;
	p = realloc(*buf, *cap * 2);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap *= 2;
	return 0;
}

/* Decompresses gzip or zstd input into a new buffer. Refuses output above
 * 1 GiB: no kallsyms is near that, a decompression bomb is. */
static int inflate_all(const char *in, size_t in_len, char **out,
		       size_t *out_len)
{
	const size_t limit = 1ul << 30;
	size_t cap = in_len * 4 + 4096, len = 0;
	char *buf = malloc(cap);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (in_len >= 4 && (unsigned char)in[0] == 0x28 &&
	    (unsigned char)in[1] == 0xb5 && (unsigned char)in[2] == 0x2f &&
	    (unsigned char)in[3] == 0xfd) {
		ZSTD_DCtx *dctx = ZSTD_createDCtx();
		ZSTD_inBuffer ib = { in, in_len, 0 };
		size_t r = 1;

		if (!dctx) {
			free(buf);
			return -ENOMEM;
		}
		while (ib.pos < ib.size || r != 0) {
			if (len == cap && (err = grow(&buf, &cap, limit)))
				break;
			ZSTD_outBuffer ob = { buf, cap, len };
			size_t before = ib.pos;
			r = ZSTD_decompressStream(dctx, &ob, &ib);
			len = ob.pos;
			if (ZSTD_isError(r)) {
				err = -EBADMSG;
				break;
			}
			/* Input used up in the middle of a frame. */
			if (ib.pos == ib.size && ob.pos < ob.size && r != 0 &&
			    before == ib.pos) {
				err = -EBADMSG;
				break;
			}
		}
		ZSTD_freeDCtx(dctx);
	} else {
		z_stream zs;
		int zr;

		memset(&zs, 0, sizeof(zs));
		if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
			free(buf);
			return -ENOMEM;
		}
		zs.next_in = (unsigned char *)in;
		zs.avail_in = in_len;
		do {
			if (len == cap && (err = grow(&buf, &cap, limit)))
				break;
			zs.next_out = (unsigned char *)buf + len;
			zs.avail_out = cap - len;
			zr = inflate(&zs, Z_NO_FLUSH);
			len = cap - zs.avail_out;
			if (zr != Z_OK && zr != Z_STREAM_END) {
				err = -EBADMSG;
				break;
			}
			if (zr == Z_OK && zs.avail_in == 0 && zs.avail_out) {
				err = -EBADMSG;	/* truncated */
				break;
			}
		} while (zr != Z_STREAM_END);
		inflateEnd(&zs);
	}
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

struct ksyms *ksyms_load(const char *path)
{
	struct ksyms *ks = NULL;
	char *raw = NULL, *text = NULL;
	size_t raw_len = 0, text_len = 0;
	int err;

	err = file_read_path(path, SIZE_MAX, (unsigned char **)&raw, &raw_len);
	if (err)
		goto cleanup;
	/* gzip (1f 8b) or zstd (28 b5 2f fd) magic: a saved, compressed copy. */
	if (raw_len >= 4 && (((unsigned char)raw[0] == 0x1f &&
			      (unsigned char)raw[1] == 0x8b) ||
			     ((unsigned char)raw[0] == 0x28 &&
			      (unsigned char)raw[1] == 0xb5))) {
		err = inflate_all(raw, raw_len, &text, &text_len);
	} else {
		text = raw;
		text_len = raw_len;
		raw = NULL;
	}
	if (err)
		goto cleanup;
	ks = ksyms_new();
	if (!ks) {
		err = -ENOMEM;
		goto cleanup;
	}
	if ((err = ksyms_parse(ks, text, text_len)) || (err = ksyms_finish(ks)))
		goto cleanup;
	if (ks->n == 0) {
		err = -EBADMSG;
		goto cleanup;
	}
	/* kptr_restrict shows every address as zero. */
	if (ks->syms[ks->n - 1].addr == 0) {
		err = -ENODATA;
		goto cleanup;
	}
cleanup:
	free(raw);
	free(text);
	if (err) {
		ksyms_free(ks);
		errno = -err;
		return NULL;
	}
	return ks;
}
