/*
 * libFuzzer harness: TCP reassembly (fk_tcp) fed random segments, both
 * directions of one flow sharing one context, small caps so that the
 * byte, segment and history caps, ACKs, flushes and shrinking are
 * reached.  Every segment carries the true bytes of its offsets (a fixed
 * function of direction and offset) unless the input asks for corrupted
 * copies.  Checked after each step: the buffered segments are sorted,
 * disjoint, past the delivery point, within the caps and the same in
 * the list and in the treap; at the end, in the records written: per
 * direction, each DATA or GAP starts where the previous one ended and
 * the last ends at the delivery point, DATA carries the true bytes
 * (no OVERLAP at all unless corrupted copies were sent), and the
 * counters (FLOW_CLOSE's) match the records.
 *
 * Input: 12 bytes of setup (byte cap, history cap, flags, the two base
 * sequence numbers), then steps; the first byte of each picks its kind
 * (bits 0-2) and direction (bit 3):
 *   0-3  a segment: 2 bytes signed distance from the delivery point
 *        (scaled by bits 4-5: x1, x16, x4096, x2^20), 2 bytes length
 *        (at most 3000); bit 6: only half captured; bit 7: corrupted
 *        (if the setup allows it);
 *   4    an ACK from the other side: 2 bytes signed distance, as above;
 *   5    flush the direction (as a close does);
 *   6    shrink everything to 1 byte of cap, 2 bytes: x64;
 *   7    a GAP up to 1 byte past the delivery point + 1 byte distance;
 *        also fk_tcp_wscale and fk_tcp_rst_ok on the bytes that follow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fk_io.h"
#include "fk_record.h"
#include "fk_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) fail(#x, __LINE__); } while (0)
#define SEG_OF(n)	((struct fk_tcp_seg *)(void *)((char *)(n) - \
			    offsetof(struct fk_tcp_seg, tn)))

static void
fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_tcp.c:%d: %s\n", line, what);
	__builtin_trap();
}

static int memfd = -1;
static uint8_t pay[4096];

static uint8_t
truth(int d, uint64_t o)
{
	return (uint8_t)(((o * 2654435761u) >> 13) ^ (o >> 7) ^ (d ? 0x5a : 0));
}

/* In-order walk of the treap, checking parents; returns the count. */
static uint32_t
walk(const struct fk_treap_node *n, const struct fk_treap_node *parent,
    struct fk_tcp_seg **cur)
{
	uint32_t k = 0;

	if (n == NULL)
		return 0;
	CHECK(n->p == parent);
	k += walk(n->l, n, cur);
	CHECK(*cur == SEG_OF(n));	/* the list's order */
	*cur = (*cur)->next;
	k++;
	k += walk(n->r, n, cur);
	return k;
}

static void
check_dir(const struct fk_tcp_ctx *c, const struct fk_tcp_dir *t, int full)
{
	const struct fk_tcp_seg *s, *prev = NULL;
	uint64_t bytes = 0;
	uint32_t n = 0;

	for (s = t->head; s != NULL; prev = s, s = s->next) {
		CHECK(s->prev == prev);
		CHECK(s->len > 0);
		CHECK(s->off > t->nxt);		/* past a hole */
		if (prev != NULL)
			CHECK(prev->off + prev->len <= s->off);
		bytes += s->len + FK_TCP_SEG_OVERHEAD;
		n++;
	}
	CHECK(t->tail == prev);
	CHECK(n == t->nseg && bytes == t->buffered);
	CHECK(n <= FK_TCP_MAX_SEGS);
	CHECK(t->buffered <= c->dir_cap);
	CHECK((t->head == NULL) == (t->tree.root == NULL));
	if (full || n < 64) {
		struct fk_tcp_seg *cur = t->head;

		CHECK(walk(t->tree.root, NULL, &cur) == n && cur == NULL);
	}
}

/* Read the records back and check them against the directions. */
static void
check_records(const struct fk_tcp_dir *t, int corrupt)
{
	struct fk_in in;
	struct fk_rec r;
	uint64_t end[2] = { 0, 0 }, bytes[2] = { 0, 0 }, gaps[2] = { 0, 0 };
	uint64_t ovl[2] = { 0, 0 };
	off_t len = lseek(memfd, 0, SEEK_END);
	uint8_t *buf;
	uint32_t i;

	CHECK(len > 0);
	buf = malloc((size_t)len);
	CHECK(buf != NULL && pread(memfd, buf, (size_t)len, 0) == len);
	fk_in_open_mem(&in, buf, (size_t)len, "fuzz");
	while (fk_in_next(&in, &r) > 0) {
		struct fk_data dr;
		struct fk_gap g;
		struct fk_overlap o;

		switch (r.type) {
		case FK_REC_DATA:
			CHECK(fk_data_decode(&r, &dr) == 0 && dr.dir < 2);
			CHECK(dr.offset == end[dr.dir] && dr.len > 0);
			if (!corrupt)
				for (i = 0; i < dr.len; i++)
					CHECK(dr.data[i] ==
					    truth(dr.dir, dr.offset + i));
			end[dr.dir] += dr.len;
			bytes[dr.dir] += dr.len;
			break;
		case FK_REC_GAP:
			CHECK(fk_gap_decode(&r, &g) == 0 && g.dir < 2);
			CHECK(g.offset == end[g.dir] && g.len > 0);
			end[g.dir] += g.len;
			gaps[g.dir] += g.len;
			break;
		case FK_REC_OVERLAP:
			CHECK(fk_overlap_decode(&r, &o) == 0 && o.dir < 2);
			CHECK(corrupt);
			CHECK(o.len > 0);
			ovl[o.dir]++;
			break;
		default:
			break;
		}
	}
	CHECK(in.err[0] == '\0');
	for (i = 0; i < 2; i++) {
		CHECK(end[i] == t[i].nxt);
		CHECK(bytes[i] == t[i].st.bytes);
		CHECK(gaps[i] == t[i].st.gap_bytes);
		CHECK(ovl[i] == t[i].st.overlaps);
	}
	fk_in_close(&in);
	free(buf);
}

