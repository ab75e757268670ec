/* The header and trailer facts of a capture; see capinfo.h. */
#include "fold/capinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const char *s)
{
	return s ? s : "";
}

/* The header's facts, once H is read (or empty). */
static int header_facts(struct capinfo *ci)
{
	const struct psys_header *h = &ci->h;

	ci->host = str(h->host);
	ci->kernel_release = str(h->kernel_release);
	ci->cpus = h->hot_cpus && *h->hot_cpus ? h->hot_cpus : str(h->cpus);
	ci->no_symbols = h->symbols && strcmp(h->symbols, "none") == 0;
	ci->has_clocks = PSYS_HAS(h, PSYS_H_START_WALL_NS) && PSYS_HAS(h, PSYS_H_START_MONO_NS);
	ci->trigger = PSYS_HAS(h, PSYS_H_TRIGGER) ? &h->trigger.t : NULL;
	ci->stext_first = psys_header_ref(h, "_stext");
	ci->etext_first = psys_header_ref(h, "_etext");
	ci->refs = calloc(h->nref_symbols + 1, sizeof(*ci->refs));
	if (!ci->refs)
		return -ENOMEM;
	for (size_t i = 0; i < h->nref_symbols; i++) {
		const struct psys_ref_symbol *r = &h->ref_symbols[i];

		if (!*r->name)
			continue;
		ci->refs[ci->nrefs].name = r->name;
		ci->refs[ci->nrefs++].addr = r->addr;
		if (strcmp(r->name, "_etext") == 0)
			ci->etext = r->addr;
	}
	return 0;
}

int capinfo_header(struct capinfo *ci, struct psysfile_reader *r, char *why, size_t len)
{
	int err = psys_header_from_json(psysfile_header(r), &ci->h, why, len);

	if (err)
		psys_header_release(&ci->h);
	if (err == -ENOMEM)
		return err;
	return header_facts(ci) ? -ENOMEM : err;
}

int capinfo_trailer(struct capinfo *ci, struct psysfile_reader *r, char *why, size_t len)
{
	const struct psys_trailer *t = &ci->t;
	int err = psys_trailer_from_json(psysfile_trailer(r), &ci->t, why, len);

	if (err) {
		psys_trailer_release(&ci->t);
		return err;
	}
	ci->has_list = t->ntriggers + t->triggers_unread > 0;
	return 0;
}

void capinfo_free(struct capinfo *ci)
{
	if (!ci)
		return;
	free(ci->refs);
	psys_header_release(&ci->h);
	psys_trailer_release(&ci->t);
	memset(ci, 0, sizeof(*ci));
}
