/* fk_ipfrag.c - IP fragment reassembly, see fk_ipfrag.h. */
#include <stdlib.h>
#include <string.h>

#include "fk_hash.h"
#include "fk_ipfrag.h"
#include "fk_list.h"
#include "fk_util.h"

struct range {
	uint32_t a, b;		/* [a, b) held */
};

struct dg {
	struct fk_link link;	/* on q->lru: first, FK_LIST_OBJ is a cast */
	struct dg *hnext;	/* next with the same hash (q->map) */
	uint64_t h;		/* hash of its key (never 0) */
	uint8_t family, proto, nvlan;
	uint16_t vlan[2];
	uint8_t src[16], dst[16];
	uint32_t id;
	uint64_t ts;		/* capture time of the last fragment */
	uint8_t *hdr;		/* from the fragment at offset 0 */
	uint32_t hdr_len, nh_at;
	uint8_t *data;
	uint32_t cap;		/* bytes allocated at data */
	uint32_t total;		/* datagram data length, if have_total */
	int have_total;
	uint32_t nfrags, nr;
	uint32_t rcap;		/* ranges allocated at r */
	struct range *r;	/* held ranges, sorted, disjoint, merged */
};

struct fk_ipfrag {
	struct fk_list lru;	/* least recently added to first */
	struct fk_idmap map;	/* key hash -> datagrams with it (a chain) */
	uint32_t npending, max_pending;
	uint64_t bytes, max_bytes, timeout;
	uint8_t *out;		/* the last completed datagram */
	struct fk_ipfrag_stats st;
};

struct fk_ipfrag *
fk_ipfrag_new(uint32_t max_pending, uint64_t max_bytes, uint64_t timeout_ns)
{
	struct fk_ipfrag *q = fk_calloc(1, sizeof(*q));

	q->max_pending = max_pending ? max_pending : 1;
	q->max_bytes = max_bytes;
	q->timeout = timeout_ns;
	fk_list_init(&q->lru);
	fk_idmap_init(&q->map);
	return q;
}

static struct dg *
oldest(struct fk_ipfrag *q)
{
	return FK_LIST_FIRST(&q->lru, struct dg, link);
}

static void
free_dg(struct fk_ipfrag *q, struct dg *d, int dropped)
{
	void **v = fk_idmap_ref(&q->map, d->h);

	if (*v == d) {
		*v = d->hnext;
		if (*v == NULL)
			fk_idmap_del(&q->map, d->h);
	} else {
		struct dg *x = *v;

		while (x->hnext != d)
			x = x->hnext;
		x->hnext = d->hnext;
	}
	fk_list_remove(&q->lru, &d->link);
	if (dropped) {
		q->st.dropped++;
		q->st.dropped_frags += d->nfrags;
	}
	q->bytes -= d->cap + d->hdr_len + sizeof(*d) +
	    d->rcap * sizeof(d->r[0]);
	q->npending--;
	free(d->hdr);
	free(d->data);
	free(d->r);
	free(d);
}

void
fk_ipfrag_free(struct fk_ipfrag *q)
{
	struct dg *d;

	if (q == NULL)
		return;
	while ((d = oldest(q)) != NULL)
		free_dg(q, d, 0);
	fk_idmap_free(&q->map);
	free(q->out);
	free(q);
}

const struct fk_ipfrag_stats *
fk_ipfrag_stats(const struct fk_ipfrag *q)
{
	return &q->st;
}

void
fk_ipfrag_expire(struct fk_ipfrag *q, uint64_t now)
{
	struct dg *d;

	while ((d = oldest(q)) != NULL && d->ts + q->timeout < now)
		free_dg(q, d, 1);
}

/* The seeded hash of a fragment's datagram key (what same() compares). */
static uint64_t
key_hash(const struct fk_frag *f)
{
	struct {
		uint8_t family, proto, nvlan, pad;
		uint16_t vlan[2];
		uint32_t id;
		uint8_t src[16], dst[16];
	} k;
	size_t alen = f->family == 4 ? 4 : 16;
	uint64_t h;

	memset(&k, 0, sizeof(k));
	k.family = f->family;
	k.proto = f->family == 6 ? 0 : f->proto;
	k.nvlan = f->nvlan;
	k.vlan[0] = f->vlan[0];
	k.vlan[1] = f->vlan[1];
	k.id = f->id;
	memcpy(k.src, f->src, alen);
	memcpy(k.dst, f->dst, alen);
	h = fk_hash(&k, sizeof(k));
	return h ? h : 1;
}

