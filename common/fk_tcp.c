/* fk_tcp.c - per-direction TCP reassembly, see fk_tcp.h. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fk_io.h"
#include "fk_record.h"
#include "fk_tcp.h"
#include "fk_util.h"

void
fk_tcp_dir_init(struct fk_tcp_dir *t, uint64_t flow_id, uint8_t d)
{
	memset(t, 0, sizeof(*t));
	t->flow_id = flow_id;
	t->d = d;
	t->acked = -1;
}

static void
wait_del(struct fk_tcp_ctx *c, struct fk_tcp_dir *t)
{
	if (!t->in_wlist)
		return;
	t->in_wlist = 0;
	fk_list_remove(&c->wlist, &t->wlink);
}

/* Wait until now + FK_TCP_WAIT_NS: every wait is as long, so the list
 * stays sorted by due (now never runs backwards). */
static void
wait_add(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t now)
{
	if (t->in_wlist)
		return;
	t->in_wlist = 1;
	t->due = now + FK_TCP_WAIT_NS;
	fk_list_append(&c->wlist, &t->wlink);
}

static void
hist_free(struct fk_tcp_ctx *c, struct fk_tcp_dir *t)
{
	if (t->hist == NULL)
		return;
	fk_list_remove(&c->hlist, &t->hlink);
	c->hist_bytes -= t->hsize;
	free(t->hist);
	t->hist = NULL;
	t->hsize = t->hlen = 0;
}

/* Remember delivered bytes [off, off+len) in the direction's history. */
static void
hist_add(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t off,
    const uint8_t *p, uint32_t len)
{
	uint64_t want;
	uint32_t i, n;

	if (c->hist_cap == 0)
		return;
	if (off != t->hend)
		t->hlen = 0;		/* not contiguous: start over */
	want = (uint64_t)t->hlen + len;
	if (want > c->hist_cap)
		want = c->hist_cap;
	if (want > t->hsize) {
		uint32_t ns = t->hsize ? t->hsize : FK_TCP_HIST_MIN;
		uint8_t *nh;
		uint64_t o;

		while (ns < want)
			ns *= 2;
		if (ns > c->hist_cap)
			ns = c->hist_cap;
		nh = fk_malloc(ns);
		for (o = t->hend - t->hlen; o < t->hend; o++)
			nh[o & (ns - 1)] = t->hist[o & (t->hsize - 1)];
		if (t->hist != NULL) {
			free(t->hist);
			c->hist_bytes -= t->hsize;
		} else {
			/* its first history: onto the list */
			fk_list_append(&c->hlist, &t->hlink);
		}
		t->hist = nh;
		c->hist_bytes += ns;
		t->hsize = ns;
	}
	/* to the back: recently delivered to */
	fk_list_move_to_tail(&c->hlist, &t->hlink);
	if (len > t->hsize) {
		p += len - t->hsize;
		off += len - t->hsize;
		len = t->hsize;
	}
	for (i = 0; i < len; i += n) {
		uint32_t at = (uint32_t)((off + i) & (t->hsize - 1));

		n = t->hsize - at;
		if (n > len - i)
			n = len - i;
		memcpy(t->hist + at, p + i, n);
	}
	t->hend = off + len;
	t->hlen = t->hlen + len > t->hsize ? t->hsize : t->hlen + len;
}

static void overlap(struct fk_tcp_ctx *, struct fk_tcp_dir *, uint64_t,
    const uint8_t *, const uint8_t *, uint32_t, uint64_t);

/*
 * A retransmission carried p[0..len) for offsets [off, off+len), all
 * below the delivery point: compare what the history still holds.
 */
static void
hist_check(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t off,
    const uint8_t *p, uint32_t len, uint64_t ts)
{
	uint64_t lo = t->hend - t->hlen, hi = t->hend, o;
	uint8_t *kept;
	uint32_t n;

	if (len == 0)
		return;
	if (lo < off)
		lo = off;
	if (hi > off + len)
		hi = off + len;
	if (t->hist == NULL || hi <= lo) {
		c->unchecked_bytes += len;
		return;
	}
	c->unchecked_bytes += len - (hi - lo);
	n = (uint32_t)(hi - lo);
	for (o = lo; o < hi; o++)
		if (t->hist[o & (t->hsize - 1)] != p[o - off])
			break;
	if (o == hi)
		return;
	kept = fk_malloc(n);
	for (o = lo; o < hi; o++)
		kept[o - lo] = t->hist[o & (t->hsize - 1)];
	overlap(c, t, lo, kept, p + (lo - off), n, ts);
	free(kept);
}

