/* fk_decode.c - link, IP and TCP header dissection, see fk_decode.h. */
#include <string.h>

#include "fk_decode.h"

/* A bounds-checked read cursor over the captured bytes. */
struct cur {
	const uint8_t *p;
	uint32_t len;		/* captured bytes */
	uint32_t pos;
};

static int
need(const struct cur *c, uint32_t n)
{
	return c->pos <= c->len && c->len - c->pos >= n;
}

static uint16_t
be16(const struct cur *c, uint32_t at)
{
	const uint8_t *q = c->p + c->pos + at;

	return (uint16_t)(q[0] << 8 | q[1]);
}

static uint32_t
be32(const struct cur *c, uint32_t at)
{
	const uint8_t *q = c->p + c->pos + at;

	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | q[3];
}

static uint8_t
u8(const struct cur *c, uint32_t at)
{
	return c->p[c->pos + at];
}

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ1	0x9100
#define ETH_QINQ2	0x9200
#define ETH_PPPOES	0x8864
#define ETH_MPLS	0x8847
#define ETH_MPLSM	0x8848
#define ETH_PBB		0x88e7	/* 802.1ah I-TAG, then a customer frame */

static int ip(struct cur *, int version, struct fk_pkt *);

/* IP version from the first nibble, for raw IP and MPLS. */
static int
ip_guess(struct cur *c, struct fk_pkt *out)
{
	if (!need(c, 1))
		return FK_DEC_SHORT_IP;
	switch (u8(c, 0) >> 4) {
	case 4:
		return ip(c, 4, out);
	case 6:
		return ip(c, 6, out);
	}
	return FK_DEC_NOT_IP;
}

/* PPP protocol field, then IP (PPPoE, LINKTYPE_PPP). */
static int
ppp(struct cur *c, struct fk_pkt *out)
{
	uint16_t proto;

	if (need(c, 2) && u8(c, 0) == 0xff && u8(c, 1) == 0x03)
		c->pos += 2;		/* HDLC address and control */
	if (!need(c, 1))
		return FK_DEC_SHORT_LINK;
	if (u8(c, 0) & 1) {		/* protocol field compression */
		proto = u8(c, 0);
		c->pos += 1;
	} else {
		if (!need(c, 2))
			return FK_DEC_SHORT_LINK;
		proto = be16(c, 0);
		c->pos += 2;
	}
	if (proto == 0x0021)
		return ip(c, 4, out);
	if (proto == 0x0057)
		return ip(c, 6, out);
	return FK_DEC_NOT_IP;
}

/* Walk an EtherType chain: VLAN tags, PPPoE, MPLS, LLC/SNAP, then IP. */
static int
ethertype(struct cur *c, uint16_t type, struct fk_pkt *out)
{
	int depth;

	for (depth = 0; depth < 16; depth++) {
		switch (type) {
		case ETH_IPV4:
			return ip(c, 4, out);
		case ETH_IPV6:
			return ip(c, 6, out);
		case ETH_VLAN:
		case ETH_QINQ:
		case ETH_QINQ1:
		case ETH_QINQ2:
			if (!need(c, 4))
				return FK_DEC_SHORT_LINK;
			if (out->nvlan < 2)
				out->vlan[out->nvlan++] = be16(c, 0) & 0x0fff;
			type = be16(c, 2);
			c->pos += 4;
			continue;
		case ETH_PBB:
			/* I-TAG (4), customer dst and src MAC, EtherType */
			if (!need(c, 18))
				return FK_DEC_SHORT_LINK;
			type = be16(c, 16);
			c->pos += 18;
			continue;
		case ETH_PPPOES:
			/* ver/type, code, session id, length */
			if (!need(c, 6))
				return FK_DEC_SHORT_LINK;
			if (u8(c, 0) != 0x11 || u8(c, 1) != 0)
				return FK_DEC_NOT_IP;
			{
				/* the session length bounds the PPP frame:
				 * what follows is Ethernet padding */
				uint32_t plen = be16(c, 4);

				c->pos += 6;
				if (plen < c->len - c->pos)
					c->len = c->pos + plen;
			}
			return ppp(c, out);
		case ETH_MPLS:
		case ETH_MPLSM: {
			int n;

			for (n = 0; n < 8; n++) {
				int bos;

				if (!need(c, 4))
					return FK_DEC_SHORT_LINK;
				bos = u8(c, 2) & 0x01;	/* bottom of stack */
				c->pos += 4;
				if (bos)
					return ip_guess(c, out);
			}
			return FK_DEC_NOT_IP;
		}
		default:
			if (type < 0x0600) {
				/* 802.3 length: only LLC/SNAP with OUI 0 */
				if (!need(c, 8))
					return FK_DEC_SHORT_LINK;
				if (u8(c, 0) != 0xaa || u8(c, 1) != 0xaa ||
				    u8(c, 2) != 0x03 || u8(c, 3) != 0 ||
				    u8(c, 4) != 0 || u8(c, 5) != 0)
					return FK_DEC_NOT_IP;
				type = be16(c, 6);
				c->pos += 8;
				continue;
			}
			return FK_DEC_NOT_IP;
		}
	}
	return FK_DEC_NOT_IP;
}

