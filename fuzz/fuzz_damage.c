/* libFuzzer harness for the damage property: the input is a damage script
 * (flips, inserted bytes, cuts, lost ranges, copied records) applied to a
 * synthetic capture made once at start; the damaged capture is folded and
 * must never give a process or a stack a sample the clean fold did not
 * (fuzz/damage_oracle.h). A violation aborts. */
#include "damage_oracle.h"

static unsigned char *clean_img;
static size_t clean_len;
static struct dmg_fold clean_fold;
static struct dmg_rec rec[4096];
static size_t nrec;

/* What damage may excuse (DMG_UNKNOWN, DMG_UNNAMED): a symbols or a
 * cgroups record of the clean capture of which no whole copy is left in
 * IMG. */
static int damaged_tables(const unsigned char *img, size_t len)
{
	int allow = 0;

	for (size_t i = 0; i < nrec; i++)
		if ((rec[i].type == 4 || rec[i].type == 5) &&
		    !memmem(img, len, clean_img + rec[i].off, rec[i].size))
			allow |= rec[i].type == 4 ? DMG_UNKNOWN : DMG_UNNAMED;
	return allow;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!clean_img) {
		if (dmg_make_capture(&clean_img, &clean_len) || dmg_fold(clean_img, clean_len, &clean_fold))
			abort();
		nrec = dmg_records(clean_img, clean_len, rec, 4096);
	}
	size_t cap = clean_len * 2 + 4096, len = clean_len;
	unsigned char *img = malloc(cap);
	memcpy(img, clean_img, len);

	/* Each op: kind, a 16-bit position (scaled to the image), an argument. */
	for (size_t i = 0; i + 4 <= size && i < 64; i += 4) {
		size_t at = len ? ((size_t)data[i + 1] << 8 | data[i + 2]) * len / 65536 : 0;
		unsigned arg = data[i + 3];

		switch (data[i] % 5) {
		case 0:		/* flip */
			if (at < len)
				img[at] ^= (unsigned char)(arg | 1);
			break;
		case 1:		/* insert 1 to 8 bytes */
			if (len + 8 <= cap) {
				size_t m = 1 + arg % 8;
				memmove(img + at + m, img + at, len - at);
				for (size_t k = 0; k < m; k++)
					img[at + k] = (unsigned char)(arg * 31 + k);
				len += m;
			}
			break;
		case 2:		/* cut */
			len = at;
			break;
		case 3: {	/* lose ARG * 7 bytes */
			size_t m = (size_t)arg * 7;
			if (m > len - at)
				m = len - at;
			memmove(img + at, img + at + m, len - at - m);
			len -= m;
			break;
		}
		case 4: {	/* copy clean record ARG in at AT */
			const struct dmg_rec *r = &rec[arg % nrec];
			if (len + r->size <= cap) {
				memmove(img + at + r->size, img + at, len - at);
				memcpy(img + at, clean_img + r->off, r->size);
				len += r->size;
			}
			break;
		}
		}
	}
	struct dmg_fold got;
	if (dmg_fold(img, len, &got) == 0) {
		/* [unknown] frames (or unnamed cgroups) only where no whole
		 * copy of a symbols (cgroups) record is left. (Input regress-unused-symbols: a copy
		 * written over the file header's end went unread until the
		 * reader looked for records from the byte after the major
		 * version when the header's reserved bytes are not zero.) */
		const char *why = dmg_check(&clean_fold, &got, damaged_tables(img, len));
		if (why) {
			fprintf(stderr, "damage oracle: %s\n", why);
			abort();
		}
		dmg_fold_free(&got);
	}
	free(img);
	return 0;
}
