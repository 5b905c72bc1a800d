/* fk_flowkey.c - flow keys and the idle clock, see fk_flowkey.h. */
#include <string.h>

#include "fk_flowkey.h"
#include "fk_hash.h"

int
fk_flowkey_make(struct fk_flowkey *k, const struct fk_pkt *p, uint8_t proto)
{
	size_t alen = p->family == 4 ? 4 : 16;
	int c, fwd;

	memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->proto = proto;
	k->nvlan = p->nvlan;
	k->vlan[0] = p->nvlan >= 1 ? p->vlan[0] : 0;
	k->vlan[1] = p->nvlan >= 2 ? p->vlan[1] : 0;
	c = memcmp(p->src, p->dst, alen);
	if (c == 0)
		c = p->sport < p->dport ? -1 : p->sport > p->dport;
	fwd = c <= 0;
	memcpy(k->addr[fwd ? 0 : 1], p->src, alen);
	memcpy(k->addr[fwd ? 1 : 0], p->dst, alen);
	k->port[fwd ? 0 : 1] = p->sport;
	k->port[fwd ? 1 : 0] = p->dport;
	return fwd;
}

uint64_t
fk_flowkey_hash(const struct fk_flowkey *k)
{
	return fk_hash(k, sizeof(*k));
}

void
fk_idleclock_tick(struct fk_idleclock *c, uint64_t ts)
{
	if (!c->any) {
		c->any = 1;
		c->ts_max = ts;
		return;
	}
	if (ts <= c->ts_max)
		return;
	if (ts - c->ts_max <= FK_IDLE_JUMP_NS)
		c->now += ts - c->ts_max;
	c->ts_max = ts;
}
