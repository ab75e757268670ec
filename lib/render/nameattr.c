/* The name-attribute file; see nameattr.h. */
#include "render/nameattr.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hmap.h"

struct item {
	char *name;
	size_t len;
	struct nameattr_entry a;
	char *strings;		/* every value of A, owned */
};

struct nameattr {
	struct item *it;
	size_t n, cap;
	struct hmap map;	/* hash of name -> index */
};

struct key {
	const struct nameattr *na;
	const char *s;
	size_t n;
};

static int key_eq(const void *ctx, uint32_t i)
{
	const struct key *k = ctx;

	return k->na->it[i].len == k->n && memcmp(k->na->it[i].name, k->s, k->n) == 0;
}

const struct nameattr_entry *nameattr_get(const struct nameattr *na, const char *name,
					  size_t len)
{
	struct key k = { na, name, len };
	uint32_t i = hmap_get(&na->map, hash_bytes(name, len, 0), key_eq, &k);

	return i == HMAP_NONE ? NULL : &na->it[i].a;
}

size_t nameattr_size(const struct nameattr *na)
{
	return na->n;
}

void nameattr_free(struct nameattr *na)
{
	if (!na)
		return;
	for (size_t i = 0; i < na->n; i++) {
		free(na->it[i].name);
		free(na->it[i].strings);
	}
	free(na->it);
	hmap_free(&na->map);
	free(na);
}

/* Parses the attributes of one line (S, N bytes after the name's tab)
 * into IT; copies of the values live in IT->strings. */
static int parse_attrs(struct item *it, const char *s, size_t n, size_t *ignored,
		       char *ignored_key, size_t key_len)
{
	char *copy = malloc(n + 1), *p, *tab;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, n);
	copy[n] = '\0';
	it->strings = copy;
	for (p = copy; p; p = tab) {
		char *eq;
		const char **slot = NULL;

		if ((tab = strchr(p, '\t')))
			*tab++ = '\0';
		if (!*p)
			continue;
		/* KEY=VALUE, the value up to the next tab; "=" in it stays. */
		if (!(eq = strchr(p, '=')))
			eq = p + strlen(p);
		else
			*eq++ = '\0';
		if (strcmp(p, "title") == 0)
			slot = &it->a.title;
		else if (strcmp(p, "href") == 0)
			slot = &it->a.href;
		else if (strcmp(p, "target") == 0)
			slot = &it->a.target;
		else if (strcmp(p, "id") == 0)
			slot = &it->a.id;
		else if (strcmp(p, "class") == 0)
			slot = &it->a.class_;
		if (slot) {
			*slot = eq;
		} else if (!(*ignored)++ && key_len) {
			strncpy(ignored_key, p, key_len - 1);
			ignored_key[key_len - 1] = '\0';
		}
	}
	return 0;
}

struct nameattr *nameattr_parse(const char *text, size_t len, size_t *err_line,
				size_t *ignored, char *ignored_key, size_t key_len)
{
	struct nameattr *na = calloc(1, sizeof(*na));
	const char *p = text, *end = text + len;
	size_t line = 0;

	*err_line = *ignored = 0;
	if (key_len)
		ignored_key[0] = '\0';
	if (!na)
		return NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *tab;
		struct key k;
		uint32_t old;
		struct item it = { 0 };

		line++;
		if (e > p && e[-1] == '\r')
			e--;
		if (e == p)
			goto next;
		if (!(tab = memchr(p, '\t', (size_t)(e - p)))) {
			*err_line = line;
			nameattr_free(na);
			errno = EINVAL;
			return NULL;
		}
		it.len = (size_t)(tab - p);
		if (!(it.name = malloc(it.len + 1)))
			goto nomem;
		memcpy(it.name, p, it.len);
		it.name[it.len] = '\0';
		if (parse_attrs(&it, tab + 1, (size_t)(e - tab - 1), ignored, ignored_key,
				key_len)) {
			free(it.name);
			goto nomem;
		}
		/* A name given twice: the later line wins, as in a hash. */
		k = (struct key){ na, it.name, it.len };
		old = hmap_get(&na->map, hash_bytes(it.name, it.len, 0), key_eq, &k);
		if (old != HMAP_NONE) {
			free(na->it[old].name);
			free(na->it[old].strings);
			na->it[old] = it;
			goto next;
		}
		if (na->n >= HMAP_NONE - 1 ||
		    buf_grow((void **)&na->it, &na->cap, na->n + 1, sizeof(*na->it)) ||
		    hmap_put(&na->map, hash_bytes(it.name, it.len, 0), (uint32_t)na->n)) {
			free(it.name);
			free(it.strings);
			goto nomem;
		}
		na->it[na->n++] = it;
next:
		p = nl ? nl + 1 : end;
	}
	return na;
nomem:
	nameattr_free(na);
	errno = ENOMEM;
	return NULL;
}