static void
emit_data(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t off,
    const uint8_t *p, uint32_t len, uint64_t ts)
{
	struct fk_data r;

	if (len == 0)
		return;
	r.flow_id = t->flow_id;
	r.dir = t->d;
	r.flags = 0;
	r.offset = off;
	r.ts_ns = ts;
	r.len = len;
	r.data = p;
	fk_data_emit(c->out, &r);
	t->st.bytes += len;
	c->bytes += len;
	hist_add(c, t, off, p, len);
}

static void
emit_gap(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t off,
    uint64_t len, uint8_t reason, uint64_t ts)
{
	struct fk_gap g;

	if (len == 0)
		return;
	g.flow_id = t->flow_id;
	g.dir = t->d;
	g.reason = reason;
	g.offset = off;
	g.len = len;
	g.ts_ns = ts;
	fk_gap_emit(c->out, &g);
	t->hlen = 0;			/* history is contiguous */
	t->hend = off + len;
	t->st.gap_bytes += len;
	c->gap_bytes += len;
}

/* Compare a losing copy with the kept one; OVERLAP if they differ. */
static void
overlap(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t off,
    const uint8_t *kept, const uint8_t *lost, uint32_t len, uint64_t ts)
{
	struct fk_overlap o;

	if (len == 0 || memcmp(kept, lost, len) == 0)
		return;
	o.flow_id = t->flow_id;
	o.dir = t->d;
	o.flags = 0;
	o.offset = off;
	o.ts_ns = ts;
	o.len = len;
	o.data = lost;
	fk_overlap_emit(c->out, &o);
	t->st.overlaps++;
	c->overlaps++;
}

static void
blist_add(struct fk_tcp_ctx *c, struct fk_tcp_dir *t)
{
	if (t->in_blist)
		return;
	t->in_blist = 1;
	fk_list_append(&c->blist, &t->blink);
}

static void
blist_del(struct fk_tcp_ctx *c, struct fk_tcp_dir *t)
{
	if (!t->in_blist)
		return;
	t->in_blist = 0;
	fk_list_remove(&c->blist, &t->blink);
}

static void
seg_unlink(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, struct fk_tcp_seg *s)
{
	fk_treap_unlink(&t->tree, &s->tn);
	if (s->prev)
		s->prev->next = s->next;
	else
		t->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		t->tail = s->prev;
	t->buffered -= s->len + FK_TCP_SEG_OVERHEAD;
	c->buffered -= s->len + FK_TCP_SEG_OVERHEAD;
	t->nseg--;
	free(s);
	if (t->head == NULL)
		blist_del(c, t);
}

/* Insert a copy of p[0..len) at offset off before `before` (NULL: tail). */
static void
seg_insert(struct fk_tcp_ctx *c, struct fk_tcp_dir *t,
    struct fk_tcp_seg *before, uint64_t off, const uint8_t *p, uint32_t len,
    uint64_t ts)
{
	struct fk_tcp_seg *s;

	if (len == 0)
		return;
	s = fk_malloc(sizeof(*s) + len);
	s->off = off;
	s->len = len;
	s->ts_ns = ts;
	memcpy(s->data, p, len);
	s->next = before;
	s->prev = before ? before->prev : t->tail;
	fk_treap_link(&t->tree, &s->tn, s->prev ? &s->prev->tn : NULL,
	    before ? &before->tn : NULL);
	if (s->prev)
		s->prev->next = s;
	else
		t->head = s;
	if (before)
		before->prev = s;
	else
		t->tail = s;
	t->buffered += len + FK_TCP_SEG_OVERHEAD;
	c->buffered += len + FK_TCP_SEG_OVERHEAD;
	t->nseg++;
	blist_add(c, t);
}

/* Deliver buffered segments that start at the delivery point. */
static void
deliver_run(struct fk_tcp_ctx *c, struct fk_tcp_dir *t)
{
	struct fk_tcp_seg *s;

	while ((s = t->head) != NULL && s->off <= t->nxt) {
		uint64_t end = s->off + s->len;

		if (end > t->nxt) {
			uint32_t skip = (uint32_t)(t->nxt - s->off);

			emit_data(c, t, t->nxt, s->data + skip, s->len - skip,
			    s->ts_ns);
			t->nxt = end;
		}
		seg_unlink(c, t, s);
	}
}

