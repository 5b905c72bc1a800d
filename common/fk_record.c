/* fk_record.c - record bodies to and from their wire layout. */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_io.h"
#include "fk_record.h"
#include "fk_ref.h"
#include "fk_util.h"

const char *
fk_rec_typename(uint16_t type)
{
	switch (type) {
	case FK_REC_PACKET:	return "PACKET";
	case FK_REC_FLOW_OPEN:	return "FLOW_OPEN";
	case FK_REC_DATA:	return "DATA";
	case FK_REC_GAP:	return "GAP";
	case FK_REC_OVERLAP:	return "OVERLAP";
	case FK_REC_FLOW_CLOSE:	return "FLOW_CLOSE";
	case FK_REC_FLOW_NAME:	return "FLOW_NAME";
	case FK_REC_STATS:	return "STATS";
	case FK_REC_HTTP:	return "HTTP";
	case FK_REC_END:	return "END";
	case FK_REC_FILE:	return "FILE";
	}
	return NULL;
}

const char *
fk_close_reasonname(uint8_t r)
{
	switch (r) {
	case FK_CLOSE_FIN:	return "fin";
	case FK_CLOSE_RST:	return "rst";
	case FK_CLOSE_TIMEOUT:	return "timeout";
	case FK_CLOSE_END:	return "end";
	case FK_CLOSE_EVICT:	return "evict";
	case FK_CLOSE_REUSE:	return "reuse";
	case FK_CLOSE_STOPPED:	return "stopped";
	}
	return "unknown";
}

const char *
fk_end_statusname(uint8_t s)
{
	switch (s) {
	case FK_END_COMPLETE:	 return "complete";
	case FK_END_INTERRUPTED: return "interrupted";
	case FK_END_INCOMPLETE:	 return "incomplete";
	}
	return "unknown";
}

/* ---- END: status 0/1, code 1/1, reserved 2/6, text 8/... */

int
fk_end_decode(const struct fk_rec *r, struct fk_end *e)
{
	const uint8_t *v;

	if (fk_rec_var(r, FK_END_FIXED, &v, &e->len) != 0)
		return -1;
	e->status = r->body[0];
	e->code = r->body[1];
	e->text = (const char *)v;
	return 0;
}

size_t
fk_end_encode(uint8_t *b, const struct fk_end *e)
{
	memset(b, 0, FK_END_FIXED);
	b[0] = e->status;
	b[1] = e->code;
	return FK_END_FIXED;
}

void
fk_end_emit(struct fk_out *o, const struct fk_end *e)
{
	uint8_t b[FK_END_FIXED];

	fk_out_rec(o, FK_REC_END, b, fk_end_encode(b, e), e->text, e->len);
}

const uint8_t fk_ref_unread[1];

int
fk_rec_var(const struct fk_rec *r, size_t fixed, const uint8_t **p,
    uint32_t *n)
{
	if (r->flags & FK_RF_REF) {
		if (r->len < fixed + FK_REF_LEN)
			return -1;
		*p = r->ref == fk_ref_unread ? NULL :
		    r->ref != NULL ? r->ref : fk_ref_bytes(r);
		*n = r->reflen;
		return 0;
	}
	if (r->len < fixed)
		return -1;
	*p = r->body + fixed;
	*n = r->len - (uint32_t)fixed;
	return 0;
}

/*
 * ---- FILE: id 0/4, rsv 4/4, size 8/8, mtime 16/8, dev 24/8, ino 32/8,
 * machine 40/16, rsv 56/8, path 64/...
 */

int
fk_file_decode(const struct fk_rec *r, struct fk_file *f)
{
	const uint8_t *b = r->body, *v;

	if (fk_rec_var(r, FK_FILE_FIXED, &v, &f->pathlen) != 0)
		return -1;
	f->id = fk_le32(b);
	f->size = fk_le64(b + 8);
	f->mtime_ns = fk_le64(b + 16);
	f->dev = fk_le64(b + 24);
	f->ino = fk_le64(b + 32);
	memcpy(f->machine, b + 40, sizeof(f->machine));
	f->path = (const char *)v;
	return f->id != 0 ? 0 : -1;
}

