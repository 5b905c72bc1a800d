/* fk_recjson.c - records as JSON Lines and back, see fk_recjson.h. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_addr.h"
#include "fk_b64.h"
#include "fk_decode.h"
#include "fk_recjson.h"
#include "fk_util.h"

/* ---- names of enumerated fields (a number if not named) */

static const char *const opener_names[] = { NULL, "syn", "synack",
	"midstream" };
static const char *const gap_names[] = { NULL, "lost", "buffer", "close" };
static const char *const close_names[] = { NULL, "fin", "rst", "timeout",
	"end", "evict", "reuse", "stopped" };
static const char *const end_names[] = { "complete", "interrupted",
	"incomplete" };
static const char *const kind_names[] = { NULL, "request", "response" };
static const char *const tun_names[] = { NULL, "ipip", "gre", "erspan",
	"vxlan", "geneve", "gtpu", "teredo", "ayiya", "mplsip" };

#define NAMES(a)	a, FK_ARRAY_LEN(a)

static const char *
enum_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

/* ---- writing */

static void
k_u(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, ",\"%s\":%llu", key, (unsigned long long)v);
}

static void
k_enum(FILE *f, const char *key, const char *const *names, size_t n,
    unsigned v)
{
	const char *s = enum_name(names, n, v);

	if (s != NULL)
		fprintf(f, ",\"%s\":\"%s\"", key, s);
	else
		k_u(f, key, v);
}

/* "time_ns":N,"time":"RFC 3339" */
static void
k_time(FILE *f, const char *base, uint64_t ns)
{
	char t[64];

	fk_fmt_time(t, sizeof(t), ns);
	fprintf(f, ",\"%s_ns\":%llu,\"%s\":\"%s\"", base,
	    (unsigned long long)ns, base, t);
}

static void
k_addr(FILE *f, const char *key, int family, const uint8_t *a)
{
	char b[FK_ADDR_STRLEN];

	fprintf(f, ",\"%s\":\"%s\"", key, fk_addr_str(b, sizeof(b), family,
	    a));
}

static void
k_mac(FILE *f, const char *key, const uint8_t *m)
{
	char b[FK_MAC_STRLEN];

	fprintf(f, ",\"%s\":\"%s\"", key, fk_mac_str(b, sizeof(b), m));
}

/* Bytes with their length: "len":N,"data":"base64" */
static void
k_bytes(FILE *f, const char *lenkey, const char *key, const void *p,
    size_t n)
{
	k_u(f, lenkey, n);
	fprintf(f, ",\"%s\":", key);
	fk_json_b64(f, p, n);
}

/* Text as a string if it is UTF-8, else in base64 as key_b64. */
static void
k_text(FILE *f, const char *key, const void *p, size_t n)
{
	if (fk_json_text_ok(p, n)) {
		fprintf(f, ",\"%s\":", key);
		fk_json_str(f, p, n);
	} else {
		fprintf(f, ",\"%s_b64\":", key);
		fk_json_b64(f, p, n);
	}
}

static int
nonzero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return 1;
	return 0;
}

/* An IPv4 address whose 12 unused bytes are not 0 has no text form. */
static int
addr_lossy(int family, const uint8_t *a)
{
	return family == 4 && nonzero(a + 4, 12);
}

void
fk_recjson_header(FILE *f, uint16_t minor, uint32_t reserved)
{
	fprintf(f, "{\"type\":\"HEADER\",\"major\":%d,\"minor\":%u",
	    FK_VERSION_MAJOR, minor);
	if (reserved != 0)
		k_u(f, "reserved", reserved);
	fputs("}\n", f);
}

static int
w_open(FILE *f, const struct fk_rec *r, int *lossy)
{
	struct fk_open o;

	if (fk_open_decode(r, &o) != 0)
		return -1;
	k_u(f, "flow_id", o.flow_id);
	k_time(f, "time", o.ts_ns);
	k_u(f, "family", o.family);
	k_u(f, "proto", o.proto);
	k_enum(f, "opener", NAMES(opener_names), o.opener);
	k_u(f, "flags", o.flags);
	if ((o.flags & FK_OPEN_F_VLAN) || o.vlan)
		k_u(f, "vlan", o.vlan);
	if ((o.flags & FK_OPEN_F_VLAN2) || o.vlan_inner)
		k_u(f, "vlan_inner", o.vlan_inner);
	k_addr(f, "addr_a", o.family, o.addr_a);
	k_u(f, "port_a", o.port_a);
	k_addr(f, "addr_b", o.family, o.addr_b);
	k_u(f, "port_b", o.port_b);
	if ((o.flags & FK_OPEN_F_ETH) || nonzero(o.eth_a, 6) ||
	    nonzero(o.eth_b, 6)) {
		k_mac(f, "mac_a", o.eth_a);
		k_mac(f, "mac_b", o.eth_b);
	}
	k_u(f, "interface", o.ifindex);
	*lossy = addr_lossy(o.family, o.addr_a) ||
	    addr_lossy(o.family, o.addr_b);
	if (o.flags & FK_OPEN_F_TUNNEL) {
		k_enum(f, "tun_type", NAMES(tun_names), o.tun_type);
		k_u(f, "tun_family", o.tun_family);
		k_u(f, "tun_id", o.tun_id);
		k_addr(f, "tun_addr_a", o.tun_family, o.tun_addr_a);
		k_addr(f, "tun_addr_b", o.tun_family, o.tun_addr_b);
		*lossy |= addr_lossy(o.tun_family, o.tun_addr_a) ||
		    addr_lossy(o.tun_family, o.tun_addr_b);
	}
	return 0;
}

/* HTTP's five NUL-terminated strings, if that is what var holds. */
static int
w_http_strings(FILE *f, const struct fk_http *h)
{
	static const char *const keys[5] = { "file", "method", NULL,
		"content_type", "host" };
	const char *s[5], *p = h->var, *e = h->var + h->varlen;
	size_t n[5];
	int i;

	for (i = 0; i < 5; i++) {
		const char *z = memchr(p, '\0', (size_t)(e - p));

		if (z == NULL || !fk_json_text_ok(p, (size_t)(z - p)))
			return -1;
		s[i] = p;
		n[i] = (size_t)(z - p);
		p = z + 1;
	}
	if (p != e)
		return -1;
	for (i = 0; i < 5; i++) {
		fprintf(f, ",\"%s\":", keys[i] != NULL ? keys[i] :
		    h->kind == FK_HTTP_RESPONSE ? "reason" : "uri");
		fk_json_str(f, s[i], n[i]);
	}
	return 0;
}

