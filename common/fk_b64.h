/*
 * fk_b64.h - base64 (RFC 4648, the standard alphabet with + and /).
 *
 * fk_b64_encode() writes padded base64; fk_b64_decode() reads it with
 * the padding optional, and nothing else: no spaces, no other alphabet.
 */
#ifndef FK_B64_H
#define FK_B64_H

#include <stddef.h>
#include <stdint.h>

/* Characters fk_b64_encode() writes for n bytes (no NUL). */
#define FK_B64_LEN(n)	(((n) + 2) / 3 * 4)

/* Write FK_B64_LEN(n) characters at out (no NUL); returns that count. */
size_t fk_b64_encode(char *out, const uint8_t *p, size_t n);
/*
 * Decode s[0..n): at most cap bytes into out.  Returns the number of
 * bytes, or -1 if s is not base64 (a character outside the alphabet, a
 * '=' before the end, more than two of them, a lone last character) or
 * would decode to more than cap bytes.  Empty s decodes to 0 bytes.
 */
long fk_b64_decode(uint8_t *out, size_t cap, const char *s, size_t n);

#endif
