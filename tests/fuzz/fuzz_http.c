/*
 * libFuzzer harness: the streaming HTTP parser and the body decoder.
 * The input is fed in pieces whose sizes come from the first bytes, with
 * a gap now and then, and every body is run through fk_inflate.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fk_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct ctx {
	struct fk_inflate inf;
	int inflating;
	uint64_t sink;
};

static void
sink_out(void *arg, const uint8_t *p, size_t n)
{
	struct ctx *c = arg;

	if (n)
		c->sink += p[n - 1];
}

static int
on_headers(void *arg, const struct fk_hp_msg *m)
{
	struct ctx *c = arg;

	(void)m;
	if (c->inflating)
		fk_inflate_end(&c->inf);
	fk_inflate_init(&c->inf);
	c->inflating = 1;
	return FK_HP_AS_USUAL;
}

static void
on_body(void *arg, const uint8_t *p, size_t n, uint64_t eoff)
{
	struct ctx *c = arg;

	(void)eoff;
	if (c->inflating)
		fk_inflate_feed(&c->inf, p, n, sink_out, c);
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
		fk_inflate_end(&c->inf);
		c->inflating = 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ctx c;
	struct fk_hp_cb cb = { &c, on_headers, on_body, on_wire, on_end };
	struct fk_hp hp;
	size_t i = 0;
	uint64_t off = 0;
	uint8_t split;

	if (len < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	split = data[0];
	data++;
	len--;
	fk_hp_init(&hp, &cb);
	while (i < len) {
		size_t n = 1 + (size_t)((split * (i + 7)) % 97);

		if (n > len - i)
			n = len - i;
		if (split & 1 && data[i] == 0xff) {
			fk_hp_gap(&hp, off, n);	/* bytes never seen */
		} else {
			fk_hp_feed(&hp, data + i, n, off, off);
		}
		off += n;
		i += n;
	}
	fk_hp_eof(&hp, split & 2);
	fk_hp_free(&hp);
	if (c.inflating)
		fk_inflate_end(&c.inf);
	return 0;
}