size_t
fk_file_encode(uint8_t *b, const struct fk_file *f)
{
	memset(b, 0, FK_FILE_FIXED);
	fk_put32(b, f->id);
	fk_put64(b + 8, f->size);
	fk_put64(b + 16, f->mtime_ns);
	fk_put64(b + 24, f->dev);
	fk_put64(b + 32, f->ino);
	memcpy(b + 40, f->machine, sizeof(f->machine));
	return FK_FILE_FIXED;
}

void
fk_file_emit(struct fk_out *o, const struct fk_file *f)
{
	uint8_t b[FK_FILE_FIXED];

	fk_out_rec(o, FK_REC_FILE, b, fk_file_encode(b, f), f->path,
	    f->pathlen);
}

/* ---- PACKET: ts 0/8, linktype 8/4, origlen 12/4, ifindex 16/4, rsv 20/4 */

int
fk_packet_decode(const struct fk_rec *r, struct fk_packet *p)
{
	const uint8_t *b = r->body;

	if (fk_rec_var(r, FK_PACKET_FIXED, &p->data, &p->caplen) != 0)
		return -1;
	p->ts_ns = fk_le64(b);
	p->linktype = fk_le32(b + 8);
	p->origlen = fk_le32(b + 12);
	p->ifindex = fk_le32(b + 16);
	return 0;
}

size_t
fk_packet_encode(uint8_t *b, const struct fk_packet *p)
{
	fk_put64(b, p->ts_ns);
	fk_put32(b + 8, p->linktype);
	fk_put32(b + 12, p->origlen);
	fk_put32(b + 16, p->ifindex);
	fk_put32(b + 20, 0);
	return FK_PACKET_FIXED;
}

void
fk_packet_emit(struct fk_out *o, const struct fk_packet *p)
{
	uint8_t b[FK_PACKET_FIXED];

	fk_out_rec(o, FK_REC_PACKET, b, fk_packet_encode(b, p), p->data,
	    p->caplen);
}

/*
 * ---- FLOW_OPEN: flow_id 0/8, ts 8/8, family 16/1, proto 17/1,
 * opener 18/1, rsv 19/1, flags 20/2, vlan 22/2, vlan_inner 24/2,
 * port_a 26/2, port_b 28/2, rsv 30/2, addr_a 32/16, addr_b 48/16,
 * eth_a 64/6, eth_b 70/6, ifindex 76/4
 */

int
fk_open_decode(const struct fk_rec *r, struct fk_open *o)
{
	const uint8_t *b = r->body;

	if (r->len < FK_OPEN_FIXED)
		return -1;
	o->flow_id = fk_le64(b);
	if (o->flow_id == 0)
		return -2;
	o->ts_ns = fk_le64(b + 8);
	o->family = b[16];
	o->proto = b[17];
	o->opener = b[18];
	o->flags = fk_le16(b + 20);
	o->vlan = fk_le16(b + 22);
	o->vlan_inner = fk_le16(b + 24);
	o->port_a = fk_le16(b + 26);
	o->port_b = fk_le16(b + 28);
	memcpy(o->addr_a, b + 32, 16);
	memcpy(o->addr_b, b + 48, 16);
	memcpy(o->eth_a, b + 64, 6);
	memcpy(o->eth_b, b + 70, 6);
	o->ifindex = fk_le32(b + 76);
	o->tun_type = o->tun_family = 0;
	o->tun_id = 0;
	memset(o->tun_addr_a, 0, 16);
	memset(o->tun_addr_b, 0, 16);
	if (o->flags & FK_OPEN_F_TUNNEL) {
		if (r->len < FK_OPEN_TUNNEL_LEN)
			return -1;
		o->tun_type = b[80];
		o->tun_family = b[81];
		o->tun_id = fk_le64(b + 88);
		memcpy(o->tun_addr_a, b + 96, 16);
		memcpy(o->tun_addr_b, b + 112, 16);
		if (o->tun_family != 4 && o->tun_family != 6)
			return -1;
	}
	if (o->family != 4 && o->family != 6)
		return -1;
	return 0;
}

