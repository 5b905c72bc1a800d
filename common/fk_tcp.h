/*
 * fk_tcp.h - one direction of a TCP stream: sequence numbers to stream
 * offsets, and out-of-order reassembly into DATA/GAP/OVERLAP records.
 *
 * Rules (see reasm(1)):
 *  - Stream offsets are 64-bit; sequence numbers are mapped with 32-bit
 *    serial arithmetic relative to the highest offset seen (fk_tcp_ref),
 *    so streams may wrap 2^32 any number of times, also while a hole
 *    waits to be given up.
 *  - Bytes are delivered exactly once, in order.  In-order data goes out
 *    straight from the packet; only out-of-order segments are copied.
 *  - The first copy of a byte wins, except that a segment arriving at the
 *    delivery point is delivered whole and beats out-of-order copies
 *    buffered for the same bytes (as tshark's follow does).  Whenever a
 *    losing copy differs from the winner, an OVERLAP record carries it.
 *  - Bytes that are given up (ACKed by the peer but never captured, the
 *    buffer cap, the flow closing) are reported by a GAP record before
 *    any later DATA: nothing is skipped silently.  An ACK alone gives up
 *    nothing: a hole below it is given up FK_TCP_WAIT_NS of capture time
 *    later (fk_tcp_expire), if still open, since the capture may hold
 *    the missing bytes after the ACK.
 *  - A side whose SYN was not seen starts with a start window
 *    (fk_tcp_start): its segments are buffered, nothing is delivered,
 *    until FK_TCP_START_SEGS of them, FK_TCP_WAIT_NS, its peer's ACK of
 *    the lowest, its FIN, its SYN, the buffer cap or the close; then
 *    offset 0 is the lowest sequence number seen in it (fk_tcp_anchor),
 *    so that a segment reordered before the first one seen is kept.
 *  - A retransmission of bytes already delivered is compared with the
 *    last hist_cap delivered bytes of its direction (a ring buffer that
 *    grows as bytes are delivered, from FK_TCP_HIST_MIN to hist_cap;
 *    reset by a GAP): OVERLAP if they differ.  Bytes it cannot compare
 *    (history dropped, or older) are counted in ctx->unchecked_bytes.
 *    A one-byte keepalive (just below the delivery point) is not compared.
 */
#ifndef FK_TCP_H
#define FK_TCP_H

#include <stdint.h>

#include "fk_list.h"
#include "fk_record.h"
#include "fk_treap.h"

struct fk_out;

struct fk_tcp_seg {
	struct fk_tcp_seg *next, *prev;
	struct fk_treap_node tn;	/* on the direction's tree, by off */
	uint64_t off;		/* stream offset of data[0] */
	uint64_t ts_ns;
	uint32_t len;
	uint8_t data[];
};

/*
 * Most out-of-order segments buffered per direction (beyond it the first
 * hole is given up, as for the byte cap).  They are kept in a list sorted
 * by offset and in a treap (fk_treap.h) on it: a segment finds its place
 * in O(log n), whatever the order segments come in.  Buffered byte
 * counts include FK_TCP_SEG_OVERHEAD per segment (its header).
 */
#define FK_TCP_MAX_SEGS		4096
#define FK_TCP_SEG_OVERHEAD	64

/*
 * Capture time a hole acknowledged by the peer is kept open, and a start
 * window lasts; segments in a start window (most); how far below the
 * first segment of a start window a segment may start it.
 */
#define FK_TCP_WAIT_NS		(2ULL * 1000000000)
#define FK_TCP_START_SEGS	8
#define FK_TCP_START_SPAN	(1U << 20)

/* Shared by all directions of one reassembler (one reasm process). */
struct fk_tcp_ctx {
	struct fk_out *out;
	uint64_t dir_cap;	/* max bytes buffered per direction */
	uint64_t buffered;	/* bytes buffered in all directions */
	/* Directions holding buffered data, oldest first (global cap). */
	struct fk_list blist;
	/* Delivered-bytes history: most per direction (a power of two or
	 * 0: none), bytes allocated, directions holding one, least recently
	 * delivered to first. */
	uint32_t hist_cap;
	uint64_t hist_bytes;
	struct fk_list hlist;
	/* Directions waiting (start window, acknowledged hole), by due. */
	struct fk_list wlist;
	/* Totals for the STATS record. */
	uint64_t bytes, gap_bytes, retrans_bytes, overlaps, ooo_packets;
	uint64_t unchecked_bytes;	/* retransmitted, not compared */
};