static int
same(const struct dg *d, const struct fk_frag *f)
{
	size_t alen = f->family == 4 ? 4 : 16;

	return d->family == f->family && d->id == f->id &&
	    (f->family == 6 || d->proto == f->proto) &&
	    d->nvlan == f->nvlan && d->vlan[0] == f->vlan[0] &&
	    d->vlan[1] == f->vlan[1] &&
	    memcmp(d->src, f->src, alen) == 0 &&
	    memcmp(d->dst, f->dst, alen) == 0;
}

/* The first range ending at or after a (d->nr if none): O(log n). */
static uint32_t
first_range(const struct dg *d, uint32_t a)
{
	uint32_t lo = 0, hi = d->nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->r[mid].b < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Record [a, b) as held: ranges stay sorted, disjoint and merged. */
static void
hold(struct fk_ipfrag *q, struct dg *d, uint32_t a, uint32_t b)
{
	uint32_t i = first_range(d, a), j;

	/* ranges i.. that touch [a, b) merge into it */
	j = i;
	while (j < d->nr && d->r[j].a <= b) {
		if (d->r[j].a < a)
			a = d->r[j].a;
		if (d->r[j].b > b)
			b = d->r[j].b;
		j++;
	}
	if (j == i) {
		if (d->nr == d->rcap) {
			/* caller: nr < FK_IPFRAG_MAX_FRAGS */
			uint32_t nc = d->rcap ? d->rcap * 2 : 4;

			d->r = fk_reallocarray(d->r, nc, sizeof(d->r[0]));
			q->bytes += (nc - d->rcap) * sizeof(d->r[0]);
			d->rcap = nc;
		}
		memmove(&d->r[i + 1], &d->r[i], (d->nr - i) * sizeof(d->r[0]));
		d->nr++;
	} else if (j > i + 1) {
		memmove(&d->r[i + 1], &d->r[j], (d->nr - j) * sizeof(d->r[0]));
		d->nr -= j - i - 1;
	}
	d->r[i].a = a;
	d->r[i].b = b;
}

/* Copy the bytes of f not held yet; count (and compare) the others. */
static void
fill(struct fk_ipfrag *q, struct dg *d, const struct fk_frag *f)
{
	uint32_t cur = f->off, end = f->off + f->len, i;
	int diff = 0;

	for (i = first_range(d, cur); i < d->nr && cur < end; i++) {
		uint32_t a = d->r[i].a, b = d->r[i].b;

		if (b <= cur)
			continue;
		if (a >= end)
			break;
		if (a > cur) {
			memcpy(d->data + cur, f->data + (cur - f->off), a - cur);
			cur = a;
		}
		b = b < end ? b : end;
		q->st.overlap_bytes += b - cur;
		if (memcmp(d->data + cur, f->data + (cur - f->off), b - cur))
			diff = 1;
		cur = b;
	}
	if (cur < end)
		memcpy(d->data + cur, f->data + (cur - f->off), end - cur);
	if (diff)
		q->st.overlap_diff++;
	hold(q, d, f->off, end);
}

/* The datagram is whole: header and data into q->out. */
static int
build(struct fk_ipfrag *q, struct dg *d, const uint8_t **dgram, uint32_t *len)
{
	uint32_t n = d->hdr_len + d->total;

	if ((d->family == 4 && n > 65535) ||
	    (d->family == 6 && n - 40 > 65535)) {
		q->st.bad++;
		free_dg(q, d, 1);
		return 0;
	}
	free(q->out);
	q->out = fk_malloc(n);
	memcpy(q->out, d->hdr, d->hdr_len);
	if (d->total > 0)	/* no data, none allocated */
		memcpy(q->out + d->hdr_len, d->data, d->total);
	if (d->family == 4) {
		q->out[2] = (uint8_t)(n >> 8);
		q->out[3] = (uint8_t)n;
		q->out[6] &= 0x40;	/* keep DF; no MF, offset 0 */
		q->out[7] = 0;
	} else {
		q->out[4] = (uint8_t)((n - 40) >> 8);
		q->out[5] = (uint8_t)(n - 40);
		q->out[d->nh_at] = d->proto;
	}
	q->st.datagrams++;
	free_dg(q, d, 0);
	*dgram = q->out;
	*len = n;
	return 1;
}

int
fk_ipfrag_add(struct fk_ipfrag *q, const struct fk_frag *f, uint64_t ts,
    const uint8_t **dgram, uint32_t *len)
{
	struct dg *d;
	uint32_t end = f->off + f->len;
	uint64_t h;

	q->st.fragments++;
	/*
	 * fk_decode's fragments pass these; the header is trusted to hold
	 * the fields build() rewrites (IPv4: 20 to 60 bytes at offset 0;
	 * IPv6: the next header field in the fixed header or after it).
	 */
	if (f->off > FK_IPFRAG_MAX_DGRAM || f->len > FK_IPFRAG_MAX_DGRAM ||
	    end > FK_IPFRAG_MAX_DGRAM || (f->family != 4 && f->family != 6) ||
	    (f->family == 4 && f->off == 0 &&
	    (f->hdr_len < 20 || f->hdr_len > 60)) ||
	    (f->family == 6 && (f->hdr_len < 40 || f->nh_at >= f->hdr_len ||
	    (f->nh_at != 6 && f->nh_at < 40)))) {
		q->st.bad++;
		return 0;
	}
	h = key_hash(f);
	for (d = fk_idmap_get(&q->map, h); d != NULL; d = d->hnext)
		if (same(d, f))
			break;
	if (d == NULL) {
		void **v;

		while (q->npending >= q->max_pending)
			free_dg(q, oldest(q), 1);
		d = fk_calloc(1, sizeof(*d));
		d->family = f->family;
		d->proto = f->proto;
		d->nvlan = f->nvlan;
		d->vlan[0] = f->vlan[0];
		d->vlan[1] = f->vlan[1];
		memcpy(d->src, f->src, 16);
		memcpy(d->dst, f->dst, 16);
		d->id = f->id;
		d->h = h;
		v = fk_idmap_ref(&q->map, h);
		d->hnext = *v;
		*v = d;
		q->npending++;
		q->bytes += sizeof(*d);
		fk_list_append(&q->lru, &d->link);
	} else {
		fk_list_move_to_tail(&q->lru, &d->link);
	}
	d->ts = ts;
	/* a last fragment fixes the length; nothing may pass it */
	if ((d->have_total && end > d->total) ||
	    (!f->more && d->have_total && end != d->total) ||
	    (!f->more && d->nr > 0 && d->r[d->nr - 1].b > end)) {
		q->st.bad++;
		return 0;
	}
	if (++d->nfrags > FK_IPFRAG_MAX_FRAGS || d->nr >= FK_IPFRAG_MAX_FRAGS) {
		free_dg(q, d, 1);
		return 0;
	}
	if (!f->more) {
		d->have_total = 1;
		d->total = end;
	}
	if (f->off == 0 && d->hdr == NULL) {
		d->hdr = fk_malloc(f->hdr_len);
		memcpy(d->hdr, f->hdr, f->hdr_len);
		d->hdr_len = f->hdr_len;
		d->nh_at = f->nh_at;
		if (f->family == 6)
			d->proto = f->proto;
		q->bytes += f->hdr_len;
	}
	if (end > d->cap) {
		uint32_t nc = d->cap ? d->cap : 64;

		while (nc < end)
			nc *= 2;
		if (nc > FK_IPFRAG_MAX_DGRAM)
			nc = FK_IPFRAG_MAX_DGRAM;
		d->data = fk_realloc(d->data, nc);
		q->bytes += nc - d->cap;
		d->cap = nc;
	}
	fill(q, d, f);
	while (q->bytes > q->max_bytes && oldest(q) != d)
		free_dg(q, oldest(q), 1);
	if (d->have_total && d->hdr != NULL && d->nr == 1 && d->r[0].a == 0 &&
	    d->r[0].b == d->total)
		return build(q, d, dgram, len);
	return 0;
}