size_t
fk_open_encode(uint8_t *b, const struct fk_open *o)
{
	size_t len = FK_OPEN_FIXED;

	memset(b, 0, FK_OPEN_TUNNEL_LEN);
	fk_put64(b, o->flow_id);
	fk_put64(b + 8, o->ts_ns);
	b[16] = o->family;
	b[17] = o->proto;
	b[18] = o->opener;
	fk_put16(b + 20, o->flags);
	fk_put16(b + 22, o->vlan);
	fk_put16(b + 24, o->vlan_inner);
	fk_put16(b + 26, o->port_a);
	fk_put16(b + 28, o->port_b);
	memcpy(b + 32, o->addr_a, 16);
	memcpy(b + 48, o->addr_b, 16);
	memcpy(b + 64, o->eth_a, 6);
	memcpy(b + 70, o->eth_b, 6);
	fk_put32(b + 76, o->ifindex);
	if (o->flags & FK_OPEN_F_TUNNEL) {
		/* the extension of minor version 1, only when tunneled */
		b[80] = o->tun_type;
		b[81] = o->tun_family;
		fk_put64(b + 88, o->tun_id);
		memcpy(b + 96, o->tun_addr_a, 16);
		memcpy(b + 112, o->tun_addr_b, 16);
		len = FK_OPEN_TUNNEL_LEN;
	}
	return len;
}

void
fk_open_emit(struct fk_out *out, const struct fk_open *o)
{
	uint8_t b[FK_OPEN_TUNNEL_LEN];

	fk_out_rec(out, FK_REC_FLOW_OPEN, b, fk_open_encode(b, o), NULL, 0);
}

/*
 * ---- DATA and OVERLAP: flow_id 0/8, dir 8/1, flags 9/1, rsv 10/6,
 * offset 16/8, ts 24/8, bytes 32/...
 */

static int
dir_ok(uint8_t d)
{
	return d == FK_DIR_AB || d == FK_DIR_BA;
}

int
fk_data_decode(const struct fk_rec *r, struct fk_data *d)
{
	const uint8_t *b = r->body;

	if (fk_rec_var(r, FK_DATA_FIXED, &d->data, &d->len) != 0)
		return -1;
	d->flow_id = fk_le64(b);
	d->dir = b[8];
	d->flags = b[9];
	d->offset = fk_le64(b + 16);
	d->ts_ns = fk_le64(b + 24);
	return dir_ok(d->dir) ? 0 : -1;
}

static size_t
data_like_encode(uint8_t *b, uint64_t id, uint8_t dir, uint8_t flags,
    uint64_t off, uint64_t ts)
{
	memset(b, 0, FK_DATA_FIXED);
	fk_put64(b, id);
	b[8] = dir;
	b[9] = flags;
	fk_put64(b + 16, off);
	fk_put64(b + 24, ts);
	return FK_DATA_FIXED;
}

size_t
fk_data_encode(uint8_t *b, const struct fk_data *d)
{
	return data_like_encode(b, d->flow_id, d->dir, d->flags, d->offset,
	    d->ts_ns);
}

void
fk_data_emit(struct fk_out *o, const struct fk_data *d)
{
	uint8_t b[FK_DATA_FIXED];

	fk_out_rec(o, FK_REC_DATA, b, fk_data_encode(b, d), d->data, d->len);
}

