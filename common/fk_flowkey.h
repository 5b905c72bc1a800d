/*
 * fk_flowkey.h - direction-independent flow keys and the idle clock of
 * flow tables (flowpcap; the same rules as reasm's table).
 *
 * A key is the 5-tuple plus the VLAN tags, with the lower endpoint
 * (address, then port) first, so both directions of a flow share it.
 * Keys are compared with memcmp and hashed with the seeded fk_hash, so
 * a hostile capture cannot aim for collisions.
 *
 * The idle clock advances by the step from the latest capture time seen
 * to a later packet's; time never runs backwards and a step longer than
 * FK_IDLE_JUMP_NS counts as none (merged captures, a clock reset, a
 * bogus timestamp), so a flow times out after T seconds of capture time
 * during which packets kept coming.
 */
#ifndef FK_FLOWKEY_H
#define FK_FLOWKEY_H

#include <stdint.h>

#include "fk_decode.h"

#define FK_IDLE_JUMP_NS	(3600ULL * 1000000000ULL)

struct fk_flowkey {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IP protocol: 6 TCP, 17 UDP */
	uint8_t nvlan;
	uint8_t pad;		/* 0 */
	uint16_t vlan[2];
	uint16_t port[2];
	uint8_t addr[2][16];	/* IPv4 in the first 4 bytes, rest 0 */
};

/*
 * Fill *k from a dissected packet (all bytes, padding included, are set).
 * Returns 1 if the packet's source is endpoint 0 of the key, else 0.
 */
int fk_flowkey_make(struct fk_flowkey *k, const struct fk_pkt *p,
    uint8_t proto);
uint64_t fk_flowkey_hash(const struct fk_flowkey *k);

struct fk_idleclock {
	uint64_t now;		/* idle time, ns: compare seen stamps with it */
	uint64_t ts_max;	/* latest capture time seen */
	int any;		/* ts_max is valid */
};

/* Advance the clock for a packet captured at ts (ns). */
void fk_idleclock_tick(struct fk_idleclock *c, uint64_t ts);

#endif
