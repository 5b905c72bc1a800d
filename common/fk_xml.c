/* fk_xml.c - see fk_xml.h. */
#include <stdint.h>
#include <string.h>

#include "fk_text.h"
#include "fk_xml.h"

static int termsafe;

void
fk_xml_termsafe(int on)
{
	termsafe = on;
}

size_t
fk_xml_charlen(const unsigned char *s, size_t len)
{
	size_t n = fk_utf8_len(s, len);

	/* XML 1.0 Char: TAB, LF, CR and 0x20 up */
	if (n == 1 && s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' &&
	    s[0] != '\r')
		return 0;
	/* U+FFFE, U+FFFF: non-characters */
	if (n == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
		return 0;
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
		if (n > 0 && termsafe && fk_text_ctl(s + i, len - i, NULL))
			n = 0;		/* DEL, C1: \xHH, byte by byte */
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