void
fk_tcp_gap_to(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t upto,
    uint8_t reason, uint64_t ts)
{
	while (t->nxt < upto) {
		struct fk_tcp_seg *s = t->head;

		if (s != NULL && s->off <= t->nxt) {
			deliver_run(c, t);
			continue;
		}
		if (s != NULL && s->off < upto) {
			emit_gap(c, t, t->nxt, s->off - t->nxt, reason, ts);
			t->nxt = s->off;
			deliver_run(c, t);
			continue;
		}
		emit_gap(c, t, t->nxt, upto - t->nxt, reason, ts);
		t->nxt = upto;
	}
	deliver_run(c, t);
}

/* Drop or trim buffered copies of bytes below nxt, which were just
 * delivered from p (covering stream offsets [poff, nxt)). */
static void
trim_delivered(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t poff,
    const uint8_t *p, uint64_t ts)
{
	struct fk_tcp_seg *s;

	while ((s = t->head) != NULL && s->off < t->nxt) {
		uint64_t lo = s->off > poff ? s->off : poff;
		uint64_t end = s->off + s->len;
		uint64_t hi = end < t->nxt ? end : t->nxt;

		if (hi > lo) {
			overlap(c, t, lo, p + (lo - poff), s->data +
			    (lo - s->off), (uint32_t)(hi - lo), ts);
			t->st.retrans_bytes += hi - lo;
			c->retrans_bytes += hi - lo;
		}
		if (end > t->nxt) {
			/* keep the tail as a new segment at nxt */
			uint32_t skip = (uint32_t)(t->nxt - s->off);

			seg_insert(c, t, s->next, t->nxt, s->data + skip,
			    s->len - skip, s->ts_ns);
		}
		seg_unlink(c, t, s);
	}
}

#define SEG_OF(n)	((struct fk_tcp_seg *)(void *)((char *)(n) - \
			    offsetof(struct fk_tcp_seg, tn)))

/* The first buffered segment ending after off, or NULL: O(log n). */
static struct fk_tcp_seg *
first_ending_after(const struct fk_tcp_dir *t, uint64_t off)
{
	const struct fk_treap_node *n = t->tree.root;
	struct fk_tcp_seg *s, *found = NULL;

	/* appending (in order after the last one) is the common case */
	if (t->tail == NULL || t->tail->off + t->tail->len <= off)
		return NULL;
	if (t->head->off + t->head->len > off)
		return t->head;
	while (n != NULL) {
		s = SEG_OF(n);
		if (s->off + s->len > off) {
			found = s;
			n = n->l;
		} else {
			n = n->r;
		}
	}
	return found;
}

/* Buffer [off, off+len) out of order; existing buffered bytes win. */
static void
buffer(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint64_t off,
    const uint8_t *p, uint32_t len, uint64_t ts)
{
	struct fk_tcp_seg *s = first_ending_after(t, off);
	uint64_t cur = off, end = off + len;

	for (; s != NULL && s->off < end && cur < end; s = s->next) {
		uint64_t send = s->off + s->len, lo, hi;

		if (cur < s->off)
			seg_insert(c, t, s, cur, p + (cur - off),
			    (uint32_t)(s->off - cur), ts);
		lo = cur > s->off ? cur : s->off;
		hi = end < send ? end : send;
		if (hi > lo) {
			overlap(c, t, lo, s->data + (lo - s->off),
			    p + (lo - off), (uint32_t)(hi - lo), ts);
			t->st.retrans_bytes += hi - lo;
			c->retrans_bytes += hi - lo;
		}
		if (send > cur)
			cur = send;
	}
	if (cur < end)
		seg_insert(c, t, s, cur, p + (cur - off), (uint32_t)(end - cur),
		    ts);
}

static void give_up_one(struct fk_tcp_ctx *, struct fk_tcp_dir *, uint8_t,
    uint64_t);

