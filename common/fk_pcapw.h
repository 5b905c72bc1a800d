/*
 * fk_pcapw.h - writing classic pcap files (pcap-savefile(5)).
 *
 * Files are little-endian, version 2.4, snap length FK_PCAPW_SNAPLEN;
 * microsecond (magic a1b2c3d4) or nanosecond (a1b23c4d) timestamps.
 * The functions only encode headers; the caller writes them.
 */
#ifndef FK_PCAPW_H
#define FK_PCAPW_H

#include <stdint.h>

#define FK_PCAPW_HDR_LEN	24
#define FK_PCAPW_REC_LEN	16
#define FK_PCAPW_SNAPLEN	262144

/* 1 if a timestamp needs a nanosecond file (it is not whole µs). */
static inline int
fk_pcapw_needs_ns(uint64_t ts_ns)
{
	return ts_ns % 1000 != 0;
}

/* The file header. */
void fk_pcapw_hdr(uint8_t out[FK_PCAPW_HDR_LEN], uint32_t linktype, int ns);
/* A packet header; ns selects the unit of the sub-second field. */
void fk_pcapw_rec(uint8_t out[FK_PCAPW_REC_LEN], uint64_t ts_ns,
    uint32_t caplen, uint32_t origlen, int ns);

/*
 * Turn a microsecond file written with these functions into a
 * nanosecond one in place (fd open for reading and writing, `size`
 * bytes long): the magic and each record's sub-second field change, no
 * length does.  0, or -1 with errno set (EINVAL: not such a file).
 */
int fk_pcapw_to_ns(int fd, uint64_t size);

#endif
