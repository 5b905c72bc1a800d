/*
 * reasm - reassemble TCP streams: PACKET records in, FLOW_OPEN, DATA,
 * GAP, OVERLAP and FLOW_CLOSE records out.  See reasm(1).
 */
#include <err.h>
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
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: reasm [-hkQVv] [-B bytes] [-I shard/shards] [-M bytes]\n"
	    "             [-n maxflows] [-R bytes] [-t seconds]\n",
	.about = "Reassemble the TCP streams of a stream of packets.",
	.opts = opthelp,
	.vopt = 'V',
};

static struct fk_list *
list_of(struct flow *f)
{
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

static void
flow_close(struct flow *f, uint8_t reason)
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
	fk_list_remove(list_of(f), &f->link);
	fk_flowtab_del(&table, &f->ent);
	f->nextfree = freelist;
	freelist = f;
}

/* Close flows idle too long, and closed flows done lingering. */
static void
expire(void)
{
	struct flow *f;

	while ((f = first(&closing)) != NULL &&
	    f->seen_ts + LINGER_NS < clk.now)
		flow_close(f, f->closing);
	if (idle_ns == 0)
		return;
	while ((f = first(&lru)) != NULL && f->seen_ts + idle_ns < clk.now)
		flow_close(f, FK_CLOSE_TIMEOUT);
}

static void
evict_one(void)
{
	struct flow *f = first(&closing);

	if (f != NULL)
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
		if (o >= 0 && (uint64_t)o <= t->nxt)
			return SYN_SAME;	/* late SYN */
	}
	if (peer->st.packets == 0 && t->hi == 0)
		return SYN_NEW;			/* an unanswered attempt */
	if ((t->fin_seen || peer->fin_seen) &&
	    (int32_t)(seq - (t->base + (uint32_t)t->hi)) > 0)
		return SYN_NEW;			/* past the old sequence space */
	return SYN_IGNORE;
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
			fk_list_remove(&lru, &f->link);
			f->closing = FK_CLOSE_RST;
			fk_list_append(&closing, &f->link);
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
	if ((fl & FK_TCP_SYN) && t->ws_state == FK_TCP_WS_NOSYN)
		t->ws_state = fk_tcp_wscale(frame + k->l4_off,
		    k->ip_end - k->l4_off, &t->ws);
	if (fl & FK_TCP_SYN) {
		dseq = k->seq + 1;
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
	if (!t->have_base && (k->seg_len > 0 || (fl & FK_TCP_FIN))) {
		t->base = dseq;
		t->have_base = 1;
	}
	if (t->have_base) {
		off = fk_tcp_seq2off(t, dseq);
		if (k->seg_len > 0)
			fk_tcp_add(&tcp, t, off, k->payload, k->payload_len,
			    k->seg_len, pk->ts_ns);
		if ((fl & FK_TCP_FIN) && !t->fin_seen && off >= 0) {
			t->fin_seen = 1;
			t->fin_off = (uint64_t)off + k->seg_len;
		}
		if (off >= 0 && (uint64_t)off + k->seg_len +
		    ((fl & FK_TCP_FIN) != 0) > t->hi)
			t->hi = (uint64_t)off + k->seg_len +
			    ((fl & FK_TCP_FIN) != 0);
	}
	if ((fl & FK_TCP_ACK) && peer->have_base && peer->head != NULL)
		fk_tcp_acked(&tcp, peer, fk_tcp_seq2off(peer, k->ack),
		    pk->ts_ns);
	if (!f->closing) {
		uint8_t reason = 0;

		if (fl & FK_TCP_RST)
			reason = FK_CLOSE_RST;
		else if (t->fin_seen && peer->fin_seen &&
		    t->nxt >= t->fin_off && peer->nxt >= peer->fin_off)
			reason = FK_CLOSE_FIN;
		if (reason) {
			fk_list_remove(&lru, &f->link);
			f->closing = reason;
			fk_list_append(&closing, &f->link);
			return;
		}
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
	if (f != NULL) {
		int j = SYN_SAME;

		d = (fwd == f->a_is_0) ? FK_DIR_AB : FK_DIR_BA;
		if ((k.tcp_flags & (FK_TCP_SYN | FK_TCP_ACK)) == FK_TCP_SYN)
			j = syn_judge(f, &f->dir[d], &f->dir[!d], k.seq);
		if (j == SYN_NEW) {
			flow_close(f, f->closing ? f->closing :
			    FK_CLOSE_REUSE);
			n_reuse++;
			f = flow_new(&key, fwd, &k, pk, 1, 0);
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
	qsort(v, n, sizeof(*v), by_id);
	for (i = 0; i < n; i++)
		flow_close(v[i], v[i]->closing ? v[i]->closing : reason);
	free(v);
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
	while ((ch = getopt(argc, argv, "VB:I:M:QR:hkn:t:v")) != -1) {
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