void
fk_tcp_add(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, int64_t soff,
    const uint8_t *p, uint32_t caplen, uint32_t wire_len, uint64_t ts)
{
	uint64_t off;

	if (wire_len == 0)
		return;
	if (soff + (int64_t)wire_len <= (int64_t)t->nxt) {
		/* all of it was delivered or given up before */
		t->st.retrans_bytes += wire_len;
		c->retrans_bytes += wire_len;
		/* a keepalive's junk byte just below nxt is not data */
		if (soff >= 0 && !(wire_len == 1 &&
		    (uint64_t)soff + 1 == t->nxt))
			hist_check(c, t, (uint64_t)soff, p, caplen, ts);
		return;
	}
	if (soff < (int64_t)t->nxt) {
		uint64_t trim = (uint64_t)((int64_t)t->nxt - soff);

		if (soff >= 0)
			hist_check(c, t, (uint64_t)soff, p,
			    trim < caplen ? (uint32_t)trim : caplen, ts);

		t->st.retrans_bytes += trim;
		c->retrans_bytes += trim;
		wire_len -= (uint32_t)trim;
		if (trim >= caplen) {
			caplen = 0;
		} else {
			p += trim;
			caplen -= (uint32_t)trim;
		}
		soff = (int64_t)t->nxt;
	}
	off = (uint64_t)soff;
	if (t->start) {
		/* the start window: buffer, deliver nothing yet */
		if (off < t->start_lo) {
			t->st.ooo_packets++;
			c->ooo_packets++;
			t->start_lo = off;
		}
		buffer(c, t, off, p, caplen, ts);
		if (++t->start_segs >= FK_TCP_START_SEGS)
			fk_tcp_anchor(c, t, -1);
	} else if (off == t->nxt && caplen > 0) {
		emit_data(c, t, off, p, caplen, ts);
		t->nxt = off + caplen;
		trim_delivered(c, t, off, p, ts);
	} else if (off > t->nxt) {
		t->st.ooo_packets++;
		c->ooo_packets++;
		buffer(c, t, off, p, caplen, ts);
	}
	/*
	 * A snaplen-cut segment: the bytes past caplen were not captured,
	 * so they stay a hole that a retransmission may still fill (and
	 * that an ACK past it, the buffer cap or the close gives up).
	 */
	if (!t->start)
		deliver_run(c, t);
	while ((t->buffered > c->dir_cap || t->nseg > FK_TCP_MAX_SEGS) &&
	    t->head != NULL)
		give_up_one(c, t, FK_GAP_BUFFER, ts);
}

/* Give up the first hole and deliver the run after it. */
static void
give_up_one(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint8_t reason,
    uint64_t ts)
{
	if (t->start)
		fk_tcp_anchor(c, t, -1);
	else if (t->head->off <= t->nxt)
		deliver_run(c, t);
	else
		fk_tcp_gap_to(c, t, t->head->off, reason, ts);
}

void
fk_tcp_start(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint32_t seq,
    uint64_t now)
{
	t->base = seq - FK_TCP_START_SPAN;
	t->have_base = 1;
	t->start = 1;
	t->start_lo = FK_TCP_START_SPAN;
	t->start_segs = 0;
	wait_add(c, t, now);
}

void
fk_tcp_anchor(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, int64_t at)
{
	struct fk_tcp_seg *s;
	uint64_t l = t->start_lo;

	if (!t->start)
		return;
	if (at >= 0 && (uint64_t)at < l)
		l = (uint64_t)at;
	t->start = 0;
	wait_del(c, t);
	/* the same order: the treap holds no keys, nothing to relink */
	for (s = t->head; s != NULL; s = s->next)
		s->off -= l;
	t->base += (uint32_t)l;
	t->hi = t->hi > l ? t->hi - l : 0;
	if (t->fin_seen)
		t->fin_off = t->fin_off > l ? t->fin_off - l : 0;
	deliver_run(c, t);
}

/* Is there a hole below stream offset ack (data buffered past it)? */
static int
hole_below(const struct fk_tcp_dir *t, int64_t ack)
{
	return t->head != NULL && t->head->off > t->nxt &&
	    (int64_t)t->head->off <= ack;
}

void
fk_tcp_acked(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint32_t seq,
    uint64_t now)
{
	int64_t ack = fk_tcp_seq2off(t, seq);

	if (t->start) {
		/* the peer has everything before the lowest: it is the start */
		if (ack >= (int64_t)t->start_lo)
			fk_tcp_anchor(c, t, -1);
		return;
	}
	if (ack > t->acked)
		t->acked = ack;
	/* the holes waited for were filled: wait for the new ones */
	if (t->in_wlist && !hole_below(t, (int64_t)t->ack_mark))
		wait_del(c, t);
	if (!t->in_wlist && hole_below(t, ack)) {
		t->ack_mark = (uint64_t)ack;
		wait_add(c, t, now);
	}
}

