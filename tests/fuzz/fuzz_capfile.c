/*
 * libFuzzer harness: the capture file reader (fk_capfile), once over
 * memory (fk_cap_open_mem) and once through a byte source that returns
 * short reads, so that buffer refills, growth and skips are exercised.
 * Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "fk_capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct src {
	const uint8_t *p;
	size_t len, pos, step;
};

static ssize_t
src_read(void *ctx, void *buf, size_t len, char *why, size_t whylen)
{
	struct src *s = ctx;
	size_t n = s->len - s->pos;

	(void)why;
	(void)whylen;
	if (n > len)
		n = len;
	if (n > s->step)
		n = s->step;
	memcpy(buf, s->p + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static uint64_t
drain(struct fk_cap *c)
{
	struct fk_cap_pkt pkt;
	uint64_t sink = 0;

	while (fk_cap_next(c, &pkt) == FK_CAP_PACKET)
		if (pkt.caplen)
			sink += pkt.data[0] + pkt.data[pkt.caplen - 1] +
			    pkt.ts_ns + pkt.linktype;
	return sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fk_cap c;
	struct src s;
	volatile uint64_t sink = 0;

	if (fk_cap_open_mem(&c, data, len, "fuzz") == 0)
		sink += drain(&c);
	fk_cap_close(&c);

	s.p = data;
	s.len = len;
	s.pos = 0;
	s.step = len ? 1 + data[len - 1] % 97 : 1;
	if (fk_cap_open(&c, src_read, &s, "fuzz", 0) == 0)
		sink += drain(&c);
	fk_cap_close(&c);
	(void)sink;
	return 0;
}