static int
tcp(struct cur *c, uint32_t wire_len, struct fk_pkt *out)
{
	uint32_t hlen, avail;

	/* c->len is already clipped to the IP datagram's end. */
	if (wire_len < 20)
		return FK_DEC_BAD_TCP;
	if (!need(c, 4))
		return FK_DEC_SHORT_TCP;
	out->sport = be16(c, 0);
	out->dport = be16(c, 2);
	if (!need(c, 14)) {
		/* snaplen cut the header before the flags: ports only */
		out->flags |= FK_PKT_F_HDRCUT;
		out->cut_len = wire_len - 20;
		return FK_DEC_OK;
	}
	hlen = (uint32_t)(u8(c, 12) >> 4) * 4;
	if (hlen < 20 || hlen > wire_len)
		return FK_DEC_BAD_TCP;
	out->seq = be32(c, 4);
	out->ack = be32(c, 8);
	out->tcp_flags = u8(c, 13) & 0x3f;
	if (need(c, 16))
		out->win = be16(c, 14);
	out->seg_len = wire_len - hlen;
	out->payload = c->p + c->len;
	if (!need(c, hlen)) {
		/* options cut by the snaplen: the payload is all a hole */
		out->flags |= FK_PKT_F_TRUNC;
		return FK_DEC_OK;
	}
	c->pos += hlen;
	avail = c->len - c->pos;
	out->payload_len = avail < out->seg_len ? avail : out->seg_len;
	out->payload = c->p + c->pos;
	if (out->payload_len < out->seg_len)
		out->flags |= FK_PKT_F_TRUNC;
	return FK_DEC_OK;
}

/*
 * Clip the cursor to an IP datagram of `total` bytes from c->pos (0 =
 * unknown, as with TSO/GRO captures and jumbograms: take what was
 * captured).  Returns the wire length of the rest.
 */
static uint32_t
clip(struct cur *c, uint32_t total)
{
	uint32_t avail = c->len - c->pos;

	if (total == 0)
		return avail;
	if (total < avail)
		c->len = c->pos + total;
	return total;
}

/* The transport header starts at the cursor, the datagram ends at c->len. */
static void
l4(const struct cur *c, uint8_t proto, struct fk_pkt *out)
{
	out->ip_proto = proto;
	out->l4_off = c->pos;
	out->ip_end = c->len;
}

static int
ip4(struct cur *c, struct fk_pkt *out)
{
	uint32_t ihl, total, wire;
	uint16_t frag;
	uint8_t proto;

	if (!need(c, 20))
		return FK_DEC_SHORT_IP;
	if (u8(c, 0) >> 4 != 4)
		return FK_DEC_BAD_IP;
	ihl = (uint32_t)(u8(c, 0) & 0x0f) * 4;
	total = be16(c, 2);
	if (ihl < 20 || (total != 0 && total < ihl))
		return FK_DEC_BAD_IP;
	if (!need(c, ihl))
		return FK_DEC_SHORT_IP;
	frag = be16(c, 6);
	out->family = 4;
	memset(out->src, 0, sizeof(out->src));
	memset(out->dst, 0, sizeof(out->dst));
	memcpy(out->src, c->p + c->pos + 12, 4);
	memcpy(out->dst, c->p + c->pos + 16, 4);
	if (frag & 0x3fff) {		/* MF or a fragment offset */
		struct fk_frag *f = &out->frag;

		if (total != 0 && need(c, total)) {
			f->family = 4;
			f->proto = u8(c, 9);
			f->more = (frag & 0x2000) != 0;
			f->id = be16(c, 4);
			f->off = (uint32_t)(frag & 0x1fff) * 8;
			f->hdr = c->p + c->pos;
			f->hdr_len = ihl;
			f->data = c->p + c->pos + ihl;
			f->len = total - ihl;
			memcpy(f->src, out->src, 16);
			memcpy(f->dst, out->dst, 16);
			f->nvlan = out->nvlan;
			f->vlan[0] = out->vlan[0];
			f->vlan[1] = out->vlan[1];
		}
		return FK_DEC_FRAGMENT;
	}
	proto = u8(c, 9);
	wire = clip(c, total);
	c->pos += ihl;
	if (wire < ihl)
		return FK_DEC_BAD_IP;
	l4(c, proto, out);
	if (out->ip_proto != 6)
		return FK_DEC_NOT_TCP;
	return tcp(c, wire - ihl, out);
}

