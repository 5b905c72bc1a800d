/* fk_l4.c - TCP and UDP dissection on top of fk_decode, see fk_l4.h. */
#include "fk_l4.h"

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int
fk_l4_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen,
    uint32_t origlen, struct fk_pkt *out, uint8_t *proto)
{
	uint32_t l4, end, ulen;
	int e;

	*proto = 0;
	e = fk_decode(linktype, p, caplen, origlen, out);
	if (e == FK_DEC_OK) {
		*proto = FK_PROTO_TCP;
		return 0;
	}
	if (e != FK_DEC_NOT_TCP)
		return e;
	if (out->ip_proto != FK_PROTO_UDP)
		return FK_L4_NOT_UDP;
	l4 = out->l4_off;
	end = out->ip_end;		/* the IP length clips the capture */
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
		"not_udp", "bad_udp", "short_udp",
	};

	if (e >= FK_DEC_NERR && e < FK_L4_NERR)
		return names[e - FK_DEC_NERR];
	return fk_decode_errname(e);
}