#define FK_TCP_HIST_MIN		256

struct fk_tcp_dir {
	uint64_t flow_id;
	uint8_t d;		/* FK_DIR_AB or FK_DIR_BA */
	uint8_t have_base;	/* base is set */
	uint8_t syn_seen;	/* isn is valid */
	uint8_t fin_seen;	/* fin_off is valid */
	uint32_t base;		/* sequence number of stream offset 0 */
	uint32_t isn;
	uint16_t win;		/* see hi below */
	uint8_t ws, ws_state;
	uint64_t nxt;		/* next stream offset to deliver */
	uint64_t fin_off;	/* stream offset of the FIN */
	struct fk_tcp_seg *head, *tail;	/* buffered, sorted, disjoint */
	struct fk_treap tree;		/* the same segments, by off */
	uint64_t buffered;	/* bytes + overhead of buffered segments */
	uint32_t nseg;
	uint8_t start, in_wlist;	/* see start_lo below */
	uint16_t start_segs;
	struct fk_link blink;		/* on ctx->blist */
	uint8_t in_blist;
	uint8_t win_seen, ack_seen;	/* see hi below */
	uint32_t ack;
	/*
	 * The start window (start): base is provisional, stream offset
	 * FK_TCP_START_SPAN is the first segment's, start_lo the lowest
	 * offset seen, start_segs segments seen.  The wait (in_wlist, on
	 * ctx->wlist): at capture time due, the start window closes, or
	 * the holes below ack_mark are given up (after the start window).
	 * acked: the highest offset the peer acknowledged (-1: none), for
	 * the GAP reason.
	 */
	union {
		uint64_t start_lo;
		uint64_t ack_mark;
	};
	uint64_t due;
	int64_t acked;
	struct fk_link wlink;
	/* History: the hlen delivered bytes before offset hend, byte at
	 * offset o in hist[o & (hsize - 1)]. */
	uint8_t *hist;
	uint32_t hsize, hlen;
	uint64_t hend;
	struct fk_link hlink;		/* on ctx->hlist iff hist */
	/*
	 * This side's sequence space, to judge a RST or SYN it sends
	 * (fk_tcp_rst_ok, reasm): the highest stream offset it sent (data
	 * or FIN); and what it told its peer: the last acknowledgement
	 * number (ack_seen) and window (win_seen) of its segments without
	 * SYN or RST, and its SYN's window scale option (ws_state:
	 * FK_TCP_WS_*).
	 */
	uint64_t hi;
	struct fk_dirstats st;
};

#define FK_TCP_WS_NOSYN		0	/* no SYN seen from this side */
#define FK_TCP_WS_NONE		1	/* its SYN had no window scale option */
#define FK_TCP_WS_SET		2	/* its SYN had one: ws */
#define FK_TCP_WS_UNKNOWN	3	/* its SYN's options were not captured */

/*
 * The receive window assumed when it is not known (no segment from the
 * receiver yet, or scaling unknown): the largest TCP allows, 65535 << 14.
 * A known window counts as at least 65535.
 */
#define FK_TCP_WIN_MAX		(65535ULL << 14)

void fk_tcp_dir_init(struct fk_tcp_dir *, uint64_t flow_id, uint8_t d);

/*
 * The latest known point of the direction's sequence space: the highest
 * offset it sent (hi), or the delivery point if later.  Sequence numbers
 * are judged relative to it, not to the delivery point, which stays put
 * while a hole waits (the stream may move on by more than 2^31 meanwhile).
 */
static inline uint64_t
fk_tcp_ref(const struct fk_tcp_dir *t)
{
	return t->hi > t->nxt ? t->hi : t->nxt;
}

/*
 * Stream offset of a sequence number: within 2^31 before or after
 * fk_tcp_ref (may be negative: before start).
 */
