/*
 * fk_json.h - JSON strings that stay valid whatever the bytes (a URI,
 * a header from the wire).
 *
 * fk_json_str() writes s[0..len) as a quoted JSON string: well-formed
 * UTF-8 (fk_text.h) passes through, but for '"' and '\\' (escaped) and
 * the control characters C0, DEL and C1 (U+0080-U+009F), written as
 * \u00XX (\n, \r, \t for those three); every byte that does not start
 * a well-formed UTF-8 character (broken, overlong, surrogate) becomes
 * \ufffd, one per byte.  So the output is valid JSON in valid UTF-8,
 * and never carries a byte a terminal obeys.
 */
#ifndef FK_JSON_H
#define FK_JSON_H

#include <stddef.h>
#include <stdio.h>

void fk_json_str(FILE *, const void *s, size_t len);
/* The same for a NUL-terminated string; NULL is written as null. */
void fk_json_strs(FILE *, const char *s);

#endif