int
fk_overlap_decode(const struct fk_rec *r, struct fk_overlap *v)
{
	const uint8_t *b = r->body;

	if (fk_rec_var(r, FK_OVERLAP_FIXED, &v->data, &v->len) != 0)
		return -1;
	v->flow_id = fk_le64(b);
	v->dir = b[8];
	v->flags = b[9];
	v->offset = fk_le64(b + 16);
	v->ts_ns = fk_le64(b + 24);
	return dir_ok(v->dir) ? 0 : -1;
}

size_t
fk_overlap_encode(uint8_t *b, const struct fk_overlap *v)
{
	return data_like_encode(b, v->flow_id, v->dir, v->flags, v->offset,
	    v->ts_ns);
}

void
fk_overlap_emit(struct fk_out *o, const struct fk_overlap *v)
{
	uint8_t b[FK_OVERLAP_FIXED];

	fk_out_rec(o, FK_REC_OVERLAP, b, fk_overlap_encode(b, v), v->data,
	    v->len);
}

/* ---- GAP: flow_id 0/8, dir 8/1, reason 9/1, rsv 10/6, offset 16/8,
 * len 24/8, ts 32/8 */

int
fk_gap_decode(const struct fk_rec *r, struct fk_gap *g)
{
	const uint8_t *b = r->body;

	if (r->len < FK_GAP_FIXED)
		return -1;
	g->flow_id = fk_le64(b);
	g->dir = b[8];
	g->reason = b[9];
	g->offset = fk_le64(b + 16);
	g->len = fk_le64(b + 24);
	g->ts_ns = fk_le64(b + 32);
	return dir_ok(g->dir) ? 0 : -1;
}

size_t
fk_gap_encode(uint8_t *b, const struct fk_gap *g)
{
	memset(b, 0, FK_GAP_FIXED);
	fk_put64(b, g->flow_id);
	b[8] = g->dir;
	b[9] = g->reason;
	fk_put64(b + 16, g->offset);
	fk_put64(b + 24, g->len);
	fk_put64(b + 32, g->ts_ns);
	return FK_GAP_FIXED;
}

void
fk_gap_emit(struct fk_out *o, const struct fk_gap *g)
{
	uint8_t b[FK_GAP_FIXED];

	fk_out_rec(o, FK_REC_GAP, b, fk_gap_encode(b, g), NULL, 0);
}

/*
 * ---- FLOW_CLOSE: flow_id 0/8, ts 8/8, reason 16/1, rsv 17/7,
 * then for A->B at 24 and B->A at 88, eight 8-byte counters:
 * packets, wire_bytes, bytes, gap_bytes, retrans_bytes, ooo_packets,
 * overlaps, last_ts_ns
 */

int
fk_close_decode(const struct fk_rec *r, struct fk_close *c)
{
	const uint8_t *b = r->body;

	if (r->len < FK_CLOSE_FIXED)
		return -1;
	c->flow_id = fk_le64(b);
	c->ts_ns = fk_le64(b + 8);
	c->reason = b[16];
	for (int d = 0; d < 2; d++) {
		const uint8_t *s = b + 24 + d * FK_DIRSTATS_LEN;
		struct fk_dirstats *ds = &c->dir[d];

		ds->packets = fk_le64(s);
		ds->wire_bytes = fk_le64(s + 8);
		ds->bytes = fk_le64(s + 16);
		ds->gap_bytes = fk_le64(s + 24);
		ds->retrans_bytes = fk_le64(s + 32);
		ds->ooo_packets = fk_le64(s + 40);
		ds->overlaps = fk_le64(s + 48);
		ds->last_ts_ns = fk_le64(s + 56);
	}
	return 0;
}

size_t
fk_close_encode(uint8_t *b, const struct fk_close *c)
{
	memset(b, 0, FK_CLOSE_FIXED);
	fk_put64(b, c->flow_id);
	fk_put64(b + 8, c->ts_ns);
	b[16] = c->reason;
	for (int d = 0; d < 2; d++) {
		uint8_t *s = b + 24 + d * FK_DIRSTATS_LEN;
		const struct fk_dirstats *ds = &c->dir[d];

		fk_put64(s, ds->packets);
		fk_put64(s + 8, ds->wire_bytes);
		fk_put64(s + 16, ds->bytes);
		fk_put64(s + 24, ds->gap_bytes);
		fk_put64(s + 32, ds->retrans_bytes);
		fk_put64(s + 40, ds->ooo_packets);
		fk_put64(s + 48, ds->overlaps);
		fk_put64(s + 56, ds->last_ts_ns);
	}
	return FK_CLOSE_FIXED;
}

