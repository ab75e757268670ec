/* gen-hostile: writes deterministic hostile folded-stack input for
 * psys-svg's tests: frame names made of markup characters, "]]>", NULs,
 * control bytes, invalid and valid UTF-8, now and then a very long name,
 * a very deep stack or a line that is not a stack at all.
 *
 *   gen-hostile [SEED [LINES]] > hostile.folded */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint32_t below(uint32_t n)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) % n);
}

static const char *const PIECES[] = {
	"<", ">", "&", "\"", "'", "]]>", "<![CDATA[", "-->", "<!--",
	"<script>alert(1)</script>", "&amp;", "&#0;", "&#xD800;",
	"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\xA5", "\xE2\x80\xAE",
	"\xEF\xBF\xBF", "\xED\xA0\x80", "\xC0\xAF", "\xF8\x88\x80\x80\x80",
	"\xC3", "\xE2\x82", "_[k]", " [nf_tables]", "\\", "%s%n", "\t",
	"\r", "\x7f", "\xC2\x85",
};

static void name(void)
{
	int len = below(50) == 0 ? 2000 + below(2000) : below(24);

	for (int i = 0; i < len; i++) {
		uint32_t kind = below(10);
		int c;

		if (kind < 4) {
			c = 0x20 + below(0x5f);
		} else if (kind < 6) {
			fputs(PIECES[below(sizeof(PIECES) / sizeof(PIECES[0]))],
			      stdout);
			continue;
		} else if (kind < 8) {
			c = 0x80 + below(0x80);
		} else {
			c = below(0x20);
		}
		if (c == '\n' || c == ';')
			c = '?';
		putchar(c);
	}
}

int main(int argc, char **argv)
{
	long lines = argc > 2 ? atol(argv[2]) : 300;

	state = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	for (long l = 0; l < lines; l++) {
		int depth = below(60) == 0 ? 500 + below(1000) : 1 + below(12);

		for (int d = 0; d < depth; d++) {
			if (d)
				putchar(';');
			/* A few shared roots, so frames merge and nest. */
			if (d < 2 && below(2))
				printf("root%u", below(3));
			else
				name();
		}
		switch (below(12)) {
		case 0:
			break;			/* no count: invalid */
		case 1:
			printf(" %u.%u", below(100), below(100));
			break;
		case 2:
			printf(" -%u", below(100));	/* invalid */
			break;
		default:
			printf(" %u", below(1000));
		}
		putchar('\n');
	}
	return fflush(stdout) ? 1 : 0;
}
