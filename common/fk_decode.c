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

static uint16_t
le16(const struct cur *c, uint32_t at)
{
	const uint8_t *q = c->p + c->pos + at;

	return (uint16_t)(q[1] << 8 | q[0]);
}

static uint32_t
le32(const struct cur *c, uint32_t at)
{
	const uint8_t *q = c->p + c->pos + at;

	return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
	    (uint32_t)q[1] << 8 | q[0];
}

/* Clip the cursor to n bytes from c->pos, if fewer than it holds. */
static void
clip_to(struct cur *c, uint32_t n)
{
	if (c->pos <= c->len && n < c->len - c->pos)
		c->len = c->pos + n;
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
static int ethertype(struct cur *, uint16_t type, struct fk_pkt *);
static int eth(struct cur *, struct fk_pkt *);

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
	if (proto == 0x0281 || proto == 0x0283)
		return ethertype(c, ETH_MPLS, out);
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
				if (!bos)
					continue;
				/*
				 * A pseudowire control word (first nibble
				 * 0): an Ethernet frame follows it.
				 */
				if (need(c, 1) && u8(c, 0) >> 4 == 0) {
					if (!need(c, 4))
						return FK_DEC_SHORT_LINK;
					c->pos += 4;
					return eth(c, out);
				}
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

/* An Ethernet header, then its EtherType chain. */
static int
eth(struct cur *c, struct fk_pkt *out)
{
	uint16_t type;

	if (!need(c, 14))
		return FK_DEC_SHORT_LINK;
	memcpy(out->dst_mac, c->p + c->pos, 6);
	memcpy(out->src_mac, c->p + c->pos + 6, 6);
	out->flags |= FK_PKT_F_ETH;
	type = be16(c, 12);
	c->pos += 14;
	return ethertype(c, type, out);
}

/*
 * An 802.11 data frame (Aruba's GRE): its header, an A-MSDU subframe
 * header if any (the first subframe only), then LLC/SNAP.
 */
static int
wlan(struct cur *c, struct fk_pkt *out)
{
	uint32_t hl = 24, qos = 0;
	uint8_t fc0, fc1;
	int amsdu = 0;

	if (!need(c, 24))
		return FK_DEC_SHORT_LINK;
	fc0 = u8(c, 0);
	fc1 = u8(c, 1);
	/* a data frame with a body, not protected */
	if ((fc0 & 0x0c) != 0x08 || (fc0 & 0x40) || (fc1 & 0x40))
		return FK_DEC_NOT_IP;
	if ((fc1 & 0x03) == 0x03)
		hl += 6;		/* fourth address */
	if (fc0 & 0x80) {		/* QoS data */
		qos = hl;
		hl += 2;
		if (fc1 & 0x80)
			hl += 4;	/* HT control */
	}
	if (!need(c, hl))
		return FK_DEC_SHORT_LINK;
	if (fc0 & 0x80)
		amsdu = (u8(c, qos) & 0x80) != 0;
	c->pos += hl;
	if (amsdu) {
		/* destination, source, length */
		if (!need(c, 14))
			return FK_DEC_SHORT_LINK;
		hl = be16(c, 12);
		c->pos += 14;
		clip_to(c, hl);
	}
	return ethertype(c, 0, out);	/* 802.3 length: LLC/SNAP */
}

#define FNV_BASIS	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

/*
 * Enter a tunnel carried by the IP header whose addresses out holds:
 * fold its type, sorted addresses and key into the tunnel id, unless
 * the layer is not keyed: a tunnel of global IPv6 addresses (6in4,
 * 6to4, Teredo, AYIYA), whose relays make the outer addresses differ
 * per direction.
 */
static int
tunnel(struct fk_pkt *out, uint8_t type, int keyed, int haskey, uint32_t key)
{
	size_t alen = out->family == 4 ? 4 : 16;
	const uint8_t *lo = out->src, *hi = out->dst;
	uint8_t b[6];
	uint64_t h;

	if (out->ntun >= FK_DEC_MAX_TUNNELS)
		return FK_DEC_TUNNEL_DEPTH;
	if (out->ntun++ == 0) {
		/* the outermost tunnel: the network's own addresses */
		out->tun_type = type;
		out->tun_nvlan = out->nvlan;
		out->tun_family = out->family;
		memcpy(out->tun_src, out->src, 16);
		memcpy(out->tun_dst, out->dst, 16);
	}
	if (!keyed)
		return 0;
	if (memcmp(lo, hi, alen) > 0) {
		lo = out->dst;
		hi = out->src;
	}
	h = out->tun_id ? out->tun_id : FNV_BASIS;
	b[0] = type;
	b[1] = out->family;
	h = fnv(h, b, 2);
	h = fnv(h, lo, alen);
	h = fnv(h, hi, alen);
	if (haskey) {
		b[0] = 0xff;
		b[1] = (uint8_t)(key >> 24);
		b[2] = (uint8_t)(key >> 16);
		b[3] = (uint8_t)(key >> 8);
		b[4] = (uint8_t)key;
		h = fnv(h, b, 5);
	}
	out->tun_id = h;
	return 0;
}

#define GRE_C	0x8000
#define GRE_R	0x4000
#define GRE_K	0x2000
#define GRE_S	0x1000
#define GRE_A	0x0080		/* version 1 (PPTP): acknowledgment */

/* GRE (RFC 2784, 2890; version 1: PPTP, RFC 2637) and what it carries. */
static int
gre(struct cur *c, struct fk_pkt *out)
{
	uint16_t fl, proto;
	uint32_t hl = 4;
	uint8_t type = FK_TUN_GRE, ft;
	int e, o;

	if (!need(c, 4))
		return FK_DEC_SHORT_IP;
	fl = be16(c, 0);
	proto = be16(c, 2);
	if ((fl & 7) > 1 || (fl & GRE_R))
		return FK_DEC_NOT_IP;	/* source routes: not decoded */
	if (fl & GRE_C)
		hl += 4;
	if (fl & GRE_K) {
		if (!need(c, hl + 4))
			return FK_DEC_SHORT_IP;
		hl += 4;
	}
	if (fl & GRE_S)
		hl += 4;
	if ((fl & 7) == 1 && (fl & GRE_A))
		hl += 4;
	if (!need(c, hl))
		return FK_DEC_SHORT_IP;
	c->pos += hl;
	if (proto == 0x88be || proto == 0x22eb)
		type = FK_TUN_ERSPAN;
	/*
	 * The key is left out of the tunnel id: an end may send with
	 * another key than it receives with (Linux ikey/okey, PPTP call
	 * ids, ERSPAN sessions per mirrored direction).
	 */
	if ((e = tunnel(out, type, 1, 0, 0)) != 0)
		return e;
	switch (proto) {
	case 0x6558:		/* transparent Ethernet bridging */
		return eth(c, out);
	case 0x88be:		/* ERSPAN type II has a sequence number */
		if (fl & GRE_S) {
			if (!need(c, 8))
				return FK_DEC_SHORT_LINK;
			c->pos += 8;
		}
		return eth(c, out);	/* type I: no header */
	case 0x22eb:		/* ERSPAN type III */
		if (!need(c, 12))
			return FK_DEC_SHORT_LINK;
		ft = (u8(c, 10) >> 2) & 0x1f;	/* frame type */
		o = u8(c, 11) & 1;		/* platform subheader */
		c->pos += 12;
		if (o) {
			if (!need(c, 8))
				return FK_DEC_SHORT_LINK;
			c->pos += 8;
		}
		if (ft == 0)
			return eth(c, out);
		if (ft == 2)
			return ip_guess(c, out);
		return FK_DEC_NOT_IP;
	case 0x883e:		/* WCCP: a redirect header, unless IPv4 */
		if (need(c, 1) && u8(c, 0) >> 4 != 4) {
			if (!need(c, 4))
				return FK_DEC_SHORT_LINK;
			c->pos += 4;
		}
		return ip_guess(c, out);
	case 0x880b:		/* PPP (PPTP) */
		return ppp(c, out);
	}
	if (proto >= 0x8200 && proto <= 0x82ff)
		return wlan(c, out);	/* Aruba: 802.11 frames */
	if (proto < 0x0600)
		return FK_DEC_NOT_IP;
	return ethertype(c, proto, out);
}

/* The UDP ports of the tunnels decoded, see fk_decode.h. */
static uint8_t
udp_tunnel_type(const struct cur *c)
{
	uint16_t sp, dp;

	if (!need(c, 8))
		return 0;
	sp = be16(c, 0);
	dp = be16(c, 2);
	if (dp == 4789)
		return FK_TUN_VXLAN;
	if (dp == 6081)
		return FK_TUN_GENEVE;
	if (dp == 4754)
		return FK_TUN_GRE;
	if (dp == 2152 || sp == 2152)
		return FK_TUN_GTPU;
	if (dp == 3544 || sp == 3544)
		return FK_TUN_TEREDO;
	if (dp == 5072 || sp == 5072)
		return FK_TUN_AYIYA;
	return 0;
}

static int
udp_tunnel(struct cur *c, uint8_t type, struct fk_pkt *out)
{
	uint32_t hl, vni, glen, el;

	uint8_t b0, next;
	int e, n;

	clip_to(c, be16(c, 4) >= 8 ? be16(c, 4) : 0xffffffffu);
	c->pos += 8;
	switch (type) {
	case FK_TUN_VXLAN:
		if (!need(c, 8))
			return FK_DEC_SHORT_LINK;
		vni = be32(c, 4) >> 8;
		e = tunnel(out, type, 1, (u8(c, 0) & 0x08) != 0, vni);
		c->pos += 8;
		return e ? e : eth(c, out);
	case FK_TUN_GENEVE:
		if (!need(c, 8))
			return FK_DEC_SHORT_LINK;
		if (u8(c, 0) >> 6 != 0)
			return FK_DEC_NOT_IP;	/* version 0 only */
		hl = 8 + (uint32_t)(u8(c, 0) & 0x3f) * 4;
		if (!need(c, hl))
			return FK_DEC_SHORT_LINK;
		/* Open vSwitch may use another VNI for each direction */
		if ((e = tunnel(out, type, 1, 0, 0)) != 0)
			return e;
		glen = be16(c, 2);		/* protocol type */
		c->pos += hl;
		if (glen == 0x6558)
			return eth(c, out);
		if (glen < 0x0600)
			return FK_DEC_NOT_IP;
		return ethertype(c, (uint16_t)glen, out);
	case FK_TUN_GRE:		/* GRE in UDP, RFC 8086 */
		return gre(c, out);
	case FK_TUN_GTPU:
		if (!need(c, 8))
			return FK_DEC_SHORT_LINK;
		b0 = u8(c, 0);
		/* version 1, GTP (not GTP'), a G-PDU */
		if (b0 >> 5 != 1 || !(b0 & 0x10) || u8(c, 1) != 0xff)
			return FK_DEC_NOT_IP;
		glen = be16(c, 2);		/* bytes after the first 8 */
		clip_to(c, 8 + glen);
		hl = 8;
		if (b0 & 0x07) {	/* sequence, N-PDU, extension */
			if (!need(c, 12))
				return FK_DEC_SHORT_LINK;
			next = (b0 & 0x04) ? u8(c, 11) : 0;
			hl = 12;
			for (n = 0; next != 0 && n < 16; n++) {
				if (!need(c, hl + 1))
					return FK_DEC_SHORT_LINK;
				el = (uint32_t)u8(c, hl) * 4;
				if (el == 0)
					return FK_DEC_NOT_IP;
				if (!need(c, hl + el))
					return FK_DEC_SHORT_LINK;
				next = u8(c, hl + el - 1);
				hl += el;
			}
			if (next != 0)
				return FK_DEC_NOT_IP;
		}
		/* TEIDs differ per direction: the id leaves them out */
		if ((e = tunnel(out, type, 1, 0, 0)) != 0)
			return e;
		c->pos += hl;
		return ip_guess(c, out);
	case FK_TUN_TEREDO:
		/* authentication, then origin indication, then IPv6 */
		if (need(c, 4) && be16(c, 0) == 0x0001) {
			hl = 4 + (uint32_t)u8(c, 2) + u8(c, 3) + 9;
			if (!need(c, hl))
				return FK_DEC_SHORT_LINK;
			c->pos += hl;
		}
		if (need(c, 2) && be16(c, 0) == 0x0000) {
			if (!need(c, 8))
				return FK_DEC_SHORT_LINK;
			c->pos += 8;
		}
		if (!need(c, 1) || u8(c, 0) >> 4 != 6)
			return FK_DEC_NOT_IP;
		if ((e = tunnel(out, type, 0, 0, 0)) != 0)
			return e;
		return ip(c, 6, out);
	case FK_TUN_AYIYA:
		if (!need(c, 8))
			return FK_DEC_SHORT_LINK;
		/* identity 2^IdLen bytes, signature SigLen * 4 */
		hl = 8 + (1u << (u8(c, 0) >> 4)) + (uint32_t)(u8(c, 1) >> 4) * 4;
		next = u8(c, 3);
		if ((u8(c, 2) & 0x0f) != 1 || (next != 4 && next != 41))
			return FK_DEC_NOT_IP;	/* not a forwarded packet */
		if (!need(c, hl))
			return FK_DEC_SHORT_LINK;
		if ((e = tunnel(out, type, 0, 0, 0)) != 0)
			return e;
		c->pos += hl;
		return ip(c, next == 4 ? 4 : 6, out);
	}
	return FK_DEC_NOT_IP;
}

/* Did an inner decode find an IP packet (whatever its transport)? */
static int
inner_ip(int e)
{
	return e == FK_DEC_OK || e == FK_DEC_NOT_TCP || e == FK_DEC_FRAGMENT ||
	    e == FK_DEC_BAD_TCP || e == FK_DEC_SHORT_TCP ||
	    e == FK_DEC_IPCOMP || e == FK_DEC_TUNNEL_DEPTH ||
	    e == FK_DEC_BAD_IPOPT;
}

/*
 * The IP payload at the cursor, `wire` bytes long on the wire, of IP
 * protocol proto: skip IPv4 AH headers, then TCP, a tunnel, or another
 * transport (FK_DEC_NOT_TCP).  A tunnel that holds no IP packet leaves
 * *out as the outer packet's.
 */
static int
ip_payload(struct cur *c, uint8_t proto, uint32_t wire, struct fk_pkt *out)
{
	struct fk_pkt save;
	struct cur sc;
	uint32_t hl;
	uint8_t type = 0;
	int e, n;

	for (n = 0; proto == 51 && n < 4; n++) {
		/* AH authenticates, it does not encapsulate: skip it */
		if (!need(c, 2))
			return FK_DEC_SHORT_IP;
		hl = ((uint32_t)u8(c, 1) + 2) * 4;
		if (hl > wire)
			return FK_DEC_BAD_IP;
		if (!need(c, hl))
			return FK_DEC_SHORT_IP;
		proto = u8(c, 0);
		c->pos += hl;
		wire -= hl;
	}
	l4(c, proto, out);
	switch (proto) {
	case 6:
		return tcp(c, wire, out);
	case 108:
		return FK_DEC_IPCOMP;
	case 4:
	case 41:
	case 47:
	case 137:
		break;
	case 17:
		if ((type = udp_tunnel_type(c)) != 0)
			break;
		/* FALLTHROUGH */
	default:
		return FK_DEC_NOT_TCP;
	}
	save = *out;
	sc = *c;
	switch (proto) {
	case 4:
	case 41:
		if ((e = tunnel(out, FK_TUN_IPIP, proto == 4, 0, 0)) == 0)
			e = ip(c, proto == 4 ? 4 : 6, out);
		break;
	case 137:
		if ((e = tunnel(out, FK_TUN_MPLSIP, 1, 0, 0)) == 0)
			e = ethertype(c, ETH_MPLS, out);
		break;
	case 47:
		e = gre(c, out);
		break;
	default:
		e = udp_tunnel(c, type, out);
		break;
	}
	if (!inner_ip(e)) {
		*out = save;
		*c = sc;
		return FK_DEC_NOT_TCP;
	}
	return e;
}

/*
 * Are the IPv4 options o[0..len) well formed?  A receiver discards a
 * packet whose options do not parse (Linux's ip_options_compile(): an
 * option longer than what is left, a length below 2, a record-route,
 * source-route or timestamp option without room for its pointer or a
 * pointer below its first slot, a router alert that is not 4 bytes),
 * and so do Wireshark and Suricata for a security option shorter than
 * RFC 1108's 3 bytes.  What follows an end-of-list option is padding.
 */
static int
ip4_options_ok(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0, n;

	while (i < len) {
		switch (o[i]) {
		case 0:			/* end of list */
			return 1;
		case 1:			/* no-operation */
			i++;
			continue;
		}
		if (len - i < 2)
			return 0;
		n = o[i + 1];
		if (n < 2 || n > len - i)
			return 0;
		switch (o[i]) {
		case 7:			/* record route */
		case 131:		/* loose source route */
		case 137:		/* strict source route */
			if (n < 3 || o[i + 2] < 4)
				return 0;
			break;
		case 68:		/* timestamp */
			if (n < 4 || o[i + 2] < 5)
				return 0;
			break;
		case 148:		/* router alert */
			if (n != 4)
				return 0;
			break;
		case 130:		/* security (RFC 1108) */
		case 133:		/* extended security */
			if (n < 3)
				return 0;
			break;
		}
		i += n;
	}
	return 1;
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
	if (ihl > 20 && !ip4_options_ok(c->p + c->pos + 20, ihl - 20))
		return FK_DEC_BAD_IPOPT;
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
	return ip_payload(c, proto, wire - ihl, out);
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
			return ip_payload(c, nh, wire - used, out);
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

/*
 * LINUX NFLOG: family, version, resource id, then type-length-value
 * attributes in the capturer's byte order (little-endian in practice),
 * padded to 4 bytes; NFULA_PAYLOAD (9) is the packet.
 */
static int
nflog(struct cur *c, struct fk_pkt *out)
{
	uint32_t tl;
	int n;

	if (!need(c, 4))
		return FK_DEC_SHORT_LINK;
	c->pos += 4;
	for (n = 0; n < 64 && need(c, 4); n++) {
		tl = le16(c, 0);
		if (tl < 4)
			return FK_DEC_SHORT_LINK;
		if ((le16(c, 2) & 0x7fff) == 9) {
			c->pos += 4;
			clip_to(c, tl - 4);
			return ip_guess(c, out);
		}
		c->pos += (tl + 3) & ~3u;
	}
	return FK_DEC_NOT_IP;
}

/*
 * ARCnet (LINKTYPE_ARCNET_BSD 7: source, destination; ARCNET_LINUX 129:
 * and a 2-byte offset), then a protocol id: RFC 1051 IP (240) directly,
 * RFC 1201 IP (212) and IPv6 (196) after a split flag and a sequence
 * number.  Split packets (fragmented ARCnet frames) are not decoded.
 */
static int
arcnet(struct cur *c, uint32_t base, struct fk_pkt *out)
{
	uint32_t hl = base + 4;
	uint8_t pt, split;

	if (!need(c, base + 1))
		return FK_DEC_SHORT_LINK;
	pt = u8(c, base);
	if (pt == 240) {
		c->pos += base + 1;
		return ip(c, 4, out);
	}
	if (pt != 212 && pt != 196)
		return FK_DEC_NOT_IP;
	if (!need(c, hl))
		return FK_DEC_SHORT_LINK;
	split = u8(c, base + 1);
	if (split == 0xff) {		/* exception packet: header again */
		hl += 4;
		if (!need(c, hl))
			return FK_DEC_SHORT_LINK;
		split = u8(c, base + 5);
	}
	if (split != 0)
		return FK_DEC_NOT_IP;
	c->pos += hl;
	return ip(c, pt == 212 ? 4 : 6, out);
}

/*
 * A link layer header at the cursor; nested is set inside PPI, which
 * does not nest.
 */
static int
link_hdr(struct cur *c, uint32_t linktype, int nested, struct fk_pkt *out)
{
	uint32_t af, hl;
	int v;

	switch (linktype) {
	case 1:		/* Ethernet */
		return eth(c, out);
	case 113:	/* Linux cooked v1 */
		if (!need(c, 16))
			return FK_DEC_SHORT_LINK;
		v = be16(c, 14);
		c->pos += 16;
		return ethertype(c, (uint16_t)v, out);
	case 276:	/* Linux cooked v2 */
		if (!need(c, 20))
			return FK_DEC_SHORT_LINK;
		v = be16(c, 0);
		c->pos += 20;
		return ethertype(c, (uint16_t)v, out);
	case 101:	/* raw IP */
	case 12:
	case 14:
		return ip_guess(c, out);
	case 228:
		return ip(c, 4, out);
	case 229:
		return ip(c, 6, out);
	case 0:		/* BSD null: host byte order of the capturer */
	case 108:	/* OpenBSD loop: network byte order */
		if (!need(c, 4))
			return FK_DEC_SHORT_LINK;
		af = be32(c, 0);
		if (linktype == 0 && !af_ip(af))
			af = swap32(af);
		c->pos += 4;
		if ((v = af_ip(af)) == 0)
			return FK_DEC_NOT_IP;
		return ip(c, v, out);
	case 9:		/* PPP */
	case 50:	/* PPP in HDLC framing */
		return ppp(c, out);
	case 104:	/* Cisco HDLC: address, control, EtherType */
		if (!need(c, 4))
			return FK_DEC_SHORT_LINK;
		v = be16(c, 2);
		c->pos += 4;
		return ethertype(c, (uint16_t)v, out);
	case 10:	/* FDDI: frame control, addresses, then LLC */
		if (!need(c, 13))
			return FK_DEC_SHORT_LINK;
		c->pos += 13;
		return ethertype(c, 0, out);
	case 7:		/* ARCnet (BSD) */
		return arcnet(c, 2, out);
	case 129:	/* ARCnet (Linux) */
		return arcnet(c, 4, out);
	case 242:	/* IP over InfiniBand: addresses, EtherType, reserved */
		if (!need(c, 44))
			return FK_DEC_SHORT_LINK;
		v = be16(c, 40);
		c->pos += 44;
		return ethertype(c, (uint16_t)v, out);
	case 239:	/* Linux NFLOG */
		return nflog(c, out);
	case 178:	/* Juniper Ethernet: "MGC", flags, extensions */
		if (!need(c, 4))
			return FK_DEC_SHORT_LINK;
		if (u8(c, 0) != 'M' || u8(c, 1) != 'G' || u8(c, 2) != 'C')
			return FK_DEC_NOT_IP;
		hl = 4;
		if (u8(c, 3) & 0x80) {
			if (!need(c, 6))
				return FK_DEC_SHORT_LINK;
			hl += 2 + (uint32_t)be16(c, 4);
		}
		if (u8(c, 3) & 0x02)
			return FK_DEC_NOT_IP;	/* no layer 2 header */
		if (!need(c, hl))
			return FK_DEC_SHORT_LINK;
		c->pos += hl;
		return eth(c, out);
	case 192:	/* PPI: version, flags, length, link type */
		if (nested)
			break;
		if (!need(c, 8))
			return FK_DEC_SHORT_LINK;
		hl = le16(c, 2);
		af = le32(c, 4);
		if (hl < 8 || !need(c, hl))
			return FK_DEC_SHORT_LINK;
		c->pos += hl;
		return link_hdr(c, af, 1, out);
	}
	return FK_DEC_LINKTYPE;
}

int
fk_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen,
    uint32_t origlen, struct fk_pkt *out)
{
	struct cur c = { p, caplen, 0 };

	(void)origlen;
	memset(out, 0, sizeof(*out));
	return link_hdr(&c, linktype, 0, out);
}

void
fk_decode_frag_context(struct fk_pkt *dg, const struct fk_pkt *fr)
{
	uint16_t vlan[2];
	uint8_t nv = 0, i;

	if (!(dg->flags & FK_PKT_F_ETH)) {
		dg->flags |= fr->flags & FK_PKT_F_ETH;
		memcpy(dg->src_mac, fr->src_mac, 6);
		memcpy(dg->dst_mac, fr->dst_mac, 6);
	}
	for (i = 0; i < fr->nvlan && nv < 2; i++)
		vlan[nv++] = fr->vlan[i];
	for (i = 0; i < dg->nvlan && nv < 2; i++)
		vlan[nv++] = dg->vlan[i];
	dg->nvlan = nv;
	dg->vlan[0] = nv >= 1 ? vlan[0] : 0;
	dg->vlan[1] = nv >= 2 ? vlan[1] : 0;
	if (fr->tun_type != 0 && dg->tun_type == 0) {
		/* the fragment was carried by a tunnel */
		dg->tun_type = fr->tun_type;
		dg->tun_nvlan = fr->tun_nvlan;
		dg->ntun = fr->ntun;
		dg->tun_family = fr->tun_family;
		dg->tun_id = fr->tun_id;
		memcpy(dg->tun_src, fr->tun_src, 16);
		memcpy(dg->tun_dst, fr->tun_dst, 16);
	}
}

const char *
fk_tunnel_name(int type)
{
	static const char *const names[FK_TUN_NTYPES] = {
		"-", "ipip", "gre", "erspan", "vxlan", "geneve", "gtpu",
		"teredo", "ayiya", "mplsip",
	};

	if (type < 0 || type >= FK_TUN_NTYPES)
		return "unknown";
	return names[type];
}

const char *
fk_decode_errname(int e)
{
	static const char *const names[FK_DEC_NERR] = {
		"ok", "linktype", "short_link", "not_ip", "bad_ip",
		"short_ip", "fragment", "not_tcp", "bad_tcp", "short_tcp",
		"ipcomp", "tunnel_depth", "ip_options",
	};

	if (e < 0 || e >= FK_DEC_NERR)
		return "unknown";
	return names[e];
}
