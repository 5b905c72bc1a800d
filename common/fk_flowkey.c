/*
 * fk_flowkey.c - flow keys, the flow table and the idle clock, see
 * fk_flowkey.h.
 */
#include <stdlib.h>
#include <string.h>

#include "fk_flowkey.h"
#include "fk_hash.h"
#include "fk_util.h"

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
	k->tun_id = p->tun_id;
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

void
fk_flowkey_novlan(struct fk_flowkey *k)
{
	k->nvlan = 0;
	k->vlan[0] = k->vlan[1] = 0;
}

uint64_t
fk_flowkey_hash(const struct fk_flowkey *k)
{
	return fk_hash(k, sizeof(*k));
}

#define FLOWTAB_MIN	1024

void
fk_flowtab_init(struct fk_flowtab *t)
{
	t->mask = FLOWTAB_MIN - 1;
	t->b = fk_calloc(FLOWTAB_MIN, sizeof(*t->b));
	t->count = 0;
	t->last = NULL;
}

void
fk_flowtab_free(struct fk_flowtab *t)
{
	free(t->b);
	t->b = NULL;
	t->mask = 0;
	t->count = 0;
	t->last = NULL;
}

static void
flowtab_grow(struct fk_flowtab *t)
{
	size_t n = (t->mask + 1) * 2, i;
	struct fk_flowent **nb = fk_calloc(n, sizeof(*nb));

	for (i = 0; i <= t->mask; i++) {
		struct fk_flowent *e, *en;

		for (e = t->b[i]; e != NULL; e = en) {
			size_t h = fk_flowkey_hash(&e->key) & (n - 1);

			en = e->hnext;
			e->hnext = nb[h];
			nb[h] = e;
		}
	}
	free(t->b);
	t->b = nb;
	t->mask = n - 1;
}

struct fk_flowent *
fk_flowtab_get(struct fk_flowtab *t, const struct fk_flowkey *k)
{
	struct fk_flowent *e;

	if (t->last != NULL && memcmp(&t->last->key, k, sizeof(*k)) == 0)
		return t->last;
	for (e = t->b[fk_flowkey_hash(k) & t->mask]; e != NULL; e = e->hnext)
		if (memcmp(&e->key, k, sizeof(*k)) == 0)
			break;
	return t->last = e;
}

void
fk_flowtab_add(struct fk_flowtab *t, struct fk_flowent *e)
{
	size_t h;

	if (t->count + 1 > t->mask + 1)
		flowtab_grow(t);
	h = fk_flowkey_hash(&e->key) & t->mask;
	e->hnext = t->b[h];
	t->b[h] = e;
	t->count++;
}

void
fk_flowtab_del(struct fk_flowtab *t, struct fk_flowent *e)
{
	struct fk_flowent **pp = &t->b[fk_flowkey_hash(&e->key) & t->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	e->hnext = NULL;
	t->count--;
	if (t->last == e)
		t->last = NULL;
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
