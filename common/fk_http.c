/* fk_http.c - streaming HTTP/1.x parser and body decoder, see fk_http.h. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <brotli/decode.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createDStream_advanced */
#include <zstd.h>

#include "fk_http.h"
#include "fk_util.h"

enum {
	S_DETECT = 0,	/* first bytes of the direction */
	S_HDR,		/* collecting a header block */
	S_BODY_LEN,
	S_CHUNK_SIZE,
	S_CHUNK_DATA,
	S_CHUNK_CRLF,
	S_TRAILER,
	S_BODY_CLOSE,
	S_RESYNC,	/* looking for a start line at a line start */
	S_SWITCHED,	/* another protocol: bytes only counted */
	S_OFF,
};

/* ---- small pure helpers */

static int
is_method_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* "HTTP/1.d" at p: 1 yes, 0 no, -1 too short to tell. */
static int
http_version(const uint8_t *p, size_t n)
{
	static const char v[] = "HTTP/1.";
	size_t i;

	for (i = 0; i < 7; i++) {
		if (i >= n)
			return -1;
		if (p[i] != (uint8_t)v[i])
			return 0;
	}
	if (n < 8)
		return -1;
	return isdigit(p[7]) ? 1 : 0;
}

int
fk_hp_looks_response(const uint8_t *p, size_t n)
{
	int r = http_version(p, n);
	size_t i;

	if (r != 1)
		return r;
	if (n < 9)
		return -1;
	if (p[8] != ' ')
		return 0;
	for (i = 9; i < 12; i++) {
		if (i >= n)
			return -1;
		if (!isdigit(p[i]))
			return 0;
	}
	return 1;
}

int
fk_hp_looks_request(const uint8_t *p, size_t n)
{
	size_t i, u;
	int r;

	for (i = 0; i < n && i < 24 && is_method_char(p[i]); i++)
		;
	if (i == n)
		return i < 24 ? -1 : 0;
	if (i == 0 || p[i] != ' ')
		return 0;
	/* URI: no controls, no spaces; capped by the caller's buffer. */
	for (u = i + 1; u < n && p[u] > ' ' && p[u] != 0x7f; u++)
		;
	if (u == n)
		return -1;
	if (u == i + 1 || p[u] != ' ')
		return 0;
	r = http_version(p + u + 1, n - u - 1);
	return r;
}

static int
lc_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++)
		if (tolower((unsigned char)a[i]) != b[i])
			return 0;
	return 1;
}

/* Copy [p, p+n) to dst (cap bytes), trimmed of blanks, controls -> '?'. */
static void
copy_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t i, j = 0;

	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r'))
		n--;
	for (i = 0; i < n && j + 1 < cap; i++)
		dst[j++] = (p[i] < ' ' || p[i] == 0x7f) ? '?' : (char)p[i];
	dst[j] = '\0';
}

/* Does the comma-separated list in v contain token t (lowercase)? */
static int
has_token(const char *v, const char *t)
{
	size_t tl = strlen(t);
	const char *s = v;

	while (*s) {
		const char *e;
		size_t l;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		e = s;
		while (*e && *e != ',')
			e++;
		l = (size_t)(e - s);
		while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t'))
			l--;
		if (l == tl && lc_eq(s, l, t))
			return 1;
		s = e;
	}
	return 0;
}

/*
 * Last token of a comma list is t? (Transfer-Encoding: gzip, chunked)
 * Empty list elements are ignored (RFC 9110 5.6.1): "chunked, ," too.
 */
static int
last_token_is(const char *v, const char *t)
{
	size_t b, e = strlen(v);

	while (e > 0 && (v[e - 1] == ' ' || v[e - 1] == '\t' ||
	    v[e - 1] == ','))
		e--;
	b = e;
	while (b > 0 && v[b - 1] != ',')
		b--;
	while (b < e && (v[b] == ' ' || v[b] == '\t'))
		b++;
	return lc_eq(v + b, e - b, t);
}

/* Content-Length: digits, or a list of equal values "5, 5". */
static int
parse_clen(const char *v, uint64_t *out)
{
	const char *s = v;
	int have = 0;
	uint64_t first = 0;

	for (;;) {
		uint64_t n = 0;
		int digits = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		while (isdigit((unsigned char)*s)) {
			if (n > (UINT64_MAX - 9) / 10)
				return -1;
			n = n * 10 + (uint64_t)(*s - '0');
			s++, digits++;
		}
		if (!digits)
			return -1;
		while (*s == ' ' || *s == '\t')
			s++;
		if (have && n != first)
			return -1;
		first = n, have = 1;
		if (*s == '\0')
			break;
		if (*s != ',')
			return -1;
		s++;
	}
	*out = first;
	return 0;
}

/*
 * Content-Encoding (a list; several header lines add up): the codings in
 * the order applied; identity is no coding.  *unknown is set for a coding
 * not known or past FK_HP_CODINGS_MAX.
 */
static void
add_codings(struct fk_hp_msg *m, const char *v, int *unknown)
{
	size_t l = strlen(m->cenc);

	if (l > 0 && l + 2 < sizeof(m->cenc))
		memcpy(m->cenc + l, ", ", 3), l += 2;
	copy_str(m->cenc + l, sizeof(m->cenc) - l, (const uint8_t *)v,
	    strlen(v));
	while (*v) {
		const char *e = strchr(v, ',');
		size_t tl;
		int c;

		if (e == NULL)
			e = v + strlen(v);
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		tl = (size_t)(e - v);
		while (tl > 0 && (v[tl - 1] == ' ' || v[tl - 1] == '\t'))
			tl--;
		if (tl == 0 || lc_eq(v, tl, "identity"))
			c = FK_HP_CODING_IDENTITY;
		else if (lc_eq(v, tl, "gzip") || lc_eq(v, tl, "x-gzip"))
			c = FK_HP_CODING_GZIP;
		else if (lc_eq(v, tl, "deflate"))
			c = FK_HP_CODING_DEFLATE;
		else if (lc_eq(v, tl, "br"))
			c = FK_HP_CODING_BR;
		else if (lc_eq(v, tl, "zstd"))
			c = FK_HP_CODING_ZSTD;
		else
			c = FK_HP_CODING_OTHER;
		if (c == FK_HP_CODING_OTHER ||
		    (c != FK_HP_CODING_IDENTITY &&
		    m->ncodings == FK_HP_CODINGS_MAX))
			*unknown = 1;
		else if (c != FK_HP_CODING_IDENTITY)
			m->codings[m->ncodings++] = (uint8_t)c;
		v = *e ? e + 1 : e;
	}
}

