/*
 * fk_record.h - the flowkit record stream, see flowkit-records(5).
 *
 * This header mirrors man/flowkit-records.5; the two change together.
 * Every multi-byte integer on the wire is little-endian, whatever the
 * host.  A stream is a 16-byte stream header followed by records; each
 * record is an 8-byte record header (type, flags, body length) and a
 * body.  Readers must pass record types they do not consume through
 * unchanged, and must ignore body bytes past the fields they know
 * (a minor version may append fields to a body).
 */
#ifndef FK_RECORD_H
#define FK_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FK_MAGIC		"FLOWKIT\0"	/* 8 bytes */
#define FK_MAGIC_LEN		8
#define FK_VERSION_MAJOR	1
#define FK_VERSION_MINOR	2	/* 1: END records; 2: FILE, references */
#define FK_STREAM_HDR_LEN	16
#define FK_REC_HDR_LEN		8
/* A record whose type field reads 'F','L' is the start of a stream header. */
#define FK_TYPE_STREAMHDR	0x4c46
/* Largest body a reader accepts; larger is a garbled stream. */
#define FK_REC_MAX_BODY		(64u * 1024 * 1024)

enum fk_rec_type {
	FK_REC_PACKET		= 0x0001,
	FK_REC_FLOW_OPEN	= 0x0002,
	FK_REC_DATA		= 0x0003,
	FK_REC_GAP		= 0x0004,
	FK_REC_OVERLAP		= 0x0005,
	FK_REC_FLOW_CLOSE	= 0x0006,
	FK_REC_FLOW_NAME	= 0x0007,
	FK_REC_STATS		= 0x0008,
	FK_REC_END		= 0x0009,	/* minor version 1 */
	FK_REC_FILE		= 0x000a,	/* minor version 2 */
	/* 0x0100-0x01ff: application layer (httpsplit and friends). */
	FK_REC_HTTP		= 0x0100,
	/* 0x8000-0xfffe: private / experimental, never assigned here. */
};

/*
 * Record header flags.  FK_RF_REF (minor version 2): the body's last
 * FK_REF_LEN bytes are a reference (file id 0/4, length 4/4, offset
 * 8/8) to bytes of a capture file announced by a FILE record; the
 * record is the one whose body is the rest followed by those bytes.
 * The reader resolves it (see fk_rec.ref); a stage sees the same fields.
 */
#define FK_RF_REF		0x0001
#define FK_REF_LEN		16

/* Directions of a flow: A is the side that opened it (see fk_open). */
#define FK_DIR_AB	0
#define FK_DIR_BA	1

/* fk_open.opener */
enum fk_opener {
	FK_OPEN_SYN	 = 1,	/* A sent the first SYN */
	FK_OPEN_SYNACK	 = 2,	/* first seen was B's SYN+ACK; A inferred */
	FK_OPEN_MIDSTREAM = 3,	/* no handshake seen; A sent the first packet */
};

/* fk_open.flags */
#define FK_OPEN_F_VLAN		0x0001	/* vlan is valid */
#define FK_OPEN_F_VLAN2		0x0002	/* vlan_inner is valid (QinQ) */
#define FK_OPEN_F_ETH		0x0004	/* eth_a/eth_b are valid */
#define FK_OPEN_F_PORTREUSE	0x0008	/* 4-tuple seen before in this run */
#define FK_OPEN_F_TUNNEL	0x0010	/* tunneled: the tun_* fields are valid */

/* fk_close.reason */
enum fk_close_reason {
	FK_CLOSE_FIN	 = 1,	/* both FINs seen and all data up to them */
	FK_CLOSE_RST	 = 2,
	FK_CLOSE_TIMEOUT = 3,	/* idle longer than the idle timeout */
	FK_CLOSE_END	 = 4,	/* end of input */
	FK_CLOSE_EVICT	 = 5,	/* evicted to respect the flow cap */
	FK_CLOSE_REUSE	 = 6,	/* a new connection reused the 4-tuple */
	/*
	 * The input stopped while the flow was open: the capture was
	 * interrupted, or an earlier stage failed (see END): the flow may
	 * have gone on, its outputs are incomplete.
	 */
	FK_CLOSE_STOPPED = 7,
};

