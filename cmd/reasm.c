/*
 * reasm - reassemble TCP streams: PACKET records in, FLOW_OPEN, DATA,
 * GAP, OVERLAP and FLOW_CLOSE records out.  See reasm(1).
 */
#include <err.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_decode.h"
#include "fk_flowkey.h"
#include "fk_io.h"
#include "fk_ipfrag.h"
#include "fk_list.h"
#include "fk_record.h"
#include "fk_tcp.h"
#include "fk_util.h"

#define NS		1000000000ULL
/* Capture time a closed (FIN/RST) flow lingers for stray packets. */
#define LINGER_NS	(2 * NS)
/*
 * Then its sequence space is remembered (-w) for TIME_WAIT_NS more, so
 * that later retransmissions are counted, not taken for a new flow; a
 * flow idle for -t is remembered for DORMANT_NS, until a packet that
 * continues its sequence space resumes it.
 */
#define TIME_WAIT_NS	(60 * NS)
#define DORMANT_NS	(3600 * NS)
/* struct flow mem: what a remembered flow is */
#define MEM_CLOSED	1	/* FLOW_CLOSE written: a TIME_WAIT */
#define MEM_IDLE	2	/* timed out, FLOW_CLOSE pending */

struct flow {
	struct fk_flowent ent;		/* key and hash chain: first */
	union {
		struct fk_link link;	/* on lru or closing */
		struct flow *nextfree;	/* on freelist */
	};
	uint8_t a_is_0;			/* A is key endpoint 0 */
	uint8_t closing;		/* pending close reason, 0 = open */
	uint8_t announced;		/* FLOW_OPEN written, id valid */
	uint8_t reuse;			/* FLOW_OPEN flag: 4-tuple reused */
	/*
	 * The last SYN with a new ISN ignored inside the connection (see
	 * syn_judge), until a SYN-ACK from the other side answers it.
	 */
	uint8_t pend, pend_dir;
	uint8_t mem;			/* MEM_*: remembered, 0: not */
	/*
	 * A FIN seen from a side that has no base yet (reasm takes none
	 * from a FIN or RST): placed once the side has a base.
	 */
	uint8_t finp[2];
	uint32_t finp_seq[2];
	/* First packet, for a flow of bare packets announced at its close */
	uint8_t first_fwd, first_eth;
	uint8_t first_mac[2][6];	/* its source and destination MACs */
	uint32_t first_if;
	uint8_t tun_type, tun_family;	/* first packet's tunnel, if any */
	uint8_t tun_addr[2][16];	/* at key endpoint 0's, 1's end */
	uint64_t first_ts;
	uint64_t serial;		/* creation order */
	uint64_t id;
	uint64_t last_ts;		/* capture time of last packet */
	uint64_t seen_ts;		/* max time seen when last active */
	uint64_t mem_until;		/* remembered until this idle time */
	uint32_t pend_isn, pend_wire;	/* its ISN, wire length, time */
	uint64_t pend_ts;
	struct fk_tcp_dir dir[2];	/* [FK_DIR_AB], [FK_DIR_BA] */
};

static struct fk_tcp_ctx tcp;
static struct fk_ipfrag *frags;
/* Fragment reassembly bounds, see reasm(1) CAVEATS. */
#define FRAG_PENDING	4096
#define FRAG_BYTES	(64ULL << 20)
#define FRAG_TIMEOUT	(30 * NS)
static struct fk_out out;
static struct fk_flowtab table;
static uint64_t maxflows = 1000000;
/* Open flows, and closed ones lingering: least recently active first. */
static struct fk_list lru, closing;
/* Remembered flows (-w), oldest first: closed (tw), timed out (idle). */
static struct fk_list tw, idle;
static uint64_t maxmem = 16384, nmem;
static struct flow *freelist;
static struct flow **slabs;
static size_t nslabs;
static uint64_t next_id = 1, id_step = 1;	/* -I */
/*
 * The idle clock (fk_idleclock): capture time, never backwards, a jump
 * longer than FK_IDLE_JUMP_NS counted as none.
 */
static struct fk_idleclock clk;
static uint64_t idle_ns = 300 * NS;
static uint64_t global_cap = 1ULL << 30;
static int keep, novlan, verbose;

static uint64_t n_packets, n_tcp, n_flows, n_reuse, n_hdrcut, n_hdrcut_bytes;
static uint64_t n_rst_ignored, n_syn_ignored;
static uint64_t n_late, n_late_bytes, n_resumed, n_mem_dropped;
static uint64_t n_skip[FK_DEC_NERR];
/*
 * Link types not decoded, each named once on stderr and counted in STATS
 * (the first LT_MAX distinct ones; the rest only in skipped.linktype).
 */
#define LT_MAX	16
static struct { uint32_t lt; uint64_t n; } unknown_lt[LT_MAX];
static size_t n_unknown_lt;
static uint64_t n_closed[8];