int
fk_hp_parse_head(const uint8_t *p, size_t n, struct fk_hp_msg *m)
{
	size_t ls = 0, le, i;
	int line = 0;
	char val[512];

	int unknown = 0;

	memset(m, 0, sizeof(*m));
	while (ls < n) {
		size_t ll;

		for (le = ls; le < n && p[le] != '\n'; le++)
			;
		ll = le - ls;
		if (ll > 0 && p[ls + ll - 1] == '\r')
			ll--;
		if (line == 0) {
			const uint8_t *q = p + ls;

			if (fk_hp_looks_response(q, ll) == 1) {
				m->kind = FK_HP_RESP;
				m->minor = q[7] - '0';
				m->status = (q[9] - '0') * 100 +
				    (q[10] - '0') * 10 + (q[11] - '0');
				if (ll > 12)
					copy_str(m->reason, sizeof(m->reason),
					    q + 12, ll - 12);
			} else if (fk_hp_looks_request(q, ll) == 1) {
				size_t a, b;

				for (a = 0; q[a] != ' '; a++)
					;
				for (b = a + 1; q[b] != ' '; b++)
					;
				m->kind = FK_HP_REQ;
				copy_str(m->method, sizeof(m->method), q, a);
				copy_str(m->uri, sizeof(m->uri), q + a + 1,
				    b - a - 1);
				m->minor = q[b + 8] - '0';
				/* Nothing but blanks may follow the version. */
				for (i = b + 9; i < ll; i++)
					if (q[i] != ' ' && q[i] != '\t')
						return -1;
			} else
				return -1;
		} else if (ll == 0) {
			break;		/* end of the block */
		} else if (p[ls] == ' ' || p[ls] == '\t') {
			;		/* obsolete line folding: ignored */
		} else {
			const uint8_t *q = p + ls;
			size_t c;

			for (c = 0; c < ll && q[c] != ':'; c++)
				;
			if (c == ll || c == 0)
				goto next;	/* not a header line: skip */
			copy_str(val, sizeof(val), q + c + 1, ll - c - 1);
			if (lc_eq((const char *)q, c, "content-length")) {
				uint64_t v;

				if (parse_clen(val, &v) < 0 ||
				    (m->has_clen && v != m->clen))
					m->clen_bad = 1;
				else
					m->clen = v;
				m->has_clen = 1;
			} else if (lc_eq((const char *)q, c,
			    "transfer-encoding")) {
				copy_str(m->trenc, sizeof(m->trenc), q + c + 1,
				    ll - c - 1);
				m->chunked = last_token_is(m->trenc, "chunked");
			} else if (lc_eq((const char *)q, c,
			    "content-encoding")) {
				add_codings(m, val, &unknown);
			} else if (lc_eq((const char *)q, c, "content-type")) {
				copy_str(m->ctype, sizeof(m->ctype), q + c + 1,
				    ll - c - 1);
			} else if (lc_eq((const char *)q, c, "host")) {
				copy_str(m->host, sizeof(m->host), q + c + 1,
				    ll - c - 1);
			} else if (lc_eq((const char *)q, c, "user-agent")) {
				copy_str(m->ua, sizeof(m->ua), q + c + 1,
				    ll - c - 1);
			} else if (lc_eq((const char *)q, c, "referer")) {
				copy_str(m->referer, sizeof(m->referer),
				    q + c + 1, ll - c - 1);
			} else if (lc_eq((const char *)q, c,
			    "content-disposition")) {
				copy_str(m->cdisp, sizeof(m->cdisp), q + c + 1,
				    ll - c - 1);
			} else if (lc_eq((const char *)q, c, "connection")) {
				if (has_token(val, "close"))
					m->conn_close = 1;
			} else if (lc_eq((const char *)q, c, "expect")) {
				if (has_token(val, "100-continue"))
					m->expect_continue = 1;
			} else if (lc_eq((const char *)q, c, "upgrade")) {
				m->upgrade = 1;
			}
		}
next:
		line++;
		ls = le + 1;
	}
	if (unknown)
		m->coding = FK_HP_CODING_OTHER;
	else if (m->ncodings == 0)
		m->coding = FK_HP_CODING_IDENTITY;
	else if (m->ncodings == 1)
		m->coding = m->codings[0];
	else
		m->coding = FK_HP_CODING_STACKED;
	return line > 0 ? 0 : -1;
}

/* ---- the streaming parser */

void
fk_hp_init(struct fk_hp *hp, const struct fk_hp_cb *cb)
{
	memset(hp, 0, sizeof(*hp));
	hp->cb = *cb;
	hp->state = S_DETECT;
	hp->role = FK_HP_DETECT;
}

/* Buffer bytes held: cap old becomes cap new. */
static void
hp_mem(struct fk_hp *hp, size_t old, size_t new)
{
	if (hp->mem)
		*hp->mem = *hp->mem - old + new;
}

void
fk_hp_free(struct fk_hp *hp)
{
	hp_mem(hp, hp->hcap + hp->lcap, 0);
	free(hp->hdr);
	hp->hdr = NULL;
	hp->hlen = hp->hcap = 0;
	free(hp->line);
	hp->line = NULL;
	hp->llen = hp->lcap = 0;
}

static void
hdr_add(struct fk_hp *hp, const uint8_t *p, size_t n)
{
	if (hp->hlen + n > hp->hcap) {
		size_t c = hp->hcap ? hp->hcap : 1024;

		while (c < hp->hlen + n)
			c *= 2;
		if (c > FK_HP_HDR_MAX + FK_HP_LINE_MAX)
			c = FK_HP_HDR_MAX + FK_HP_LINE_MAX;
		hp->hdr = fk_realloc(hp->hdr, c);
		hp_mem(hp, hp->hcap, c);
		hp->hcap = c;
	}
	memcpy(hp->hdr + hp->hlen, p, n);
	hp->hlen += n;
}