/* PACKET: one captured frame. */
struct fk_packet {
	uint64_t ts_ns;		/* capture time, ns since the Unix epoch */
	uint32_t linktype;	/* LINKTYPE_* as in pcap-linktype(7) */
	uint32_t origlen;	/* length on the wire */
	uint32_t ifindex;	/* pcapng interface / input file index */
	uint32_t caplen;	/* bytes in data: body length - FK_PACKET_FIXED */
	const uint8_t *data;
};
#define FK_PACKET_FIXED	24

/* FLOW_OPEN: a new TCP connection. */
struct fk_open {
	uint64_t flow_id;	/* unique in the stream, never 0 */
	uint64_t ts_ns;		/* time of its first packet */
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* 6 = TCP */
	uint8_t opener;		/* enum fk_opener */
	uint16_t flags;		/* FK_OPEN_F_* */
	uint16_t vlan;		/* outer 802.1Q VLAN id */
	uint16_t vlan_inner;	/* inner VLAN id (QinQ) */
	uint16_t port_a, port_b;
	uint8_t addr_a[16], addr_b[16];	/* IPv4 in the first 4 bytes */
	uint8_t eth_a[6], eth_b[6];	/* MAC addresses, if FK_OPEN_F_ETH */
	uint32_t ifindex;
	/*
	 * If FK_OPEN_F_TUNNEL (minor version 1; the body is then
	 * FK_OPEN_TUNNEL_LEN bytes long): the outermost tunnel's type
	 * (FK_TUN_* of fk_decode.h), the tunnel id that keys the flow, and
	 * the outer IP addresses at A's and B's ends of the tunnel.
	 */
	uint8_t tun_type;
	uint8_t tun_family;		/* 4 or 6 */
	uint64_t tun_id;
	uint8_t tun_addr_a[16], tun_addr_b[16];
};
#define FK_OPEN_FIXED	80
#define FK_OPEN_TUNNEL_LEN	128

/* DATA: in-order stream bytes of one direction. */
struct fk_data {
	uint64_t flow_id;
	uint8_t dir;		/* FK_DIR_AB or FK_DIR_BA */
	uint8_t flags;		/* reserved, 0 */
	uint64_t offset;	/* stream offset of data[0] */
	uint64_t ts_ns;		/* capture time of the segment that carried it */
	uint32_t len;		/* bytes in data: body length - FK_DATA_FIXED */
	const uint8_t *data;
};
#define FK_DATA_FIXED	32

/* GAP: bytes [offset, offset+len) of a direction were never seen. */
struct fk_gap {
	uint64_t flow_id;
	uint8_t dir;
	uint8_t reason;		/* enum fk_gap_reason */
	uint64_t offset;
	uint64_t len;
	uint64_t ts_ns;		/* when the gap was given up on */
};
#define FK_GAP_FIXED	40

enum fk_gap_reason {
	FK_GAP_LOST	= 1,	/* later data arrived, the hole never filled */
	FK_GAP_BUFFER	= 2,	/* per-flow buffer cap forced delivery */
	FK_GAP_CLOSE	= 3,	/* flow closed with a hole before FIN/last data */
};

/*
 * OVERLAP: a segment repeated bytes already delivered or buffered but with
 * different content.  The first copy wins; data carries the losing copy.
 */
struct fk_overlap {
	uint64_t flow_id;
	uint8_t dir;
	uint8_t flags;
	uint64_t offset;
	uint64_t ts_ns;
	uint32_t len;		/* bytes in data (the rejected copy) */
	const uint8_t *data;
};
#define FK_OVERLAP_FIXED 32

