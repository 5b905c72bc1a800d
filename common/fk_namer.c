/*
 * fk_namer.c - tcpflow's connection counter, see fk_namer.h.
 *
 * A direction gets the lowest count c whose name N(base, c) is free:
 * neither taken for good (carried data) nor held by a flow still open.
 * Names live in one table (names), keyed by a hash of the whole name,
 * so two base names whose counted names meet (a template such as
 * '%v%c': VLAN 1 count 1 and VLAN 11 count 0) share their state.
 *
 * Per base name (bases): next, the lowest count never tried, and a
 * min-heap of counts below next that were given back.  The invariant:
 * every count below next whose name is free is on the heap, or will be
 * put there when its name is given back (a waiter).  So the lowest free
 * count is the least heap entry still free (entries whose name was
 * taken meanwhile are dropped as they surface), else the first free
 * count from next up.  A count passed over because another base's flow
 * holds its name is remembered as a waiter on that name (waiters):
 * when the name is given back, the count goes on its base's heap; when
 * the name carries data, the waiters are dropped.  With the default
 * template no two bases meet, and every count is handed out at most
 * once per time it is given back: O(1) per flow, amortised.
 *
 * A base's entry is a struct base while a count is on its heap or it
 * has waiters; else it is next and live (the directions of open flows
 * named from it) packed in the pointer, tagged, or nothing when no flow
 * of it is open and next <= 1 (every count below next is then taken for
 * good: count 0 is tried first and found taken, one probe).  So a name
 * that carried data costs one slot of names; a base name used more than
 * once one slot of bases more; an open flow a slot of each per
 * direction.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_namer.h"
#include "fk_util.h"

#define NM_TAKEN	((void *)(uintptr_t)1)	/* carried data */
#define NM_RESERVED	((void *)(uintptr_t)2)	/* held by an open flow */

struct base {
	uint32_t next;		/* lowest count never tried */
	uint32_t live;		/* directions of open flows named from it */
	uint32_t nwait;		/* waiters it has on other names */
	uint32_t hn, hcap;	/* heap of counts given back */
	uint32_t *heap;
};

struct waiter {
	uint64_t base;
	uint32_t count;
};

struct waitlist {
	size_t n, cap;
	struct waiter w[];
};

void
fk_namer_init(struct fk_namer *nm, const char *tmpl, int novlan)
{
	memset(nm, 0, sizeof(*nm));
	nm->tmpl = tmpl;
	nm->counts = fk_name_template_counts(tmpl);
	nm->novlan = novlan;
	fk_idmap_init(&nm->names);
	fk_idmap_init(&nm->bases);
	fk_idmap_init(&nm->waiters);
}

static int
idle_tag(const void *v)
{
	return ((uintptr_t)v & 1) != 0;
}

void
fk_namer_free(struct fk_namer *nm)
{
	size_t i;

	for (i = 0; i <= nm->bases.mask; i++)
		if (nm->bases.slot[i].id != 0 &&
		    !idle_tag(nm->bases.slot[i].val)) {
			struct base *b = nm->bases.slot[i].val;

			free(b->heap);
			free(b);
		}
	for (i = 0; i <= nm->waiters.mask; i++)
		if (nm->waiters.slot[i].id != 0)
			free(nm->waiters.slot[i].val);
	fk_idmap_free(&nm->names);
	fk_idmap_free(&nm->bases);
	fk_idmap_free(&nm->waiters);
}

static uint64_t
key(const char *s, size_t len)
{
	uint64_t h = fk_hash(s, len);

	return h ? h : 1;
}

/*
 * The name of direction dir with count c into buf[FK_NAME_MAX]; its
 * length, or -1 if too long.  Count 0 falls back to tcpflow's default
 * name when the template makes nothing usable without a count.
 */
static int
mkname(const struct fk_namer *nm, char *buf, const struct fk_open *o,
    int dir, uint32_t c)
{
	struct fk_name_vars v;
	int n;

	memset(&v, 0, sizeof(v));
	v.count = c;
	v.session = nm->session;
	v.number = 2 * nm->session + (unsigned)dir;
	v.novlan = nm->novlan;
	n = fk_name_expand(buf, FK_NAME_MAX, nm->tmpl, o, dir, &v);
	if (n >= 0 && !nm->counts && c > 0) {
		/* No counter in the template: append one, never reuse. */
		int k = snprintf(buf + n, FK_NAME_MAX - (size_t)n, "c%u", c);

		if (k < 0 || (size_t)k >= FK_NAME_MAX - (size_t)n)
			return -1;
		n += k;
	}
	if (n < 0 && c == 0)
		n = fk_name_default(buf, FK_NAME_MAX, o, dir);
	return n;
}

