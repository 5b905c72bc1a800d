/* fk_capfile.c - pcap and pcapng reader, see fk_capfile.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_capfile.h"
#include "fk_util.h"

#define CHUNK		(1u << 20)	/* bytes asked of the source per read */
#define BLOCK_EXTRA	(1u << 20)	/* options etc. beyond the packet data */
#define HDR_MAX		(1u << 20)	/* SHB, IDB: longest we buffer */

#define PCAP_MAGIC_US	0xa1b2c3d4u
#define PCAP_MAGIC_NS	0xa1b23c4du
#define PCAP_MAGIC_KUZ	0xa1b2cd34u	/* Alexey Kuznetsov's patched pcap */
#define NG_SHB		0x0a0d0d0au
#define NG_BOM		0x1a2b3c4du
#define NG_IDB		0x00000001u
#define NG_PB		0x00000002u	/* obsolete Packet Block */
#define NG_SPB		0x00000003u
#define NG_EPB		0x00000006u

#define OPT_ENDOFOPT	0
#define OPT_IF_TSRESOL	9
#define OPT_IF_TSOFFSET	14

static int
fail(struct fk_cap *c, int rv, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, sizeof(c->err), "offset %llu: ",
	    (unsigned long long)off);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(c->err))
		vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return rv;
}

/*
 * Make `want` bytes available at buf[start].  Return 1, 0 if the input
 * ends first (the bytes there are still in the buffer), or FK_CAP_IOERR /
 * FK_CAP_DAMAGED if the source fails.
 */
static int
fill(struct fk_cap *c, size_t want)
{
	while (c->end - c->start < want) {
		char why[160];
		ssize_t n;

		if (c->eof || c->mem != NULL)
			return 0;
		if (c->cap - c->start < want || c->cap - c->end < CHUNK / 4) {
			size_t have = c->end - c->start;

			memmove(c->buf, c->buf + c->start, have);
			c->start = 0;
			c->end = have;
			if (c->cap < want + CHUNK) {
				size_t ncap = c->cap;

				while (ncap < want + CHUNK)
					ncap *= 2;
				c->buf = fk_realloc(c->buf, ncap);
				c->cap = ncap;
			}
		}
		why[0] = '\0';
		n = c->rd(c->ctx, c->buf + c->end, c->cap - c->end, why,
		    sizeof(why));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return fail(c, FK_CAP_IOERR, c->off + (c->end - c->start),
			    "read error: %s", strerror(errno));
		}
		if (n == -3)
			return fail(c, FK_CAP_IOERR, c->off + (c->end - c->start),
			    "%s", why);
		if (n < 0)
			return fail(c, FK_CAP_DAMAGED,
			    c->off + (c->end - c->start), "%s",
			    why[0] ? why : "damaged input");
		if (n == 0)
			c->eof = 1;
		c->end += (size_t)n;
	}
	return 1;
}

static void
consume(struct fk_cap *c, size_t n)
{
	c->start += n;
	c->off += n;
}

/* Drop n bytes, reading through them if they are not buffered yet. */
static int
skip(struct fk_cap *c, uint64_t n)
{
	while (n > 0) {
		size_t have = c->end - c->start;
		int r;

		if (have == 0) {
			r = fill(c, 1);
			if (r <= 0)
				return r;
			have = c->end - c->start;
		}
		if (have > n)
			have = (size_t)n;
		consume(c, have);
		n -= have;
	}
	return 1;
}

static uint16_t
rd16(const struct fk_cap *c, const uint8_t *p)
{
	uint16_t v = (uint16_t)(p[0] | p[1] << 8);

	return c->swap ? (uint16_t)(v >> 8 | v << 8) : v;
}