static int64_t
dist(const uint8_t *p, uint8_t op)
{
	static const int sh[4] = { 0, 4, 12, 20 };

	return (int64_t)(int16_t)(p[0] << 8 | p[1]) * ((int64_t)1 <<
	    sh[(op >> 4) & 3]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct fk_tcp_ctx c;
	struct fk_tcp_dir t[2];
	struct fk_out out;
	int corrupt, d;
	uint64_t ts = 0;

	if (size < 12 || size > 100000)
		return 0;
	if (memfd < 0)
		memfd = memfd_create("fuzz_tcp", 0);
	CHECK(memfd >= 0 && ftruncate(memfd, 0) == 0 &&
	    lseek(memfd, 0, SEEK_SET) == 0);
	memset(&c, 0, sizeof(c));
	fk_out_open(&out, memfd, "fuzz");
	c.out = &out;
	c.dir_cap = (uint64_t)1 << (7 + p[0] % 16);	/* 128 B .. 4 MiB */
	c.hist_cap = p[1] % 5 == 0 ? 0 : 1U << (p[1] % 13);
	corrupt = p[2] & 1;
	fk_tcp_dir_init(&t[0], 1, FK_DIR_AB);
	fk_tcp_dir_init(&t[1], 1, FK_DIR_BA);
	for (d = 0; d < 2; d++) {
		t[d].base = (uint32_t)p[3 + 4 * d] << 24 |
		    (uint32_t)p[4 + 4 * d] << 16 |
		    (uint32_t)p[5 + 4 * d] << 8 | p[6 + 4 * d];
		t[d].have_base = 1;
	}
	p += 12;
	while (p < end) {
		uint8_t op = *p++;
		struct fk_tcp_dir *x;

		d = (op >> 3) & 1;
		x = &t[d];
		ts += 1000;
		switch (op & 7) {
		case 0: case 1: case 2: case 3: {
			int64_t off;
			uint32_t len, cap, i;
			uint32_t seq;

			if (end - p < 4)
				goto done;
			seq = x->base + (uint32_t)x->nxt + (uint32_t)dist(p, op);
			len = (uint32_t)(p[2] << 8 | p[3]) % 3001;
			p += 4;
			off = fk_tcp_seq2off(x, seq);
			cap = (op & 0x40) ? len / 2 : len;
			for (i = 0; i < cap; i++)
				pay[i] = truth(d, (uint64_t)(off + i));
			if (corrupt && (op & 0x80))
				for (i = 0; i < cap; i += 3)
					pay[i] ^= 0xff;
			fk_tcp_add(&c, x, off, pay, cap, len, ts);
			check_dir(&c, x, 0);
			break;
		}
		case 4:
			if (end - p < 2)
				goto done;
			fk_tcp_acked(&c, x, (int64_t)x->nxt + dist(p, op), ts);
			p += 2;
			check_dir(&c, x, 0);
			break;
		case 5:
			fk_tcp_flush(&c, x, FK_GAP_CLOSE, ts);
			CHECK(x->head == NULL && x->buffered == 0);
			break;
		case 6:
			if (end - p < 2)
				goto done;
			fk_tcp_shrink(&c, (uint64_t)(p[0] << 8 | p[1]) * 64, ts);
			p += 2;
			CHECK(c.buffered <= (uint64_t)(p[-2] << 8 | p[-1]) * 64 ||
			    (t[0].head == NULL && t[1].head == NULL));
			break;
		case 7: {
			uint8_t sh;
			size_t n = (size_t)(end - p) < 60 ? (size_t)(end - p) : 60;

			if (end - p < 1)
				goto done;
			(void)fk_tcp_wscale(p, (uint32_t)n, &sh);
			(void)fk_tcp_rst_ok(x, &t[!d], x->base + p[0]);
			fk_tcp_gap_to(&c, x, x->nxt + 1 + p[0], FK_GAP_LOST, ts);
			p++;
			check_dir(&c, x, 0);
			break;
		}
		}
		CHECK(c.buffered == t[0].buffered + t[1].buffered);
	}
done:
	for (d = 0; d < 2; d++)
		check_dir(&c, &t[d], 1);
	for (d = 0; d < 2; d++) {
		fk_tcp_flush(&c, &t[d], FK_GAP_CLOSE, ts);
		fk_tcp_dir_free(&c, &t[d]);
	}
	CHECK(c.buffered == 0 && c.hist_bytes == 0);
	CHECK(c.bytes == t[0].st.bytes + t[1].st.bytes);
	CHECK(c.gap_bytes == t[0].st.gap_bytes + t[1].st.gap_bytes);
	fk_out_flush(&out);
	fk_out_close(&out);
	check_records(t, corrupt);
	return 0;
}