int
fk_recjson_write(FILE *f, const struct fk_rec *r)
{
	const char *tn = fk_rec_typename(r->type);
	int lossy = 0;
	union fk_body u;

	/* decode first: nothing is printed of a body that does not */
	switch (r->type) {
	case FK_REC_PACKET:	if (fk_packet_decode(r, &u.p)) return -1; break;
	case FK_REC_DATA:	if (fk_data_decode(r, &u.d)) return -1; break;
	case FK_REC_GAP:	if (fk_gap_decode(r, &u.g)) return -1; break;
	case FK_REC_OVERLAP:	if (fk_overlap_decode(r, &u.v)) return -1; break;
	case FK_REC_FLOW_CLOSE:	if (fk_close_decode(r, &u.c)) return -1; break;
	case FK_REC_FLOW_NAME:	if (fk_name_decode(r, &u.n)) return -1; break;
	case FK_REC_HTTP:	if (fk_http_decode(r, &u.h)) return -1; break;
	case FK_REC_END:	if (fk_end_decode(r, &u.e)) return -1; break;
	case FK_REC_FLOW_OPEN: {
		struct fk_open o;

		if (fk_open_decode(r, &o) != 0)
			return -1;
		break;
	}
	}
	if (tn != NULL)
		fprintf(f, "{\"type\":\"%s\"", tn);
	else
		fprintf(f, "{\"type\":%u", r->type);
	k_u(f, "at", r->offset);
	/* a reference is written as the bytes it stands for */
	if ((r->flags & ~FK_RF_REF) != 0)
		k_u(f, "hdr_flags", r->flags & ~FK_RF_REF);
	switch (r->type) {
	case FK_REC_PACKET:
		k_time(f, "time", u.p.ts_ns);
		k_u(f, "link_type", u.p.linktype);
		k_u(f, "orig_len", u.p.origlen);
		k_u(f, "interface", u.p.ifindex);
		k_bytes(f, "caplen", "data", u.p.data, u.p.caplen);
		break;
	case FK_REC_FLOW_OPEN:
		w_open(f, r, &lossy);
		break;
	case FK_REC_DATA:
	case FK_REC_OVERLAP:
		/* the same layout */
		k_u(f, "flow_id", u.d.flow_id);
		k_u(f, "dir", u.d.dir);
		if (u.d.flags != 0)
			k_u(f, "flags", u.d.flags);
		k_u(f, "offset", u.d.offset);
		k_time(f, "time", u.d.ts_ns);
		k_bytes(f, "len", "data", u.d.data, u.d.len);
		break;
	case FK_REC_GAP:
		k_u(f, "flow_id", u.g.flow_id);
		k_u(f, "dir", u.g.dir);
		k_enum(f, "reason", NAMES(gap_names), u.g.reason);
		k_u(f, "offset", u.g.offset);
		k_u(f, "len", u.g.len);
		k_time(f, "time", u.g.ts_ns);
		break;
	case FK_REC_FLOW_CLOSE:
		k_u(f, "flow_id", u.c.flow_id);
		k_time(f, "time", u.c.ts_ns);
		k_enum(f, "reason", NAMES(close_names), u.c.reason);
		for (int d = 0; d < 2; d++) {
			const struct fk_dirstats *s = &u.c.dir[d];
			const char *p = d == 0 ? "ab" : "ba";
			char k[32];

#define DS(name, v) (snprintf(k, sizeof(k), "%s_%s", p, name), k_u(f, k, v))
			DS("packets", s->packets);
			DS("wire_bytes", s->wire_bytes);
			DS("bytes", s->bytes);
			DS("gap_bytes", s->gap_bytes);
			DS("retrans_bytes", s->retrans_bytes);
			DS("ooo_packets", s->ooo_packets);
			DS("overlaps", s->overlaps);
#undef DS
			snprintf(k, sizeof(k), "%s_last_time", p);
			k_time(f, k, s->last_ts_ns);
		}
		break;
	case FK_REC_FLOW_NAME:
		k_u(f, "flow_id", u.n.flow_id);
		k_u(f, "dir", u.n.dir);
		k_text(f, "name", u.n.name, u.n.len);
		break;
	case FK_REC_STATS:
		k_text(f, "text", r->body, r->len);
		break;
	case FK_REC_END:
		k_enum(f, "status", NAMES(end_names), u.e.status);
		k_u(f, "code", u.e.code);
		k_text(f, "text", u.e.text, u.e.len);
		break;
	case FK_REC_HTTP:
		k_u(f, "flow_id", u.h.flow_id);
		k_u(f, "dir", u.h.dir);
		k_enum(f, "kind", NAMES(kind_names), u.h.kind);
		k_u(f, "flags", u.h.flags);
		k_u(f, "status", u.h.status);
		k_u(f, "seq", u.h.seq);
		k_u(f, "hdr_offset", u.h.hdr_offset);
		k_u(f, "body_offset", u.h.body_offset);
		k_u(f, "body_len", u.h.body_len);
		k_u(f, "decoded_len", u.h.decoded_len);
		k_time(f, "time", u.h.ts_ns);
		if (w_http_strings(f, &u.h) < 0) {
			fputs(",\"strings_b64\":", f);
			fk_json_b64(f, u.h.var, u.h.varlen);
		}
		break;
	}
	if (tn == NULL || lossy || !fk_rec_canonical(r)) {
		if (r->flags & FK_RF_REF) {
			size_t fixed = r->len - FK_REF_LEN;
			const uint8_t *v;
			uint32_t n;
			uint8_t *b;

			(void)fk_rec_var(r, fixed, &v, &n);
			b = fk_malloc(fixed + n);
			memcpy(b, r->body, fixed);
			memcpy(b + fixed, v, n);
			k_bytes(f, "raw_len", "raw", b, fixed + n);
			free(b);
		} else
			k_bytes(f, "raw_len", "raw", r->body, r->len);
	}
	fputs("}\n", f);
	return 0;
}

