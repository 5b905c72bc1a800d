/* fk_pcapw.c - classic pcap writing, see fk_pcapw.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fk_pcapw.h"
#include "fk_record.h"

#define MAGIC_US	0xa1b2c3d4u
#define MAGIC_NS	0xa1b23c4du

void
fk_pcapw_hdr(uint8_t out[FK_PCAPW_HDR_LEN], uint32_t linktype, int ns)
{
	fk_put32(out, ns ? MAGIC_NS : MAGIC_US);
	fk_put16(out + 4, 2);
	fk_put16(out + 6, 4);
	fk_put32(out + 8, 0);		/* thiszone */
	fk_put32(out + 12, 0);		/* sigfigs */
	fk_put32(out + 16, FK_PCAPW_SNAPLEN);
	fk_put32(out + 20, linktype);
}

void
fk_pcapw_rec(uint8_t out[FK_PCAPW_REC_LEN], uint64_t ts_ns, uint32_t caplen,
    uint32_t origlen, int ns)
{
	uint64_t sec = ts_ns / 1000000000u, frac = ts_ns % 1000000000u;

	/* pcap has 32-bit seconds: beyond 2106 they wrap, as everywhere */
	fk_put32(out, (uint32_t)sec);
	fk_put32(out + 4, (uint32_t)(ns ? frac : frac / 1000));
	fk_put32(out + 8, caplen);
	fk_put32(out + 12, origlen < caplen ? caplen : origlen);
}

static int
rd(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while ((n = pread(fd, buf, len, (off_t)off)) != (ssize_t)len) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0)
			errno = EINVAL;
		return -1;
	}
	return 0;
}

static int
wr(int fd, const void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while ((n = pwrite(fd, buf, len, (off_t)off)) != (ssize_t)len) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
fk_pcapw_to_ns(int fd, uint64_t size)
{
	uint8_t h[FK_PCAPW_HDR_LEN], r[FK_PCAPW_REC_LEN];
	uint64_t off;

	if (size < FK_PCAPW_HDR_LEN || rd(fd, h, sizeof(h), 0) < 0)
		return -1;
	if (fk_le32(h) == MAGIC_NS)
		return 0;
	if (fk_le32(h) != MAGIC_US) {
		errno = EINVAL;
		return -1;
	}
	for (off = FK_PCAPW_HDR_LEN; off < size; ) {
		if (size - off < FK_PCAPW_REC_LEN ||
		    rd(fd, r, sizeof(r), off) < 0) {
			errno = EINVAL;
			return -1;
		}
		fk_put32(r + 4, fk_le32(r + 4) * 1000);
		if (wr(fd, r, sizeof(r), off) < 0)
			return -1;
		off += FK_PCAPW_REC_LEN + (uint64_t)fk_le32(r + 8);
	}
	fk_put32(h, MAGIC_NS);
	return wr(fd, h, sizeof(h), 0);
}
