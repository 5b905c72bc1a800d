/* fk_json.c - flat JSON objects, one a line: see fk_json.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_b64.h"
#include "fk_json.h"
#include "fk_text.h"
#include "fk_util.h"

int
fk_json_text_ok(const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0, k;

	while (i < len) {
		if ((k = fk_utf8_len(p + i, len - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

void
fk_json_str(FILE *fp, const void *sv, size_t len)
{
	const unsigned char *s = sv;
	size_t i = 0, n;

	putc('"', fp);
	while (i < len) {
		unsigned char c = s[i];

		if ((n = fk_utf8_len(s + i, len - i)) == 0) {
			fputs("\\ufffd", fp);	/* not UTF-8 */
			i++;
			continue;
		}
		if (fk_text_ctl(s + i, n, NULL) > 0) {
			/* C0, DEL, or C1 (U+0080-U+009F) */
			unsigned cp = n == 2 ? s[i + 1] : c;

			switch (cp) {
			case '\n': fputs("\\n", fp); break;
			case '\r': fputs("\\r", fp); break;
			case '\t': fputs("\\t", fp); break;
			default: fprintf(fp, "\\u%04x", cp); break;
			}
		} else if (c == '"' || c == '\\') {
			putc('\\', fp);
			putc(c, fp);
		} else
			fwrite(s + i, 1, n, fp);
		i += n;
	}
	putc('"', fp);
}

void
fk_json_strs(FILE *fp, const char *s)
{
	if (s == NULL)
		fputs("null", fp);
	else
		fk_json_str(fp, s, strlen(s));
}

void
fk_json_b64(FILE *f, const void *p, size_t len)
{
	const uint8_t *b = p;
	char buf[FK_B64_LEN(3 * 1024)];

	putc('"', f);
	for (size_t i = 0; i < len; i += 3 * 1024) {
		size_t n = len - i < 3 * 1024 ? len - i : 3 * 1024;

		fwrite(buf, 1, fk_b64_encode(buf, b + i, n), f);
	}
	putc('"', f);
}

void
fk_json_init(struct fk_jobj *o)
{
	memset(o, 0, sizeof(*o));
}

void
fk_json_free(struct fk_jobj *o)
{
	free(o->scratch);
	o->scratch = NULL;
	o->scap = 0;
}

struct parser {
	struct fk_jobj *o;
	const char *p;
	size_t len, i;
	size_t out;		/* bytes used in o->scratch */
};

static int
perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->o->err, sizeof(ps->o->err), "column %zu: ",
	    ps->i + 1);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(ps->o->err))
		vsnprintf(ps->o->err + n, sizeof(ps->o->err) - (size_t)n, fmt,
		    ap);
	va_end(ap);
	return -1;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->i < ps->len && (ps->p[ps->i] == ' ' ||
	    ps->p[ps->i] == '\t' || ps->p[ps->i] == '\r' ||
	    ps->p[ps->i] == '\n'))
		ps->i++;
}