static const struct fk_opthelp opthelp[] = {
	{ "-B bytes",
	    "out-of-order bytes buffered per direction (default 4m)" },
	{ "-I shard/shards",
	    "number the flows of one shard of flowshard -n shards" },
	{ "-k", "keep: pass the PACKET records on as well" },
	{ "-M bytes", "buffered and kept bytes of all flows (default 1g)" },
	{ "-n maxflows", "most flows open at once (default 1000000)" },
	{ "-Q", "leave the VLAN ids out of the flow key" },
	{ "-R bytes", "delivered bytes kept per direction (default 64k)" },
	{ "-t seconds",
	    "idle timeout in capture time (default 300; 0: never)" },
	{ "-v", "also print the STATS counters on standard error" },
	{ "-w maxclosed",
	    "closed and timed-out flows remembered (default 16384)" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: reasm [-hkQVv] [-B bytes] [-I shard/shards] [-M bytes]\n"
	    "             [-n maxflows] [-R bytes] [-t seconds] [-w maxclosed]\n",
	.about = "Reassemble the TCP streams of a stream of packets.",
	.opts = opthelp,
	.vopt = 'V',
};

static struct fk_list *
list_of(struct flow *f)
{
	if (f->mem)
		return f->mem == MEM_CLOSED ? &tw : &idle;
	return f->closing ? &closing : &lru;
}

static struct flow *
first(struct fk_list *l)
{
	return FK_LIST_FIRST(l, struct flow, link);
}

static struct flow *
flow_next(struct flow *f)
{
	return FK_LIST_NEXT(f, struct flow, link);
}

static struct flow *
lookup(const struct fk_flowkey *k)
{
	return (struct flow *)fk_flowtab_get(&table, k);
}

static struct flow *
flow_alloc(void)
{
	struct flow *f;

	if (freelist == NULL) {
		size_t i, n = 256;
		struct flow *slab = fk_calloc(n, sizeof(*slab));

		/* slabs live until exit; flows are recycled */
		slabs = fk_reallocarray(slabs, nslabs + 1, sizeof(*slabs));
		slabs[nslabs++] = slab;
		for (i = 0; i < n; i++) {
			slab[i].nextfree = freelist;
			freelist = &slab[i];
		}
	}
	f = freelist;
	freelist = f->nextfree;
	memset(f, 0, sizeof(*f));
	return f;
}

static void announce_first(struct flow *);

/* Deliver what is left of a flow and write its FLOW_CLOSE. */
static void
flow_finish(struct flow *f, uint8_t reason)
{
	struct fk_close c;
	int d;

	if (!f->announced)
		announce_first(f);
	for (d = 0; d < 2; d++) {
		struct fk_tcp_dir *t = &f->dir[d];

		fk_tcp_flush(&tcp, t, FK_GAP_CLOSE, f->last_ts);
		if (t->fin_seen && t->nxt < t->fin_off)
			fk_tcp_gap_to(&tcp, t, t->fin_off, FK_GAP_CLOSE,
			    f->last_ts);
		fk_tcp_dir_free(&tcp, t);
	}
	memset(&c, 0, sizeof(c));
	c.flow_id = f->id;
	c.ts_ns = f->last_ts;
	c.reason = reason;
	c.dir[0] = f->dir[0].st;
	c.dir[1] = f->dir[1].st;
	fk_close_emit(&out, &c);
	if (reason < FK_ARRAY_LEN(n_closed))
		n_closed[reason]++;
}

/*
 * Close a flow and forget it.  A remembered closed flow's FLOW_CLOSE
 * was written already; a timed-out one closes with reason timeout.
 */
static void
flow_close(struct flow *f, uint8_t reason)
{
	if (f->mem != MEM_CLOSED)
		flow_finish(f, f->mem == MEM_IDLE ? FK_CLOSE_TIMEOUT : reason);
	fk_list_remove(list_of(f), &f->link);
	if (f->mem)
		nmem--;
	fk_flowtab_del(&table, &f->ent);
	f->nextfree = freelist;
	freelist = f;
}

/* Side d sent its FIN and everything before it was delivered. */
static int
fin_done(const struct flow *f, int d)
{
	const struct fk_tcp_dir *t = &f->dir[d];

	if (!t->have_base)
		return f->finp[d];	/* a FIN, nothing else placed */
	return t->fin_seen && t->nxt >= t->fin_off;
}

/* Both sides did. */
static int
fins_done(const struct flow *f)
{
	return fin_done(f, 0) && fin_done(f, 1);
}

/* The flow closed (reason): it lingers on the closing list. */
static void
set_closing(struct flow *f, uint8_t reason)
{
	fk_list_remove(&lru, &f->link);
	f->closing = reason;
	fk_list_append(&closing, &f->link);
}

/* The flow of a direction. */
static struct flow *
flow_of(struct fk_tcp_dir *t)
{
	return (struct flow *)(void *)((char *)(t - t->d) -
	    offsetof(struct flow, dir));
}

/*
 * End the waits due by now (all: every wait, at the end of the input):
 * start windows, acknowledged holes (fk_tcp.h); a flow whose FINs are
 * then reached has closed.
 */
static void
expire_waits(int all)
{
	struct fk_tcp_dir *t;

	while ((t = fk_tcp_expire(&tcp, clk.now, all, clk.ts_max)) != NULL) {
		struct flow *f = flow_of(t);

		if (!f->closing && fins_done(f))
			set_closing(f, FK_CLOSE_FIN);
	}
}

/* Forget the oldest remembered flow: closed ones first. */
static int
forget_one(void)
{
	struct flow *f = first(&tw);

	if (f == NULL && (f = first(&idle)) == NULL)
		return 0;
	n_mem_dropped++;
	flow_close(f, 0);
	return 1;
}

/* (Re)start remembering f (how: MEM_*), within the -w cap. */
static void
remember(struct flow *f, uint8_t how)
{
	fk_list_remove(list_of(f), &f->link);
	if (!f->mem)
		nmem++;
	f->mem = how;
	f->mem_until = clk.now + (how == MEM_CLOSED ? TIME_WAIT_NS :
	    DORMANT_NS);
	fk_list_append(list_of(f), &f->link);
	while (nmem > maxmem && forget_one())
		;
}

/*
 * A closed flow done lingering: its FLOW_CLOSE is written, its sequence
 * space remembered (-w).
 */
static void
retire(struct flow *f)
{
	if (maxmem == 0) {
		flow_close(f, f->closing);
		return;
	}
	flow_finish(f, f->closing);
	remember(f, MEM_CLOSED);
}

/*
 * A flow idle for -t: its holes are given up and its buffers freed; it
 * is remembered (-w) and closes, reason timeout, when it is forgotten,
 * unless a packet that continues it resumes it first.
 */
static void
suspend(struct flow *f)
{
	int d;

	if (maxmem == 0) {
		flow_close(f, FK_CLOSE_TIMEOUT);
		return;
	}
	for (d = 0; d < 2; d++) {
		fk_tcp_flush(&tcp, &f->dir[d], FK_GAP_CLOSE, f->last_ts);
		fk_tcp_dir_free(&tcp, &f->dir[d]);
	}
	remember(f, MEM_IDLE);
}

/* Close flows idle too long, and closed flows done lingering. */
static void
expire(void)
{
	struct flow *f;

	expire_waits(0);

	while ((f = first(&closing)) != NULL &&
	    f->seen_ts + LINGER_NS < clk.now)
		retire(f);
	while ((f = first(&tw)) != NULL && f->mem_until < clk.now)
		flow_close(f, 0);
	while ((f = first(&idle)) != NULL && f->mem_until < clk.now)
		flow_close(f, 0);
	if (idle_ns == 0)
		return;
	while ((f = first(&lru)) != NULL && f->seen_ts + idle_ns < clk.now)
		suspend(f);
}

static void
evict_one(void)
{
	struct flow *f;

	if (forget_one())
		return;
	if ((f = first(&closing)) != NULL)
		flow_close(f, f->closing);
	else if ((f = first(&lru)) != NULL)
		flow_close(f, FK_CLOSE_EVICT);
}

/*
 * Write the FLOW_OPEN of a flow: the sides and opener follow from the
 * packet that announces it (tcp_flags; fwd: its source is key endpoint
 * 0).  Counters of bare packets seen before are kept, swapped if the
 * sides they were counted under change.
 */
static void
announce(struct flow *f, int fwd, uint8_t tcp_flags, int eth,
    const uint8_t *src_mac, const uint8_t *dst_mac, uint32_t ifindex)
{
	const struct fk_flowkey *key = &f->ent.key;
	struct fk_open o;
	struct fk_dirstats st[2];
	int sender_is_a, a;
	uint8_t old_a = f->a_is_0;
	size_t alen = key->family == 4 ? 4 : 16;

	f->id = next_id;
	next_id += id_step;
	f->announced = 1;
	memset(&o, 0, sizeof(o));
	if ((tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) == FK_TCP_SYN) {
		o.opener = FK_OPEN_SYN;
		sender_is_a = 1;
	} else if ((tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) ==
	    (FK_TCP_SYN | FK_TCP_ACK)) {
		o.opener = FK_OPEN_SYNACK;
		sender_is_a = 0;
	} else {
		o.opener = FK_OPEN_MIDSTREAM;
		sender_is_a = 1;
	}
	/* key endpoint 0 is the sender iff fwd */
	f->a_is_0 = (uint8_t)(sender_is_a ? fwd : !fwd);
	a = f->a_is_0 ? 0 : 1;
	o.flow_id = f->id;
	o.ts_ns = f->first_ts;
	o.family = key->family;
	o.proto = 6;
	o.vlan = key->vlan[0];
	o.vlan_inner = key->vlan[1];
	if (key->nvlan >= 1)
		o.flags |= FK_OPEN_F_VLAN;
	if (key->nvlan >= 2)
		o.flags |= FK_OPEN_F_VLAN2;
	if (f->reuse)
		o.flags |= FK_OPEN_F_PORTREUSE;
	o.port_a = key->port[a];
	o.port_b = key->port[!a];
	memcpy(o.addr_a, key->addr[a], alen);
	memcpy(o.addr_b, key->addr[!a], alen);
	if (eth) {
		o.flags |= FK_OPEN_F_ETH;
		memcpy(o.eth_a, sender_is_a ? src_mac : dst_mac, 6);
		memcpy(o.eth_b, sender_is_a ? dst_mac : src_mac, 6);
	}
	o.ifindex = ifindex;
	if (f->tun_type != 0) {
		o.flags |= FK_OPEN_F_TUNNEL;
		o.tun_type = f->tun_type;
		o.tun_id = key->tun_id;
		o.tun_family = f->tun_family;
		memcpy(o.tun_addr_a, f->tun_addr[a], 16);
		memcpy(o.tun_addr_b, f->tun_addr[!a], 16);
	}
	fk_open_emit(&out, &o);
	st[0] = f->dir[old_a == f->a_is_0 ? 0 : 1].st;
	st[1] = f->dir[old_a == f->a_is_0 ? 1 : 0].st;
	fk_tcp_dir_init(&f->dir[FK_DIR_AB], f->id, FK_DIR_AB);
	fk_tcp_dir_init(&f->dir[FK_DIR_BA], f->id, FK_DIR_BA);
	f->dir[0].st = st[0];
	f->dir[1].st = st[1];
}

/* A flow of bare packets only: announce it as a mid-stream flow. */
static void
announce_first(struct flow *f)
{
	announce(f, f->first_fwd, 0, f->first_eth, f->first_mac[0],
	    f->first_mac[1], f->first_if);
}

/*
 * A new flow.  A bare packet (no SYN, no payload, or a header cut before
 * its flags) cannot tell who opened the connection: the flow is only
 * counted until a packet that can (then FLOW_OPEN is written), or its
 * close (then it is a mid-stream flow whose side A sent its first
 * packet).
 */
static struct flow *
flow_new(const struct fk_flowkey *key, int fwd, const struct fk_pkt *k,
    const struct fk_packet *pk, int reuse, int bare)
{
	static uint64_t serial;
	struct flow *f;

	while (table.count >= maxflows)
		evict_one();
	f = flow_alloc();
	f->ent.key = *key;
	f->serial = serial++;
	f->reuse = (uint8_t)reuse;
	f->first_fwd = (uint8_t)fwd;
	f->first_eth = (k->flags & FK_PKT_F_ETH) != 0;
	memcpy(f->first_mac[0], k->src_mac, 6);
	memcpy(f->first_mac[1], k->dst_mac, 6);
	f->first_if = pk->ifindex;
	f->first_ts = pk->ts_ns;
	f->tun_type = k->tun_type;
	f->tun_family = k->tun_family;
	memcpy(f->tun_addr[fwd ? 0 : 1], k->tun_src, 16);
	memcpy(f->tun_addr[fwd ? 1 : 0], k->tun_dst, 16);
	f->a_is_0 = (uint8_t)fwd;	/* as a mid-stream flow, for now */
	if (!bare)
		announce(f, fwd, k->tcp_flags, f->first_eth, k->src_mac,
		    k->dst_mac, pk->ifindex);
	f->last_ts = pk->ts_ns;
	f->seen_ts = clk.now;
	fk_flowtab_add(&table, &f->ent);
	fk_list_append(&lru, &f->link);
	n_flows++;
	return f;
}

/*
 * A SYN (without ACK) on a known flow, from side t: part of this
 * connection (a retransmission, the first or a late SYN of its side), a
 * new connection on the same 4-tuple, or one to ignore.  As a receiver
 * in a synchronized state does (RFC 5961 section 4), a SYN with another
 * ISN inside a connection is not a new one unless that connection ended:
 * closed (FIN both ways, RST, idle: then it is no longer in the table),
 * never answered (the peer silent, t sent nothing after its SYN), or
 * half closed (a FIN seen) with the new ISN past everything t sent (as
 * TIME_WAIT accepts a SYN).  An ignored one becomes a new connection
 * after all if the peer answers it with a SYN-ACK (synack_confirms).
 */
enum { SYN_SAME, SYN_NEW, SYN_IGNORE };

static int
syn_judge(const struct flow *f, const struct fk_tcp_dir *t,
    const struct fk_tcp_dir *peer, uint32_t seq)
{
	int64_t o;

	if (!f->announced)
		return f->closing ? SYN_NEW : SYN_SAME;	/* bare packets */
	if (f->closing)
		return SYN_NEW;
	if (t->syn_seen) {
		if (seq == t->isn)
			return SYN_SAME;	/* retransmitted SYN */
	} else if (!t->have_base) {
		return SYN_SAME;		/* first packet of this side */
	} else {
		o = fk_tcp_seq2off(t, seq + 1);
		if (o >= 0 && (uint64_t)o <= (t->start ? t->start_lo : t->nxt))
			return SYN_SAME;	/* late SYN */
	}
	if (peer->st.packets == 0 && t->hi == 0)
		return SYN_NEW;			/* an unanswered attempt */
	if ((t->fin_seen || peer->fin_seen) &&
	    (int32_t)(seq - (t->base + (uint32_t)t->hi)) > 0)
		return SYN_NEW;			/* past the old sequence space */
	return SYN_IGNORE;
}

static int rebase_ok(const struct fk_tcp_dir *, const struct fk_tcp_dir *,
    uint32_t);

/*
 * A SYN+ACK on a known flow from side t: its own (the same ISN, or a
 * late one: at or before what was delivered), one that re-bases t (see
 * rebase_ok), or one with another ISN inside the connection, ignored as
 * an injected SYN is.
 */
static int
synack_judge(const struct flow *f, const struct fk_tcp_dir *t,
    const struct fk_tcp_dir *peer, uint32_t seq)
{
	int64_t o;

	if (!f->announced || f->closing || !t->have_base)
		return SYN_SAME;
	o = fk_tcp_seq2off(t, seq + 1);
	if (o >= 0 && (uint64_t)o <= t->nxt)
		return SYN_SAME;
	return rebase_ok(t, peer, seq) ? SYN_SAME : SYN_IGNORE;
}

/* Is seq (plus len) within what side t sent, up to its FIN? */
static int
in_space(const struct fk_tcp_dir *t, uint32_t seq, uint32_t len)
{
	uint64_t end = fk_tcp_ref(t);
	int64_t off;

	if (!t->have_base)
		return 0;
	off = fk_tcp_seq2off(t, seq);
	return off >= 0 && (uint64_t)off + len <= end;
}

/*
 * A packet of a closed flow's 4-tuple, from side d: a late retransmission
 * (or ACK) within the closed connection's sequence space?  Not a SYN.
 */
static int
late_fits(const struct flow *f, int d, const struct fk_pkt *k)
{
	const struct fk_tcp_dir *t = &f->dir[d], *p = &f->dir[!d];
	uint8_t fl = k->tcp_flags;

	if ((k->flags & FK_PKT_F_HDRCUT) || (fl & FK_TCP_SYN) ||
	    !f->announced)
		return 0;
	if (t->have_base)
		return in_space(t, k->seq, k->seg_len +
		    ((fl & FK_TCP_FIN) != 0));
	if (f->finp[d] && k->seq == f->finp_seq[d] && k->seg_len == 0)
		return 1;		/* its FIN again */
	/* a side that sent no data: an ACK of what the other side sent */
	return k->seg_len == 0 && (fl & FK_TCP_ACK) && in_space(p, k->ack, 0);
}

/*
 * A packet of a timed-out flow's 4-tuple, from side d: does it continue
 * the flow (not a SYN; its sequence number in the receive window, as a
 * RST's must be: fk_tcp_rst_ok; or, from a side that sent no data, its
 * acknowledgement number in the other side's)?
 */
static int
continues(const struct flow *f, int d, const struct fk_pkt *k)
{
	const struct fk_tcp_dir *t = &f->dir[d], *p = &f->dir[!d];

	if ((k->flags & FK_PKT_F_HDRCUT) ||
	    (k->tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) == FK_TCP_SYN)
		return 0;
	if (!f->announced)
		return 1;		/* bare packets: no sequence space */
	if (t->have_base)
		return fk_tcp_rst_ok(t, p, k->seq);
	return (k->tcp_flags & FK_TCP_ACK) && p->have_base &&
	    fk_tcp_rst_ok(p, t, k->ack);
}

/*
 * May side t take a new base from a SYN or SYN+ACK with ISN seq?  While
 * it has delivered and buffered nothing and its peer has not
 * acknowledged its current ISN (an ISN from the handshake that did not
 * go on, or a base taken from a stray packet).
 */
static int
rebase_ok(const struct fk_tcp_dir *t, const struct fk_tcp_dir *peer,
    uint32_t seq)
{
	return t->have_base && t->nxt == 0 && t->head == NULL &&
	    fk_tcp_seq2off(t, seq + 1) != 0 &&
	    !(peer->ack_seen && peer->ack == t->base);
}


static void
segment(struct flow *f, int d, const struct fk_pkt *k,
    const struct fk_packet *pk, const uint8_t *frame, int ignore)
{
	struct fk_tcp_dir *t = &f->dir[d], *peer = &f->dir[!d];
	uint8_t fl = k->tcp_flags;
	uint32_t dseq = k->seq;
	int64_t off = 0;

	t->st.packets++;
	t->st.wire_bytes += pk->origlen;
	if (f->announced && !(k->flags & FK_PKT_F_HDRCUT) && !ignore &&
	    (fl & FK_TCP_RST) && !fk_tcp_rst_ok(t, peer, k->seq)) {
		n_rst_ignored++;	/* outside the window */
		ignore = 1;
	}
	if (ignore)	/* counted, but neither its time nor its contents */
		return;
	t->st.last_ts_ns = pk->ts_ns;
	if (pk->ts_ns > f->last_ts)
		f->last_ts = pk->ts_ns;
	f->seen_ts = clk.now;
	if (!f->announced || (k->flags & FK_PKT_F_HDRCUT)) {
		/*
		 * A bare packet of a flow not announced yet, or a header
		 * cut before seq and flags: counted, not placed.  A RST
		 * still closes the flow.
		 */
		if ((fl & FK_TCP_RST) && !f->closing) {
			set_closing(f, FK_CLOSE_RST);
			return;
		}
		fk_list_move_to_tail(list_of(f), &f->link);
		return;
	}
	if (!(fl & (FK_TCP_SYN | FK_TCP_RST))) {
		t->win = k->win;
		t->win_seen = 1;
		if (fl & FK_TCP_ACK) {
			t->ack = k->ack;
			t->ack_seen = 1;
		}
	}
	if ((fl & FK_TCP_SYN) && t->have_base && rebase_ok(t, peer, k->seq)) {
		/* a SYN with a new ISN before this side sent anything */
		t->have_base = t->syn_seen = t->fin_seen = 0;
		t->hi = t->fin_off = 0;
		t->ws_state = FK_TCP_WS_NOSYN;
	}
	if ((fl & FK_TCP_SYN) && t->ws_state == FK_TCP_WS_NOSYN)
		t->ws_state = fk_tcp_wscale(frame + k->l4_off,
		    k->ip_end - k->l4_off, &t->ws);
	if (fl & FK_TCP_SYN) {
		dseq = k->seq + 1;
		/* a late SYN in the start window: the start */
		if (!t->syn_seen && t->start &&
		    (off = fk_tcp_seq2off(t, dseq)) >= 0 &&
		    (uint64_t)off <= t->start_lo)
			fk_tcp_anchor(&tcp, t, off);
		if (!t->syn_seen && (!t->have_base ||
		    fk_tcp_seq2off(t, dseq) == 0)) {
			t->syn_seen = 1;
			t->isn = k->seq;
			if (!t->have_base) {
				t->base = dseq;
				t->have_base = 1;
			}
		}
	}
	/*
	 * The ACK first: it may close the peer's start window or arm a
	 * wait for its holes, and its bytes came before this segment's.
	 */
	if ((fl & FK_TCP_ACK) && peer->have_base)
		fk_tcp_acked(&tcp, peer, k->ack, clk.now);
	/*
	 * A base from data or a SYN, never from a bare FIN or RST; with
	 * no SYN, offset 0 is decided by a start window.
	 */
	if (!t->have_base && k->seg_len > 0)
		fk_tcp_start(&tcp, t, dseq, clk.now);
	if (!t->have_base && (fl & FK_TCP_FIN) && !(fl & FK_TCP_RST)) {
		f->finp[d] = 1;
		f->finp_seq[d] = dseq;
	}
	if (t->have_base && f->finp[d]) {
		/* a FIN that came before the base: placed if after it */
		int64_t fo = fk_tcp_seq2off(t, f->finp_seq[d]);

		f->finp[d] = 0;
		if (fo >= 0 && !t->fin_seen) {
			t->fin_seen = 1;
			t->fin_off = (uint64_t)fo;
			if ((uint64_t)fo + 1 > t->hi)
				t->hi = (uint64_t)fo + 1;
		}
	}
	if (t->have_base) {
		off = fk_tcp_seq2off(t, dseq);
		if (k->seg_len > 0)
			fk_tcp_add(&tcp, t, off, k->payload, k->payload_len,
			    k->seg_len, pk->ts_ns);
		if (fl & FK_TCP_FIN)
			fk_tcp_anchor(&tcp, t, -1);	/* the start ends */
		off = fk_tcp_seq2off(t, dseq);	/* the base may have moved */
		if ((fl & FK_TCP_FIN) && !t->fin_seen && off >= 0) {
			t->fin_seen = 1;
			t->fin_off = (uint64_t)off + k->seg_len;
		}
		if (off >= 0 && (uint64_t)off + k->seg_len +
		    ((fl & FK_TCP_FIN) != 0) > t->hi)
			t->hi = (uint64_t)off + k->seg_len +
			    ((fl & FK_TCP_FIN) != 0);
	}
	if (!f->closing &&
	    ((fl & FK_TCP_RST) || fins_done(f))) {
		set_closing(f, (fl & FK_TCP_RST) ? FK_CLOSE_RST : FK_CLOSE_FIN);
		return;
	}
	fk_list_move_to_tail(list_of(f), &f->link);
}

/* A SYN-ACK from side d answering the flow's ignored SYN? */
static int
synack_confirms(const struct flow *f, int d, const struct fk_pkt *k)
{
	return f->pend && !f->closing && f->pend_dir != d &&
	    (k->tcp_flags & (FK_TCP_SYN | FK_TCP_ACK | FK_TCP_RST)) ==
	    (FK_TCP_SYN | FK_TCP_ACK) && k->ack == f->pend_isn + 1;
}

/*
 * The peer answered the ignored SYN: it opened a new connection after
 * all.  The old flow closes (reason reuse) and the new one starts at that
 * SYN (its time, its side as A, its packet moved over), as if it had been
 * taken as new; k is the SYN-ACK.
 */
static struct flow *
reuse_confirmed(struct flow *f, const struct fk_flowkey *key, int fwd,
    const struct fk_pkt *k, const struct fk_packet *pk)
{
	struct fk_pkt sk = *k;
	struct fk_packet spk = *pk;
	struct fk_tcp_dir *t = &f->dir[f->pend_dir];
	uint32_t isn = f->pend_isn, wire = f->pend_wire;
	uint64_t ts = f->pend_ts;

	t->st.packets--;
	t->st.wire_bytes -= wire;
	flow_close(f, FK_CLOSE_REUSE);
	n_reuse++;
	n_syn_ignored--;
	/* the SYN: from the SYN-ACK's destination, at its own time */
	sk.tcp_flags = FK_TCP_SYN;
	memcpy(sk.src_mac, k->dst_mac, 6);
	memcpy(sk.dst_mac, k->src_mac, 6);
	spk.ts_ns = ts;
	f = flow_new(key, !fwd, &sk, &spk, 1, 0);
	t = &f->dir[FK_DIR_AB];
	t->syn_seen = 1;
	t->isn = isn;
	t->base = isn + 1;
	t->have_base = 1;
	t->ws_state = FK_TCP_WS_UNKNOWN;
	t->st.packets = 1;
	t->st.wire_bytes = wire;
	return f;
}

static void
unknown_linktype(uint32_t lt)
{
	size_t i;

	for (i = 0; i < n_unknown_lt; i++)
		if (unknown_lt[i].lt == lt) {
			unknown_lt[i].n++;
			return;
		}
	if (n_unknown_lt == LT_MAX)
		return;
	warnx("link type %u (LINKTYPE %u, see pcap-linktype(7)) is not "
	    "decoded: its packets are skipped", lt, lt);
	unknown_lt[n_unknown_lt].lt = lt;
	unknown_lt[n_unknown_lt++].n = 1;
}

static void
packet(const struct fk_rec *rec, const struct fk_packet *pk)
{
	struct fk_pkt k;
	struct fk_flowkey key;
	struct flow *f;
	const uint8_t *frame = pk->data;
	int e, fwd, d, bare, ignore = 0;

	n_packets++;
	e = fk_decode(pk->linktype, pk->data, pk->caplen, pk->origlen, &k);
	if (keep)
		fk_out_copy(&out, rec);
	fk_idleclock_tick(&clk, pk->ts_ns);
	if (e == FK_DEC_FRAGMENT && k.frag.family != 0) {
		/* reassemble, then decode the datagram as raw IP */
		struct fk_pkt lk = k;
		const uint8_t *dg;
		uint32_t dlen;

		fk_ipfrag_expire(frags, clk.now);
		if (!fk_ipfrag_add(frags, &lk.frag, clk.now, &dg, &dlen))
			return;
		e = fk_decode(lk.frag.family == 4 ? 228 : 229, dg, dlen, dlen,
		    &k);
		frame = dg;
		fk_decode_frag_context(&k, &lk);
	}
	if (e != FK_DEC_OK) {
		n_skip[e]++;
		if (e == FK_DEC_LINKTYPE)
			unknown_linktype(pk->linktype);
		return;
	}
	n_tcp++;
	if (k.flags & FK_PKT_F_HDRCUT) {
		n_hdrcut++;
		n_hdrcut_bytes += k.cut_len;
	}
	expire();
	fwd = fk_flowkey_make(&key, &k, 6);
	if (novlan)
		fk_flowkey_novlan(&key);
	bare = (k.flags & FK_PKT_F_HDRCUT) ||
	    (!(k.tcp_flags & FK_TCP_SYN) && k.seg_len == 0);
	f = lookup(&key);
	if (f != NULL && f->mem) {
		d = (fwd == f->a_is_0) ? FK_DIR_AB : FK_DIR_BA;
		if (f->mem == MEM_CLOSED && late_fits(f, d, &k)) {
			/* a retransmission of a closed flow */
			n_late++;
			n_late_bytes += k.seg_len;
			tcp.retrans_bytes += k.seg_len;
			remember(f, MEM_CLOSED);
			return;
		}
		if (f->mem == MEM_IDLE && continues(f, d, &k)) {
			fk_list_remove(&idle, &f->link);
			nmem--;
			f->mem = 0;
			fk_list_append(&lru, &f->link);
			n_resumed++;
		} else {
			flow_close(f, 0);
			f = NULL;
		}
	}
	if (f != NULL) {
		int j = SYN_SAME;

		d = (fwd == f->a_is_0) ? FK_DIR_AB : FK_DIR_BA;
		if ((k.tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) == FK_TCP_SYN)
			j = syn_judge(f, &f->dir[d], &f->dir[!d], k.seq);
		else if ((k.tcp_flags & (FK_TCP_SYN | FK_TCP_RST)) ==
		    FK_TCP_SYN && !(k.flags & FK_PKT_F_HDRCUT) &&
		    !synack_confirms(f, d, &k))
			j = synack_judge(f, &f->dir[d], &f->dir[!d], k.seq);
		if (j == SYN_NEW) {
			flow_close(f, f->closing ? f->closing :
			    FK_CLOSE_REUSE);
			n_reuse++;
			f = flow_new(&key, fwd, &k, pk, 1, 0);
		} else if (j == SYN_IGNORE && (k.tcp_flags & FK_TCP_ACK)) {
			n_syn_ignored++;	/* a SYN+ACK: nothing pends */
			ignore = 1;
		} else if (j == SYN_IGNORE) {
			n_syn_ignored++;
			ignore = 1;
			f->pend = 1;
			f->pend_dir = (uint8_t)d;
			f->pend_isn = k.seq;
			f->pend_wire = pk->origlen;
			f->pend_ts = pk->ts_ns;
		} else if (synack_confirms(f, d, &k)) {
			f = reuse_confirmed(f, &key, fwd, &k, pk);
		} else if (!f->announced && !bare)
			announce(f, fwd, k.tcp_flags,
			    (k.flags & FK_PKT_F_ETH) != 0, k.src_mac,
			    k.dst_mac, pk->ifindex);
	} else {
		/*
		 * Any packet of an unknown 4-tuple opens a flow, a bare ACK
		 * too: a capture that starts mid-connection (as tshark's
		 * conversations count it).
		 */
		f = flow_new(&key, fwd, &k, pk, 0, bare);
	}
	d = (fwd == f->a_is_0) ? FK_DIR_AB : FK_DIR_BA;
	segment(f, d, &k, pk, frame, ignore);
	if (tcp.buffered + tcp.hist_bytes > global_cap)
		fk_tcp_shrink(&tcp, global_cap, pk->ts_ns);
}

static int
by_id(const void *a, const void *b)
{
	const struct flow *x = *(struct flow *const *)a;
	const struct flow *y = *(struct flow *const *)b;

	/* flows not announced yet get their ids in creation order */
	uint64_t xi = x->announced ? x->id : UINT64_MAX;
	uint64_t yi = y->announced ? y->id : UINT64_MAX;

	if (xi != yi)
		return xi < yi ? -1 : 1;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

/* End of input: close every flow, in flow id order. */
/* End of input; reason: FK_CLOSE_END, or STOPPED if the input was cut. */
static void
close_all(uint8_t reason)
{
	struct flow **v, *f;
	size_t n = 0, i;

	v = fk_reallocarray(NULL, table.count + 1, sizeof(*v));
	for (f = first(&closing); f != NULL; f = flow_next(f))
		v[n++] = f;
	for (f = first(&lru); f != NULL; f = flow_next(f))
		v[n++] = f;
	for (f = first(&idle); f != NULL; f = flow_next(f))
		v[n++] = f;	/* timed out: reason timeout */
	qsort(v, n, sizeof(*v), by_id);
	for (i = 0; i < n; i++)
		flow_close(v[i], v[i]->closing ? v[i]->closing : reason);
	free(v);
	while ((f = first(&tw)) != NULL)
		flow_close(f, 0);
}

/*
 * -I shard/shards: ids shard+1, shard+1+shards, ... so that the flow ids
 * of the shards of one capture never collide.
 */
static void
parse_ids(const char *arg)
{
	const char *slash = strchr(arg, '/');
	char buf[32];
	long long shard, shards;

	if (slash == NULL || (size_t)(slash - arg) >= sizeof(buf)) {
		warnx("-I: expected shard/shards, got \"%s\"", arg);
		fk_usage();
	}
	memcpy(buf, arg, (size_t)(slash - arg));
	buf[slash - arg] = '\0';
	shards = fk_strtonum(slash + 1, 1, 1LL << 32, "-I shards");
	shard = fk_strtonum(buf, 0, shards - 1, "-I shard");
	next_id = (uint64_t)shard + 1;
	id_step = (uint64_t)shards;
}

static void
stats(void)
{
	const struct fk_ipfrag_stats *fs = fk_ipfrag_stats(frags);
	struct fk_statsbuf sb;
	int i;

	fk_stats_begin(&sb, "reasm");
	fk_stats_add(&sb, n_packets, "packets");
	fk_stats_add(&sb, n_tcp, "tcp");
	for (i = 1; i < FK_DEC_NERR; i++)
		if (n_skip[i])
			fk_stats_add(&sb, n_skip[i], "skipped.%s",
			    fk_decode_errname(i));
	for (i = 0; i < (int)n_unknown_lt; i++)
		fk_stats_add(&sb, unknown_lt[i].n, "skipped.linktype.%u",
		    unknown_lt[i].lt);
	if (n_hdrcut) {
		fk_stats_add(&sb, n_hdrcut, "header_cut");
		fk_stats_add(&sb, n_hdrcut_bytes, "header_cut_bytes");
	}
	fk_stats_add(&sb, n_flows, "flows");
	for (i = 1; i < (int)FK_ARRAY_LEN(n_closed); i++)
		if (n_closed[i])
			fk_stats_add(&sb, n_closed[i], "closed.%s",
			    fk_close_reasonname((uint8_t)i));
	fk_stats_add(&sb, n_reuse, "port_reuse");
	if (n_rst_ignored)
		fk_stats_add(&sb, n_rst_ignored, "rst_ignored");
	if (n_syn_ignored)
		fk_stats_add(&sb, n_syn_ignored, "syn_ignored");
	if (n_late) {
		fk_stats_add(&sb, n_late, "closed_late_packets");
		fk_stats_add(&sb, n_late_bytes, "closed_late_bytes");
	}
	if (n_resumed)
		fk_stats_add(&sb, n_resumed, "resumed");
	if (n_mem_dropped)
		fk_stats_add(&sb, n_mem_dropped, "closed_forgotten");
	fk_stats_add(&sb, tcp.bytes, "bytes");
	fk_stats_add(&sb, tcp.gap_bytes, "gap_bytes");
	fk_stats_add(&sb, tcp.retrans_bytes, "retrans_bytes");
	fk_stats_add(&sb, tcp.ooo_packets, "ooo_packets");
	fk_stats_add(&sb, tcp.overlaps, "overlaps");
	fk_stats_add(&sb, tcp.unchecked_bytes, "retrans_unchecked");
	if (fs->fragments) {
		fk_stats_add(&sb, fs->fragments, "frag.fragments");
		fk_stats_add(&sb, fs->datagrams, "frag.datagrams");
		fk_stats_add(&sb, fs->overlap_bytes, "frag.overlap_bytes");
		fk_stats_add(&sb, fs->overlap_diff, "frag.overlap_differ");
		fk_stats_add(&sb, fs->dropped, "frag.dropped");
		fk_stats_add(&sb, fs->dropped_frags, "frag.dropped_fragments");
		fk_stats_add(&sb, fs->bad, "frag.bad");
	}
	fk_stats_end(&sb, &out, verbose ? stderr : NULL);
}

int
main(int argc, char *argv[])
{
	struct fk_in in;
	struct fk_rec rec;
	struct fk_packet pk;
	uint64_t npackets = 0, nothers = 0;
	int ch;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	tcp.dir_cap = 4ULL << 20;
	tcp.hist_cap = 64U << 10;
	while ((ch = getopt(argc, argv, "VB:I:M:QR:hkn:t:vw:")) != -1) {
		switch (ch) {
		case 'B':
			tcp.dir_cap = (uint64_t)fk_strtosize(optarg, 1,
			    1LL << 40, "-B");
			break;
		case 'I':
			parse_ids(optarg);
			break;
		case 'M':
			global_cap = (uint64_t)fk_strtosize(optarg, 1,
			    1LL << 50, "-M");
			break;
		case 'k':
			keep = 1;
			break;
		case 'n':
			maxflows = (uint64_t)fk_strtonum(optarg, 1,
			    1LL << 40, "-n");
			break;
		case 'Q':
			novlan = 1;
			break;
		case 'R': {
			uint64_t r = (uint64_t)fk_strtosize(optarg, 0,
			    1LL << 30, "-R");

			/* a power of two: the history is a ring buffer */
			tcp.hist_cap = 0;
			while (r > 1 && (uint64_t)tcp.hist_cap * 2 <= r)
				tcp.hist_cap = tcp.hist_cap ?
				    tcp.hist_cap * 2 : 2;
			if (r == 1)
				tcp.hist_cap = 1;
			break;
		}
		case 't':
			idle_ns = (uint64_t)fk_strtonum(optarg, 0,
			    1LL << 32, "-t") * NS;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'w':
			maxmem = (uint64_t)fk_strtonum(optarg, 0, 1LL << 40,
			    "-w");
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	}
	if (optind != argc)
		fk_usage();
	fk_flowtab_init(&table);
	fk_in_open(&in, 0, "<stdin>");
	fk_out_open(&out, 1, "<stdout>");
	tcp.out = &out;
	frags = fk_ipfrag_new(FRAG_PENDING, FRAG_BYTES, FRAG_TIMEOUT);
	while (fk_in_read(&in, &rec)) {
		switch (rec.type) {
		case FK_REC_PACKET:
			if (fk_packet_decode(&rec, &pk) != 0)
				fk_in_bad(&in, &rec, "body too short");
			packet(&rec, &pk);
			npackets++;
			break;
		default:
			if (rec.type != FK_REC_STATS)
				nothers++;
			fk_out_copy(&out, &rec);
		}
	}
	if (npackets == 0 && nothers > 0)	/* a stage too many, or one missing */
		warnx("no PACKET records in the input: reasm reads pcapcat's "
		    "output");
	/* no more packets: the bytes waited for cannot come */
	expire_waits(1);
	/* Interrupted, or an earlier stage failed: open flows were cut. */
	close_all(fk_in_cut(&in) ? FK_CLOSE_STOPPED : FK_CLOSE_END);
	fk_ipfrag_expire(frags, UINT64_MAX);	/* incomplete: dropped */
	stats();
	fk_ipfrag_free(frags);
	fk_out_close(&out);
	fk_in_close(&in);
	fk_flowtab_free(&table);
	while (nslabs > 0)
		free(slabs[--nslabs]);
	free(slabs);
	return fk_io_exit(&in, FK_EX_OK);
}