/* ---- reading */

void
fk_recjson_init(struct fk_recjson *r)
{
	memset(r, 0, sizeof(*r));
	fk_json_init(&r->obj);
}

void
fk_recjson_free(struct fk_recjson *r)
{
	fk_json_free(&r->obj);
	free(r->body);
	free(r->tmp);
	r->body = r->tmp = NULL;
	r->bodycap = r->tmpcap = 0;
}

struct ctx {
	struct fk_recjson *r;
	int raw;		/* "raw" gave the body: fields must agree */
};

static int
rerr(struct ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
rerr(struct ctx *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->r->err, sizeof(c->r->err), "%s: ", key);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(c->r->err))
		vsnprintf(c->r->err + n, sizeof(c->r->err) - (size_t)n, fmt,
		    ap);
	va_end(ap);
	return -1;
}

static int
contradicts(struct ctx *c, const char *key)
{
	return rerr(c, key, "contradicts raw (the body given in base64)");
}

/* A whole number in [0, max]; absent: *v stays. */
static int
get_u(struct ctx *c, const char *key, uint64_t max, uint64_t *v)
{
	struct fk_jval *j = fk_json_get(&c->r->obj, key);

	if (j == NULL)
		return 0;
	if (j->kind != FK_JSON_NUM || !j->isuint || j->u > max)
		return rerr(c, key, "not a whole number from 0 to %llu",
		    (unsigned long long)max);
	if (c->raw && j->u != *v)
		return contradicts(c, key);
	*v = j->u;
	return 0;
}

/* A name of names[], or a number in [0, max]. */
static int
get_enum(struct ctx *c, const char *key, const char *const *names,
    size_t n, uint64_t max, uint64_t *v)
{
	struct fk_jval *j = fk_json_get(&c->r->obj, key);
	size_t i;

	if (j == NULL)
		return 0;
	if (j->kind == FK_JSON_NUM)
		return get_u(c, key, max, v);
	if (j->kind != FK_JSON_STR)
		return rerr(c, key, "a name or a number");
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], j->s) == 0)
			break;
	if (i == n) {
		char list[128] = "";

		for (size_t k = 0; k < n; k++)
			if (names[k] != NULL)
				snprintf(list + strlen(list), sizeof(list) -
				    strlen(list), "%s%s", list[0] ? ", " : "",
				    names[k]);
		return rerr(c, key, "\"%.40s\" is not one of %s, or a number",
		    j->s, list);
	}
	if (c->raw && i != *v)
		return contradicts(c, key);
	*v = i;
	return 0;
}

#define GETU(key, max, field) do {					\
	uint64_t t_ = (field);						\
	if (get_u(c, key, max, &t_) < 0)				\
		return -1;						\
	(field) = t_;							\
} while (0)
#define GETE(key, names, max, field) do {				\
	uint64_t t_ = (field);						\
	if (get_enum(c, key, NAMES(names), max, &t_) < 0)		\
		return -1;						\
	(field) = t_;							\
} while (0)

static int
days_from_civil(long long y, unsigned m, unsigned d, long long *days)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	long long era, yoe, doy, doe;

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = era * 146097 + doe - 719468;
	return 0;
}

static int
digits(const char *s, size_t len, size_t *i, int n, long long *v)
{
	*v = 0;
	for (int k = 0; k < n; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		*v = *v * 10 + (s[*i] - '0');
	}
	return 0;
}

int
fk_recjson_parse_time(const char *s, size_t len, uint64_t *ns)
{
	long long Y, M, D, h, m, sec, days, off = 0, t;
	uint64_t frac = 0;
	size_t i = 0;
	int nd = 0;

	if (digits(s, len, &i, 4, &Y) || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &M) || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &D) || i >= len ||
	    (s[i] != 'T' && s[i] != 't' && s[i] != ' ') || !++i ||
	    digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
	    digits(s, len, &i, 2, &m) || i >= len || s[i++] != ':' ||
	    digits(s, len, &i, 2, &sec))
		return -1;
	if (h > 23 || m > 59 || sec > 59 ||
	    days_from_civil(Y, (unsigned)M, (unsigned)D, &days) < 0)
		return -1;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nd == 9)
				return -1;	/* finer than ns */
			frac = frac * 10 + (uint64_t)(s[i++] - '0');
			nd++;
		}
		if (nd == 0)
			return -1;
		while (nd++ < 9)
			frac *= 10;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i < len && (s[i] == '+' || s[i] == '-')) {
		long long oh, om;
		int neg = s[i++] == '-';

		if (digits(s, len, &i, 2, &oh) || i >= len || s[i++] != ':' ||
		    digits(s, len, &i, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (neg ? -1 : 1);
	} else
		return -1;
	if (i != len)
		return -1;
	t = days * 86400 + h * 3600 + m * 60 + sec - off;
	if (t < 0 || (uint64_t)t > (UINT64_MAX - frac) / 1000000000u)
		return -1;
	*ns = (uint64_t)t * 1000000000u + frac;
	return 0;
}

/* base_ns (a number) and base (RFC 3339): either, or both if they agree. */
static int
get_time(struct ctx *c, const char *base, uint64_t *ns)
{
	char k[48];
	struct fk_jval *j;
	uint64_t v = *ns, t;
	int had_ns;

	snprintf(k, sizeof(k), "%s_ns", base);
	had_ns = fk_json_get(&c->r->obj, k) != NULL;
	if (get_u(c, k, UINT64_MAX, &v) < 0)
		return -1;
	if ((j = fk_json_get(&c->r->obj, base)) != NULL) {
		if (j->kind != FK_JSON_STR ||
		    fk_recjson_parse_time(j->s, j->len, &t) < 0)
			return rerr(c, base, "not an RFC 3339 time from 1970 "
			    "(2025-01-02T03:04:05.123456789Z)");
		if (had_ns && t != v)
			return rerr(c, base, "not the time %s says", k);
		if (c->raw && t != *ns)
			return contradicts(c, base);
		v = t;
	}
	*ns = v;
	return 0;
}

/* An IPv4 or IPv6 address as text; *family 0: set from it. */
static int
get_addr(struct ctx *c, const char *key, uint8_t *family, uint8_t *a)
{
	struct fk_jval *j = fk_json_get(&c->r->obj, key);
	uint8_t b[16] = { 0 };
	int fam;

	if (j == NULL)
		return 0;
	if (j->kind != FK_JSON_STR)
		return rerr(c, key, "an address as text");
	if (inet_pton(AF_INET, j->s, b) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, j->s, b) == 1)
		fam = 6;
	else
		return rerr(c, key, "\"%.60s\" is not an IPv4 or IPv6 address",
		    j->s);
	if (*family != 0 && *family != fam)
		return rerr(c, key, "an IPv%d address, but the family is %u",
		    fam, *family);
	if (c->raw && memcmp(a, b, 16) != 0)
		return contradicts(c, key);
	*family = (uint8_t)fam;
	memcpy(a, b, 16);
	return 0;
}