/* Per-direction counters carried by FLOW_CLOSE. */
struct fk_dirstats {
	uint64_t packets;	/* TCP segments seen */
	uint64_t wire_bytes;	/* sum of frame (original) lengths */
	uint64_t bytes;		/* stream bytes delivered as DATA */
	uint64_t gap_bytes;	/* bytes reported in GAP records */
	uint64_t retrans_bytes;	/* payload bytes that repeated known data */
	uint64_t ooo_packets;	/* segments that arrived ahead of a hole */
	uint64_t overlaps;	/* OVERLAP records emitted */
	uint64_t last_ts_ns;	/* time of the last segment */
};
#define FK_DIRSTATS_LEN	64

/* FLOW_CLOSE: the flow ends; no records for flow_id follow. */
struct fk_close {
	uint64_t flow_id;
	uint64_t ts_ns;		/* time of the flow's last packet */
	uint8_t reason;		/* enum fk_close_reason */
	struct fk_dirstats dir[2];
};
#define FK_CLOSE_FIXED	(24 + 2 * FK_DIRSTATS_LEN)

/* FLOW_NAME: a name for one direction of a flow (flowname). */
struct fk_name {
	uint64_t flow_id;
	uint8_t dir;
	uint32_t len;		/* bytes in name: body length - FK_NAME_FIXED */
	const char *name;	/* not NUL-terminated */
};
#define FK_NAME_FIXED	16

/*
 * HTTP: one HTTP message (httpsplit).  Offsets are stream offsets in
 * direction dir of flow_id.  The variable part is five NUL-terminated
 * strings: body file (relative to httpsplit's -o DIR, "" if none
 * written), method ("" for a response), URI (request) or reason
 * (response), Content-Type, Host.
 */
struct fk_http {
	uint64_t flow_id;
	uint8_t dir;
	uint8_t kind;		/* FK_HTTP_REQUEST or FK_HTTP_RESPONSE */
	uint16_t flags;		/* FK_HTTP_F_* */
	uint16_t status;	/* response status code, 0 for requests */
	uint32_t seq;		/* message number within the flow, from 0 */
	uint64_t hdr_offset;	/* first byte of the start line */
	uint64_t body_offset;	/* first body byte (after headers) */
	uint64_t body_len;	/* body bytes on the wire (chunk framing incl.) */
	uint64_t decoded_len;	/* body bytes after de-chunking and decoding */
	uint64_t ts_ns;		/* time of the segment that started it */
	uint32_t varlen;
	const char *var;	/* the five strings, see above */
};
#define FK_HTTP_FIXED	64
#define FK_HTTP_REQUEST		1
#define FK_HTTP_RESPONSE	2
#define FK_HTTP_F_INCOMPLETE	0x0001	/* body crossed a gap or was cut */
#define FK_HTTP_F_CHUNKED	0x0002
#define FK_HTTP_F_GZIP		0x0004	/* Content-Encoding gzip */
#define FK_HTTP_F_DEFLATE	0x0008	/* Content-Encoding deflate */
#define FK_HTTP_F_DECODE_ERR	0x0010	/* decoding failed; raw body kept */
#define FK_HTTP_F_BR		0x0020	/* Content-Encoding br */
#define FK_HTTP_F_ZSTD		0x0040	/* Content-Encoding zstd */
#define FK_HTTP_F_CODING_UNKNOWN 0x0080	/* a coding not known: kept encoded */
#define FK_HTTP_F_SWITCHED	0x0100	/* 101 or 2xx to CONNECT: not HTTP after */

/* STATS: "key=value" text lines a stage reports (counters). */
struct fk_stats {
	uint32_t len;
	const char *text;	/* "stage.key=value\n" lines */
};

/*
 * END: the last record of a stream (minor version 1), written by every
 * stage when it closes its output.  A minor-1 stream that ends without
 * it was cut short: the stage writing it died.  status says whether the
 * stream holds all it should; code is the worst exit status of the
 * stages before (0 if none failed); text names the first failure
 * ("pcapcat: x.pcap: No such file or directory"), or is empty.
 */
