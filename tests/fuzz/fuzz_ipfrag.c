/*
 * libFuzzer harness: IP fragment reassembly (fk_ipfrag), small bounds so
 * that eviction, byte caps and timeouts are reached.  The input is a
 * sequence of steps; the first byte of each picks its kind:
 *
 *   bit 0 = 0: a frame: 2 bytes of length (big-endian), then that many
 *	bytes of raw IP (bit 1: IPv6) through fk_decode, its fragment (if
 *	any) added, as reasm does;
 *   bit 0 = 1: a fragment described directly: family (bit 1), more
 *	(bit 2), then 1 byte protocol, 1 byte id, 2 bytes offset, 2 bytes
 *	length, 1 byte header length, 1 byte next-header position; the
 *	header and data bytes are the input that follows (cycled);
 *
 * bits 3-7 advance the capture clock (x 8 ns); bit 7 also expires.  A
 * completed datagram must decode as raw IP and carry the header.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fk_decode.h"
#include "fk_ipfrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t pool[70000];	/* header and data bytes of direct steps */

static void
check(const uint8_t *dg, uint32_t len, int family)
{
	struct fk_pkt k;
	volatile uint8_t sink;

	if (len == 0 || len > 65535 + 40 + 65535)
		__builtin_trap();
	sink = dg[0];
	sink = dg[len - 1];
	(void)sink;
	if (family == 4 && (len < 20 || (uint32_t)(dg[2] << 8 | dg[3]) != len))
		__builtin_trap();
	if (family == 6 && (len < 40 ||
	    (uint32_t)(dg[4] << 8 | dg[5]) + 40 != len))
		__builtin_trap();
	(void)fk_decode(family == 4 ? 228 : 229, dg, len, len, &k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fk_ipfrag *q;
	const uint8_t *p = data, *end = data + size;
	uint64_t now = 0;
	size_t i, plen;

	if (size > 200000)
		return 0;
	/* the pool: the whole input, cycled */
	plen = size ? (size < sizeof(pool) ? size : sizeof(pool)) : 1;
	for (i = 0; i < sizeof(pool); i++)
		pool[i] = size ? data[i % plen] : 0;
	q = fk_ipfrag_new(4, 300000, 1000);
	while (p < end) {
		uint8_t op = *p++;
		const uint8_t *dg;
		uint32_t dlen;
		struct fk_frag f;
		struct fk_pkt k;

		now += (uint64_t)(op >> 3) * 8;
		if (op & 0x80)
			fk_ipfrag_expire(q, now);
		if ((op & 1) == 0) {
			uint32_t n;

			if (end - p < 2)
				break;
			n = (uint32_t)(p[0] << 8 | p[1]);
			p += 2;
			if ((size_t)(end - p) < n)
				n = (uint32_t)(end - p);
			if (fk_decode(op & 2 ? 229 : 228, p, n, n, &k) ==
			    FK_DEC_FRAGMENT && k.frag.family != 0) {
				if (k.frag.data < p || k.frag.data +
				    k.frag.len > p + n || k.frag.hdr != p)
					__builtin_trap();
				if (fk_ipfrag_add(q, &k.frag, now, &dg, &dlen))
					check(dg, dlen, k.frag.family);
			}
			p += n;
			continue;
		}
		if (end - p < 8)
			break;
		memset(&f, 0, sizeof(f));
		f.family = op & 2 ? 6 : 4;
		f.more = (op & 4) != 0;
		f.proto = p[0];
		f.id = p[1];
		f.off = (uint32_t)(p[2] << 8 | p[3]);
		f.len = (uint32_t)(p[4] << 8 | p[5]);
		f.hdr_len = p[6];
		f.nh_at = p[7];
		p += 8;
		if (f.len > sizeof(pool))
			f.len = sizeof(pool);
		f.hdr = pool;
		f.data = pool + (sizeof(pool) - f.len);
		memset(f.src, 1, sizeof(f.src));
		memset(f.dst, 2, sizeof(f.dst));
		if (fk_ipfrag_add(q, &f, now, &dg, &dlen))
			check(dg, dlen, f.family);
	}
	fk_ipfrag_expire(q, UINT64_MAX);
	fk_ipfrag_free(q);
	return 0;
}