/* ---- heap of counts given back */

static void
heap_push(struct base *b, uint32_t c)
{
	uint32_t i;

	if (b->hn == b->hcap) {
		b->hcap = b->hcap ? 2 * b->hcap : 4;
		b->heap = fk_reallocarray(b->heap, b->hcap, sizeof(*b->heap));
	}
	for (i = b->hn++; i > 0 && b->heap[(i - 1) / 2] > c; i = (i - 1) / 2)
		b->heap[i] = b->heap[(i - 1) / 2];
	b->heap[i] = c;
}

static uint32_t
heap_pop(struct base *b)
{
	uint32_t top = b->heap[0], last = b->heap[--b->hn], i = 0, k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= b->hn)
			break;
		if (k + 1 < b->hn && b->heap[k + 1] < b->heap[k])
			k++;
		if (b->heap[k] >= last)
			break;
		b->heap[i] = b->heap[k];
		i = k;
	}
	if (b->hn > 0)
		b->heap[i] = last;
	if (b->hn == 0 && b->hcap > 4) {
		free(b->heap);
		b->heap = NULL;
		b->hcap = 0;
	}
	return top;
}

/* ---- bases */

/*
 * Base h's struct, made from its short form (or nothing) if need be;
 * base_settle() puts it back.
 */
static struct base *
base_get(struct fk_namer *nm, uint64_t h)
{
	void **v = fk_idmap_ref(&nm->bases, h);
	uint64_t x = (uintptr_t)*v;
	struct base *b;

	if (*v != NULL && !idle_tag(*v))
		return *v;
	b = fk_calloc(1, sizeof(*b));
	b->next = (uint32_t)(x >> 32);
	b->live = (uint32_t)(x & 0xffffffffu) >> 1;
	*v = b;
	return b;
}

/*
 * The short form when only next and live are left to remember:
 * next << 32 | live << 1 | 1 (nothing at all when live is 0 and
 * next <= 1).  The struct stays while a heap or waiters are left.
 */
static void
base_settle(struct fk_namer *nm, uint64_t h, struct base *b)
{
	if (b->hn > 0 || b->nwait > 0 || b->live >= 1u << 31 ||
	    (sizeof(uintptr_t) < sizeof(uint64_t) &&
	    (b->live > 0 || b->next > 1)))	/* no room for the short form */
		return;
	if (b->live == 0 && b->next <= 1)
		fk_idmap_del(&nm->bases, h);
	else
		fk_idmap_put(&nm->bases, h, (void *)(uintptr_t)
		    ((uint64_t)b->next << 32 | (uint64_t)b->live << 1 | 1));
	free(b->heap);
	free(b);
}

/* Count c of base b may be free again. */
static void
base_giveback(struct base *b, uint32_t c)
{
	if (c + 1 == b->next)
		b->next = c;
	else
		heap_push(b, c);
}

/* ---- waiters */

static void
wait_on(struct fk_namer *nm, uint64_t name, uint64_t base, struct base *b,
    uint32_t c)
{
	void **v = fk_idmap_ref(&nm->waiters, name);
	struct waitlist *wl = *v;

	if (wl == NULL || wl->n == wl->cap) {
		size_t cap = wl ? 2 * wl->cap : 2;

		wl = fk_realloc(wl, sizeof(*wl) + cap * sizeof(wl->w[0]));
		if (*v == NULL)
			wl->n = 0;
		wl->cap = cap;
		*v = wl;
	}
	wl->w[wl->n].base = base;
	wl->w[wl->n].count = c;
	wl->n++;
	b->nwait++;
}

/* Name h was given back (free: give) or taken for good: its waiters. */
static void
wake(struct fk_namer *nm, uint64_t h, int give)
{
	struct waitlist *wl;

	if (nm->waiters.count == 0 ||
	    (wl = fk_idmap_del(&nm->waiters, h)) == NULL)
		return;
	for (size_t i = 0; i < wl->n; i++) {
		uint64_t bh = wl->w[i].base;
		struct base *b = base_get(nm, bh);

		b->nwait--;
		if (give)
			base_giveback(b, wl->w[i].count);
		base_settle(nm, bh, b);
	}
	free(wl);
}

