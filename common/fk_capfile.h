/*
 * fk_capfile.h - a capture file reader: pcap and pcapng, no libpcap.
 *
 * The reader pulls bytes from a callback (a file descriptor, a gzFile,
 * a memory buffer for fuzzing) into one large buffer and hands out
 * packets zero-copy: pkt->data points into that buffer and stays valid
 * until the next call.  Every length read from the file is checked
 * against the block or record that holds it and against a sane maximum,
 * so hostile input ends in an error naming the byte offset, never in a
 * crash, a hang or unbounded memory.
 *
 * Formats: pcap (both byte orders, microsecond magic 0xa1b2c3d4 and
 * nanosecond magic 0xa1b23c4d), pcapng (both byte orders, several
 * sections, several interfaces with their own link types, if_tsresol as
 * a power of 10 or of 2, if_tsoffset; Enhanced, Simple and obsolete
 * Packet Blocks; other blocks are skipped).  Decompression is the byte
 * source's business: offsets are those of the bytes the source returns.
 */
#ifndef FK_CAPFILE_H
#define FK_CAPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Packets longer than this are damage, unless the file's snaplen is larger. */
#define FK_CAP_MAXCAP_DEFAULT	(256u * 1024)
/* ... and never longer than this, whatever the snaplen says. */
#define FK_CAP_MAXCAP_LIMIT	(16u * 1024 * 1024)
/* Interfaces (IDBs) in one file; the interface id fits in 16 bits. */
#define FK_CAP_MAXIF		65536u

/*
 * The byte source: read up to len bytes into buf.  Return the count
 * (> 0), 0 at end of input, -1 for an I/O error (errno set), -2 when
 * the source itself is damaged (e.g. a corrupt gzip stream), -3 for an
 * I/O error said in why; for -2 and -3, put a message in why.
 */
typedef ssize_t (*fk_cap_readfn)(void *ctx, void *buf, size_t len,
    char *why, size_t whylen);

enum fk_cap_format {
	FK_CAP_NONE = 0,
	FK_CAP_PCAP,
	FK_CAP_PCAPNG,
};

/* Return values of fk_cap_next(). */
#define FK_CAP_PACKET	1	/* a packet in *pkt */
#define FK_CAP_EOF	0	/* clean end of input */
#define FK_CAP_DAMAGED	(-1)	/* damaged input; message in cap->err */
#define FK_CAP_IOERR	(-2)	/* read error; message in cap->err */

struct fk_cap_if {
	uint32_t linktype;	/* low 16 bits of the file's link type */
	uint32_t snaplen;
	uint8_t tsresol;	/* pcapng if_tsresol: 10^-n s, or 2^-n s if
				   the top bit is set; default 6 */
	int64_t tsoffset;	/* seconds added to every timestamp */
};

struct fk_cap_pkt {
	uint64_t ts_ns;		/* ns since the epoch */
	uint32_t linktype;	/* LINKTYPE_* of the packet's interface */
	uint32_t origlen;	/* length on the wire */
	uint32_t caplen;	/* bytes in data */
	uint32_t ifindex;	/* interface number in the file (from 0) */
	const uint8_t *data;
	uint64_t offset;	/* file offset of the record or block */
};

struct fk_cap {
	fk_cap_readfn rd;
	void *ctx;
	const char *name;
	/* Buffer: valid bytes are buf[start, end); buf[start] is at offset off. */
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t off;
	int eof;
	const uint8_t *mem;	/* fk_cap_open_mem: read in place */
	enum fk_cap_format format;
	int swap;		/* file (section) byte order differs from LE */
	int nsec;		/* pcap: nanosecond timestamps */
	uint32_t maxcap;	/* longest packet accepted */
	uint32_t major, minor;	/* pcap or current SHB version */
	uint32_t rechdr;	/* pcap: record header length (16, or 24) */
	int state;		/* 0, or the error fk_cap_next() repeats */
	/* pcap: the one interface; pcapng: the interfaces of the file. */
	struct fk_cap_if *ifs;
	uint32_t nif, ifcap;
	uint32_t ifbase;	/* first interface of the current section */
	uint64_t last_ts;	/* for Simple Packet Blocks, which have none */
	uint64_t npkt;
	char err[256];		/* "offset N: what" after an error */
	/*
	 * Set when the file breaks the format in a way the reader works
	 * around (an unknown pcap minor version): the packets are all read,
	 * but the caller should report the file as damaged at the end.
	 */
	char note[160];
};

/*
 * Open a reader on a byte source and read the file header.  Return 0,
 * or FK_CAP_DAMAGED / FK_CAP_IOERR with cap->err set (an empty source
 * is damaged: a capture file always has a header).  maxcap_hint is a
 * caller's snaplen (0: none); it may raise the packet size limit as the
 * file's own snaplen does.  fk_cap_close() must be called either way.
 */
int fk_cap_open(struct fk_cap *, fk_cap_readfn, void *ctx, const char *name,
    uint32_t maxcap_hint);
/*
 * The same over bytes in memory (a mapped file; fuzzing): no copy, the
 * bytes must outlive the reader, and pkt->data points into them.
 */
int fk_cap_open_mem(struct fk_cap *, const void *, size_t, const char *name,
    uint32_t maxcap_hint);
/* Next packet: FK_CAP_PACKET, FK_CAP_EOF, FK_CAP_DAMAGED or FK_CAP_IOERR. */
int fk_cap_next(struct fk_cap *, struct fk_cap_pkt *);
void fk_cap_close(struct fk_cap *);
/* "pcap", "pcap-ns", "pcapng" or "unknown". */
const char *fk_cap_formatname(const struct fk_cap *);

#endif