static inline int64_t
fk_tcp_seq2off(const struct fk_tcp_dir *t, uint32_t seq)
{
	uint64_t ref = fk_tcp_ref(t);
	uint32_t rseq = t->base + (uint32_t)ref;

	return (int64_t)ref + (int32_t)(seq - rseq);
}

/*
 * A segment of `wire_len` bytes at stream offset `off`, of which the
 * first `caplen` were captured (caplen < wire_len: a snaplen-cut packet;
 * the rest is a GAP if it is at the delivery point).
 */
void fk_tcp_add(struct fk_tcp_ctx *, struct fk_tcp_dir *, int64_t off,
    const uint8_t *p, uint32_t caplen, uint32_t wire_len, uint64_t ts_ns);

/*
 * Open the start window of a side whose SYN was not seen, at its first
 * segment (sequence number seq), at capture time now.
 */
void fk_tcp_start(struct fk_tcp_ctx *, struct fk_tcp_dir *, uint32_t seq,
    uint64_t now);

/*
 * Close the start window: offset 0 is stream offset `at` (-1: the lowest
 * seen, else at most start_lo) from now on; deliver from it.
 */
void fk_tcp_anchor(struct fk_tcp_ctx *, struct fk_tcp_dir *, int64_t at);

/*
 * The peer acknowledged sequence number ack at capture time now: a start
 * window it reaches closes; a hole below it is given up FK_TCP_WAIT_NS
 * later if still open (fk_tcp_expire).
 */
void fk_tcp_acked(struct fk_tcp_ctx *, struct fk_tcp_dir *, uint32_t ack,
    uint64_t now);

/*
 * End the first wait due by capture time now, or the first at all if
 * `all` (the input ended): close its start window, give up the holes
 * acknowledged before it (GAP time ts_ns); return its direction, NULL
 * if none is due.
 */
struct fk_tcp_dir *fk_tcp_expire(struct fk_tcp_ctx *, uint64_t now,
    int all, uint64_t ts_ns);

/*
 * Close the start window, give up every hole and deliver everything
 * buffered (GAP reason; lost for a hole the peer acknowledged).
 */
void fk_tcp_flush(struct fk_tcp_ctx *, struct fk_tcp_dir *, uint8_t reason,
    uint64_t ts_ns);

/*
 * Until ctx->buffered + ctx->hist_bytes <= cap: drop the histories of the
 * least recently delivered to directions, then flush the oldest
 * buffering directions.
 */
void fk_tcp_shrink(struct fk_tcp_ctx *, uint64_t cap, uint64_t ts_ns);

/* Report [nxt, upto) as a GAP without delivering anything buffered. */
void fk_tcp_gap_to(struct fk_tcp_ctx *, struct fk_tcp_dir *, uint64_t upto,
    uint8_t reason, uint64_t ts_ns);

/*
 * The window scale option of a SYN's TCP header (hdr[0..len) captured):
 * FK_TCP_WS_SET with *shift (at most 14), FK_TCP_WS_NONE, or
 * FK_TCP_WS_UNKNOWN if the options were not all captured.
 */
uint8_t fk_tcp_wscale(const uint8_t *hdr, uint32_t len, uint8_t *shift);

/*
 * Does a RST with sequence number seq, sent by side t to its peer p, fall
 * in the peer's receive window (RFC 5961 section 3, for a passive
 * observer)?  Accepted: t unknown yet (no base); or seq within W of p's
 * last acknowledgement number (its RCV.NXT: a RST answering an ACK takes
 * its number from it); or its offset within W below t's delivery point
 * up to W above the highest offset t sent (t->hi).  W is p's last window
 * (scaled if both SYNs were seen to carry the option, unscaled if both
 * were seen and one did not; else FK_TCP_WIN_MAX), at least 65535.
 */
int fk_tcp_rst_ok(const struct fk_tcp_dir *t, const struct fk_tcp_dir *p,
    uint32_t seq);

/* Free buffered segments and history (after a flush, or discarding). */
void fk_tcp_dir_free(struct fk_tcp_ctx *, struct fk_tcp_dir *);

#endif
