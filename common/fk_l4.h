/*
 * fk_l4.h - TCP and UDP dissection on top of fk_decode.
 *
 * fk_decode() stops at a non-TCP transport with FK_DEC_NOT_TCP and the
 * IP addresses filled in, without saying where the transport header
 * starts.  fk_l4_decode() finds it without parsing the link layer a
 * second time: the transport header starts at the shortest capture
 * length for which fk_decode() gets past the whole IP header (it
 * answers FK_DEC_NOT_TCP instead of a SHORT_* error), found by binary
 * search; the IP header is then the one candidate before it that is
 * consistent with what fk_decode() found (version, header length,
 * addresses; IPv6 extension headers walked forward to the same point).
 * A packet where that is ambiguous (only crafted bytes can make it so)
 * is not decoded: FK_L4_AMBIGUOUS.
 *
 * (Once fk_decode reports the IP protocol and the transport offset
 * itself, this module shrinks to the UDP header.)
 */
#ifndef FK_L4_H
#define FK_L4_H

#include <stdint.h>

#include "fk_decode.h"

/* Skip reasons beyond fk_decode's. */
enum {
	FK_L4_NOT_UDP = FK_DEC_NERR,	/* neither TCP nor UDP (ICMP, ...) */
	FK_L4_BAD_UDP,		/* UDP length below 8 */
	FK_L4_SHORT_UDP,	/* UDP header not fully captured */
	FK_L4_AMBIGUOUS,	/* IP header could not be located for sure */
	FK_L4_NERR
};

#define FK_PROTO_TCP	6
#define FK_PROTO_UDP	17

/*
 * Dissect a frame.  0: a TCP segment (*proto 6, *out as fk_decode()) or
 * a UDP datagram (*proto 17; sport, dport; payload/payload_len the
 * captured payload, seg_len its length on the wire by the UDP header,
 * FK_PKT_F_TRUNC if the snap length cut it; tcp fields 0).  Otherwise a
 * skip reason: an fk_decode_err or one of the FK_L4_* above.
 */
int fk_l4_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen,
    uint32_t origlen, struct fk_pkt *out, uint8_t *proto);

/* Short name of a skip reason ("not_udp", "short_ip"). */
const char *fk_l4_errname(int err);

#endif
