/* Buffered, escaping XML writer; see svg.h. */
#include "render/svg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SVG_BUFSIZE (256 * 1024)

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

int svg_init(struct svg *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->buf = malloc(SVG_BUFSIZE);
	if (!w->buf) {
		w->err = -ENOMEM;
		return -ENOMEM;
	}
	w->cap = SVG_BUFSIZE;
	return 0;
}

static void drain(struct svg *w)
{
	if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->f) != w->len)
		w->err = errno ? -errno : -EIO;
	w->len = 0;
}

void svg_put(struct svg *w, const char *s, size_t n)
{
	if (!w->buf)
		return;
	while (n) {
		size_t k;

		if (w->len == w->cap)
			drain(w);
		k = w->cap - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
	}
}

void svg_puts(struct svg *w, const char *s)
{
	svg_put(w, s, strlen(s));
}

void svg_printf(struct svg *w, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (k < 0) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	if ((size_t)k < sizeof(small)) {
		svg_put(w, small, k);
		return;
	}
	big = malloc((size_t)k + 1);
	if (!big) {
		if (!w->err)
			w->err = -ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)k + 1, fmt, ap);
	va_end(ap);
	svg_put(w, big, k);
	free(big);
}

/* Decodes one UTF-8 sequence at S (N > 0 bytes left). Returns its length
 * and stores the code point, or returns 0 if the bytes there are not
 * well-formed UTF-8 (Unicode's table 3-7: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	v = (v << 6) | (s[1] & 0x3F);
	for (size_t i = 2; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return len;
}

/* Code points we never pass through: XML 1.0 forbids most C0 controls
 * and U+FFFE/U+FFFF; the C1 controls are legal but invisible; the bidi
 * overrides and isolates could make a name display as something else. */
static int shown_as_replacement(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE ||
	       cp == 0xFFFF || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Plain ASCII that needs no escaping: copied in runs. */
static inline int plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7F && c != '&' && c != '<' && c != '>' &&
	       c != '"' && c != '\'';
}

/* Writes up to MAXCHARS characters of S; returns the bytes consumed. */
static size_t escape_chars(struct svg *w, const char *str, size_t n,
			   size_t maxchars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, shown = 0;

	while (i < n && shown < maxchars) {
		size_t run = i;
		uint32_t cp;
		size_t len;

		while (run < n && shown < maxchars && plain(s[run])) {
			run++;
			shown++;
		}
		if (run > i) {
			svg_put(w, str + i, run - i);
			i = run;
			continue;
		}
		shown++;
		switch (s[i]) {
		case '&': svg_put(w, "&amp;", 5); i++; continue;
		case '<': svg_put(w, "&lt;", 4); i++; continue;
		case '>': svg_put(w, "&gt;", 4); i++; continue;
		case '"': svg_put(w, "&quot;", 6); i++; continue;
		case '\'': svg_put(w, "&#39;", 5); i++; continue;
		}
		len = utf8_decode(s + i, n - i, &cp);
		if (!len || shown_as_replacement(cp)) {
			svg_put(w, REPLACEMENT, 3);
			i += len ? len : 1;
		} else {
			svg_put(w, str + i, len);
			i += len;
		}
	}
	return i;
}

void svg_escape(struct svg *w, const char *s, size_t n)
{
	escape_chars(w, s, n, (size_t)-1);
}

size_t svg_charcount(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, count = 0;
	uint32_t cp;

	while (i < n) {
		size_t len = s[i] < 0x80 ? 1 : utf8_decode(s + i, n - i, &cp);

		i += len ? len : 1;
		count++;
	}
	return count;
}

void svg_escape_fit(struct svg *w, const char *s, size_t n, size_t maxchars)
{
	if (maxchars < 3)
		return;
	/* Most names are ASCII and short: skip counting when the byte
	 * length already proves the name fits. */
	if (n <= maxchars || svg_charcount(s, n) <= maxchars) {
		escape_chars(w, s, n, maxchars);
		return;
	}
	escape_chars(w, s, n, maxchars - 2);
	svg_put(w, "..", 2);
}

/* Writes the digits of V into the end of BUF (at least 20 bytes) and
 * returns where they start. */
static char *digits(char *end, uint64_t v)
{
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v);
	return end;
}

void svg_uint(struct svg *w, uint64_t v)
{
	char buf[24], *p = digits(buf + sizeof(buf), v);

	svg_put(w, p, buf + sizeof(buf) - p);
}

static const double POW10[] = { 1, 10, 100, 1000, 1e4, 1e5, 1e6 };

void svg_fixed(struct svg *w, double v, int decimals)
{
	char buf[48], *end = buf + sizeof(buf), *p;
	uint64_t scaled, ip, fp;
	int neg = 0;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	if (!isfinite(v))
		v = 0;
	if (v < 0) {
		neg = 1;
		v = -v;
	}
	if (v >= 1e15) {
		svg_printf(w, "%s%.*f", neg ? "-" : "", decimals, v);
		return;
	}
	scaled = (uint64_t)llround(v * POW10[decimals]);
	ip = scaled / (uint64_t)POW10[decimals];
	fp = scaled % (uint64_t)POW10[decimals];
	p = end;
	if (fp) {
		int d = decimals;

		while (fp % 10 == 0) {
			fp /= 10;
			d--;
		}
		for (; d > 0; d--) {
			*--p = '0' + fp % 10;
			fp /= 10;
		}
		*--p = '.';
	}
	p = digits(p, ip);
	if (neg && scaled)
		*--p = '-';
	svg_put(w, p, end - p);
}

void svg_count(struct svg *w, double v, int group)
{
	char buf[48], *end = buf + sizeof(buf), *p = end;
	uint64_t u;
	int k = 0;

	if (v > 9007199254740992.0 && v < 1e300 && v == floor(v)) {
		/* Past 2^53 every double is whole: its digits, grouped
		 * as the others (flamegraph.pl's %.0f). */
		char d[320];
		int len = snprintf(d, sizeof(d), "%.0f", v);

		for (int i = 0; i < len; i++) {
			if (group && i && (len - i) % 3 == 0)
				svg_put(w, ",", 1);
			svg_put(w, d + i, 1);
		}
		return;
	}
	if (!(v >= 0 && v <= 9007199254740992.0 && v == floor(v))) {
		svg_printf(w, "%.15g", isfinite(v) ? v : 0);
		return;
	}
	u = (uint64_t)v;
	if (!group) {
		svg_uint(w, u);
		return;
	}
	do {
		if (k && k % 3 == 0)
			*--p = ',';
		*--p = '0' + u % 10;
		u /= 10;
		k++;
	} while (u);
	svg_put(w, p, end - p);
}

int svg_flush(struct svg *w)
{
	if (!w->buf)
		return w->err ? w->err : -ENOMEM;
	drain(w);
	if (fflush(w->f) && !w->err)
		w->err = errno ? -errno : -EIO;
	if (ferror(w->f) && !w->err)
		w->err = -EIO;
	return w->err;
}

void svg_free(struct svg *w)
{
	if (!w)
		return;
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}