static int
ip6(struct cur *c, struct fk_pkt *out)
{
	uint32_t plen, wire, used = 0, hl, start = c->pos, nh_pos;
	uint8_t nh;
	int n;

	if (!need(c, 40))
		return FK_DEC_SHORT_IP;
	if (u8(c, 0) >> 4 != 6)
		return FK_DEC_BAD_IP;
	plen = be16(c, 4);
	nh = u8(c, 6);
	out->family = 6;
	memcpy(out->src, c->p + c->pos + 8, 16);
	memcpy(out->dst, c->p + c->pos + 24, 16);
	nh_pos = c->pos + 6;
	c->pos += 40;
	wire = clip(c, plen);		/* plen 0: jumbogram or TSO */
	for (n = 0; n < 16; n++) {
		switch (nh) {
		case 6:
			l4(c, nh, out);
			return tcp(c, wire - used, out);
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 135:	/* mobility */
			if (!need(c, 2))
				return FK_DEC_SHORT_IP;
			hl = ((uint32_t)u8(c, 1) + 1) * 8;
			break;
		case 51:	/* AH */
			if (!need(c, 2))
				return FK_DEC_SHORT_IP;
			hl = ((uint32_t)u8(c, 1) + 2) * 4;
			break;
		case 44:	/* fragment */
			if (!need(c, 8))
				return FK_DEC_SHORT_IP;
			/* an atomic fragment (offset 0, no M) is whole */
			if ((be16(c, 2) & 0xfff9) != 0) {
				struct fk_frag *f = &out->frag;
				uint32_t flen;

				if (plen == 0 || used + 8 > wire)
					return FK_DEC_FRAGMENT;
				flen = wire - used - 8;
				if (!need(c, 8 + flen))
					return FK_DEC_FRAGMENT;
				f->family = 6;
				f->proto = u8(c, 0);
				f->more = be16(c, 2) & 1;
				f->off = be16(c, 2) & 0xfff8;
				f->id = be32(c, 4);
				f->hdr = c->p + start;
				f->hdr_len = c->pos - start;
				f->nh_at = nh_pos - start;
				f->data = c->p + c->pos + 8;
				f->len = flen;
				memcpy(f->src, out->src, 16);
				memcpy(f->dst, out->dst, 16);
				f->nvlan = out->nvlan;
				f->vlan[0] = out->vlan[0];
				f->vlan[1] = out->vlan[1];
				return FK_DEC_FRAGMENT;
			}
			hl = 8;
			break;
		default:
			l4(c, nh, out);
			return FK_DEC_NOT_TCP;
		}
		if (used + hl > wire)
			return FK_DEC_BAD_IP;
		if (!need(c, hl))
			return FK_DEC_SHORT_IP;
		nh = u8(c, 0);
		nh_pos = c->pos;
		c->pos += hl;
		used += hl;
	}
	return FK_DEC_BAD_IP;
}

static int
ip(struct cur *c, int version, struct fk_pkt *out)
{
	if (!need(c, 1))
		return FK_DEC_SHORT_IP;
	if (u8(c, 0) >> 4 != version)
		return FK_DEC_BAD_IP;
	return version == 4 ? ip4(c, out) : ip6(c, out);
}

/* BSD loopback address family: accept either byte order. */
static int
af_ip(uint32_t af)
{
	if (af == 2)
		return 4;
	if (af == 24 || af == 28 || af == 30 || af == 10)
		return 6;
	return 0;
}

static uint32_t
swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

int
fk_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen,
    uint32_t origlen, struct fk_pkt *out)
{
	struct cur c = { p, caplen, 0 };
	uint32_t af;
	int v;

	(void)origlen;
	memset(out, 0, sizeof(*out));
	switch (linktype) {
	case 1:		/* Ethernet */
		if (!need(&c, 14))
			return FK_DEC_SHORT_LINK;
		memcpy(out->dst_mac, p, 6);
		memcpy(out->src_mac, p + 6, 6);
		out->flags |= FK_PKT_F_ETH;
		c.pos = 12;
		v = be16(&c, 0);
		c.pos = 14;
		return ethertype(&c, (uint16_t)v, out);
	case 113:	/* Linux cooked v1 */
		if (!need(&c, 16))
			return FK_DEC_SHORT_LINK;
		v = be16(&c, 14);
		c.pos = 16;
		return ethertype(&c, (uint16_t)v, out);
	case 276:	/* Linux cooked v2 */
		if (!need(&c, 20))
			return FK_DEC_SHORT_LINK;
		v = be16(&c, 0);
		c.pos = 20;
		return ethertype(&c, (uint16_t)v, out);
	case 101:	/* raw IP */
	case 12:
	case 14:
		return ip_guess(&c, out);
	case 228:
		return ip(&c, 4, out);
	case 229:
		return ip(&c, 6, out);
	case 0:		/* BSD null: host byte order of the capturer */
	case 108:	/* OpenBSD loop: network byte order */
		if (!need(&c, 4))
			return FK_DEC_SHORT_LINK;
		af = be32(&c, 0);
		if (linktype == 0 && !af_ip(af))
			af = swap32(af);
		c.pos = 4;
		if ((v = af_ip(af)) == 0)
			return FK_DEC_NOT_IP;
		return ip(&c, v, out);
	case 9:		/* PPP */
	case 50:	/* PPP in HDLC framing */
		return ppp(&c, out);
	}
	return FK_DEC_LINKTYPE;
}

const char *
fk_decode_errname(int e)
{
	static const char *const names[FK_DEC_NERR] = {
		"ok", "linktype", "short_link", "not_ip", "bad_ip",
		"short_ip", "fragment", "not_tcp", "bad_tcp", "short_tcp",
	};

	if (e < 0 || e >= FK_DEC_NERR)
		return "unknown";
	return names[e];
}