static uint32_t
rd32(const struct fk_cap *c, const uint8_t *p)
{
	if (c->swap)
		return (uint32_t)p[3] | (uint32_t)p[2] << 8 |
		    (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const struct fk_cap *c, const uint8_t *p)
{
	uint64_t lo = rd32(c, p), hi = rd32(c, p + 4);

	return c->swap ? lo << 32 | hi : hi << 32 | lo;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint32_t
swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static void
raise_maxcap(struct fk_cap *c, uint32_t snaplen)
{
	if (snaplen > FK_CAP_MAXCAP_LIMIT)
		snaplen = FK_CAP_MAXCAP_LIMIT;
	if (snaplen > c->maxcap)
		c->maxcap = snaplen;
}

static struct fk_cap_if *
add_if(struct fk_cap *c)
{
	if (c->nif == c->ifcap) {
		c->ifcap = c->ifcap ? 2 * c->ifcap : 8;
		c->ifs = fk_reallocarray(c->ifs, c->ifcap, sizeof(*c->ifs));
	}
	memset(&c->ifs[c->nif], 0, sizeof(c->ifs[0]));
	c->ifs[c->nif].tsresol = 6;
	return &c->ifs[c->nif++];
}

/* ---- pcap */

static int
pcap_header(struct fk_cap *c, uint32_t magic)
{
	const uint8_t *p = c->buf + c->start;
	uint32_t snaplen, lt;
	int r;

	if ((r = fill(c, 24)) <= 0)
		return r < 0 ? r : fail(c, FK_CAP_DAMAGED, c->off + (c->end -
		    c->start), "file ends inside the pcap file header");
	p = c->buf + c->start;
	c->format = FK_CAP_PCAP;
	c->swap = magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS &&
	    magic != PCAP_MAGIC_KUZ;
	if (c->swap)
		magic = swap32(magic);
	c->nsec = magic == PCAP_MAGIC_NS;
	c->major = rd16(c, p + 4);
	c->minor = rd16(c, p + 6);
	snaplen = rd32(c, p + 16);
	lt = rd32(c, p + 20);
	if (c->major != 2)
		return fail(c, FK_CAP_DAMAGED, c->off + 4,
		    "unsupported pcap version %u.%u", c->major, c->minor);
	/* Wireshark reads these; libpcap refuses them.  Read, but say so. */
	if (c->minor > 4)
		snprintf(c->note, sizeof(c->note), "offset %llu: unknown pcap "
		    "version %u.%u, read as 2.4", (unsigned long long)c->off + 4,
		    c->major, c->minor);
	/* Bits 16-25 are reserved; 26-31 carry the FCS length. */
	if (lt & 0x03ff0000u)
		return fail(c, FK_CAP_DAMAGED, c->off + 20,
		    "reserved bits set in link type %#x", lt);
	add_if(c)->linktype = lt & 0xffff;
	c->ifs[0].snaplen = snaplen;
	c->ifs[0].tsresol = c->nsec ? 9 : 6;
	raise_maxcap(c, snaplen);
	consume(c, 24);
	c->ifs[0].tsoffset = 0;
	/* Kuznetsov's format: 8 more bytes per record header. */
	c->rechdr = magic == PCAP_MAGIC_KUZ ? 24 : 16;
	return 0;
}

static int
pcap_next(struct fk_cap *c, struct fk_cap_pkt *pkt)
{
	const uint8_t *p;
	uint32_t hlen = c->rechdr, caplen, len, sec, frac;
	int r;

	if ((r = fill(c, hlen)) <= 0) {
		if (r < 0)
			return r;
		if (c->end == c->start)
			return FK_CAP_EOF;
		return fail(c, FK_CAP_DAMAGED, c->off, "file ends inside a "
		    "packet header (%zu of %u bytes)", c->end - c->start, hlen);
	}
	p = c->buf + c->start;
	sec = rd32(c, p);
	frac = rd32(c, p + 4);
	caplen = rd32(c, p + 8);
	len = rd32(c, p + 12);
	if (c->minor < 3 || (c->minor == 3 && caplen > len)) {
		uint32_t t = caplen;	/* old files swapped the two */
		caplen = len;
		len = t;
	}
	if (caplen > c->maxcap)
		return fail(c, FK_CAP_DAMAGED, c->off, "packet claims %u "
		    "captured bytes (limit %u)", caplen, c->maxcap);
	if ((r = fill(c, (size_t)hlen + caplen)) <= 0)
		return r < 0 ? r : fail(c, FK_CAP_DAMAGED, c->off,
		    "file ends inside a packet (%zu of %u bytes)",
		    c->end - c->start - hlen, caplen);
	p = c->buf + c->start;
	pkt->ts_ns = (uint64_t)sec * 1000000000u +
	    (c->nsec ? frac : (uint64_t)frac * 1000u);
	pkt->linktype = c->ifs[0].linktype;
	pkt->origlen = len;
	pkt->caplen = caplen;
	pkt->ifindex = 0;
	pkt->data = p + hlen;
	pkt->offset = c->off;
	consume(c, (size_t)hlen + caplen);
	return FK_CAP_PACKET;
}

/* ---- pcapng */

/*
 * Walk the options in [p, p+len).  Return 0, or -1 with *bad the offset
 * (from p) of an option that does not fit.  For an IDB (ifp != NULL)
 * pick up if_tsresol and if_tsoffset.
 */
static int
ng_options(struct fk_cap *c, const uint8_t *p, size_t len,
    struct fk_cap_if *ifp, size_t *bad)
{
	size_t i = 0;

	while (i + 4 <= len) {
		uint16_t code = rd16(c, p + i), olen = rd16(c, p + i + 2);
		size_t padded = ((size_t)olen + 3) & ~(size_t)3;

		if (code == OPT_ENDOFOPT)
			return 0;
		if (padded > len - i - 4) {
			*bad = i;
			return -1;
		}
		if (ifp != NULL && code == OPT_IF_TSRESOL && olen >= 1)
			ifp->tsresol = p[i + 4];
		if (ifp != NULL && code == OPT_IF_TSOFFSET && olen >= 8)
			ifp->tsoffset = (int64_t)rd64(c, p + i + 4);
		i += 4 + padded;
	}
	return 0;
}

static const uint64_t pow10tab[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
	100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull,
	10000000000000000000ull,
};

/* Timestamp in if_tsresol units to ns since the epoch (wrapping as C does). */
static uint64_t
ng_ts(const struct fk_cap_if *ifp, uint64_t ts)
{
	uint8_t r = ifp->tsresol;
	uint64_t ns;

	if (r == 6)
		ns = ts * 1000u;
	else if (r == 9)
		ns = ts;
	else if (r & 0x80) {
		unsigned sh = r & 0x7f;

		if (sh >= 64)
			ns = 0;
		else {
			uint64_t sec = ts >> sh;
			uint64_t frac = ts & ((1ull << sh) - 1);

			/* frac * 1e9 must fit 64 bits: keep 34 bits of it. */
			if (sh > 34) {
				frac >>= sh - 34;
				sh = 34;
			}
			ns = sec * 1000000000u + ((frac * 1000000000u) >> sh);
		}
	} else if (r < 9)
		ns = ts * pow10tab[9 - r];
	else if (r - 9 < 20)
		ns = ts / pow10tab[r - 9];
	else
		ns = 0;
	return ns + (uint64_t)ifp->tsoffset * 1000000000u;
}

/*
 * Read a Section Header Block at buf[start] (its first 4 bytes known to
 * be the SHB type).  Sets the byte order; drops the previous section's
 * interfaces from the numbering (ids restart at 0 in each section).
 */
static int
ng_shb(struct fk_cap *c)
{
	const uint8_t *p;
	uint32_t bom, blen;
	size_t bad;
	int r;

	if ((r = fill(c, 28)) <= 0)
		return r < 0 ? r : fail(c, FK_CAP_DAMAGED, c->off,
		    "file ends inside a section header block");
	p = c->buf + c->start;
	bom = le32(p + 8);
	if (bom == NG_BOM)
		c->swap = 0;
	else if (bom == swap32(NG_BOM))
		c->swap = 1;
	else
		return fail(c, FK_CAP_DAMAGED, c->off + 8,
		    "bad pcapng byte-order magic %#x", bom);
	blen = rd32(c, p + 4);
	if (blen < 28 || blen % 4 != 0 || blen > HDR_MAX)
		return fail(c, FK_CAP_DAMAGED, c->off + 4,
		    "bad section header block length %u", blen);
	c->major = rd16(c, p + 12);
	c->minor = rd16(c, p + 14);
	if (c->major != 1 || (c->minor != 0 && c->minor != 2))
		return fail(c, FK_CAP_DAMAGED, c->off + 12,
		    "unsupported pcapng version %u.%u", c->major, c->minor);
	if ((r = fill(c, blen)) <= 0)
		return r < 0 ? r : fail(c, FK_CAP_DAMAGED, c->off,
		    "file ends inside a section header block");
	p = c->buf + c->start;
	if (rd32(c, p + blen - 4) != blen)
		return fail(c, FK_CAP_DAMAGED, c->off + blen - 4,
		    "section header block lengths differ (%u, %u)", blen,
		    rd32(c, p + blen - 4));
	if (ng_options(c, p + 24, blen - 28, NULL, &bad) < 0)
		return fail(c, FK_CAP_DAMAGED, c->off + 24 + bad,
		    "section header option does not fit its block");
	c->format = FK_CAP_PCAPNG;
	c->ifbase = c->nif;
	consume(c, blen);
	return 0;
}

static int
ng_idb(struct fk_cap *c, const uint8_t *p, uint32_t blen)
{
	struct fk_cap_if *ifp;
	size_t bad;

	if (blen < 20)
		return fail(c, FK_CAP_DAMAGED, c->off + 4,
		    "interface description block too short (%u)", blen);
	if (c->nif >= FK_CAP_MAXIF)
		return fail(c, FK_CAP_DAMAGED, c->off,
		    "more than %u interfaces", FK_CAP_MAXIF);
	ifp = add_if(c);
	ifp->linktype = rd16(c, p + 8);
	ifp->snaplen = rd32(c, p + 12);
	if (ng_options(c, p + 16, blen - 20, ifp, &bad) < 0)
		return fail(c, FK_CAP_DAMAGED, c->off + 16 + bad,
		    "interface option does not fit its block");
	raise_maxcap(c, ifp->snaplen);
	return 0;
}

static int
ng_next(struct fk_cap *c, struct fk_cap_pkt *pkt)
{
	for (;;) {
		const uint8_t *p;
		uint32_t type, blen, limit, ifid, caplen, origlen;
		uint64_t ts, boff = c->off;
		int r;

		if ((r = fill(c, 12)) <= 0) {
			if (r < 0)
				return r;
			if (c->end == c->start)
				return FK_CAP_EOF;
			return fail(c, FK_CAP_DAMAGED, c->off, "file ends "
			    "inside a block header (%zu of 12 bytes)",
			    c->end - c->start);
		}
		p = c->buf + c->start;
		type = rd32(c, p);
		if (type == NG_SHB) {
			if ((r = ng_shb(c)) < 0)
				return r;
			continue;
		}
		blen = rd32(c, p + 4);
		if (blen < 12 || blen % 4 != 0)
			return fail(c, FK_CAP_DAMAGED, c->off + 4,
			    "bad block length %u (block type %#x)", blen, type);
		if (type != NG_IDB && type != NG_PB && type != NG_SPB &&
		    type != NG_EPB) {
			/* Skip it, then check the trailing length. */
			if ((r = skip(c, blen - 4)) <= 0)
				goto short_block;
			if ((r = fill(c, 4)) <= 0)
				goto short_block;
			if (rd32(c, c->buf + c->start) != blen)
				return fail(c, FK_CAP_DAMAGED, boff, "block "
				    "lengths differ (%u, %u, block type %#x)",
				    blen, rd32(c, c->buf + c->start), type);
			consume(c, 4);
			continue;
		}
		limit = type == NG_IDB ? HDR_MAX : c->maxcap + BLOCK_EXTRA;
		if (blen > limit)
			return fail(c, FK_CAP_DAMAGED, c->off + 4,
			    "block length %u too large (limit %u, block type "
			    "%#x)", blen, limit, type);
		if ((r = fill(c, blen)) <= 0)
			goto short_block;
		p = c->buf + c->start;
		if (rd32(c, p + blen - 4) != blen)
			return fail(c, FK_CAP_DAMAGED, c->off + blen - 4,
			    "block lengths differ (%u, %u, block type %#x)",
			    blen, rd32(c, p + blen - 4), type);
		if (type == NG_IDB) {
			if ((r = ng_idb(c, p, blen)) < 0)
				return r;
			consume(c, blen);
			continue;
		}
		if (type == NG_SPB) {
			if (blen < 16)
				return fail(c, FK_CAP_DAMAGED, c->off + 4,
				    "simple packet block too short (%u)", blen);
			if (c->nif == c->ifbase)
				return fail(c, FK_CAP_DAMAGED, c->off,
				    "simple packet block without an interface");
			ifid = 0;
			origlen = rd32(c, p + 8);
			caplen = origlen;
			if (c->ifs[c->ifbase].snaplen != 0 &&
			    caplen > c->ifs[c->ifbase].snaplen)
				caplen = c->ifs[c->ifbase].snaplen;
			if (caplen > blen - 16)
				caplen = blen - 16;
			pkt->data = p + 12;
			pkt->ts_ns = c->last_ts;
		} else {
			/* EPB: if 32, ts 32+32, caplen, origlen; PB: if 16,
			 * drops 16, ts 32+32, caplen, origlen. */
			if (blen < 32)
				return fail(c, FK_CAP_DAMAGED, c->off + 4,
				    "packet block too short (%u)", blen);
			ifid = type == NG_EPB ? rd32(c, p + 8) : rd16(c, p + 8);
			ts = (uint64_t)rd32(c, p + 12) << 32 | rd32(c, p + 16);
			caplen = rd32(c, p + 20);
			origlen = rd32(c, p + 24);
			if (caplen > blen - 32)
				return fail(c, FK_CAP_DAMAGED, c->off + 20,
				    "packet claims %u captured bytes, block "
				    "holds %u", caplen, blen - 32);
			if (caplen > c->maxcap)
				return fail(c, FK_CAP_DAMAGED, c->off + 20,
				    "packet claims %u captured bytes (limit "
				    "%u)", caplen, c->maxcap);
			if (ifid >= c->nif - c->ifbase)
				return fail(c, FK_CAP_DAMAGED, c->off + 8,
				    "packet on interface %u, section has %u",
				    ifid, c->nif - c->ifbase);
			pkt->data = p + 28;
			pkt->ts_ns = ng_ts(&c->ifs[c->ifbase + ifid], ts);
			c->last_ts = pkt->ts_ns;
		}
		pkt->linktype = c->ifs[c->ifbase + ifid].linktype;
		pkt->ifindex = c->ifbase + ifid;
		pkt->origlen = origlen;
		pkt->caplen = caplen;
		pkt->offset = c->off;
		consume(c, blen);
		return FK_CAP_PACKET;
short_block:
		if (r < 0)
			return r;
		return fail(c, FK_CAP_DAMAGED, boff, "file ends inside a "
		    "block (block type %#x, length %u)", type, blen);
	}
}

/* ---- entry points */

static int
open_common(struct fk_cap *c, uint32_t maxcap_hint)
{
	uint32_t magic;
	int r;

	c->maxcap = FK_CAP_MAXCAP_DEFAULT;
	raise_maxcap(c, maxcap_hint);
	if ((r = fill(c, 4)) <= 0) {
		if (r < 0)
			return r;
		if (c->end == c->start)
			return fail(c, FK_CAP_DAMAGED, 0, "empty file (no "
			    "capture file header)");
		return fail(c, FK_CAP_DAMAGED, 0, "file too short "
		    "(%zu bytes) for a capture file header", c->end - c->start);
	}
	magic = le32(c->buf + c->start);
	switch (magic) {
	case PCAP_MAGIC_US:
	case PCAP_MAGIC_NS:
	case PCAP_MAGIC_KUZ:
	case 0xd4c3b2a1u:
	case 0x4d3cb2a1u:
	case 0x34cdb2a1u:
		return pcap_header(c, magic);
	case NG_SHB:
		return ng_shb(c);
	}
	return fail(c, FK_CAP_DAMAGED, 0, "not a pcap or pcapng file "
	    "(magic %02x %02x %02x %02x)", c->buf[c->start],
	    c->buf[c->start + 1], c->buf[c->start + 2], c->buf[c->start + 3]);
}

int
fk_cap_open(struct fk_cap *c, fk_cap_readfn rd, void *ctx, const char *name,
    uint32_t maxcap_hint)
{
	memset(c, 0, sizeof(*c));
	c->rd = rd;
	c->ctx = ctx;
	c->name = name;
	c->cap = 2 * CHUNK;
	c->buf = fk_malloc(c->cap);
	return open_common(c, maxcap_hint);
}

int
fk_cap_open_mem(struct fk_cap *c, const void *p, size_t len, const char *name,
    uint32_t maxcap_hint)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->mem = p;
	c->buf = (uint8_t *)(uintptr_t)p;
	c->cap = c->end = len;
	c->eof = 1;
	return open_common(c, maxcap_hint);
}

int
fk_cap_next(struct fk_cap *c, struct fk_cap_pkt *pkt)
{
	int r;

	if (c->state != 0)
		return c->state;
	switch (c->format) {
	case FK_CAP_PCAP:
		r = pcap_next(c, pkt);
		break;
	case FK_CAP_PCAPNG:
		r = ng_next(c, pkt);
		break;
	default:
		return FK_CAP_DAMAGED;
	}
	if (r == FK_CAP_PACKET)
		c->npkt++;
	else if (r < 0)
		c->state = r;
	return r;
}

void
fk_cap_close(struct fk_cap *c)
{
	if (c->mem == NULL)
		free(c->buf);
	free(c->ifs);
	c->buf = NULL;
	c->ifs = NULL;
}

const char *
fk_cap_formatname(const struct fk_cap *c)
{
	switch (c->format) {
	case FK_CAP_PCAP:
		return c->nsec ? "pcap-ns" : "pcap";
	case FK_CAP_PCAPNG:
		return "pcapng";
	default:
		return "unknown";
	}
}
