/* UTF-8 repair; see utf8.h. */
#include "base/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at S (N bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] >= 0x01 && s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t utf8_repair(const char *s, size_t len, char *out, size_t out_len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t o = 0, put = 0;	/* bytes needed, bytes written */

	while (p < end) {
		size_t k = utf8_seq(p, (size_t)(end - p));
		const char *src = k ? (const char *)p : "\xef\xbf\xbd";
		size_t m = k ? k : 3;

		/* Whole characters only, and none after the first that did
		 * not fit: the output is a prefix cut between characters. */
		if (put == o && o + m < out_len) {
			memcpy(out + o, src, m);
			put += m;
		}
		o += m;
		p += k ? k : 1;
	}
	if (out_len)
		out[put] = '\0';
	return o;
}

json_t *utf8_json(const char *s, size_t n)
{
	size_t need = utf8_repair(s, n, NULL, 0);
	char *tmp = malloc(need + 1);
	json_t *j;

	if (!tmp)
		return NULL;
	utf8_repair(s, n, tmp, need + 1);
	j = json_stringn(tmp, need);
	free(tmp);
	return j;
}

