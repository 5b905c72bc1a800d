/*
 * libFuzzer harness: the capture file reader (pcap, pcapng) over memory,
 * each packet then through the dissector, as pcapcat | reasm see them.
 */
#include <stddef.h>
#include <stdint.h>

#include "fk_capfile.h"
#include "fk_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fk_cap cap;
	struct fk_cap_pkt pkt;
	struct fk_pkt tcp;
	volatile uint64_t sink = 0;
	int n = 0;

	if (fk_cap_open_mem(&cap, data, len, "fuzz", 0) == 0) {
		while (n++ < 100000 && fk_cap_next(&cap, &pkt) == FK_CAP_PACKET) {
			if (pkt.caplen)
				sink += pkt.data[pkt.caplen - 1];
			if (fk_decode(pkt.linktype, pkt.data, pkt.caplen,
			    pkt.origlen, &tcp) == FK_DEC_OK && tcp.payload_len)
				sink += tcp.payload[tcp.payload_len - 1];
		}
	}
	fk_cap_close(&cap);
	(void)sink;
	return 0;
}
