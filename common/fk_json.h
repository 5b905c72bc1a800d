/*
 * fk_json.h - JSON Lines of flat objects: writing them, and reading one
 * line of hostile input at a time.
 *
 * Writing: fk_json_str() writes bytes as a quoted JSON string: well-formed
 * UTF-8 (fk_text.h) passes through, but for '"' and '\' (escaped) and the
 * control characters C0, DEL and C1 (U+0080-U+009F), written as \u00XX
 * (\n, \r, \t for those three); every byte that does not start a
 * well-formed UTF-8 character (broken, overlong, surrogate) becomes
 * \ufffd, one per byte (lossy: a writer that must keep the bytes checks
 * fk_json_text_ok() and uses fk_json_b64() otherwise).  So the output is
 * valid JSON in valid UTF-8, and never carries a byte a terminal obeys.
 * fk_json_b64() writes bytes as a base64 string.
 *
 * Reading: fk_json_parse() takes one line holding one object whose
 * values are strings, numbers, true, false or null: no nested object or
 * array (so no recursion, whatever the input), at most FK_JSON_MAXMEMBERS
 * members, no key twice.  Strings must be UTF-8; their escapes are
 * decoded (\u0000 included, surrogate pairs to UTF-8; a lone surrogate
 * is an error).  Numbers keep their text; whole numbers from 0 to
 * 2^64-1 are also decoded.  The caller bounds the line's length.
 */
#ifndef FK_JSON_H
#define FK_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void fk_json_str(FILE *, const void *s, size_t len);
/* The same for a NUL-terminated string; NULL is written as null. */
void fk_json_strs(FILE *, const char *s);
void fk_json_b64(FILE *, const void *p, size_t len);
/* 1 if s[0..len) is well-formed UTF-8 (NUL bytes allowed). */
int fk_json_text_ok(const void *s, size_t len);

#define FK_JSON_MAXMEMBERS	64

enum fk_json_kind { FK_JSON_STR, FK_JSON_NUM, FK_JSON_TRUE, FK_JSON_FALSE,
	FK_JSON_NULL };

struct fk_jval {
	const char *key;	/* decoded, NUL-terminated */
	enum fk_json_kind kind;
	const char *s;		/* STR: decoded bytes (NUL-terminated too);
				   NUM: the number's text */
	size_t len;
	int isuint;		/* NUM: a whole number in u */
	uint64_t u;
	int used;		/* fk_json_get() returned it */
};

struct fk_jobj {
	struct fk_jval m[FK_JSON_MAXMEMBERS];
	int n;
	char *scratch;		/* decoded keys and strings */
	size_t scap;
	char err[160];		/* set when fk_json_parse() returns -1 */
};

void fk_json_init(struct fk_jobj *);
void fk_json_free(struct fk_jobj *);
/*
 * Parse line[0..len) (no newline; spaces around are fine): 0, or -1
 * with o->err saying what is wrong and at which column (from 1).
 */
int fk_json_parse(struct fk_jobj *o, const char *line, size_t len);
/* The member named key, marked used; NULL if there is none. */
struct fk_jval *fk_json_get(struct fk_jobj *, const char *key);
/* The first member no fk_json_get() asked for, or NULL. */
const struct fk_jval *fk_json_unused(const struct fk_jobj *);

#endif