static int
get_mac(struct ctx *c, const char *key, uint8_t *mac)
{
	struct fk_jval *j = fk_json_get(&c->r->obj, key);
	unsigned v[6];
	uint8_t b[6];
	int n = 0;

	if (j == NULL)
		return 0;
	if (j->kind != FK_JSON_STR || sscanf(j->s, "%2x:%2x:%2x:%2x:%2x:%2x%n",
	    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) != 6 ||
	    (size_t)n != j->len)
		return rerr(c, key, "not a MAC address (00:11:22:33:44:55)");
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)v[i];
	if (c->raw && memcmp(mac, b, 6) != 0)
		return contradicts(c, key);
	memcpy(mac, b, 6);
	return 0;
}

/*
 * Bytes: b64key in base64 or textkey as a string (the UTF-8 bytes of
 * the text), or both if they agree; lenkey, if given, their count.
 * Normally into dst (at most cap bytes); with raw, compared with
 * the body's bytes at *p, *len of them.  *given: one of them was there.
 */
static int
get_bytes(struct ctx *c, const char *lenkey, const char *b64key,
    const char *textkey, uint8_t *dst, size_t cap, const uint8_t **p,
    size_t *len, int *given)
{
	struct fk_recjson *r = c->r;
	struct fk_jval *b = fk_json_get(&r->obj, b64key);
	struct fk_jval *t = textkey ? fk_json_get(&r->obj, textkey) : NULL;
	uint8_t *out = c->raw ? r->tmp : dst;
	size_t n = 0;
	long m;
	uint64_t l = UINT64_MAX;

	if (c->raw)
		cap = r->tmpcap;
	if (lenkey != NULL && get_u(&(struct ctx){ r, 0 }, lenkey,
	    UINT64_MAX, &l) < 0)
		return -1;
	if (b != NULL) {
		if (b->kind != FK_JSON_STR)
			return rerr(c, b64key, "bytes in base64, as a string");
		if ((m = fk_b64_decode(out, cap, b->s, b->len)) < 0)
			return rerr(c, b64key, "not base64, or more than %zu "
			    "bytes", cap);
		n = (size_t)m;
	}
	if (t != NULL) {
		if (t->kind != FK_JSON_STR)
			return rerr(c, textkey, "a string");
		if (b != NULL && (t->len != n || memcmp(t->s, out, n) != 0))
			return rerr(c, textkey, "not the bytes %s holds",
			    b64key);
		if (t->len > cap)
			return rerr(c, textkey, "more than %zu bytes", cap);
		memcpy(out, t->s, t->len);
		n = t->len;
	}
	if (given != NULL)
		*given = b != NULL || t != NULL;
	if (b == NULL && t == NULL && c->raw)
		n = *len;
	if (l != UINT64_MAX && l != n)
		return rerr(c, lenkey, "%llu, but %s holds %zu bytes",
		    (unsigned long long)l, b != NULL || t == NULL ? b64key :
		    textkey, n);
	if (c->raw) {
		if ((b != NULL || t != NULL) && (n != *len ||
		    memcmp(out, *p, n) != 0))
			return contradicts(c, b != NULL ? b64key : textkey);
		return 0;
	}
	*p = dst;
	*len = n;
	return 0;
}

/* flow_id: required (unless raw gave it). */
static int
get_flow(struct ctx *c, uint64_t *id)
{
	if (!c->raw && fk_json_get(&c->r->obj, "flow_id") == NULL)
		return rerr(c, "flow_id", "required");
	return get_u(c, "flow_id", UINT64_MAX, id);
}

static int
get_dir(struct ctx *c, uint8_t *dir)
{
	uint64_t v = *dir;

	if (get_u(c, "dir", 1, &v) < 0)
		return -1;
	*dir = (uint8_t)v;
	return 0;
}

/* A body in tmp as a record of `type`, for the decoders. */
static struct fk_rec
mkrec(uint16_t type, const uint8_t *b, size_t len)
{
	struct fk_rec x = { .type = type, .len = (uint32_t)len, .body = b };

	return x;
}

/* "10.0.0.1:80" or "[2001:db8::1]:80" */
static int
get_endpoint(struct ctx *c, const char *key, int *fam, uint8_t *a,
    uint16_t *port)
{
	struct fk_jval *j = fk_json_get(&c->r->obj, key);
	char host[64];
	const char *colon;
	size_t hl;
	uint64_t p = 0;
	int f;

	if (j == NULL)
		return rerr(c, key, "required (\"10.0.0.1:80\", "
		    "\"[2001:db8::1]:80\")");
	if (j->kind != FK_JSON_STR || (colon = strrchr(j->s, ':')) == NULL ||
	    colon == j->s || colon[1] == '\0')
		return rerr(c, key, "an address and a port, as "
		    "\"10.0.0.1:80\" or \"[2001:db8::1]:80\"");
	hl = (size_t)(colon - j->s);
	if (j->s[0] == '[' && hl >= 2 && j->s[hl - 1] == ']') {
		memcpy(host, j->s + 1, hl - 2 < sizeof(host) ? hl - 2 : 0);
		host[hl - 2 < sizeof(host) ? hl - 2 : 0] = '\0';
		f = 6;
	} else {
		memcpy(host, j->s, hl < sizeof(host) ? hl : 0);
		host[hl < sizeof(host) ? hl : 0] = '\0';
		f = 4;
	}
	for (const char *q = colon + 1; *q; q++) {
		if (*q < '0' || *q > '9' || p > 65535)
			return rerr(c, key, "a port from 0 to 65535");
		p = p * 10 + (uint64_t)(*q - '0');
	}
	if (p > 65535)
		return rerr(c, key, "a port from 0 to 65535");
	memset(a, 0, 16);
	if (inet_pton(f == 4 ? AF_INET : AF_INET6, host, a) != 1)
		return rerr(c, key, "\"%.60s\" is not an IPv%d address", host,
		    f);
	if (*fam != 0 && *fam != f)
		return rerr(c, key, "an IPv%d address, but src is IPv%d", f,
		    *fam);
	*fam = f;
	*port = (uint16_t)p;
	return 0;
}