struct fk_end {
	uint8_t status;		/* enum fk_end_status */
	uint8_t code;
	uint32_t len;		/* bytes in text: body length - FK_END_FIXED */
	const char *text;	/* not NUL-terminated */
};
#define FK_END_FIXED	8

enum fk_end_status {
	FK_END_COMPLETE	   = 0,	/* every record the input gave */
	FK_END_INTERRUPTED = 1,	/* the source was stopped (SIGINT/SIGTERM) */
	FK_END_INCOMPLETE  = 2,	/* a stage failed or was killed: cut short */
};

/*
 * FILE: a capture file whose bytes later records refer to (FK_RF_REF),
 * as its reader opened it: the id binds it until another FILE record
 * with that id.  The path is absolute; identity: a reader opens the
 * path and refuses a different device, inode or machine, a smaller
 * size, or the same size with another modification time.
 */
struct fk_file {
	uint32_t id;		/* never 0 */
	uint64_t size;		/* bytes, when announced */
	uint64_t mtime_ns;	/* modification time, ns since the epoch */
	uint64_t dev, ino;
	uint8_t machine[16];	/* /etc/machine-id, or zeros */
	uint32_t pathlen;
	const char *path;	/* not NUL-terminated */
};
#define FK_FILE_FIXED	64

/* Room for the decoded body of any record type above. */
union fk_body {
	struct fk_packet p;
	struct fk_open o;
	struct fk_data d;
	struct fk_gap g;
	struct fk_overlap v;
	struct fk_close c;
	struct fk_name n;
	struct fk_http h;
	struct fk_end e;
	struct fk_file f;
};

/*
 * The structs above are the decoded, host-order form; their wire layout
 * (offsets and sizes) is the table in flowkit-records(5), not the C
 * layout.  The *_FIXED constants are the wire sizes of the fixed parts.
 */

/*
 * A raw record as read from a stream.  A reference (FK_RF_REF) is
 * resolved by the reader: ref..ref+reflen are the bytes that follow
 * body[0..len - FK_REF_LEN) in the record it stands for (the decoders
 * use them; fk_out_copy() passes the reference on, or writes the
 * bytes).  ref is NULL for any other record.
 */
struct fk_rec {
	uint16_t type;
	uint16_t flags;
	uint32_t len;		/* body length, as on the wire */
	const uint8_t *body;	/* valid until the next read */
	uint64_t offset;	/* stream offset of the record header */
	const uint8_t *ref;	/* FK_RF_REF: the bytes, valid as body */
	uint32_t reflen;
};

/* Little-endian accessors. */
static inline uint16_t fk_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t fk_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}
static inline uint64_t fk_le64(const uint8_t *p)
{
	return (uint64_t)fk_le32(p) | (uint64_t)fk_le32(p + 4) << 32;
}
static inline void fk_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void fk_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline void fk_put64(uint8_t *p, uint64_t v)
{
	fk_put32(p, (uint32_t)v);
	fk_put32(p + 4, (uint32_t)(v >> 32));
}

/*
 * Decoders: fill *out from a record body.  Return 0, or -1 if the body is
 * shorter than its fixed part or its variable part does not fit (the
 * caller reports a garbled stream at rec->offset).  Pointers in *out point
 * into rec->body.
 */
int fk_packet_decode(const struct fk_rec *, struct fk_packet *);
/* FLOW_OPEN: also -2 for flow id 0, which no flow has. */
int fk_open_decode(const struct fk_rec *, struct fk_open *);
int fk_data_decode(const struct fk_rec *, struct fk_data *);
int fk_gap_decode(const struct fk_rec *, struct fk_gap *);
int fk_overlap_decode(const struct fk_rec *, struct fk_overlap *);
int fk_close_decode(const struct fk_rec *, struct fk_close *);
int fk_name_decode(const struct fk_rec *, struct fk_name *);
int fk_http_decode(const struct fk_rec *, struct fk_http *);
int fk_end_decode(const struct fk_rec *, struct fk_end *);
int fk_file_decode(const struct fk_rec *, struct fk_file *);
/*
 * The variable part of a body whose fixed part is `fixed` bytes: in the
 * body, or the bytes a reference stands for (read then, see fk_ref.h;
 * NULL, with their length, if rec->ref is fk_ref_unread: a stage that
 * wants no bytes).  -1 if the body is shorter.
 */