static void
go_off(struct fk_hp *hp)
{
	hp->state = S_OFF;
	hp->role = FK_HP_OFF;
	fk_hp_free(hp);
}

/* Another protocol from here: what is held counts as its bytes. */
static void
go_switched(struct fk_hp *hp)
{
	hp->st.switched += hp->hlen;
	hp->hlen = 0;
	hp->llen = 0;
	hp->switch_after = 0;
	hp->may_switch = 0;
	fk_hp_free(hp);
	hp->state = S_SWITCHED;
}

int
fk_hp_switch(struct fk_hp *hp)
{
	if (hp->state == S_SWITCHED || hp->state == S_OFF)
		return 0;
	if (hp->in_msg) {
		if (hp->switch_after)
			return 0;
		hp->switch_after = 1;
		return 1;
	}
	go_switched(hp);
	return 1;
}

static void
end_msg(struct fk_hp *hp)
{
	int f = hp->incomplete ? FK_HP_END_INCOMPLETE : 0;

	if (hp->in_msg && hp->cb.on_end)
		hp->cb.on_end(hp->cb.arg, hp->wire_len, hp->ent_len, f);
	hp->in_msg = 0;
	hp->incomplete = 0;
	hp->ltoolong = 0;
	/*
	 * Between messages a parser holds no buffer: a flow waiting for its
	 * next request (or lingering until its close) costs only the struct.
	 */
	fk_hp_free(hp);
	if (hp->switch_after)
		go_switched(hp);
	else if (hp->stop_after)
		go_off(hp);
	else
		hp->state = S_HDR;
}

static void
resync(struct fk_hp *hp)
{
	if (hp->in_msg) {
		hp->incomplete = 1;
		hp->stop_after = 0;
		end_msg(hp);
	}
	hp->st.resync++;
	hp->state = S_RESYNC;
	hp->hlen = 0;
	hp->llen = 0;
	hp->ltoolong = 0;
}

static void
wire(struct fk_hp *hp, const uint8_t *p, size_t n)
{
	if (n && hp->cb.on_wire)
		hp->cb.on_wire(hp->cb.arg, p, n, hp->wire_len);
	hp->wire_len += n;
}

static void
entity(struct fk_hp *hp, const uint8_t *p, size_t n)
{
	if (n && hp->cb.on_body)
		hp->cb.on_body(hp->cb.arg, p, n, hp->ent_len);
	hp->ent_len += n;
}

/* A complete header block is in hp->hdr[0, hlen). */
static void
headers_done(struct fk_hp *hp)
{
	struct fk_hp_msg m;
	int how;

	if (fk_hp_parse_head(hp->hdr, hp->hlen, &m) < 0 ||
	    (hp->role == FK_HP_REQ && m.kind != FK_HP_REQ) ||
	    (hp->role == FK_HP_RESP && m.kind != FK_HP_RESP)) {
		hp->st.bad_msg++;
		resync(hp);
		return;
	}
	hp->role = m.kind;
	m.hdr_offset = hp->hdr_off;
	m.body_offset = hp->hdr_off + hp->hlen;
	m.ts_ns = hp->ts_ns;
	m.raw = hp->hdr;
	m.rawlen = hp->hlen;
	hp->msgs++;
	hp->in_msg = 1;
	hp->incomplete = 0;
	hp->stop_after = 0;
	hp->switch_after = 0;
	hp->may_switch = 0;
	hp->wire_len = hp->ent_len = 0;
	hp->llen = 0;
	hp->ltoolong = 0;

	if (m.kind == FK_HP_REQ) {
		if (m.chunked)
			hp->mode = FK_HP_BODY_CHUNKED;
		else if (m.has_clen && !m.clen_bad && m.clen > 0)
			hp->mode = FK_HP_BODY_LENGTH;
		else
			hp->mode = FK_HP_BODY_NONE;
		if (m.has_clen && m.clen_bad && !m.chunked)
			hp->stop_after = 1;	/* cannot find the next one */
		/* A tunnel or another protocol may follow its answer. */
		hp->may_switch = m.upgrade || strcmp(m.method, "CONNECT") == 0;
	} else {
		if ((m.status >= 100 && m.status < 200) || m.status == 204 ||
		    m.status == 304)
			hp->mode = FK_HP_BODY_NONE;
		else if (m.chunked)
			hp->mode = FK_HP_BODY_CHUNKED;
		else if (m.has_clen && !m.clen_bad)
			hp->mode = m.clen > 0 ? FK_HP_BODY_LENGTH :
			    FK_HP_BODY_NONE;
		else
			hp->mode = FK_HP_BODY_CLOSE;
		if (m.status == 101)
			hp->switch_after = 1;	/* protocol switched */
	}
	how = hp->cb.on_headers ? hp->cb.on_headers(hp->cb.arg, &m) :
	    FK_HP_AS_USUAL;
	if (how == FK_HP_NO_BODY)
		hp->mode = FK_HP_BODY_NONE;
	else if (how == FK_HP_STOP) {
		hp->stop_after = 1;
		if (m.kind == FK_HP_REQ || hp->mode != FK_HP_BODY_LENGTH)
			hp->mode = FK_HP_BODY_NONE;
	} else if (how == FK_HP_SWITCH) {
		hp->switch_after = 1;
		hp->mode = FK_HP_BODY_NONE;
	}
	/* The block is no longer needed while the body goes by. */
	hp_mem(hp, hp->hcap, 0);
	free(hp->hdr);
	hp->hdr = NULL;
	hp->hlen = hp->hcap = 0;
	switch (hp->mode) {
	case FK_HP_BODY_NONE:
		end_msg(hp);
		break;
	case FK_HP_BODY_LENGTH:
		hp->remain = m.clen;
		hp->state = S_BODY_LEN;
		break;
	case FK_HP_BODY_CHUNKED:
		hp->state = S_CHUNK_SIZE;
		break;
	default:
		hp->state = S_BODY_CLOSE;
		break;
	}
}