struct fk_tcp_dir *
fk_tcp_expire(struct fk_tcp_ctx *c, uint64_t now, int all, uint64_t ts)
{
	struct fk_tcp_dir *t = FK_LIST_FIRST(&c->wlist, struct fk_tcp_dir,
	    wlink);

	if (t == NULL || (t->due > now && !all))
		return NULL;
	wait_del(c, t);
	if (t->start) {
		fk_tcp_anchor(c, t, -1);
	} else {
		while (hole_below(t, (int64_t)t->ack_mark))
			fk_tcp_gap_to(c, t, t->head->off, FK_GAP_LOST, ts);
	}
	/* holes acknowledged since: their own wait */
	if (hole_below(t, t->acked) && !all) {
		t->ack_mark = (uint64_t)t->acked;
		wait_add(c, t, now);
	}
	return t;
}

void
fk_tcp_flush(struct fk_tcp_ctx *c, struct fk_tcp_dir *t, uint8_t reason,
    uint64_t ts)
{
	fk_tcp_anchor(c, t, -1);
	while (t->head != NULL)
		give_up_one(c, t, hole_below(t, t->acked) ? FK_GAP_LOST :
		    reason, ts);
	wait_del(c, t);
}

void
fk_tcp_shrink(struct fk_tcp_ctx *c, uint64_t cap, uint64_t ts)
{
	struct fk_tcp_dir *t;

	while (c->buffered + c->hist_bytes > cap &&
	    (t = FK_LIST_FIRST(&c->hlist, struct fk_tcp_dir, hlink)) != NULL)
		hist_free(c, t);
	while (c->buffered > cap &&
	    (t = FK_LIST_FIRST(&c->blist, struct fk_tcp_dir, blink)) != NULL) {
		give_up_one(c, t, FK_GAP_BUFFER, ts);
		/* move it to the back: give up one hole per turn */
		if (t->in_blist && fk_list_first(&c->blist) == &t->blink)
			fk_list_move_to_tail(&c->blist, &t->blink);
	}
}

void
fk_tcp_dir_free(struct fk_tcp_ctx *c, struct fk_tcp_dir *t)
{
	while (t->head != NULL)
		seg_unlink(c, t, t->head);
	blist_del(c, t);
	wait_del(c, t);
	t->start = 0;
	hist_free(c, t);
}

uint8_t
fk_tcp_wscale(const uint8_t *hdr, uint32_t len, uint8_t *shift)
{
	uint32_t hl, i;

	if (len < 20 || (hl = (uint32_t)(hdr[12] >> 4) * 4) < 20)
		return FK_TCP_WS_UNKNOWN;
	if (hl > len)
		return FK_TCP_WS_UNKNOWN;
	for (i = 20; i < hl;) {
		uint8_t kind = hdr[i];

		if (kind == 0)			/* end of options */
			break;
		if (kind == 1) {		/* no-op */
			i++;
			continue;
		}
		if (i + 1 >= hl || hdr[i + 1] < 2 || i + hdr[i + 1] > hl)
			break;			/* malformed: stop */
		if (kind == 3 && hdr[i + 1] == 3) {
			*shift = hdr[i + 2] > 14 ? 14 : hdr[i + 2];
			return FK_TCP_WS_SET;
		}
		i += hdr[i + 1];
	}
	return FK_TCP_WS_NONE;
}

int
fk_tcp_rst_ok(const struct fk_tcp_dir *t, const struct fk_tcp_dir *p,
    uint32_t seq)
{
	uint64_t w = FK_TCP_WIN_MAX, hi;
	int64_t off;

	if (!t->have_base)
		return 1;
	if (p->win_seen) {
		int known = (t->ws_state == FK_TCP_WS_NONE ||
		    t->ws_state == FK_TCP_WS_SET) &&
		    (p->ws_state == FK_TCP_WS_NONE ||
		    p->ws_state == FK_TCP_WS_SET);
		unsigned shift = !known ? 14 :
		    t->ws_state == FK_TCP_WS_SET &&
		    p->ws_state == FK_TCP_WS_SET ? p->ws : 0;

		w = (uint64_t)p->win << shift;
		if (w < 65535)
			w = 65535;
	}
	if (p->ack_seen) {
		int64_t d = (int32_t)(seq - p->ack);

		if (d >= -(int64_t)w && d <= (int64_t)w)
			return 1;
	}
	off = fk_tcp_seq2off(t, seq);
	hi = fk_tcp_ref(t);
	return off >= (int64_t)t->nxt - (int64_t)w &&
	    off <= (int64_t)(hi + w);
}
