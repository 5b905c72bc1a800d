/*
 * fk_decode.h - dissect one captured frame down to its TCP segment.
 *
 * fk_decode() is a pure function (no I/O, no allocation, no globals):
 * every read goes through a bounds-checked cursor, so it is safe on any
 * bytes and is the natural fuzzing target.  On success the result points
 * into the frame; payload_len counts only the bytes that were captured
 * (the IP length, not the frame length, bounds the segment, so Ethernet
 * padding is never data), while seg_len is the length the segment had on
 * the wire according to its IP header.
 */
#ifndef FK_DECODE_H
#define FK_DECODE_H

#include <stdint.h>

#include "fk_ipfrag.h"

/* Return codes: 0 is a TCP segment, everything else a skip reason. */
enum fk_decode_err {
	FK_DEC_OK = 0,
	FK_DEC_LINKTYPE,	/* unsupported link type */
	FK_DEC_SHORT_LINK,	/* frame too short for its link header */
	FK_DEC_NOT_IP,		/* not IPv4/IPv6 (ARP, LLC, ...) */
	FK_DEC_BAD_IP,		/* malformed IPv4/IPv6 header */
	FK_DEC_SHORT_IP,	/* IP header not fully captured */
	FK_DEC_FRAGMENT,	/* IP fragment (not reassembled yet) */
	FK_DEC_NOT_TCP,		/* UDP, ICMP, ... */
	FK_DEC_BAD_TCP,		/* malformed TCP header */
	FK_DEC_SHORT_TCP,	/* TCP header not fully captured */
	FK_DEC_IPCOMP,		/* IPComp payload: compressed, not decodable */
	FK_DEC_TUNNEL_DEPTH,	/* more than FK_DEC_MAX_TUNNELS tunnels deep */
	FK_DEC_BAD_IPOPT,	/* IPv4 options a receiver rejects: discarded */
	FK_DEC_NERR
};

#define FK_TCP_FIN	0x01
#define FK_TCP_SYN	0x02
#define FK_TCP_RST	0x04
#define FK_TCP_PSH	0x08
#define FK_TCP_ACK	0x10
#define FK_TCP_URG	0x20

#define FK_PKT_F_ETH	0x01	/* src_mac/dst_mac valid */
#define FK_PKT_F_TRUNC	0x02	/* payload_len < seg_len (snaplen) */
/*
 * The snap length cut the TCP header before its flags: only the ports
 * (and maybe part of seq/ack) are known.  seq, ack, tcp_flags, seg_len
 * and payload_len are 0; cut_len is the IP payload length less a
 * minimal 20-byte TCP header, an upper bound of the segment's length.
 */
#define FK_PKT_F_HDRCUT	0x04

/*
 * Tunnels (fk_pkt.tun_type): the packet was carried inside another IP
 * packet.  At most FK_DEC_MAX_TUNNELS are opened per frame; a deeper one
 * is FK_DEC_TUNNEL_DEPTH.  A tunnel whose payload is not an IP packet
 * (ARP in VXLAN, PPP control in PPTP, ...) is not entered: the result is
 * the outer packet's (FK_DEC_NOT_TCP, with its transport header).
 * MPLS, PPPoE and VLAN tags are link layers, not tunnels.
 */
#define FK_DEC_MAX_TUNNELS	4
enum fk_tunnel {
	FK_TUN_NONE = 0,
	FK_TUN_IPIP = 1,	/* IPv4/IPv6 in IPv4/IPv6 (protocols 4, 41) */
	FK_TUN_GRE = 2,		/* GRE (also PPTP, WCCP, Aruba, in UDP 4754) */
	FK_TUN_ERSPAN = 3,	/* GRE 0x88be (type I, II), 0x22eb (III) */
	FK_TUN_VXLAN = 4,	/* UDP port 4789 */
	FK_TUN_GENEVE = 5,	/* UDP port 6081 */
	FK_TUN_GTPU = 6,	/* UDP port 2152, G-PDU */
	FK_TUN_TEREDO = 7,	/* UDP port 3544 */
	FK_TUN_AYIYA = 8,	/* UDP port 5072 */
	FK_TUN_MPLSIP = 9,	/* MPLS in IP (protocol 137) */
	FK_TUN_NTYPES
};

