/*
 * fk_json.h - JSON strings that stay valid whatever the bytes (a URI,
 * a header from the wire).
 *
 * fk_json_str() writes s[0..len) as a quoted JSON string: '"' and '\'
 * are escaped, the control characters of fk_text.h (C0, DEL, C1 as a
 * byte or as UTF-8) become \u00XX (the code point: a byte 0x80-0x9f
 * that is not UTF-8 is written as the code point of the same value),
 * well-formed UTF-8 passes through, and every other byte (broken,
 * overlong or surrogate UTF-8) becomes \ufffd, one per byte.  So the
 * output is valid UTF-8 JSON, and never carries a byte a terminal
 * obeys.
 */
#ifndef FK_JSON_H
#define FK_JSON_H

#include <stddef.h>
#include <stdio.h>

void fk_json_str(FILE *, const void *s, size_t len);
/* The same for a NUL-terminated string; NULL is written as null. */
void fk_json_strs(FILE *, const char *s);

#endif