static uint32_t
csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

/*
 * A PACKET given as a TCP segment (src, dst, seq, ack, tcp_flags, win,
 * and the payload as text or payload): an IPv4 or IPv6 packet with
 * correct checksums, link type 101 (raw IP), into dst.
 */
static int
build_segment(struct ctx *c, uint8_t *dst, size_t cap, size_t *n)
{
	struct fk_jval *j;
	uint8_t sa[16], da[16], *ip = dst, *tcp;
	uint16_t sp, dp;
	uint64_t seq = 0, ack = 0, win = 65535, flags = 0x10;
	size_t iplen, plen = 0;
	const uint8_t *pl = NULL;
	uint32_t s;
	int fam = 0;

	if (get_endpoint(c, "src", &fam, sa, &sp) < 0 ||
	    get_endpoint(c, "dst", &fam, da, &dp) < 0)
		return -1;
	if (get_u(c, "seq", UINT32_MAX, &seq) < 0 ||
	    get_u(c, "ack", UINT32_MAX, &ack) < 0 ||
	    get_u(c, "win", UINT16_MAX, &win) < 0)
		return -1;
	if ((j = fk_json_get(&c->r->obj, "tcp_flags")) != NULL) {
		if (j->kind == FK_JSON_NUM) {
			if (get_u(c, "tcp_flags", 255, &flags) < 0)
				return -1;
		} else if (j->kind == FK_JSON_STR) {
			static const char letters[] = "FSRPAUEC";

			flags = 0;
			for (size_t i = 0; i < j->len; i++) {
				const char *l = memchr(letters, j->s[i], 8);

				if (l == NULL)
					return rerr(c, "tcp_flags", "letters of "
					    "FSRPAUEC (\"SA\": SYN+ACK), or "
					    "a number");
				flags |= 1u << (l - letters);
			}
		} else
			return rerr(c, "tcp_flags", "letters or a number");
	}
	iplen = fam == 4 ? 20 : 40;
	if (get_bytes(c, NULL, "payload", "text", dst + iplen + 20,
	    cap - iplen - 20, &pl, &plen, NULL) < 0)
		return -1;
	if (plen > 65535 - 60)
		return rerr(c, "payload", "more than %d bytes", 65535 - 60);
	memset(dst, 0, iplen + 20);
	tcp = ip + iplen;
	if (fam == 4) {
		ip[0] = 0x45;
		put_be16(ip + 2, (uint16_t)(iplen + 20 + plen));
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, sa, 4);
		memcpy(ip + 16, da, 4);
		put_be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		s = csum_add(0, ip + 12, 8);
	} else {
		ip[0] = 0x60;
		put_be16(ip + 4, (uint16_t)(20 + plen));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, sa, 16);
		memcpy(ip + 24, da, 16);
		s = csum_add(0, ip + 8, 32);
	}
	put_be16(tcp, sp);
	put_be16(tcp + 2, dp);
	put_be32(tcp + 4, (uint32_t)seq);
	put_be32(tcp + 8, (uint32_t)ack);
	tcp[12] = 5 << 4;
	tcp[13] = (uint8_t)flags;
	put_be16(tcp + 14, (uint16_t)win);
	s += 6 + (uint32_t)(20 + plen);
	put_be16(tcp + 16, csum_fold(csum_add(s, tcp, 20 + plen)));
	*n = iplen + 20 + plen;
	return 0;
}

static int
rd_packet(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	struct fk_recjson *r = c->r;
	struct fk_packet p = { 0 };
	const uint8_t *d = NULL;
	size_t n = 0;
	int given;

	if (raw && fk_packet_decode(raw, &p) != 0)
		return rerr(c, "raw", "not a PACKET body");
	if (raw) {
		d = p.data;
		n = p.caplen;
	}
	if (get_time(c, "time", &p.ts_ns) < 0)
		return -1;
	if (!raw && (fk_json_get(&r->obj, "src") ||
	    fk_json_get(&r->obj, "dst"))) {
		/* a TCP segment described: the frame is made of it */
		if (fk_json_get(&r->obj, "data") || fk_json_get(&r->obj,
		    "caplen") || fk_json_get(&r->obj, "link_type"))
			return rerr(c, "src", "a frame (data) or a segment "
			    "(src, dst, ...), not both");
		if (build_segment(c, r->body + FK_PACKET_FIXED,
		    r->bodycap - FK_PACKET_FIXED, &n) < 0)
			return -1;
		p.linktype = 101;
		d = r->body + FK_PACKET_FIXED;
		given = 1;
		goto frame;
	}
	GETU("link_type", UINT32_MAX, p.linktype);
	if (get_bytes(c, "caplen", "data", "text", r->body + FK_PACKET_FIXED,
	    FK_REC_MAX_BODY - FK_PACKET_FIXED, &d, &n, &given) < 0)
		return -1;
frame:
	GETU("interface", UINT32_MAX, p.ifindex);
	if (!raw) {
		p.caplen = (uint32_t)n;
		p.data = d;
		p.origlen = p.caplen;
	}
	GETU("orig_len", UINT32_MAX, p.origlen);
	if (!raw)
		*blen = fk_packet_encode(r->body, &p) + n;
	return 0;
}