static int
hex4(struct parser *ps, unsigned *v)
{
	*v = 0;
	if (ps->len - ps->i < 4)
		return perr(ps, "\\u needs four hex digits");
	for (int k = 0; k < 4; k++) {
		int c = ps->p[ps->i++], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else {
			ps->i--;
			return perr(ps, "\\u needs four hex digits");
		}
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

static void
put_utf8(struct parser *ps, unsigned c)
{
	char *d = ps->o->scratch + ps->out;

	if (c < 0x80)
		d[0] = (char)c, ps->out += 1;
	else if (c < 0x800) {
		d[0] = (char)(0xc0 | c >> 6);
		d[1] = (char)(0x80 | (c & 0x3f));
		ps->out += 2;
	} else if (c < 0x10000) {
		d[0] = (char)(0xe0 | c >> 12);
		d[1] = (char)(0x80 | (c >> 6 & 0x3f));
		d[2] = (char)(0x80 | (c & 0x3f));
		ps->out += 3;
	} else {
		d[0] = (char)(0xf0 | c >> 18);
		d[1] = (char)(0x80 | (c >> 12 & 0x3f));
		d[2] = (char)(0x80 | (c >> 6 & 0x3f));
		d[3] = (char)(0x80 | (c & 0x3f));
		ps->out += 4;
	}
}

/*
 * A string at p[i] (the opening quote), decoded into the scratch buffer:
 * never longer than its text there, so the buffer (the line's length
 * and a NUL a string) always holds it.
 */
static int
string(struct parser *ps, const char **s, size_t *n)
{
	size_t start = ps->out;

	ps->i++;
	for (;;) {
		unsigned char c;
		size_t k;

		if (ps->i >= ps->len)
			return perr(ps, "the line ends inside a string");
		c = (unsigned char)ps->p[ps->i];
		if (c == '"') {
			ps->i++;
			break;
		}
		if (c < 0x20)
			return perr(ps, "a control character in a string "
			    "(write it as \\u%04x)", c);
		if (c != '\\') {
			if ((k = fk_utf8_len((const unsigned char *)ps->p +
			    ps->i, ps->len - ps->i)) == 0)
				return perr(ps, "a string that is not UTF-8");
			memcpy(ps->o->scratch + ps->out, ps->p + ps->i, k);
			ps->out += k;
			ps->i += k;
			continue;
		}
		if (++ps->i >= ps->len)
			return perr(ps, "the line ends inside a string");
		c = (unsigned char)ps->p[ps->i++];
		switch (c) {
		case '"': case '\\': case '/':
			ps->o->scratch[ps->out++] = (char)c;
			break;
		case 'b': ps->o->scratch[ps->out++] = '\b'; break;
		case 'f': ps->o->scratch[ps->out++] = '\f'; break;
		case 'n': ps->o->scratch[ps->out++] = '\n'; break;
		case 'r': ps->o->scratch[ps->out++] = '\r'; break;
		case 't': ps->o->scratch[ps->out++] = '\t'; break;
		case 'u': {
			unsigned v, w;

			if (hex4(ps, &v) < 0)
				return -1;
			if (v >= 0xdc00 && v <= 0xdfff)
				return perr(ps, "a lone low surrogate \\u%04x",
				    v);
			if (v >= 0xd800 && v <= 0xdbff) {
				if (ps->len - ps->i < 2 ||
				    ps->p[ps->i] != '\\' ||
				    ps->p[ps->i + 1] != 'u')
					return perr(ps, "a lone high surrogate "
					    "\\u%04x", v);
				ps->i += 2;
				if (hex4(ps, &w) < 0)
					return -1;
				if (w < 0xdc00 || w > 0xdfff)
					return perr(ps, "a lone high surrogate "
					    "\\u%04x", v);
				v = 0x10000 + ((v - 0xd800) << 10) +
				    (w - 0xdc00);
			}
			put_utf8(ps, v);	/* 6 or 12 chars made <= 4 */
			break;
		}
		default:
			ps->i--;
			return perr(ps, "an unknown escape \\%c",
			    c >= 0x20 && c < 0x7f ? c : '?');
		}
	}
	*s = ps->o->scratch + start;
	*n = ps->out - start;
	ps->o->scratch[ps->out++] = '\0';
	return 0;
}

static int
number(struct parser *ps, struct fk_jval *v)
{
	size_t s = ps->i;
	int whole = 1, neg = 0;
	uint64_t u = 0;

	if (ps->p[ps->i] == '-') {
		neg = 1;
		ps->i++;
	}
	if (ps->i >= ps->len || ps->p[ps->i] < '0' || ps->p[ps->i] > '9')
		return perr(ps, "a number without digits");
	if (ps->p[ps->i] == '0' && ps->i + 1 < ps->len &&
	    ps->p[ps->i + 1] >= '0' && ps->p[ps->i + 1] <= '9')
		return perr(ps, "a number with a leading zero");
	while (ps->i < ps->len && ps->p[ps->i] >= '0' && ps->p[ps->i] <= '9') {
		unsigned d = (unsigned)(ps->p[ps->i++] - '0');

		if (u > (UINT64_MAX - d) / 10)
			whole = 0;	/* too large: kept as text */
		u = u * 10 + d;
	}
	if (ps->i < ps->len && ps->p[ps->i] == '.') {
		whole = 0;
		ps->i++;
		if (ps->i >= ps->len || ps->p[ps->i] < '0' ||
		    ps->p[ps->i] > '9')
			return perr(ps, "a number without digits after '.'");
		while (ps->i < ps->len && ps->p[ps->i] >= '0' &&
		    ps->p[ps->i] <= '9')
			ps->i++;
	}
	if (ps->i < ps->len && (ps->p[ps->i] == 'e' || ps->p[ps->i] == 'E')) {
		whole = 0;
		ps->i++;
		if (ps->i < ps->len && (ps->p[ps->i] == '+' ||
		    ps->p[ps->i] == '-'))
			ps->i++;
		if (ps->i >= ps->len || ps->p[ps->i] < '0' ||
		    ps->p[ps->i] > '9')
			return perr(ps, "a number without exponent digits");
		while (ps->i < ps->len && ps->p[ps->i] >= '0' &&
		    ps->p[ps->i] <= '9')
			ps->i++;
	}
	v->kind = FK_JSON_NUM;
	v->s = ps->p + s;
	v->len = ps->i - s;
	v->isuint = whole && !neg;
	v->u = v->isuint ? u : 0;
	return 0;
}

static int
word(struct parser *ps, const char *w, enum fk_json_kind k,
    struct fk_jval *v)
{
	size_t n = strlen(w);

	if (ps->len - ps->i < n || memcmp(ps->p + ps->i, w, n) != 0)
		return perr(ps, "not a JSON value");
	ps->i += n;
	v->kind = k;
	v->s = w;
	v->len = n;
	return 0;
}

int
fk_json_parse(struct fk_jobj *o, const char *line, size_t len)
{
	struct parser ps = { o, line, len, 0, 0 };

	o->n = 0;
	o->err[0] = '\0';
	if (o->scap < len + 1) {
		free(o->scratch);
		o->scap = len + 1;
		o->scratch = fk_malloc(o->scap);
	}
	skip_ws(&ps);
	if (ps.i >= len || line[ps.i] != '{')
		return perr(&ps, "not a JSON object (a line starts with {)");
	ps.i++;
	skip_ws(&ps);
	if (ps.i < len && line[ps.i] == '}') {
		ps.i++;
		goto end;
	}
	for (;;) {
		struct fk_jval *v;
		const char *key;
		size_t klen;
		char c;

		skip_ws(&ps);
		if (ps.i >= len || line[ps.i] != '"')
			return perr(&ps, "a member name (a string) expected");
		if (string(&ps, &key, &klen) < 0)
			return -1;
		for (int k = 0; k < o->n; k++)
			if (strcmp(o->m[k].key, key) == 0)
				return perr(&ps, "\"%.40s\" given twice", key);
		if (o->n == FK_JSON_MAXMEMBERS)
			return perr(&ps, "more than %d members",
			    FK_JSON_MAXMEMBERS);
		v = &o->m[o->n];
		memset(v, 0, sizeof(*v));
		v->key = key;
		skip_ws(&ps);
		if (ps.i >= len || line[ps.i] != ':')
			return perr(&ps, "':' expected after \"%.40s\"", key);
		ps.i++;
		skip_ws(&ps);
		if (ps.i >= len)
			return perr(&ps, "the line ends before the value of "
			    "\"%.40s\"", key);
		c = line[ps.i];
		if (c == '"') {
			v->kind = FK_JSON_STR;
			if (string(&ps, &v->s, &v->len) < 0)
				return -1;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if (number(&ps, v) < 0)
				return -1;
		} else if (c == 't') {
			if (word(&ps, "true", FK_JSON_TRUE, v) < 0)
				return -1;
		} else if (c == 'f') {
			if (word(&ps, "false", FK_JSON_FALSE, v) < 0)
				return -1;
		} else if (c == 'n') {
			if (word(&ps, "null", FK_JSON_NULL, v) < 0)
				return -1;
		} else if (c == '{' || c == '[')
			return perr(&ps, "\"%.40s\": nested objects and arrays "
			    "are not used", key);
		else
			return perr(&ps, "\"%.40s\": not a JSON value", key);
		o->n++;
		skip_ws(&ps);
		if (ps.i < len && line[ps.i] == ',') {
			ps.i++;
			continue;
		}
		if (ps.i < len && line[ps.i] == '}') {
			ps.i++;
			break;
		}
		return perr(&ps, "',' or '}' expected");
	}
end:
	skip_ws(&ps);
	if (ps.i != len)
		return perr(&ps, "text after the object");
	return 0;
}

struct fk_jval *
fk_json_get(struct fk_jobj *o, const char *key)
{
	for (int k = 0; k < o->n; k++)
		if (strcmp(o->m[k].key, key) == 0) {
			o->m[k].used = 1;
			return &o->m[k];
		}
	return NULL;
}

const struct fk_jval *
fk_json_unused(const struct fk_jobj *o)
{
	for (int k = 0; k < o->n; k++)
		if (!o->m[k].used)
			return &o->m[k];
	return NULL;
}