/*
 * Collect a line into hp->line; returns bytes of p consumed, sets *done
 * when the line (with its '\n') is complete.  Over-long lines keep their
 * first FK_HP_LINE_MAX bytes and set ltoolong.
 */
static size_t
take_line(struct fk_hp *hp, const uint8_t *p, size_t n, int *done)
{
	const uint8_t *nl = memchr(p, '\n', n);
	size_t take = nl ? (size_t)(nl - p) + 1 : n;
	size_t room = FK_HP_LINE_MAX - hp->llen;
	size_t c = take < room ? take : room;

	if (hp->llen + c > hp->lcap) {
		/* Sized on demand: chunk-size lines are a few bytes. */
		size_t nc = hp->lcap ? hp->lcap : 64;

		while (nc < hp->llen + c)
			nc *= 2;
		if (nc > FK_HP_LINE_MAX)
			nc = FK_HP_LINE_MAX;
		hp->line = fk_realloc(hp->line, nc);
		hp_mem(hp, hp->lcap, nc);
		hp->lcap = nc;
	}
	memcpy(hp->line + hp->llen, p, c);
	hp->llen += c;
	if (c < take)
		hp->ltoolong = 1;
	*done = nl != NULL;
	return take;
}

/* Length of the line in hp->line without CR LF. */
static size_t
line_len(const struct fk_hp *hp)
{
	size_t l = hp->llen;

	if (l > 0 && hp->line[l - 1] == '\n')
		l--;
	if (l > 0 && hp->line[l - 1] == '\r')
		l--;
	return l;
}

/*
 * Chunk size: hex digits after optional blanks.  Like browsers, accept
 * whatever follows them (extensions after ';', stray CR, junk): the
 * evasion cases in the corpus decode the way a client would see them.
 */
static int
parse_chunk_size(const uint8_t *p, size_t n, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	int digits = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\v' ||
	    p[i] == '\f' || p[i] == '\r'))
		i++;
	for (; i < n && isxdigit(p[i]); i++, digits++) {
		int d = isdigit(p[i]) ? p[i] - '0' :
		    tolower(p[i]) - 'a' + 10;

		if (v >> 60)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits)
		return -1;
	*out = v;
	return 0;
}

