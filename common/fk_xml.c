/* fk_xml.c - see fk_xml.h. */
#include <stdint.h>
#include <string.h>

#include "fk_xml.h"

size_t
fk_xml_charlen(const unsigned char *s, size_t len)
{
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		/* XML 1.0 Char: TAB, LF, CR and 0x20 up. */
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return 0;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff)
		return 0;		/* overlong or out of range */
	if ((c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;		/* surrogates, non-characters */
	return n;
}

/* Feed the escaped form of s to put(), piece by piece. */
static void
escape(const void *src, size_t len, void (*put)(void *, const char *, size_t),
    void *arg)
{
	const unsigned char *s = src;
	size_t i = 0, run = 0, n;
	char hex[5];

	while (i < len) {
		const char *ent = NULL;

		switch (s[i]) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '\'': ent = "&apos;"; break;
		case '"': ent = "&quot;"; break;
		case '\\': ent = "\\x5c"; break;
		/* Parsers normalize these in attributes (and CR anywhere). */
		case '\t': ent = "&#9;"; break;
		case '\n': ent = "&#10;"; break;
		case '\r': ent = "&#13;"; break;
		}
		n = ent ? 0 : fk_xml_charlen(s + i, len - i);
		if (ent == NULL && n > 0) {
			i += n;
			run += n;
			continue;
		}
		if (run > 0)
			put(arg, (const char *)s + i - run, run);
		run = 0;
		if (ent == NULL) {
			static const char xd[] = "0123456789abcdef";

			hex[0] = '\\';
			hex[1] = 'x';
			hex[2] = xd[s[i] >> 4];
			hex[3] = xd[s[i] & 15];
			hex[4] = '\0';
			ent = hex;
		}
		put(arg, ent, strlen(ent));
		i++;
	}
	if (run > 0)
		put(arg, (const char *)s + i - run, run);
}

static void
put_file(void *arg, const char *p, size_t n)
{
	fwrite(p, 1, n, arg);
}

void
fk_xml_esc(FILE *f, const void *s, size_t len)
{
	escape(s, len, put_file, f);
}

void
fk_xml_escs(FILE *f, const char *s)
{
	escape(s, strlen(s), put_file, f);
}

struct sbuf {
	char *dst;
	size_t size, len;
};

static void
put_buf(void *arg, const char *p, size_t n)
{
	struct sbuf *b = arg;

	if (b->len < b->size) {
		size_t room = b->size - b->len - 1;

		memcpy(b->dst + b->len, p, n < room ? n : room);
	}
	b->len += n;
}

size_t
fk_xml_escape(char *dst, size_t size, const void *s, size_t len)
{
	struct sbuf b = { dst, size, 0 };

	escape(s, len, put_buf, &b);
	if (size > 0)
		dst[b.len < size ? b.len : size - 1] = '\0';
	return b.len;
}