/* ---- naming */

/* Is count c of base b free?  Its name into buf, its length *np. */
static int
try_count(struct fk_namer *nm, const struct fk_open *o, int dir,
    uint64_t bh, struct base *b, uint32_t c, char *buf, int *np,
    uint64_t *hp)
{
	void *s;

	if ((*np = mkname(nm, buf, o, dir, c)) < 0)
		errx(FK_EX_FAIL, "flow %llu: name too long",
		    (unsigned long long)o->flow_id);
	*hp = key(buf, (size_t)*np);
	s = fk_idmap_get(&nm->names, *hp);
	if (s == NULL)
		return 1;
	if (s == NM_RESERVED)	/* another base's flow holds it */
		wait_on(nm, *hp, bh, b, c);
	return 0;
}

static size_t
name_dir(struct fk_namer *nm, struct fk_namer_dir *d,
    const struct fk_open *o, int dir, char *buf)
{
	struct base *b;
	uint64_t bh, h;
	uint32_t c;
	int n;

	if ((n = mkname(nm, buf, o, dir, 0)) < 0)	/* cannot happen */
		errx(FK_EX_FAIL, "cannot name flow %llu",
		    (unsigned long long)o->flow_id);
	bh = key(buf, (size_t)n);
	b = base_get(nm, bh);
	for (;;) {
		/* A count given back twice can be left over at or past next:
		   the scan from next covers those. */
		if (b->hn > 0 && b->heap[0] < b->next)
			c = heap_pop(b);
		else if ((b->hn = 0, c = b->next++) == UINT32_MAX)
			errx(FK_EX_FAIL, "flow %llu: connection count "
			    "overflow", (unsigned long long)o->flow_id);
		if (try_count(nm, o, dir, bh, b, c, buf, &n, &h))
			break;
	}
	b->live++;
	base_settle(nm, bh, b);
	fk_idmap_put(&nm->names, h, NM_RESERVED);
	if (c > 0)
		nm->counted++;
	d->hash = h;
	d->base = bh;
	d->count = c;
	d->committed = 0;
	return (size_t)n;
}

void
fk_namer_open(struct fk_namer *nm, struct fk_namer_flow *nf,
    const struct fk_open *o, char name[2][FK_NAME_MAX], size_t len[2])
{
	len[FK_DIR_AB] = name_dir(nm, &nf->d[FK_DIR_AB], o, FK_DIR_AB,
	    name[FK_DIR_AB]);
	len[FK_DIR_BA] = name_dir(nm, &nf->d[FK_DIR_BA], o, FK_DIR_BA,
	    name[FK_DIR_BA]);
	nm->session++;
}

void
fk_namer_data(struct fk_namer *nm, struct fk_namer_flow *nf, int dir)
{
	struct fk_namer_dir *d = &nf->d[dir & 1];

	if (d->hash == 0 || d->committed)
		return;
	d->committed = 1;
	fk_idmap_put(&nm->names, d->hash, NM_TAKEN);
	wake(nm, d->hash, 0);
}

/* Let go of direction d's name: given back unless it carried data. */
static void
release(struct fk_namer *nm, struct fk_namer_dir *d)
{
	struct fk_namer_dir x = *d;
	struct base *b;

	if (x.hash == 0)
		return;
	memset(d, 0, sizeof(*d));
	b = base_get(nm, x.base);
	b->live--;
	if (!x.committed) {
		fk_idmap_del(&nm->names, x.hash);
		base_giveback(b, x.count);
	}
	base_settle(nm, x.base, b);
	if (!x.committed)	/* after: a waiter may be of base x.base */
		wake(nm, x.hash, 1);
}

void
fk_namer_given(struct fk_namer *nm, struct fk_namer_flow *nf, int dir)
{
	struct fk_namer_dir *d = &nf->d[dir & 1];

	if (!d->committed)
		release(nm, d);
}

void
fk_namer_close(struct fk_namer *nm, struct fk_namer_flow *nf)
{
	release(nm, &nf->d[0]);
	release(nm, &nf->d[1]);
}