struct fk_pkt {
	uint8_t flags;		/* FK_PKT_F_* */
	uint8_t nvlan;		/* VLAN tags stored (0-2; deeper skipped) */
	uint16_t vlan[2];	/* outer first */
	uint8_t src_mac[6], dst_mac[6];
	uint8_t family;		/* 4 or 6 */
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t tcp_flags;	/* FK_TCP_* */
	uint32_t seg_len;	/* payload length on the wire (IP length) */
	uint32_t payload_len;	/* bytes of it captured, <= seg_len */
	const uint8_t *payload;
	uint32_t cut_len;	/* FK_PKT_F_HDRCUT: bytes that cannot be placed */
	/*
	 * FK_DEC_OK and FK_DEC_NOT_TCP (and the TCP errors): the transport
	 * header, for other protocols than TCP (fk_l4).  ip_proto is the
	 * IP protocol (after IPv6 extension headers), l4_off the offset of
	 * its header in the frame and ip_end the end of the IP datagram in
	 * the frame: the captured bytes, clipped by the IP length if any.
	 * l4_off <= ip_end <= caplen; all 0 for the other results.
	 */
	uint8_t ip_proto;
	uint32_t l4_off, ip_end;
	/*
	 * FK_DEC_FRAGMENT: the fragment, for fk_ipfrag_add(); frag.family
	 * is 0 if it cannot be reassembled (not fully captured, no length).
	 */
	struct fk_frag frag;
	/*
	 * Tunnels: tun_type is the outermost tunnel's (FK_TUN_*, 0 = none),
	 * tun_family/tun_src/tun_dst the addresses of the IP header that
	 * carried it (the capture network's), ntun the tunnels opened.  tun_id identifies the
	 * tunnel path, the same for both directions: a 64-bit FNV-1a hash,
	 * over every tunnel layer, of its type, its outer addresses (in
	 * sorted order) and its VXLAN VNI.  GRE keys, GTP-U TEIDs, PPTP
	 * call ids and Geneve VNIs may differ per direction (Linux GRE's
	 * ikey/okey, Open vSwitch's per-flow tunnel ids, ERSPAN sessions)
	 * and are left out: the outer addresses tell tunnels apart.  Layers
	 * that carry global IPv6 addresses (6in4 and 6in6, Teredo, AYIYA)
	 * add nothing: their relays make the outer addresses differ per
	 * direction.  tun_id is 0 if no layer added to it.
	 */
	uint8_t tun_type, ntun, tun_family;
	uint8_t tun_nvlan;	/* VLAN tags outside the outermost tunnel */
	uint8_t tun_src[16], tun_dst[16];
	uint64_t tun_id;
};

/*
 * A reassembled datagram was decoded as raw IP into *dg: give it the
 * context its fragment *fr (decoded from the frame) had: the link layer
 * (MACs unless the datagram carried an Ethernet frame itself, VLAN tags
 * outer first) and the tunnels around the fragment, so that it keys as
 * an unfragmented packet of the same flow would.
 */
void fk_decode_frag_context(struct fk_pkt *dg, const struct fk_pkt *fr);

/* Short name of a tunnel type ("gre", "vxlan", ...), "-" for none. */
const char *fk_tunnel_name(int type);

int fk_decode(uint32_t linktype, const uint8_t *p, uint32_t caplen,
    uint32_t origlen, struct fk_pkt *out);

/* Short name of a decode error, for "reasm.skipped.<name>" counters. */
const char *fk_decode_errname(int err);

#endif