static int
rd_open(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	struct fk_recjson *r = c->r;
	struct fk_open o = { 0 };
	uint8_t fam, tfam;
	uint64_t flags;

	if (raw && fk_open_decode(raw, &o) != 0)
		return rerr(c, "raw", "not a FLOW_OPEN body");
	fam = o.family;
	tfam = o.tun_family;
	if (!raw)
		o.proto = 6, o.opener = FK_OPEN_SYN;
	if (get_flow(c, &o.flow_id) < 0)
		return -1;
	if (o.flow_id == 0)
		return rerr(c, "flow_id", "0 is no flow's id");
	if (get_time(c, "time", &o.ts_ns) < 0)
		return -1;
	GETU("family", 255, fam);
	if (!raw && fk_json_get(&r->obj, "addr_a") == NULL)
		return rerr(c, "addr_a", "required");
	if (!raw && fk_json_get(&r->obj, "addr_b") == NULL)
		return rerr(c, "addr_b", "required");
	if (get_addr(c, "addr_a", &fam, o.addr_a) < 0 ||
	    get_addr(c, "addr_b", &fam, o.addr_b) < 0)
		return -1;
	if (fam != 4 && fam != 6)
		return rerr(c, "family", "4 or 6");
	o.family = fam;
	GETU("proto", 255, o.proto);
	GETE("opener", opener_names, 255, o.opener);
	GETU("vlan", UINT16_MAX, o.vlan);
	GETU("vlan_inner", UINT16_MAX, o.vlan_inner);
	GETU("port_a", UINT16_MAX, o.port_a);
	GETU("port_b", UINT16_MAX, o.port_b);
	if (get_mac(c, "mac_a", o.eth_a) < 0 || get_mac(c, "mac_b", o.eth_b) < 0)
		return -1;
	GETU("interface", UINT32_MAX, o.ifindex);
	GETE("tun_type", tun_names, 255, o.tun_type);
	GETU("tun_family", 255, tfam);
	GETU("tun_id", UINT64_MAX, o.tun_id);
	if (get_addr(c, "tun_addr_a", &tfam, o.tun_addr_a) < 0 ||
	    get_addr(c, "tun_addr_b", &tfam, o.tun_addr_b) < 0)
		return -1;
	/* flags: as given, else what the fields given say */
	flags = o.flags;
	if (fk_json_get(&r->obj, "flags") == NULL && !raw) {
		flags = 0;
		if (fk_json_get(&r->obj, "vlan"))
			flags |= FK_OPEN_F_VLAN;
		if (fk_json_get(&r->obj, "vlan_inner"))
			flags |= FK_OPEN_F_VLAN2;
		if (fk_json_get(&r->obj, "mac_a") ||
		    fk_json_get(&r->obj, "mac_b"))
			flags |= FK_OPEN_F_ETH;
		if (fk_json_get(&r->obj, "tun_type") ||
		    fk_json_get(&r->obj, "tun_addr_a"))
			flags |= FK_OPEN_F_TUNNEL;
	} else if (get_u(c, "flags", UINT16_MAX, &flags) < 0)
		return -1;
	o.flags = (uint16_t)flags;
	if (o.flags & FK_OPEN_F_TUNNEL) {
		if (tfam != 4 && tfam != 6)
			return rerr(c, "tun_addr_a", "required with flags 0x10 "
			    "(tunneled), or tun_family 4 or 6");
	} else if (!raw && (o.tun_type || tfam || o.tun_id ||
	    nonzero(o.tun_addr_a, 16) || nonzero(o.tun_addr_b, 16)))
		return rerr(c, "flags", "tunnel fields without flag 0x10");
	o.tun_family = tfam;
	if (!raw)
		*blen = fk_open_encode(r->body, &o);
	return 0;
}

/* DATA and OVERLAP: one layout. */
static int
rd_data(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	struct fk_recjson *r = c->r;
	struct fk_data d = { 0 };
	const uint8_t *p = NULL;
	size_t n = 0;

	if (raw && fk_data_decode(raw, &d) != 0)
		return rerr(c, "raw", "not a %s body",
		    fk_rec_typename(raw->type));
	if (raw) {
		p = d.data;
		n = d.len;
	}
	if (get_flow(c, &d.flow_id) < 0 || get_dir(c, &d.dir) < 0)
		return -1;
	GETU("flags", 255, d.flags);
	GETU("offset", UINT64_MAX, d.offset);
	if (get_time(c, "time", &d.ts_ns) < 0)
		return -1;
	if (get_bytes(c, "len", "data", "text", r->body + FK_DATA_FIXED,
	    FK_REC_MAX_BODY - FK_DATA_FIXED, &p, &n, NULL) < 0)
		return -1;
	if (!raw)
		*blen = fk_data_encode(r->body, &d) + n;
	return 0;
}

static int
rd_gap(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	struct fk_gap g = { 0 };

	if (raw && fk_gap_decode(raw, &g) != 0)
		return rerr(c, "raw", "not a GAP body");
	if (!raw)
		g.reason = FK_GAP_LOST;
	if (get_flow(c, &g.flow_id) < 0 || get_dir(c, &g.dir) < 0)
		return -1;
	GETE("reason", gap_names, 255, g.reason);
	GETU("offset", UINT64_MAX, g.offset);
	GETU("len", UINT64_MAX, g.len);
	if (get_time(c, "time", &g.ts_ns) < 0)
		return -1;
	if (!raw)
		*blen = fk_gap_encode(c->r->body, &g);
	return 0;
}

