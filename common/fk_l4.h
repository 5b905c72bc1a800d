/*
 * fk_l4.h - TCP and UDP dissection on top of fk_decode.
 *
 * fk_decode() stops at a non-TCP transport with FK_DEC_NOT_TCP, the IP
 * addresses, the IP protocol, the transport header's offset and the
 * datagram's end filled in; fk_l4_decode() parses the UDP header there.
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
