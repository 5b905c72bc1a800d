/* fk_http.c - streaming HTTP/1.x parser and body decoder, see fk_http.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

/* Last token of a comma list is t? (Transfer-Encoding: gzip, chunked) */
static int
last_token_is(const char *v, const char *t)
{
	const char *s = strrchr(v, ',');
	size_t l;

	s = s ? s + 1 : v;
	while (*s == ' ' || *s == '\t')
		s++;
	l = strlen(s);
	while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t'))
		l--;
	return lc_eq(s, l, t);
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

int
fk_hp_parse_head(const uint8_t *p, size_t n, struct fk_hp_msg *m)
{
	size_t ls = 0, le, i;
	int line = 0;
	char val[512];

	memset(m, 0, sizeof(*m));
	m->coding = FK_HP_CODING_IDENTITY;
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
				if (val[0] == '\0' || has_token(val, "identity"))
					m->coding = FK_HP_CODING_IDENTITY;
				else if (lc_eq(val, strlen(val), "gzip") ||
				    lc_eq(val, strlen(val), "x-gzip"))
					m->coding = FK_HP_CODING_GZIP;
				else if (lc_eq(val, strlen(val), "deflate"))
					m->coding = FK_HP_CODING_DEFLATE;
				else
					m->coding = FK_HP_CODING_OTHER;
			} else if (lc_eq((const char *)q, c, "content-type")) {
				copy_str(m->ctype, sizeof(m->ctype), q + c + 1,
				    ll - c - 1);
			} else if (lc_eq((const char *)q, c, "host")) {
				copy_str(m->host, sizeof(m->host), q + c + 1,
				    ll - c - 1);
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
	if (hp->stop_after)
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
			hp->stop_after = 1;	/* protocol switched */
	}
	how = hp->cb.on_headers ? hp->cb.on_headers(hp->cb.arg, &m) :
	    FK_HP_AS_USUAL;
	if (how == FK_HP_NO_BODY)
		hp->mode = FK_HP_BODY_NONE;
	else if (how == FK_HP_STOP) {
		hp->stop_after = 1;
		if (m.kind == FK_HP_REQ || hp->mode != FK_HP_BODY_LENGTH)
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

/* ---- inflate */

/*
 * zlib's allocations, counted: each block carries its size in front
 * (16 bytes, so the block stays aligned for anything).
 */
#define ZHDR	16

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	struct fk_inflate *z = opaque;
	size_t n = (size_t)items * size;
	uint8_t *b;

	if (size != 0 && n / size != items)
		return Z_NULL;
	if ((b = malloc(n + ZHDR)) == NULL)
		return Z_NULL;
	memcpy(b, &n, sizeof(n));
	z->zmem += n + ZHDR;
	if (z->mem)
		*z->mem += n + ZHDR;
	return b + ZHDR;
}

static void
z_free(voidpf opaque, voidpf p)
{
	struct fk_inflate *z = opaque;
	uint8_t *b = (uint8_t *)p - ZHDR;
	size_t n;

	if (p == Z_NULL)
		return;
	memcpy(&n, b, sizeof(n));
	z->zmem -= n + ZHDR;
	if (z->mem)
		*z->mem -= n + ZHDR;
	free(b);
}

void
fk_inflate_init(struct fk_inflate *z)
{
	memset(z, 0, sizeof(*z));
	z->max_ratio = FK_INF_RATIO;
	z->ratio_after = FK_INF_RATIO_AFTER;
}

/* The zlib stream, made at the first byte to decode; -1 if it cannot be. */
static int
z_start(struct fk_inflate *z, int wbits)
{
	z_stream *zs = z->zs;

	if (zs == NULL) {
		zs = fk_calloc(1, sizeof(*zs));
		z->zs = zs;
		z->zmem += sizeof(*zs);
		if (z->mem)
			*z->mem += sizeof(*zs);
	} else {
		inflateEnd(zs);
		memset(zs, 0, sizeof(*zs));
	}
	zs->zalloc = z_alloc;
	zs->zfree = z_free;
	zs->opaque = z;
	if (inflateInit2(zs, wbits) != Z_OK) {
		fk_inflate_end(z);
		return -1;
	}
	return 0;
}

void
fk_inflate_end(struct fk_inflate *z)
{
	if (z->zs) {
		inflateEnd(z->zs);
		free(z->zs);
		z->zmem -= sizeof(z_stream);
		if (z->mem)
			*z->mem -= sizeof(z_stream);
		z->zs = NULL;
	}
}

/*
 * Run inflate over [p, p+n): 0 ok (*used: bytes consumed, less than n
 * only at the end of a stream), -1 data error, -2 a limit was reached.
 */
static int
inflate_run(struct fk_inflate *z, const uint8_t *p, size_t n,
    void (*out)(void *, const uint8_t *, size_t), void *arg, size_t *used)
{
	z_stream *zs = z->zs;
	uint8_t buf[32768];
	size_t left = n;

	*used = 0;
	zs->next_in = (Bytef *)(uintptr_t)p;
	zs->avail_in = 0;
	for (;;) {
		int r;
		size_t got;

		if (zs->avail_in == 0 && left > 0) {
			uInt c = left > 1u << 30 ? 1u << 30 : (uInt)left;

			zs->avail_in = c;
			left -= c;
		}
		zs->next_out = buf;
		zs->avail_out = sizeof(buf);
		r = inflate(zs, Z_NO_FLUSH);
		got = sizeof(buf) - zs->avail_out;
		*used = n - left - zs->avail_in;
		if (got) {
			uint64_t in = z->in_base + zs->total_in;

			if (z->max_out && z->out_total + got > z->max_out) {
				got = (size_t)(z->max_out - z->out_total);
				z->cut = FK_INF_CUT_SIZE;
			}
			z->out_total += got;
			if (got)
				out(arg, buf, got);
			if (!z->cut && z->max_ratio &&
			    z->out_total > z->ratio_after &&
			    z->out_total / z->max_ratio > in)
				z->cut = FK_INF_CUT_RATIO;
			if (z->cut)
				return -2;
		}
		if (r == Z_STREAM_END) {
			z->done = 1;
			z->in_base += zs->total_in;
			return 0;
		}
		if (r != Z_OK && r != Z_BUF_ERROR)
			return -1;
		if (zs->avail_in == 0 && left == 0 && (zs->avail_out != 0 ||
		    r == Z_BUF_ERROR))
			break;
	}
	return 0;
}

/*
 * Bytes after the end of a stream: another gzip member (RFC 1952 2.2: a
 * gzip file is a series of members), or trailing garbage, counted.
 * Returns the bytes taken (0 is fine: a new member starts with p[0]), or
 * (size_t)-1 if a new member cannot be started.
 */
static size_t
after_end(struct fk_inflate *z, const uint8_t *p, size_t n)
{
	static const uint8_t magic = 0x1f;
	size_t i = 0, u;

	fk_inflate_end(z);	/* no state held between members */
	if (z->garbage || !z->gzip) {
		z->garbage = 1;
		z->trailing += n;
		return n;
	}
	if (z->npend == 0 && p[0] == 0x1f)
		z->npend = 1, i++;
	if (i == n)
		return n;	/* the 0x1f waits for the next byte */
	if (z->npend == 1 && p[i] == 0x8b) {
		z->done = 0;
		z->npend = 0;
		z->members++;
		if (z_start(z, 16 + 15) < 0 ||
		    inflate_run(z, &magic, 1, NULL, NULL, &u) != 0)
			return (size_t)-1;
		return i;
	}
	z->garbage = 1;
	z->trailing += z->npend + n - i;
	z->npend = 0;
	return n;
}

int
fk_inflate_feed(struct fk_inflate *z, const uint8_t *p, size_t n,
    void (*out)(void *, const uint8_t *, size_t), void *arg)
{
	const uint8_t *p0 = p;
	size_t n0 = n, used;
	uint64_t before = z->in_total;
	int r;

	if (z->failed)
		return -1;
	if (z->cut)
		return -2;
	if (n == 0)
		return 0;
	if (z->zs == NULL && !z->done) {
		if (z_start(z, 15 + 32) < 0)
			goto fail;
		if (z->members == 0)
			z->gzip = p[0] == 0x1f;
		z->members = 1;
	}
	z->in_total += n;
	while (n > 0) {
		if (z->done) {
			if ((used = after_end(z, p, n)) == (size_t)-1)
				goto fail;
		} else {
			r = inflate_run(z, p, n, out, arg, &used);
			if (r == -2) {
				fk_inflate_end(z);
				return -2;
			}
			if (r < 0)
				goto retry;
			if (z->done)
				fk_inflate_end(z);	/* freed at once */
		}
		p += used, n -= used;
	}
	if (before < sizeof(z->head) && !z->raw_tried) {
		size_t c = sizeof(z->head) - (size_t)before;

		if (c > n0)
			c = n0;
		memcpy(z->head + z->headlen, p0, c);
		z->headlen += c;
	}
	return 0;
retry:
	/*
	 * Not zlib or gzip: servers often send raw deflate for "deflate".
	 * Retry as raw if nothing came out yet and the start is replayable:
	 * the bytes before this call are all in head.
	 */
	if (!z->raw_tried && z->out_total == 0 && z->members == 1 &&
	    before == z->headlen && z_start(z, -15) == 0) {
		uint8_t head[sizeof(z->head)];
		size_t hl = z->headlen;

		z->raw_tried = 1;
		z->gzip = 0;
		z->in_base = 0;
		z->in_total = 0;
		memcpy(head, z->head, hl);
		r = hl ? fk_inflate_feed(z, head, hl, out, arg) : 0;
		if (r == 0)
			r = fk_inflate_feed(z, p0, n0, out, arg);
		return r;
	}
fail:
	fk_inflate_end(z);
	z->failed = 1;
	return -1;
}

int
fk_inflate_finish(struct fk_inflate *z)
{
	if (z->npend) {
		z->trailing += z->npend;
		z->npend = 0;
	}
	fk_inflate_end(z);
	if (z->failed)
		return -1;
	if (z->cut)
		return -2;
	return z->done || z->in_total == 0 ? 0 : -1;
}