extern const uint8_t fk_ref_unread[1];
int fk_rec_var(const struct fk_rec *, size_t fixed, const uint8_t **p,
    uint32_t *n);

/*
 * Encoders: append one record to an output stream (see fk_io.h).
 * Variable parts (packet bytes, stream bytes, names) come from the
 * struct's data/name pointer and len/caplen.
 */
struct fk_out;
void fk_packet_emit(struct fk_out *, const struct fk_packet *);
void fk_open_emit(struct fk_out *, const struct fk_open *);
void fk_data_emit(struct fk_out *, const struct fk_data *);
void fk_gap_emit(struct fk_out *, const struct fk_gap *);
void fk_overlap_emit(struct fk_out *, const struct fk_overlap *);
void fk_close_emit(struct fk_out *, const struct fk_close *);
void fk_name_emit(struct fk_out *, const struct fk_name *);
void fk_http_emit(struct fk_out *, const struct fk_http *);
void fk_stats_emit(struct fk_out *, const char *text, size_t len);
void fk_end_emit(struct fk_out *, const struct fk_end *);
void fk_file_emit(struct fk_out *, const struct fk_file *);

/*
 * The fixed part of a body into b, as the emitters write it (reserved
 * bytes 0; FLOW_OPEN's tunnel fields only with FK_OPEN_F_TUNNEL);
 * returns its length, at most FK_REC_FIXED_MAX.  The variable part
 * follows it on the wire.
 */
#define FK_REC_FIXED_MAX	FK_CLOSE_FIXED
size_t fk_packet_encode(uint8_t *b, const struct fk_packet *);
size_t fk_open_encode(uint8_t *b, const struct fk_open *);
size_t fk_data_encode(uint8_t *b, const struct fk_data *);
size_t fk_gap_encode(uint8_t *b, const struct fk_gap *);
size_t fk_overlap_encode(uint8_t *b, const struct fk_overlap *);
size_t fk_close_encode(uint8_t *b, const struct fk_close *);
size_t fk_name_encode(uint8_t *b, const struct fk_name *);
size_t fk_http_encode(uint8_t *b, const struct fk_http *);
size_t fk_end_encode(uint8_t *b, const struct fk_end *);
size_t fk_file_encode(uint8_t *b, const struct fk_file *);
/*
 * 1 if a record of a known type is what its decoded fields encode to:
 * it decodes, its reserved bytes are 0 and its body holds no bytes past
 * the fields of this version (a STATS record always is); 0 otherwise,
 * and for unknown types.
 */
int fk_rec_canonical(const struct fk_rec *);

/*
 * Building a STATS body line by line: fk_stats_begin("reasm"), then
 * fk_stats_add(&sb, n, "skipped.%s", name) appends "reasm.skipped.x=n\n",
 * fk_stats_end() emits the record (and copies the text to `also`, e.g.
 * stderr for -v, when not NULL).
 */
struct fk_statsbuf {
	FILE *m;
	char *text;
	size_t len;
	const char *stage;
};
void fk_stats_begin(struct fk_statsbuf *, const char *stage);
void fk_stats_add(struct fk_statsbuf *, uint64_t value, const char *keyfmt,
    ...) __attribute__((format(printf, 3, 4)));
void fk_stats_end(struct fk_statsbuf *, struct fk_out *, FILE *also);

/* Name of a record type ("PACKET"), or NULL if not assigned. */
const char *fk_rec_typename(uint16_t type);
const char *fk_close_reasonname(uint8_t reason);
const char *fk_end_statusname(uint8_t status);

#endif