void
fk_close_emit(struct fk_out *o, const struct fk_close *c)
{
	uint8_t b[FK_CLOSE_FIXED];

	fk_out_rec(o, FK_REC_FLOW_CLOSE, b, fk_close_encode(b, c), NULL, 0);
}

/* ---- FLOW_NAME: flow_id 0/8, dir 8/1, rsv 9/7, name 16/... */

int
fk_name_decode(const struct fk_rec *r, struct fk_name *n)
{
	const uint8_t *b = r->body, *v;

	if (fk_rec_var(r, FK_NAME_FIXED, &v, &n->len) != 0)
		return -1;
	n->flow_id = fk_le64(b);
	n->dir = b[8];
	n->name = (const char *)v;
	return dir_ok(n->dir) ? 0 : -1;
}

size_t
fk_name_encode(uint8_t *b, const struct fk_name *n)
{
	memset(b, 0, FK_NAME_FIXED);
	fk_put64(b, n->flow_id);
	b[8] = n->dir;
	return FK_NAME_FIXED;
}

void
fk_name_emit(struct fk_out *o, const struct fk_name *n)
{
	uint8_t b[FK_NAME_FIXED];

	fk_out_rec(o, FK_REC_FLOW_NAME, b, fk_name_encode(b, n), n->name,
	    n->len);
}

/*
 * ---- HTTP: flow_id 0/8, dir 8/1, kind 9/1, flags 10/2, status 12/2,
 * rsv 14/2, seq 16/4, rsv 20/4, hdr_offset 24/8, body_offset 32/8,
 * body_len 40/8, decoded_len 48/8, ts 56/8, strings 64/...
 */

int
fk_http_decode(const struct fk_rec *r, struct fk_http *h)
{
	const uint8_t *b = r->body, *v;

	if (fk_rec_var(r, FK_HTTP_FIXED, &v, &h->varlen) != 0)
		return -1;
	h->flow_id = fk_le64(b);
	h->dir = b[8];
	h->kind = b[9];
	h->flags = fk_le16(b + 10);
	h->status = fk_le16(b + 12);
	h->seq = fk_le32(b + 16);
	h->hdr_offset = fk_le64(b + 24);
	h->body_offset = fk_le64(b + 32);
	h->body_len = fk_le64(b + 40);
	h->decoded_len = fk_le64(b + 48);
	h->ts_ns = fk_le64(b + 56);
	h->var = (const char *)v;
	return dir_ok(h->dir) ? 0 : -1;
}

size_t
fk_http_encode(uint8_t *b, const struct fk_http *h)
{
	memset(b, 0, FK_HTTP_FIXED);
	fk_put64(b, h->flow_id);
	b[8] = h->dir;
	b[9] = h->kind;
	fk_put16(b + 10, h->flags);
	fk_put16(b + 12, h->status);
	fk_put32(b + 16, h->seq);
	fk_put64(b + 24, h->hdr_offset);
	fk_put64(b + 32, h->body_offset);
	fk_put64(b + 40, h->body_len);
	fk_put64(b + 48, h->decoded_len);
	fk_put64(b + 56, h->ts_ns);
	return FK_HTTP_FIXED;
}

void
fk_http_emit(struct fk_out *o, const struct fk_http *h)
{
	uint8_t b[FK_HTTP_FIXED];

	fk_out_rec(o, FK_REC_HTTP, b, fk_http_encode(b, h), h->var,
	    h->varlen);
}

/* ---- STATS: text */

