/*
 * libFuzzer harness: HTTP bodies with content codings, the way httpsplit
 * decodes them.  The first byte picks the framing (Content-Length,
 * chunked, until the close), the coding (gzip, deflate, identity, br,
 * zstd, stacked ones, an unknown one) and how
 * the stream is cut into pieces; the second the decoder's limits.  The
 * rest is the body as on the wire (chunk framing included for chunked),
 * after a header block the harness writes.  Checked: the decoder never
 * writes past its size cap, the ratio cap holds once past ratio_after,
 * and every byte a decoder allocated is freed at the end of each body; the
 * parser's buffers are shed now and then (httpsplit's -M cap) and their
 * count is back to 0 once freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct ctx {
	struct fk_inflate inf;
	int coding;
	int inflating, stopped;
	uint64_t max_out, ratio_after, out;
	uint32_t ratio;
	size_t mem;		/* all decoders' bytes, like httpsplit's */
	size_t pmem;		/* the parser's buffers */
	uint64_t sink;
};

static void
sink_out(void *arg, const uint8_t *p, size_t n)
{
	struct ctx *c = arg;

	c->out += n;
	if (n)
		c->sink += p[0] + p[n - 1];
}

static void
check(struct ctx *c)
{
	if (c->max_out && c->out > c->max_out)
		abort();	/* wrote past the size cap */
	/* The ratio is checked after each 32 KiB of output at most. */
	if (c->ratio && c->out > c->ratio_after + 32768 &&
	    c->out - 32768 > (uint64_t)c->ratio * (c->inf.in_total + 1))
		abort();
	if (!fk_inflate_live(&c->inf) && c->inf.zmem != 0)
		abort();	/* no stream, yet bytes held */
}

static int
on_headers(void *arg, const struct fk_hp_msg *m)
{
	struct ctx *c = arg;

	if (c->inflating)
		fk_inflate_end(&c->inf);
	c->inflating = m->ncodings > 0 && m->coding != FK_HP_CODING_OTHER;
	c->stopped = 0;
	c->out = 0;
	fk_inflate_init(&c->inf);
	if (c->inflating &&
	    fk_inflate_codings(&c->inf, m->codings, m->ncodings) < 0)
		abort();	/* the parser gave codings it cannot undo */
	c->inf.max_out = c->max_out;
	c->inf.max_ratio = c->ratio;
	c->inf.ratio_after = c->ratio_after;
	c->inf.mem = &c->mem;
	return FK_HP_AS_USUAL;
}

static void
on_body(void *arg, const uint8_t *p, size_t n, uint64_t eoff)
{
	struct ctx *c = arg;

	(void)eoff;
	if (!c->inflating) {
		sink_out(c, p, n);
		return;
	}
	if (c->stopped)
		return;
	if (fk_inflate_feed(&c->inf, p, n, sink_out, c) < 0)
		c->stopped = 1;
	check(c);
}

static void
on_wire(void *arg, const uint8_t *p, size_t n, uint64_t woff)
{
	struct ctx *c = arg;

	(void)woff;
	if (n)
		c->sink += p[0];
}

static void
on_end(void *arg, uint64_t wire_len, uint64_t entity_len, int flags)
{
	struct ctx *c = arg;

	c->sink += wire_len + entity_len + (unsigned)flags;
	if (c->inflating) {
		c->sink += (unsigned)fk_inflate_finish(&c->inf) +
		    c->inf.trailing + c->inf.members;
		check(c);
		c->inflating = 0;
	}
	if (c->mem != 0)
		abort();	/* a decoder's memory outlived its body */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const framing[] = {
		"Content-Length: %zu\r\n", "Transfer-Encoding: chunked\r\n", "",
	};
	static const char *const coding[] = {
		"gzip", "deflate", "x-gzip", "identity", "br", "zstd",
		"gzip, br", "br, zstd", "compress",
	};
	struct ctx c;
	struct fk_hp_cb cb = { &c, on_headers, on_body, on_wire, on_end };
	struct fk_hp hp;
	char head[256];
	size_t i = 0, hl;
	uint64_t off = 0;
	uint8_t sel, lim;

	if (len < 2)
		return 0;
	memset(&c, 0, sizeof(c));
	sel = data[0];
	lim = data[1];
	data += 2, len -= 2;
	/* Limits: none, tiny, or httpsplit's defaults with a low size cap. */
	c.max_out = (lim & 3) == 0 ? 0 : (lim & 3) == 1 ? 1 + (lim >> 2) * 97 :
	    (lim & 3) == 2 ? 65536 : 1 << 20;
	c.ratio = (lim & 4) ? 0 : (lim & 8) ? 2 + (lim >> 4) : FK_INF_RATIO;
	c.ratio_after = (lim & 8) ? (uint64_t)(lim >> 4) * 1000 :
	    FK_INF_RATIO_AFTER;
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n");
	hl = strlen(head);
	snprintf(head + hl, sizeof(head) - hl, framing[sel % 3], len);
	hl = strlen(head);
	snprintf(head + hl, sizeof(head) - hl,
	    "Content-Encoding: %s\r\n\r\n", coding[(sel / 3) % 9]);
	hl = strlen(head);

	fk_hp_init(&hp, &cb);
	hp.mem = &c.pmem;
	fk_hp_feed(&hp, (const uint8_t *)head, hl, 0, 0);
	off = hl;
	while (i < len) {
		size_t n = (sel & 0x80) ? len - i :
		    1 + (size_t)(((sel >> 4) + 1) * (i + 3) % 257);

		if (n > len - i)
			n = len - i;
		fk_hp_feed(&hp, data + i, n, off, off);
		if (c.pmem != hp.hcap + hp.lcap)
			abort();
		off += n;
		i += n;
		if ((lim & 0x30) == 0x30 && i % 7 == 0)
			fk_hp_shed(&hp);
	}
	fk_hp_eof(&hp, sel & 0x40);
	fk_hp_free(&hp);
	if (c.pmem != 0)
		abort();
	if (c.inflating)
		fk_inflate_end(&c.inf);
	if (c.mem != 0)
		abort();
	return 0;
}
