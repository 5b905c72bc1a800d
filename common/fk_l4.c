/* fk_l4.c - TCP and UDP dissection on top of fk_decode, see fk_l4.h. */
#include <string.h>

#include "fk_l4.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The IPv4 header ending at l4: the candidate with a matching version
 * and header length and the addresses fk_decode found.  Its offset, -1
 * if none, -2 if more than one.
 */
static long
find_ip4(const uint8_t *p, uint32_t l4, const struct fk_pkt *k)
{
	long found = -1;
	uint32_t ihl;

	for (ihl = 20; ihl <= 60 && ihl <= l4; ihl += 4) {
		const uint8_t *h = p + (l4 - ihl);

		if (h[0] != (0x40 | ihl / 4) || memcmp(h + 12, k->src, 4) ||
		    memcmp(h + 16, k->dst, 4))
			continue;
		if (found >= 0)
			return -2;
		found = (long)(l4 - ihl);
	}
	return found;
}

/*
 * Walk IPv6 extension headers from the header at off; the protocol of
 * the header that starts exactly at l4, or -1.
 */
static int
walk_ip6(const uint8_t *p, uint32_t off, uint32_t l4)
{
	uint32_t pos = off + 40;
	uint8_t nh = p[off + 6];
	int n;

	for (n = 0; n < 16; n++) {
		uint32_t hl;

		if (pos == l4)
			return nh;
		if (pos > l4 || l4 - pos < 2)
			return -1;
		switch (nh) {
		case 0:
		case 43:
		case 60:
		case 135:
			hl = ((uint32_t)p[pos + 1] + 1) * 8;
			break;
		case 51:
			hl = ((uint32_t)p[pos + 1] + 2) * 4;
			break;
		case 44:
			hl = 8;
			break;
		default:
			return -1;
		}
		nh = p[pos];
		pos += hl;
	}
	return -1;
}

static long
find_ip6(const uint8_t *p, uint32_t l4, const struct fk_pkt *k, int *nh)
{
	long found = -1;
	uint32_t off;
	int x;

	if (l4 < 40)
		return -1;
	for (off = 0; off + 40 <= l4; off++) {
		const uint8_t *h = p + off;

		if (h[0] >> 4 != 6 || memcmp(h + 8, k->src, 16) ||
		    memcmp(h + 24, k->dst, 16))
			continue;
		if ((x = walk_ip6(p, off, l4)) < 0)
			continue;
		if (found >= 0)
			return -2;
		found = (long)off;
		*nh = x;
	}
	return found;
}

int
fk_l4_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen,
    uint32_t origlen, struct fk_pkt *out, uint8_t *proto)
{
	struct fk_pkt tmp;
	uint32_t lo, hi, l4, end, ulen;
	long ip;
	int e, nh = -1;

	*proto = 0;
	e = fk_decode(linktype, p, caplen, origlen, out);
	if (e == FK_DEC_OK) {
		*proto = FK_PROTO_TCP;
		return 0;
	}
	if (e != FK_DEC_NOT_TCP)
		return e;
	/* Shortest capture length that gets past the IP header. */
	lo = 0;
	hi = caplen;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (fk_decode(linktype, p, mid, origlen, &tmp) ==
		    FK_DEC_NOT_TCP)
			hi = mid;
		else
			lo = mid + 1;
	}
	l4 = lo;
	if (out->family == 4) {
		ip = find_ip4(p, l4, out);
		if (ip >= 0)
			nh = p[ip + 9];
	} else
		ip = find_ip6(p, l4, out, &nh);
	if (ip == -2 || ip < 0)
		return FK_L4_AMBIGUOUS;
	if (nh != FK_PROTO_UDP)
		return FK_L4_NOT_UDP;
	/* End of the datagram: the IP length, if any, clips the capture. */
	end = caplen;
	if (out->family == 4) {
		uint32_t total = rd16(p + ip + 2);

		if (total != 0 && (uint64_t)ip + total < end)
			end = (uint32_t)ip + total;
	} else {
		uint32_t plen = rd16(p + ip + 4);

		if (plen != 0 && (uint64_t)ip + 40 + plen < end)
			end = (uint32_t)ip + 40 + plen;
	}
	if (end < l4 || end - l4 < 8)
		return FK_L4_SHORT_UDP;
	out->sport = rd16(p + l4);
	out->dport = rd16(p + l4 + 2);
	ulen = rd16(p + l4 + 4);
	if (ulen == 0 && out->family == 6)
		ulen = end - l4;	/* jumbogram: the IP length rules */
	if (ulen < 8)
		return FK_L4_BAD_UDP;
	out->seg_len = ulen - 8;
	out->payload = p + l4 + 8;
	out->payload_len = end - l4 - 8;
	if (out->payload_len > out->seg_len)
		out->payload_len = out->seg_len;	/* trailer, padding */
	if (out->payload_len < out->seg_len)
		out->flags |= FK_PKT_F_TRUNC;
	*proto = FK_PROTO_UDP;
	return 0;
}

const char *
fk_l4_errname(int e)
{
	static const char *const names[] = {
		"not_udp", "bad_udp", "short_udp", "ambiguous",
	};

	if (e >= FK_DEC_NERR && e < FK_L4_NERR)
		return names[e - FK_DEC_NERR];
	return fk_decode_errname(e);
}
