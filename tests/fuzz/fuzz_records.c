/*
 * libFuzzer harness: the record stream decoder (fk_in_next and every
 * record body decoder).  Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>

#include "fk_io.h"
#include "fk_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fk_in in;
	struct fk_rec r;
	union fk_body u;
	volatile uint64_t sink = 0;

	fk_in_open_mem(&in, data, len, "fuzz");
	while (fk_in_next(&in, &r) > 0) {
		switch (r.type) {
		case FK_REC_PACKET:
			if (fk_packet_decode(&r, &u.p) == 0 && u.p.caplen)
				sink += u.p.data[u.p.caplen - 1];
			break;
		case FK_REC_FLOW_OPEN:
			if (fk_open_decode(&r, &u.o) == 0)
				sink += u.o.port_a;
			break;
		case FK_REC_DATA:
			if (fk_data_decode(&r, &u.d) == 0 && u.d.len)
				sink += u.d.data[u.d.len - 1];
			break;
		case FK_REC_GAP:
			if (fk_gap_decode(&r, &u.g) == 0)
				sink += u.g.len;
			break;
		case FK_REC_OVERLAP:
			if (fk_overlap_decode(&r, &u.v) == 0 && u.v.len)
				sink += u.v.data[u.v.len - 1];
			break;
		case FK_REC_FLOW_CLOSE:
			if (fk_close_decode(&r, &u.c) == 0)
				sink += u.c.dir[1].last_ts_ns;
			break;
		case FK_REC_FLOW_NAME:
			if (fk_name_decode(&r, &u.n) == 0 && u.n.len)
				sink += (uint8_t)u.n.name[u.n.len - 1];
			break;
		case FK_REC_HTTP:
			if (fk_http_decode(&r, &u.h) == 0 && u.h.varlen)
				sink += (uint8_t)u.h.var[u.h.varlen - 1];
			break;
		}
	}
	(void)sink;
	fk_in_close(&in);
	return 0;
}