static int
rd_close(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	struct fk_close cl;

	memset(&cl, 0, sizeof(cl));
	if (raw && fk_close_decode(raw, &cl) != 0)
		return rerr(c, "raw", "not a FLOW_CLOSE body");
	if (!raw)
		cl.reason = FK_CLOSE_FIN;
	if (get_flow(c, &cl.flow_id) < 0 || get_time(c, "time", &cl.ts_ns) < 0)
		return -1;
	GETE("reason", close_names, 255, cl.reason);
	for (int d = 0; d < 2; d++) {
		struct fk_dirstats *s = &cl.dir[d];
		const char *p = d == 0 ? "ab" : "ba";
		char k[32];

#define DS(name, v) do {						\
	snprintf(k, sizeof(k), "%s_%s", p, name);			\
	if (get_u(c, k, UINT64_MAX, &(v)) < 0)				\
		return -1;						\
} while (0)
		DS("packets", s->packets);
		DS("wire_bytes", s->wire_bytes);
		DS("bytes", s->bytes);
		DS("gap_bytes", s->gap_bytes);
		DS("retrans_bytes", s->retrans_bytes);
		DS("ooo_packets", s->ooo_packets);
		DS("overlaps", s->overlaps);
#undef DS
		snprintf(k, sizeof(k), "%s_last_time", p);
		if (get_time(c, k, &s->last_ts_ns) < 0)
			return -1;
	}
	if (!raw)
		*blen = fk_close_encode(c->r->body, &cl);
	return 0;
}

static int
rd_name(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	struct fk_recjson *r = c->r;
	struct fk_name nm = { 0 };
	const uint8_t *p = NULL;
	size_t n = 0;

	if (raw && fk_name_decode(raw, &nm) != 0)
		return rerr(c, "raw", "not a FLOW_NAME body");
	if (raw) {
		p = (const uint8_t *)nm.name;
		n = nm.len;
	}
	if (get_flow(c, &nm.flow_id) < 0 || get_dir(c, &nm.dir) < 0)
		return -1;
	if (get_bytes(c, NULL, "name_b64", "name", r->body + FK_NAME_FIXED,
	    FK_REC_MAX_BODY - FK_NAME_FIXED, &p, &n, NULL) < 0)
		return -1;
	if (!raw)
		*blen = fk_name_encode(r->body, &nm) + n;
	return 0;
}

static int
rd_stats(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	const uint8_t *p = raw ? raw->body : NULL;
	size_t n = raw ? raw->len : 0;

	if (get_bytes(c, NULL, "text_b64", "text", c->r->body,
	    FK_REC_MAX_BODY, &p, &n, NULL) < 0)
		return -1;
	if (!raw)
		*blen = n;
	return 0;
}

static int
rd_end(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	struct fk_recjson *r = c->r;
	struct fk_end e = { 0 };
	const uint8_t *p = NULL;
	size_t n = 0;

	if (raw && fk_end_decode(raw, &e) != 0)
		return rerr(c, "raw", "not an END body");
	if (raw) {
		p = (const uint8_t *)e.text;
		n = e.len;
	}
	GETE("status", end_names, 255, e.status);
	GETU("code", 255, e.code);
	if (get_bytes(c, NULL, "text_b64", "text", r->body + FK_END_FIXED,
	    FK_REC_MAX_BODY - FK_END_FIXED, &p, &n, NULL) < 0)
		return -1;
	if (!raw)
		*blen = fk_end_encode(r->body, &e) + n;
	return 0;
}

static int
rd_http(struct ctx *c, const struct fk_rec *raw, size_t *blen)
{
	static const char *const keys[5] = { "file", "method", "uri",
		"content_type", "host" };
	struct fk_recjson *r = c->r;
	struct fk_http h = { 0 };
	uint8_t *dst = c->raw ? r->tmp : r->body + FK_HTTP_FIXED;
	size_t n = 0, cap = c->raw ? r->tmpcap : FK_REC_MAX_BODY -
	    FK_HTTP_FIXED;
	struct fk_jval *sb;
	int any = 0;

	if (raw && fk_http_decode(raw, &h) != 0)
		return rerr(c, "raw", "not an HTTP body");
	if (!raw)
		h.kind = FK_HTTP_REQUEST;
	if (get_flow(c, &h.flow_id) < 0 || get_dir(c, &h.dir) < 0)
		return -1;
	GETE("kind", kind_names, 255, h.kind);
	GETU("flags", UINT16_MAX, h.flags);
	GETU("status", UINT16_MAX, h.status);
	GETU("seq", UINT32_MAX, h.seq);
	GETU("hdr_offset", UINT64_MAX, h.hdr_offset);
	GETU("body_offset", UINT64_MAX, h.body_offset);
	GETU("body_len", UINT64_MAX, h.body_len);
	GETU("decoded_len", UINT64_MAX, h.decoded_len);
	if (get_time(c, "time", &h.ts_ns) < 0)
		return -1;
	if ((sb = fk_json_get(&r->obj, "strings_b64")) != NULL) {
		long m;

		if (sb->kind != FK_JSON_STR ||
		    (m = fk_b64_decode(dst, cap, sb->s, sb->len)) < 0)
			return rerr(c, "strings_b64", "not base64");
		n = (size_t)m;
		any = 1;
	}
	for (int i = 0; i < 5; i++) {
		const char *k = keys[i];
		struct fk_jval *j = fk_json_get(&r->obj, k), *alt;

		if (i == 2 && (alt = fk_json_get(&r->obj, "reason")) != NULL) {
			if (j != NULL)
				return rerr(c, "reason", "give uri (a request) "
				    "or reason (a response), not both");
			j = alt;
			k = "reason";
		}
		if (j == NULL) {
			if (sb == NULL && n < cap)
				dst[n++] = '\0';	/* empty */
			continue;
		}
		if (sb != NULL)
			return rerr(c, k, "give the strings or strings_b64, "
			    "not both");
		if (j->kind != FK_JSON_STR || memchr(j->s, 0, j->len) != NULL)
			return rerr(c, k, "a string without NUL");
		if (j->len + 1 > cap - n)
			return rerr(c, k, "too long");
		memcpy(dst + n, j->s, j->len);
		n += j->len;
		dst[n++] = '\0';
		any = 1;
	}
	if (raw) {
		if (any && (n != h.varlen || memcmp(dst, h.var, n) != 0))
			return contradicts(c, sb ? "strings_b64" : "uri");
		return 0;
	}
	*blen = fk_http_encode(r->body, &h) + n;
	return 0;
}