/* Find the end of a header block; returns its length or 0. */
static size_t
hdr_end(const uint8_t *h, size_t n, size_t from)
{
	size_t i;

	for (i = from; i < n; i++) {
		if (h[i] != '\n')
			continue;
		if (i + 1 < n && h[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && h[i + 1] == '\r' && h[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

void
fk_hp_feed(struct fk_hp *hp, const uint8_t *p, size_t n, uint64_t off,
    uint64_t ts_ns)
{
	if (off > hp->off)
		fk_hp_gap(hp, hp->off, off - hp->off);
	else if (off < hp->off) {
		/* Old bytes: drop what we have already seen. */
		uint64_t skip = hp->off - off;

		if (skip >= n)
			return;
		p += skip, n -= (size_t)skip;
	}
	hp->off += n;
	hp->ts_ns = ts_ns;

	while (n > 0) {
		size_t c;
		int done;

		switch (hp->state) {
		case S_OFF:
			return;
		case S_SWITCHED:
			hp->st.switched += n;
			return;
		case S_DETECT:
		case S_HDR: {
			size_t from, e;
			int r;

			if (hp->hlen == 0) {
				/* Blank lines between messages are allowed. */
				while (n > 0 && (*p == '\r' || *p == '\n'))
					p++, n--;
				if (n == 0)
					return;
				hp->hdr_off = hp->off - n;
			}
			from = hp->hlen > 3 ? hp->hlen - 3 : 0;
			c = n;
			if (hp->hlen + c > FK_HP_HDR_MAX)
				c = FK_HP_HDR_MAX - hp->hlen;
			hdr_add(hp, p, c);
			/* After CONNECT or Upgrade, not a request: switched. */
			if (hp->may_switch && fk_hp_looks_request(hp->hdr,
			    hp->hlen) == 0) {
				p += c, n -= c;
				go_switched(hp);
				hp->st.switched += n;
				return;
			}
			if (hp->state == S_DETECT) {
				r = fk_hp_looks_response(hp->hdr, hp->hlen);
				if (r == 1)
					hp->role = FK_HP_RESP;
				else {
					int q = fk_hp_looks_request(hp->hdr,
					    hp->hlen);

					if (q == 1)
						hp->role = FK_HP_REQ;
					else if (q == 0 && r == 0) {
						hp->hlen = 0;
						if (!hp->midstream) {
							go_off(hp);
							return;
						}
						hp->state = S_RESYNC;
						continue;
					}
				}
				if (hp->role != FK_HP_DETECT)
					hp->state = S_HDR;
			}
			e = hdr_end(hp->hdr, hp->hlen, from);
			if (e) {
				/* Give back what follows the block. */
				size_t used = c - (hp->hlen - e);

				hp->hlen = e;
				p += used, n -= used;
				headers_done(hp);
				continue;
			}
			p += c, n -= c;
			if (hp->hlen >= FK_HP_HDR_MAX) {
				hp->st.hdr_too_big++;
				go_off(hp);
				return;
			}
			break;
		}
		case S_BODY_LEN:
		case S_CHUNK_DATA:
			c = n < hp->remain ? n : (size_t)hp->remain;
			wire(hp, p, c);
			entity(hp, p, c);
			p += c, n -= c;
			hp->remain -= c;
			if (hp->remain == 0) {
				if (hp->state == S_BODY_LEN)
					end_msg(hp);
				else
					hp->state = S_CHUNK_CRLF;
			}
			break;
		case S_BODY_CLOSE:
			wire(hp, p, n);
			entity(hp, p, n);
			n = 0;
			break;
		case S_CHUNK_SIZE:
		case S_CHUNK_CRLF:
		case S_TRAILER: {
			uint64_t sz;
			size_t l;

			c = take_line(hp, p, n, &done);
			wire(hp, p, c);
			p += c, n -= c;
			if (!done)
				break;
			l = line_len(hp);
			if (hp->state == S_CHUNK_SIZE) {
				if (hp->ltoolong ||
				    parse_chunk_size(hp->line, l, &sz) < 0) {
					hp->st.bad_msg++;
					resync(hp);
					break;
				}
				hp->llen = 0;
				if (sz == 0)
					hp->state = S_TRAILER;
				else {
					hp->remain = sz;
					hp->state = S_CHUNK_DATA;
					/* No line buffer while data goes by. */
					hp_mem(hp, hp->lcap, 0);
					free(hp->line);
					hp->line = NULL;
					hp->lcap = 0;
				}
			} else if (hp->state == S_CHUNK_CRLF) {
				hp->llen = 0;
				if (l != 0) {
					hp->st.bad_msg++;
					resync(hp);
					break;
				}
				hp->state = S_CHUNK_SIZE;
			} else {
				/* A blank line ends the trailers. */
				while (l > 0 && (hp->line[l - 1] == ' ' ||
				    hp->line[l - 1] == '\t' ||
				    hp->line[l - 1] == '\r'))
					l--;
				hp->llen = 0;
				hp->ltoolong = 0;
				if (l == 0)
					end_msg(hp);
			}
			break;
		}
		case S_RESYNC: {
			size_t l, k;
			int ok;

			c = take_line(hp, p, n, &done);
			p += c, n -= c;
			if (!done)
				break;
			l = line_len(hp);
			ok = 0;
			/*
			 * The start line may follow the tail of a body that
			 * did not end in a newline: try every position.
			 */
			for (k = 0; !hp->ltoolong && k < l && !ok; k++) {
				if (hp->line[k] < 'A' || hp->line[k] > 'Z' ||
				    (k > 0 && is_method_char(hp->line[k - 1])))
					continue;
				if (hp->role != FK_HP_REQ &&
				    fk_hp_looks_response(hp->line + k,
				    l - k) == 1)
					ok = 1, hp->role = FK_HP_RESP;
				else if (hp->role != FK_HP_RESP &&
				    fk_hp_looks_request(hp->line + k,
				    l - k) == 1)
					ok = 1, hp->role = FK_HP_REQ;
			}
			if (ok) {
				k--;
				hp->hdr_off = hp->off - n - hp->llen + k;
				hp->hlen = 0;
				hdr_add(hp, hp->line + k, hp->llen - k);
				hp->state = S_HDR;
			}
			hp->llen = 0;
			hp->ltoolong = 0;
			break;
		}
		}
	}
}

void
fk_hp_shed(struct fk_hp *hp)
{
	if (hp->hcap == 0 && hp->lcap == 0)
		return;
	if (hp->hlen == 0 && hp->llen == 0 && (hp->state == S_BODY_LEN ||
	    hp->state == S_CHUNK_DATA || hp->state == S_BODY_CLOSE)) {
		fk_hp_free(hp);		/* nothing in them: nothing lost */
		return;
	}
	hp->st.shed++;
	if (hp->state == S_DETECT || hp->state == S_HDR ||
	    hp->state == S_RESYNC) {
		hp->state = S_RESYNC;
		hp->hlen = hp->llen = 0;
		hp->ltoolong = 0;
	} else
		resync(hp);	/* a chunk line: the message ends here */
	fk_hp_free(hp);
}

void
fk_hp_gap(struct fk_hp *hp, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, c;

	if (end <= hp->off)
		return;
	if (off > hp->off)
		off = hp->off;		/* unreported missing bytes too */
	len = end - off;
	hp->off = end;
	switch (hp->state) {
	case S_OFF:
	case S_SWITCHED:
		return;
	case S_DETECT:
		hp->hlen = 0;
		hp->state = S_RESYNC;
		hp->llen = 0;
		hp->ltoolong = 0;
		return;
	case S_HDR:
		if (hp->hlen == 0) {
			/* Between messages: the next one starts unseen. */
			hp->st.resync++;
			hp->state = S_RESYNC;
			hp->llen = 0;
			hp->ltoolong = 0;
			return;
		}
		hp->st.bad_msg++;
		resync(hp);
		return;
	case S_BODY_LEN:
	case S_CHUNK_DATA:
		c = len < hp->remain ? len : hp->remain;
		hp->incomplete = 1;
		hp->wire_len += c;
		hp->ent_len += c;
		hp->remain -= c;
		len -= c;
		if (hp->remain > 0)
			return;
		if (hp->state == S_CHUNK_DATA) {
			hp->state = S_CHUNK_CRLF;
			if (len == 0)
				return;
		} else {
			end_msg(hp);
			if (len == 0 || hp->state == S_OFF)
				return;
		}
		resync(hp);
		return;
	case S_BODY_CLOSE:
		hp->incomplete = 1;
		hp->wire_len += len;
		hp->ent_len += len;
		return;
	case S_RESYNC:
		hp->llen = 0;
		hp->ltoolong = 0;
		return;
	default:
		hp->wire_len += len;
		resync(hp);
		return;
	}
}

void
fk_hp_eof(struct fk_hp *hp, int clean)
{
	switch (hp->state) {
	case S_BODY_CLOSE:
		if (!clean)
			hp->incomplete = 1;
		hp->stop_after = 1;
		end_msg(hp);
		break;
	case S_TRAILER:		/* all the body is there */
		hp->stop_after = 1;
		end_msg(hp);
		break;
	case S_BODY_LEN:
	case S_CHUNK_SIZE:
	case S_CHUNK_DATA:
	case S_CHUNK_CRLF:
		hp->incomplete = 1;
		hp->stop_after = 1;
		end_msg(hp);
		break;
	case S_HDR:
		if (hp->hlen > 0)
			hp->st.bad_msg++;	/* cut inside a header block */
		break;
	default:
		break;
	}
	go_off(hp);
}

/* ---- names */

static const struct {
	const char *type, *ext;
} mime[] = {
	{ "application/atom+xml", "atom" },
	{ "application/ecmascript", "ecma" },
	{ "application/gzip", "gz" },
	{ "application/java-archive", "jar" },
	{ "application/javascript", "js" },
	{ "application/json", "json" },
	{ "application/msword", "doc" },
	{ "application/octet-stream", "bin" },
	{ "application/ogg", "ogx" },
	{ "application/pdf", "pdf" },
	{ "application/pkix-cert", "cer" },
	{ "application/postscript", "ps" },
	{ "application/rss+xml", "rss" },
	{ "application/rtf", "rtf" },
	{ "application/vnd.ms-cab-compressed", "cab" },
	{ "application/vnd.ms-excel", "xls" },
	{ "application/vnd.ms-fontobject", "eot" },
	{ "application/vnd.ms-powerpoint", "ppt" },
	{ "application/x-gzip", "gz" },
	{ "application/x-javascript", "js" },
	{ "application/x-msdownload", "exe" },
	{ "application/x-shockwave-flash", "swf" },
	{ "application/x-tar", "tar" },
	{ "application/x-www-form-urlencoded", "txt" },
	{ "application/xhtml+xml", "xhtml" },
	{ "application/xml", "xml" },
	{ "application/zip", "zip" },
	{ "audio/mpeg", "mpga" },
	{ "audio/ogg", "oga" },
	{ "font/woff", "woff" },
	{ "font/woff2", "woff2" },
	{ "image/bmp", "bmp" },
	{ "image/gif", "gif" },
	{ "image/jpeg", "jpg" },
	{ "image/jpg", "jpg" },
	{ "image/png", "png" },
	{ "image/svg+xml", "svg" },
	{ "image/tiff", "tiff" },
	{ "image/vnd.microsoft.icon", "ico" },
	{ "image/webp", "webp" },
	{ "image/x-icon", "ico" },
	{ "text/css", "css" },
	{ "text/csv", "csv" },
	{ "text/html", "html" },
	{ "text/javascript", "js" },
	{ "text/plain", "txt" },
	{ "text/xml", "xml" },
	{ "video/mp4", "mp4" },
	{ "video/mpeg", "mpeg" },
	{ "video/webm", "webm" },
	{ "video/x-flv", "flv" },
};

const char *
fk_http_mime_ext(const char *ct)
{
	size_t n = 0, i;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t')
		n++;
	for (i = 0; i < FK_ARRAY_LEN(mime); i++)
		if (lc_eq(ct, n, mime[i].type))
			return mime[i].ext;
	return NULL;
}

void
fk_http_safe_component(char *dst, size_t max, const char *s)
{
	size_t j = 0;

	if (max == 0)
		return;
	for (; *s && j + 1 < max; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '.' || c == '_' || c == '+' || c == '-')
			dst[j++] = (char)c;
		else
			dst[j++] = '_';
		if (j == 1 && dst[0] == '.')
			dst[0] = '_';
	}
	if (j == 0 && max > 1)
		dst[j++] = '_';
	dst[j] = '\0';
}

/* ---- decoders */

/*
 * Every allocation of every backend, counted: each block carries its
 * size in front (16 bytes, so the block stays aligned for anything).
 */
#define ZHDR	16

static void *
dec_alloc(void *opaque, size_t n)
{
	struct fk_inflate *z = opaque;
	uint8_t *b;

	if (n > SIZE_MAX - ZHDR || (b = malloc(n + ZHDR)) == NULL)
		return NULL;
	memcpy(b, &n, sizeof(n));
	z->zmem += n + ZHDR;
	if (z->mem)
		*z->mem += n + ZHDR;
	return b + ZHDR;
}

static void
dec_free(void *opaque, void *p)
{
	struct fk_inflate *z = opaque;
	uint8_t *b;
	size_t n;

	if (p == NULL)
		return;
	b = (uint8_t *)p - ZHDR;
	memcpy(&n, b, sizeof(n));
	z->zmem -= n + ZHDR;
	if (z->mem)
		*z->mem -= n + ZHDR;
	free(b);
}

/* What a backend's run step says. */
#define RUN_OK	0	/* more input or output room wanted */
#define RUN_END	1	/* the stream (member, frame) ended */
#define RUN_ERR	(-1)

/*
 * A backend: start (a new stream; mode: zlib's window bits), run (decode
 * from in[0, n) into out[0, cap): *used and *got say how much), end (free
 * the state, fine if none).  magic: what starts a further stream after
 * the end of one (none: whatever follows is trailing garbage).
 */
struct backend {
	int (*start)(struct fk_inflate *, struct fk_inflate_stage *, int);
	int (*run)(struct fk_inflate_stage *, const uint8_t *, size_t,
	    size_t *, uint8_t *, size_t, size_t *);
	void (*end)(struct fk_inflate *, struct fk_inflate_stage *);
	uint8_t magic[4];
	size_t magiclen;
};

/* zlib: gzip, zlib or raw deflate. */
static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	size_t n = (size_t)items * size;

	if (size != 0 && n / size != items)
		return Z_NULL;
	return dec_alloc(opaque, n);
}

static void
z_free(voidpf opaque, voidpf p)
{
	dec_free(opaque, p);
}

static void
zb_end(struct fk_inflate *z, struct fk_inflate_stage *s)
{
	if (s->st) {
		inflateEnd(s->st);
		dec_free(z, s->st);
		s->st = NULL;
	}
}

static int
zb_start(struct fk_inflate *z, struct fk_inflate_stage *s, int wbits)
{
	z_stream *zs;

	zb_end(z, s);
	if ((zs = dec_alloc(z, sizeof(*zs))) == NULL)
		return -1;
	memset(zs, 0, sizeof(*zs));
	zs->zalloc = z_alloc;
	zs->zfree = z_free;
	zs->opaque = z;
	s->st = zs;
	if (inflateInit2(zs, wbits) != Z_OK) {
		dec_free(z, zs);
		s->st = NULL;
		return -1;
	}
	return 0;
}

static int
zb_run(struct fk_inflate_stage *s, const uint8_t *in, size_t n, size_t *used,
    uint8_t *out, size_t cap, size_t *got)
{
	z_stream *zs = s->st;
	uInt c = n > 1u << 30 ? 1u << 30 : (uInt)n;
	int r;

	zs->next_in = (Bytef *)(uintptr_t)in;
	zs->avail_in = c;
	zs->next_out = out;
	zs->avail_out = (uInt)cap;
	r = inflate(zs, Z_NO_FLUSH);
	*used = c - zs->avail_in;
	*got = cap - zs->avail_out;
	if (r == Z_STREAM_END)
		return RUN_END;
	return r == Z_OK || r == Z_BUF_ERROR ? RUN_OK : RUN_ERR;
}

/* brotli (RFC 7932): one stream, no large window. */
static void
bb_end(struct fk_inflate *z, struct fk_inflate_stage *s)
{
	(void)z;
	if (s->st) {
		BrotliDecoderDestroyInstance(s->st);
		s->st = NULL;
	}
}

static int
bb_start(struct fk_inflate *z, struct fk_inflate_stage *s, int mode)
{
	(void)mode;
	bb_end(z, s);
	s->st = BrotliDecoderCreateInstance(dec_alloc, dec_free, z);
	return s->st ? 0 : -1;
}

static int
bb_run(struct fk_inflate_stage *s, const uint8_t *in, size_t n, size_t *used,
    uint8_t *out, size_t cap, size_t *got)
{
	size_t ai = n, ao = cap;
	const uint8_t *ni = in;
	uint8_t *no = out;
	BrotliDecoderResult r;

	r = BrotliDecoderDecompressStream(s->st, &ai, &ni, &ao, &no, NULL);
	*used = n - ai;
	*got = cap - ao;
	if (r == BROTLI_DECODER_RESULT_SUCCESS)
		return RUN_END;
	return r == BROTLI_DECODER_RESULT_ERROR ? RUN_ERR : RUN_OK;
}

/* zstd (RFC 8878): frames, the window at most 2^FK_INF_ZSTD_WLOG. */
static void
sb_end(struct fk_inflate *z, struct fk_inflate_stage *s)
{
	(void)z;
	if (s->st) {
		ZSTD_freeDStream(s->st);
		s->st = NULL;
	}
}

static int
sb_start(struct fk_inflate *z, struct fk_inflate_stage *s, int mode)
{
	ZSTD_customMem cm = { dec_alloc, dec_free, z };

	(void)mode;
	sb_end(z, s);
	if ((s->st = ZSTD_createDStream_advanced(cm)) == NULL)
		return -1;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(s->st, ZSTD_d_windowLogMax,
	    FK_INF_ZSTD_WLOG))) {
		sb_end(z, s);
		return -1;
	}
	return 0;
}

static int
sb_run(struct fk_inflate_stage *s, const uint8_t *in, size_t n, size_t *used,
    uint8_t *out, size_t cap, size_t *got)
{
	ZSTD_inBuffer ib = { in, n, 0 };
	ZSTD_outBuffer ob = { out, cap, 0 };
	size_t r = ZSTD_decompressStream(s->st, &ob, &ib);

	*used = ib.pos;
	*got = ob.pos;
	if (ZSTD_isError(r))
		return RUN_ERR;
	return r == 0 ? RUN_END : RUN_OK;
}

static const struct backend be_zlib = {
	zb_start, zb_run, zb_end, { 0x1f, 0x8b }, 2
};
static const struct backend be_zlib_once = {
	zb_start, zb_run, zb_end, { 0 }, 0
};
static const struct backend be_br = {
	bb_start, bb_run, bb_end, { 0 }, 0
};
static const struct backend be_zstd = {
	sb_start, sb_run, sb_end, { 0x28, 0xb5, 0x2f, 0xfd }, 4
};

static const struct backend *
backend(const struct fk_inflate_stage *s)
{
	switch (s->coding) {
	case FK_HP_CODING_BR:
		return &be_br;
	case FK_HP_CODING_ZSTD:
		return &be_zstd;
	default:
		/* gzip: more members may follow; zlib, raw deflate: no */
		return s->multi ? &be_zlib : &be_zlib_once;
	}
}

int
fk_inflate_known(int coding)
{
	return coding == FK_HP_CODING_GZIP || coding == FK_HP_CODING_DEFLATE ||
	    coding == FK_HP_CODING_BR || coding == FK_HP_CODING_ZSTD;
}

void
fk_inflate_init(struct fk_inflate *z)
{
	memset(z, 0, sizeof(*z));
	z->max_ratio = FK_INF_RATIO;
	z->ratio_after = FK_INF_RATIO_AFTER;
	z->n = 1;
	z->s[0].coding = FK_HP_CODING_GZIP;
}

int
fk_inflate_codings(struct fk_inflate *z, const uint8_t *c, int n)
{
	int i;

	if (n < 1 || n > FK_HP_CODINGS_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (!fk_inflate_known(c[i]))
			return -1;
	fk_inflate_end(z);
	memset(z->s, 0, sizeof(z->s));
	z->n = n;
	/* Undone in the reverse order of application. */
	for (i = 0; i < n; i++)
		z->s[i].coding = c[n - 1 - i];
	return 0;
}

int
fk_inflate_live(const struct fk_inflate *z)
{
	int i;

	for (i = 0; i < z->n; i++)
		if (z->s[i].st)
			return 1;
	return 0;
}

void
fk_inflate_end(struct fk_inflate *z)
{
	int i;

	for (i = 0; i < z->n; i++)
		if (z->s[i].st)
			backend(&z->s[i])->end(z, &z->s[i]);
}

static int stage_feed(struct fk_inflate *, int, const uint8_t *, size_t);

/*
 * Decoded bytes of stage i: checked against the limits (the ratio
 * against the body bytes stage 0 consumed), then on to the next stage
 * or out.  0 ok, -1 a later stage failed, -2 a limit was reached.
 */
static int
stage_out(struct fk_inflate *z, int i, const uint8_t *p, size_t got)
{
	struct fk_inflate_stage *s = &z->s[i];
	int r = 0;

	if (z->max_out && s->out_total + got > z->max_out) {
		got = (size_t)(z->max_out - s->out_total);
		z->cut = FK_INF_CUT_SIZE;
	}
	s->out_total += got;
	if (i == z->n - 1)
		z->out_total = s->out_total;
	if (got) {
		if (i == z->n - 1) {
			if (z->out)
				z->out(z->arg, p, got);
		} else
			r = stage_feed(z, i + 1, p, got);
	}
	if (!z->cut && z->max_ratio && s->out_total > z->ratio_after &&
	    s->out_total / z->max_ratio > z->s[0].used)
		z->cut = FK_INF_CUT_RATIO;
	if (z->cut)
		return -2;
	return r;
}

/*
 * Run stage i's decoder over [p, p+n): 0 ok (*used: bytes consumed, less
 * than n only at the end of a stream), -1 data error, -2 a limit.
 */
static int
stage_run(struct fk_inflate *z, int i, const uint8_t *p, size_t n,
    size_t *used)
{
	struct fk_inflate_stage *s = &z->s[i];
	const struct backend *b = backend(s);
	uint8_t buf[32768];
	size_t u, got;
	int r, o;

	*used = 0;
	for (;;) {
		r = b->run(s, p + *used, n - *used, &u, buf, sizeof(buf), &got);
		*used += u;
		s->used += u;
		if (got && (o = stage_out(z, i, buf, got)) != 0)
			return o;
		if (r == RUN_END) {
			s->done = 1;
			return 0;
		}
		if (r == RUN_ERR)
			return -1;
		if (*used == n && got < sizeof(buf))
			return 0;
		if (u == 0 && got == 0)
			return *used == n ? 0 : -1;	/* stuck */
	}
}

/*
 * Bytes after the end of a stream: another gzip member (RFC 1952 2.2: a
 * gzip file is a series of members) or zstd frame (RFC 8878 3), or
 * trailing garbage, counted.  Returns the bytes taken, or (size_t)-1 if
 * a new stream cannot be started or its start does not decode.
 */
static size_t
after_end(struct fk_inflate *z, int i, const uint8_t *p, size_t n)
{
	struct fk_inflate_stage *s = &z->s[i];
	const struct backend *b = backend(s);
	size_t take = 0, u;
	int r;

	b->end(z, s);	/* no state held between streams */
	if (!s->garbage && b->magiclen > 0) {
		while (s->npend < b->magiclen && take < n)
			s->pend[s->npend++] = p[take++];
		if (s->npend < b->magiclen)
			return take;	/* the rest waits for more bytes */
		if (memcmp(s->pend, b->magic, b->magiclen) == 0) {
			s->done = 0;
			s->members++;
			z->members++;
			s->npend = 0;
			if (b->start(z, s, 16 + 15) < 0)
				return (size_t)-1;
			r = stage_run(z, i, b->magic, b->magiclen, &u);
			if (r != 0 || u != b->magiclen)
				return (size_t)-1;
			return take;
		}
		n -= take, p += take;
	}
	s->garbage = 1;
	s->trailing += s->npend + n;
	z->trailing += s->npend + n;
	s->npend = 0;
	return take + n;
}

/* Feed stage i: 0, -1 (does not decode), -2 (a limit). */
static int
stage_feed(struct fk_inflate *z, int i, const uint8_t *p, size_t n)
{
	struct fk_inflate_stage *s = &z->s[i];
	const uint8_t *p0 = p;
	size_t n0 = n, used;
	uint64_t before = s->in_total;
	int r;

	if (n == 0)
		return 0;
	if (s->st == NULL && !s->done) {
		int zlib = s->coding == FK_HP_CODING_GZIP ||
		    s->coding == FK_HP_CODING_DEFLATE;

		if (zlib && s->members == 0)
			s->multi = p[0] == 0x1f;	/* gzip */
		if (s->coding == FK_HP_CODING_ZSTD)
			s->multi = 1;
		if (backend(s)->start(z, s, s->raw_tried ? -15 :
		    15 + 32) < 0)
			return -1;
		s->members = 1;
	}
	s->in_total += n;
	while (n > 0) {
		if (s->done) {
			if ((used = after_end(z, i, p, n)) == (size_t)-1)
				return -1;
		} else {
			r = stage_run(z, i, p, n, &used);
			if (r == -2)
				return -2;
			if (r < 0)
				goto retry;
			if (s->done)
				backend(s)->end(z, s);	/* freed at once */
		}
		p += used, n -= used;
	}
	if (before < sizeof(s->head) && !s->raw_tried) {
		size_t c = sizeof(s->head) - (size_t)before;

		if (c > n0)
			c = n0;
		memcpy(s->head + s->headlen, p0, c);
		s->headlen += c;
	}
	return 0;
retry:
	/*
	 * Not zlib or gzip: servers often send raw deflate for "deflate".
	 * Retry as raw if nothing came out yet and the start is replayable:
	 * the bytes before this call are all in head.
	 */
	if ((s->coding == FK_HP_CODING_GZIP ||
	    s->coding == FK_HP_CODING_DEFLATE) && !s->raw_tried &&
	    s->out_total == 0 && s->members == 1 && before == s->headlen &&
	    zb_start(z, s, -15) == 0) {
		uint8_t head[sizeof(s->head)];
		size_t hl = s->headlen;

		s->raw_tried = 1;
		s->multi = 0;
		s->used = 0;
		s->in_total = 0;
		memcpy(head, s->head, hl);
		r = hl ? stage_feed(z, i, head, hl) : 0;
		if (r == 0)
			r = stage_feed(z, i, p0, n0);
		return r;
	}
	return -1;
}

int
fk_inflate_feed(struct fk_inflate *z, const uint8_t *p, size_t n,
    void (*out)(void *, const uint8_t *, size_t), void *arg)
{
	int r;

	if (z->failed)
		return -1;
	if (z->cut)
		return -2;
	z->in_total += n;
	z->out = out;
	z->arg = arg;
	r = stage_feed(z, 0, p, n);
	z->out = NULL;
	z->arg = NULL;
	if (r == -2 || z->cut) {
		fk_inflate_end(z);
		return -2;
	}
	if (r < 0) {
		fk_inflate_end(z);
		z->failed = 1;
		return -1;
	}
	return 0;
}

int
fk_inflate_finish(struct fk_inflate *z)
{
	int i, complete = 1;

	for (i = 0; i < z->n; i++) {
		struct fk_inflate_stage *s = &z->s[i];

		if (s->npend) {
			s->trailing += s->npend;
			z->trailing += s->npend;
			s->npend = 0;
		}
		if (!s->done && s->in_total > 0)
			complete = 0;
	}
	fk_inflate_end(z);
	if (z->failed)
		return -1;
	if (z->cut)
		return -2;
	return complete ? 0 : -1;
}
