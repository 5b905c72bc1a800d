/*
 * fk_ipfrag.h - IPv4 and IPv6 fragment reassembly.
 *
 * Pure (no I/O, no globals): feed it fragments as fk_decode() describes
 * them (FK_DEC_FRAGMENT and struct fk_frag), get back whole datagrams,
 * which decode again as raw IP (LINKTYPE 228 or 229).
 *
 * Bounded: at most FK_IPFRAG_MAX_FRAGS fragments per datagram (more:
 * the datagram is dropped), datagrams of at most 65535 bytes after the
 * header, at most `max_pending` datagrams and `max_bytes` bytes waiting
 * (beyond them the least recently added to is dropped), and a datagram
 * waits at most `timeout_ns` of capture time after its last fragment.
 * Overlapping fragments: the first copy of a byte wins; the others are
 * counted (and counted apart when they differ).  Every drop is counted.
 *
 * A fragment finds its datagram in O(1) (a table keyed by the seeded
 * fk_hash of addresses, id, protocol and VLANs: a capture cannot aim for
 * collisions) and its place among the datagram's held ranges in
 * O(log FK_IPFRAG_MAX_FRAGS).
 */
#ifndef FK_IPFRAG_H
#define FK_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#define FK_IPFRAG_MAX_FRAGS	256
#define FK_IPFRAG_MAX_DGRAM	65535

/* One fragment, as fk_decode() found it. */
struct fk_frag {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IPv4 protocol / IPv6 next header after it */
	uint8_t more;		/* more fragments follow */
	uint8_t nvlan;
	uint16_t vlan[2];
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t off;		/* byte offset of data[0] in the datagram */
	const uint8_t *hdr;	/* IPv4 header; IPv6 header and extension */
	uint32_t hdr_len;	/* headers before the fragment header */
	uint32_t nh_at;		/* IPv6: offset in hdr of the next header
				 * field that names the fragment header */
	const uint8_t *data;
	uint32_t len;		/* fragment data bytes (all captured) */
};

struct fk_ipfrag_stats {
	uint64_t fragments;	/* fragments added */
	uint64_t datagrams;	/* datagrams completed */
	uint64_t overlap_bytes;	/* bytes that repeated bytes already held */
	uint64_t overlap_diff;	/* fragments whose repeated bytes differed */
	uint64_t dropped;	/* datagrams given up incomplete */
	uint64_t dropped_frags;	/* fragments in them */
	uint64_t bad;		/* fragments rejected: past 65535, tail conflict */
};

struct fk_ipfrag;

struct fk_ipfrag *fk_ipfrag_new(uint32_t max_pending, uint64_t max_bytes,
    uint64_t timeout_ns);
void fk_ipfrag_free(struct fk_ipfrag *);

/*
 * Add a fragment seen at capture time ts_ns.  Returns 1 and sets *dgram
 * and *len when it completes a datagram (valid until the next call),
 * else 0.
 */
int fk_ipfrag_add(struct fk_ipfrag *, const struct fk_frag *, uint64_t ts_ns,
    const uint8_t **dgram, uint32_t *len);

/* Drop datagrams waiting since before now_ns - timeout. */
void fk_ipfrag_expire(struct fk_ipfrag *, uint64_t now_ns);

const struct fk_ipfrag_stats *fk_ipfrag_stats(const struct fk_ipfrag *);

#endif
