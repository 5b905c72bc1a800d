/*
 * fk_flowkey.h - direction-independent flow keys, the hash table of
 * flows and the idle clock of flow tables (reasm, flowpcap, flowshard).
 *
 * A key is the 5-tuple plus the VLAN tags and the tunnel id (fk_pkt
 * tun_id: outer addresses and VXLAN VNI, the same both ways; 0 for a
 * packet not tunneled or tunneled with global IPv6 addresses only), with
 * the lower endpoint
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

#include <stddef.h>
#include <stdint.h>

#include "fk_decode.h"

#define FK_IDLE_JUMP_NS	(3600ULL * 1000000000ULL)

struct fk_flowkey {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IP protocol: 6 TCP, 17 UDP */
	uint8_t nvlan;
	uint8_t pad0;		/* 0 */
	uint16_t vlan[2];
	uint16_t port[2];
	uint8_t addr[2][16];	/* IPv4 in the first 4 bytes, rest 0 */
	uint32_t pad;		/* 0 */
	uint64_t tun_id;	/* fk_pkt tun_id, 0: none */
};
/*
 * The key's bytes before the tunnel id: the whole key as it was before
 * tunnels, which flowshard hashes so that shards stay where they were.
 */
#define FK_FLOWKEY_HOSTS_LEN	offsetof(struct fk_flowkey, pad)

/*
 * Fill *k from a dissected packet (all bytes, padding included, are set).
 * Returns 1 if the packet's source is endpoint 0 of the key, else 0.
 */
int fk_flowkey_make(struct fk_flowkey *k, const struct fk_pkt *p,
    uint8_t proto);
uint64_t fk_flowkey_hash(const struct fk_flowkey *k);
/* Leave the VLAN ids out of *k (reasm -Q, flowshard without -V). */
void fk_flowkey_novlan(struct fk_flowkey *k);

/*
 * A chained hash table of flows keyed by fk_flowkey, intrusive: a flow
 * embeds a struct fk_flowent (its key and hash chain link), the table
 * allocates nothing per flow.  It doubles when an insertion would make
 * it hold more entries than buckets.
 */
struct fk_flowent {
	struct fk_flowent *hnext;
	struct fk_flowkey key;
};

struct fk_flowtab {
	struct fk_flowent **b;
	size_t mask;		/* buckets - 1, a power of two */
	size_t count;
	struct fk_flowent *last;	/* last found: packets come in bursts */
};

void fk_flowtab_init(struct fk_flowtab *);
void fk_flowtab_free(struct fk_flowtab *);	/* the table, not the flows */
/* The entry with key k, or NULL; the last one found is tried first. */
struct fk_flowent *fk_flowtab_get(struct fk_flowtab *,
    const struct fk_flowkey *);
/* Insert e (e->key set, not in the table yet). */
void fk_flowtab_add(struct fk_flowtab *, struct fk_flowent *e);
/* Remove e, which is in the table. */
void fk_flowtab_del(struct fk_flowtab *, struct fk_flowent *e);

struct fk_idleclock {
	uint64_t now;		/* idle time, ns: compare seen stamps with it */
	uint64_t ts_max;	/* latest capture time seen */
	int any;		/* ts_max is valid */
};

/* Advance the clock for a packet captured at ts (ns). */
void fk_idleclock_tick(struct fk_idleclock *c, uint64_t ts);

#endif