/* The type member: a name, HEADER, or a number. */
static int
get_type(struct ctx *c, int *hdr, uint16_t *type)
{
	struct fk_jval *j = fk_json_get(&c->r->obj, "type");
	static const uint16_t known[] = { FK_REC_PACKET, FK_REC_FLOW_OPEN,
		FK_REC_DATA, FK_REC_GAP, FK_REC_OVERLAP, FK_REC_FLOW_CLOSE,
		FK_REC_FLOW_NAME, FK_REC_STATS, FK_REC_END, FK_REC_HTTP };

	*hdr = 0;
	if (j == NULL)
		return rerr(c, "type", "required (DATA, FLOW_OPEN, ..., "
		    "HEADER, or a number)");
	if (j->kind == FK_JSON_NUM) {
		if (!j->isuint || j->u > UINT16_MAX)
			return rerr(c, "type", "a number from 0 to 65535");
		if (j->u == FK_TYPE_STREAMHDR)
			return rerr(c, "type", "%#x reads as a stream header",
			    FK_TYPE_STREAMHDR);
		*type = (uint16_t)j->u;
		return 0;
	}
	if (j->kind != FK_JSON_STR)
		return rerr(c, "type", "a type name or a number");
	if (strcmp(j->s, "HEADER") == 0) {
		*hdr = 1;
		return 0;
	}
	for (size_t i = 0; i < FK_ARRAY_LEN(known); i++)
		if (strcmp(j->s, fk_rec_typename(known[i])) == 0) {
			*type = known[i];
			return 0;
		}
	return rerr(c, "type", "\"%.40s\" is no record type", j->s);
}

static void
grow(uint8_t **p, size_t *cap, size_t want)
{
	if (*cap < want) {
		free(*p);
		*p = fk_malloc(want);
		*cap = want;
	}
}

int
fk_recjson_read(struct fk_recjson *r, const char *line, size_t len)
{
	struct ctx c = { r, 0 };
	struct fk_rec rawrec, *raw = NULL;
	struct fk_jval *j;
	const struct fk_jval *u;
	size_t i, blen = 0;
	uint64_t v;
	uint16_t type = 0;
	int hdr, rc;

	r->err[0] = '\0';
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' ||
	    line[i] == '\r'); i++)
		continue;
	if (i == len || line[i] == '#')
		return FK_RJ_NONE;
	if (fk_json_parse(&r->obj, line, len) < 0) {
		snprintf(r->err, sizeof(r->err), "%s", r->obj.err);
		return -1;
	}
	/*
	 * What a field decodes to is never longer than its text, so
	 * buffers of the line's length (and a fixed part) hold them.
	 */
	grow(&r->body, &r->bodycap, len + FK_REC_FIXED_MAX + 64);
	grow(&r->tmp, &r->tmpcap, len + 1);
	if (get_type(&c, &hdr, &type) < 0)
		return -1;
	fk_json_get(&r->obj, "at");	/* where it was: not needed */
	if (hdr) {
		v = FK_VERSION_MAJOR;
		if (get_u(&c, "major", UINT16_MAX, &v) < 0)
			return -1;
		if (v != FK_VERSION_MAJOR)
			return rerr(&c, "major", "version %d is the only one",
			    FK_VERSION_MAJOR);
		v = FK_VERSION_MINOR;
		if (get_u(&c, "minor", UINT16_MAX, &v) < 0)
			return -1;
		r->minor = (uint16_t)v;
		v = 0;
		if (get_u(&c, "reserved", UINT32_MAX, &v) < 0)
			return -1;
		r->reserved = (uint32_t)v;
		rc = FK_RJ_HEADER;
		goto done;
	}
	v = 0;
	if (get_u(&c, "hdr_flags", UINT16_MAX, &v) < 0)
		return -1;
	r->rec.flags = (uint16_t)v;
	r->rec.type = type;
	r->rec.offset = 0;
	if ((j = fk_json_get(&r->obj, "raw")) != NULL) {
		long m;

		if (j->kind != FK_JSON_STR || (m = fk_b64_decode(r->body,
		    FK_REC_MAX_BODY, j->s, j->len)) < 0)
			return rerr(&c, "raw", "not base64, or more than %u "
			    "bytes", FK_REC_MAX_BODY);
		blen = (size_t)m;
		v = blen;
		if (get_u(&c, "raw_len", UINT64_MAX, &v) < 0)
			return -1;
		if (v != blen)
			return rerr(&c, "raw_len", "%llu, but raw holds %zu "
			    "bytes", (unsigned long long)v, blen);
		rawrec = mkrec(type, r->body, blen);
		raw = &rawrec;
		c.raw = fk_rec_typename(type) != NULL;
	} else if (fk_json_get(&r->obj, "raw_len") != NULL)
		return rerr(&c, "raw_len", "without raw");
	switch (type) {
	case FK_REC_PACKET:	rc = rd_packet(&c, raw, &blen); break;
	case FK_REC_FLOW_OPEN:	rc = rd_open(&c, raw, &blen); break;
	case FK_REC_DATA:
	case FK_REC_OVERLAP:	rc = rd_data(&c, raw, &blen); break;
	case FK_REC_GAP:	rc = rd_gap(&c, raw, &blen); break;
	case FK_REC_FLOW_CLOSE:	rc = rd_close(&c, raw, &blen); break;
	case FK_REC_FLOW_NAME:	rc = rd_name(&c, raw, &blen); break;
	case FK_REC_STATS:	rc = rd_stats(&c, raw, &blen); break;
	case FK_REC_END:	rc = rd_end(&c, raw, &blen); break;
	case FK_REC_HTTP:	rc = rd_http(&c, raw, &blen); break;
	default:		rc = 0; break;	/* raw is the body */
	}
	if (rc < 0)
		return -1;
	if (blen > FK_REC_MAX_BODY)
		return rerr(&c, "type", "a body of %zu bytes (at most %u)",
		    blen, FK_REC_MAX_BODY);
	r->rec.len = (uint32_t)blen;
	r->rec.body = r->body;
	rc = FK_RJ_RECORD;
done:
	if ((u = fk_json_unused(&r->obj)) != NULL) {
		c.raw = 0;
		return rerr(&c, u->key[0] ? u->key : "\"\"",
		    "no such field in a %s line", hdr ? "HEADER" :
		    fk_rec_typename(type) ? fk_rec_typename(type) :
		    "record of an unknown type");
	}
	return rc;
}
