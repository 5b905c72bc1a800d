/* fk_text.c - see fk_text.h. */
#include <stdint.h>

#include "fk_text.h"

size_t
fk_utf8_len(const unsigned char *s, size_t len)
{
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
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
	if (c >= 0xd800 && c <= 0xdfff)
		return 0;		/* surrogates */
	return n;
}

size_t
fk_text_ctl(const unsigned char *s, size_t len, size_t *step)
{
	size_t n = 0, k;

	if (len == 0)
		k = 0;
	else if (s[0] < 0x20 || s[0] == 0x7f ||
	    (s[0] >= 0x80 && s[0] <= 0x9f))
		k = n = 1;
	else if (s[0] == 0xc2 && len >= 2 && s[1] >= 0x80 && s[1] <= 0x9f)
		k = n = 2;
	else if ((k = fk_utf8_len(s, len)) == 0)
		k = 1;
	if (step != NULL)
		*step = k;
	return n;
}

void
fk_text_ascii(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			s[i] = '?';
}