void
fk_stats_emit(struct fk_out *o, const char *text, size_t len)
{
	fk_out_rec(o, FK_REC_STATS, NULL, 0, text, len);
}

void
fk_stats_begin(struct fk_statsbuf *sb, const char *stage)
{
	sb->text = NULL;
	sb->len = 0;
	sb->stage = stage;
	if ((sb->m = open_memstream(&sb->text, &sb->len)) == NULL)
		err(FK_EX_FAIL, "open_memstream");
}

void
fk_stats_add(struct fk_statsbuf *sb, uint64_t value, const char *keyfmt, ...)
{
	va_list ap;

	fprintf(sb->m, "%s.", sb->stage);
	va_start(ap, keyfmt);
	vfprintf(sb->m, keyfmt, ap);
	va_end(ap);
	fprintf(sb->m, "=%llu\n", (unsigned long long)value);
}

void
fk_stats_end(struct fk_statsbuf *sb, struct fk_out *o, FILE *also)
{
	if (fclose(sb->m) != 0)
		err(FK_EX_FAIL, "open_memstream");
	fk_stats_emit(o, sb->text, sb->len);
	if (also != NULL)
		fwrite(sb->text, 1, sb->len, also);
	free(sb->text);
	sb->text = NULL;
}

/*
 * Decode the body, encode it again and compare the fixed parts (the
 * variable part is the body's own bytes either way).
 */
int
fk_rec_canonical(const struct fk_rec *r)
{
	uint8_t b[FK_REC_FIXED_MAX];
	union fk_body u;
	size_t n;

	switch (r->type) {
	case FK_REC_PACKET:
		if (fk_packet_decode(r, &u.p) != 0)
			return 0;
		n = fk_packet_encode(b, &u.p);
		break;
	case FK_REC_FLOW_OPEN:
		if (fk_open_decode(r, &u.o) != 0)
			return 0;
		n = fk_open_encode(b, &u.o);
		if (r->len != n)
			return 0;	/* fields of a later minor version */
		break;
	case FK_REC_DATA:
		if (fk_data_decode(r, &u.d) != 0)
			return 0;
		n = fk_data_encode(b, &u.d);
		break;
	case FK_REC_GAP:
		if (fk_gap_decode(r, &u.g) != 0)
			return 0;
		n = fk_gap_encode(b, &u.g);
		if (r->len != n)
			return 0;
		break;
	case FK_REC_OVERLAP:
		if (fk_overlap_decode(r, &u.v) != 0)
			return 0;
		n = fk_overlap_encode(b, &u.v);
		break;
	case FK_REC_FLOW_CLOSE:
		if (fk_close_decode(r, &u.c) != 0)
			return 0;
		n = fk_close_encode(b, &u.c);
		if (r->len != n)
			return 0;
		break;
	case FK_REC_FLOW_NAME:
		if (fk_name_decode(r, &u.n) != 0)
			return 0;
		n = fk_name_encode(b, &u.n);
		break;
	case FK_REC_HTTP:
		if (fk_http_decode(r, &u.h) != 0)
			return 0;
		n = fk_http_encode(b, &u.h);
		break;
	case FK_REC_END:
		if (fk_end_decode(r, &u.e) != 0)
			return 0;
		n = fk_end_encode(b, &u.e);
		break;
	case FK_REC_FILE:
		if (fk_file_decode(r, &u.f) != 0)
			return 0;
		n = fk_file_encode(b, &u.f);
		break;
	case FK_REC_STATS:
		return r->flags == 0;
	default:
		return 0;
	}
	if (r->flags & FK_RF_REF) {
		/* a reference after exactly the fixed part, nothing else */
		if (r->flags != FK_RF_REF || r->len != n + FK_REF_LEN ||
		    fk_le32(r->body + n + 4) != r->reflen)
			return 0;
	} else if (r->flags != 0)
		return 0;
	return r->len >= n && memcmp(r->body, b, n) == 0;
}
