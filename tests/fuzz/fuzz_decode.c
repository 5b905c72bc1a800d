/*
 * libFuzzer harness: the packet dissector.  The first byte picks the
 * link type, the rest is the frame; origlen varies with the second byte.
 */
#include <stddef.h>
#include <stdint.h>

#include "fk_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint32_t linktypes[] = {
	0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9, 105, 127, 192,
	7, 10, 50, 104, 129, 178, 239, 242,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fk_pkt p;
	uint32_t lt, caplen, origlen;
	int e;
	volatile uint64_t sink = 0;

	if (len < 2 || len > 70000)
		return 0;
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	caplen = (uint32_t)(len - 2);
	origlen = caplen + (data[1] & 0x80 ? data[1] & 0x7f : 0);
	e = fk_decode(lt, data + 2, caplen, origlen, &p);
	/* The transport header and the datagram's end lie in the frame. */
	if (p.l4_off > p.ip_end || p.ip_end > caplen)
		__builtin_trap();
	if (e == FK_DEC_NOT_TCP && p.ip_end > p.l4_off)
		sink += data[2 + p.ip_end - 1];
	if (e == FK_DEC_OK) {
		/* The payload must lie inside the frame. */
		if (p.payload_len) {
			if (p.payload < data + 2 ||
			    p.payload + p.payload_len > data + len)
				__builtin_trap();
			sink += p.payload[p.payload_len - 1];
		}
		if (p.payload_len > p.seg_len)
			__builtin_trap();
	}
	if (p.ntun > FK_DEC_MAX_TUNNELS || (p.ntun == 0) != (p.tun_type == 0))
		__builtin_trap();
	(void)sink;
	return 0;
}
