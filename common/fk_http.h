/*
 * fk_http.h - streaming HTTP/1.x message parser and body decoder.
 *
 * One struct fk_hp parses one direction of a connection: feed it the
 * stream bytes in order (fk_hp_feed), tell it about holes (fk_hp_gap)
 * and about the end of the direction (fk_hp_eof).  It calls back for
 * each message: once when the header block is complete, for each run
 * of body bytes (de-chunked; and, separately, the same bytes as on the
 * wire), and once when the message ends.  Pure functions over byte
 * buffers: no I/O, bounded memory (the header block is capped at
 * FK_HP_HDR_MAX bytes), so it is safe to fuzz.
 *
 * Detection is by content: a direction whose first bytes are a request
 * line (METHOD SP URI SP HTTP/1.x) is a request direction, one starting
 * with a status line (HTTP/1.x SP NNN) a response direction; anything
 * else switches the parser off for that direction.
 *
 * fk_inflate is a zlib/gzip/raw-deflate decoder for Content-Encoding.
 */
#ifndef FK_HTTP_H
#define FK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define FK_HP_HDR_MAX	(64 * 1024)	/* largest header block accepted */
#define FK_HP_LINE_MAX	4096		/* largest chunk-size / resync line */
#define FK_HP_STR_MAX	1024		/* longest method/URI/... kept */

/* What a direction turned out to carry. */
enum fk_hp_role {
	FK_HP_DETECT = 0,	/* not decided yet */
	FK_HP_REQ = 1,		/* requests (client to server) */
	FK_HP_RESP = 2,		/* responses */
	FK_HP_OFF = 3,		/* not HTTP, abandoned, or stopped */
};

/* How the body of a message is delimited. */
enum fk_hp_bodymode {
	FK_HP_BODY_NONE = 0,
	FK_HP_BODY_LENGTH,	/* Content-Length */
	FK_HP_BODY_CHUNKED,	/* Transfer-Encoding: chunked */
	FK_HP_BODY_CLOSE,	/* until the end of the direction */
};

/* Content-Encoding of the body. */
enum fk_hp_coding {
	FK_HP_CODING_IDENTITY = 0,
	FK_HP_CODING_GZIP,
	FK_HP_CODING_DEFLATE,
	FK_HP_CODING_OTHER,	/* br, zstd, compress, stacked...: kept as is */
};

/* A parsed header block; strings are NUL-terminated and length-capped. */
struct fk_hp_msg {
	int kind;		/* FK_HP_REQ or FK_HP_RESP */
	int minor;		/* HTTP/1.minor */
	int status;		/* responses */
	char method[32];	/* requests */
	char uri[FK_HP_STR_MAX];	/* requests */
	char reason[128];	/* responses */
	char ctype[256];	/* Content-Type, as sent */
	char host[256];		/* Host */
	char cdisp[512];	/* Content-Disposition */
	char trenc[128];	/* Transfer-Encoding */
	int chunked;		/* Transfer-Encoding ends in chunked */
	int has_clen;
	uint64_t clen;		/* Content-Length */
	int clen_bad;		/* unparsable or conflicting Content-Length */
	int coding;		/* enum fk_hp_coding */
	int conn_close;		/* Connection: close */
	int expect_continue;	/* Expect: 100-continue */
	int upgrade;		/* Upgrade header present */
	uint64_t hdr_offset;	/* stream offset of the start line */
	uint64_t body_offset;	/* stream offset of the first body byte */
	uint64_t ts_ns;		/* time of the data that started it */
	const uint8_t *raw;	/* the header block as received, */
	size_t rawlen;		/*   valid during on_headers only */
};

/* fk_hp_cb.on_headers return values: how to treat the body. */
#define FK_HP_AS_USUAL	0	/* as the headers say */
#define FK_HP_NO_BODY	1	/* no body (response to HEAD, ...) */
#define FK_HP_STOP	2	/* stop parsing this direction after it */

/* fk_hp_cb.on_end flags */
#define FK_HP_END_INCOMPLETE	0x1	/* body had a hole or was cut short */

struct fk_hp_cb {
	void *arg;
	/* Header block complete.  Return FK_HP_AS_USUAL/NO_BODY/STOP. */
	int (*on_headers)(void *arg, const struct fk_hp_msg *);
	/*
	 * Entity bytes (chunk framing removed, content coding still on),
	 * at entity offset eoff.  Holes: a later eoff than the previous
	 * end.
	 */
	void (*on_body)(void *arg, const uint8_t *, size_t, uint64_t eoff);
	/* Body bytes exactly as on the wire, at wire body offset woff. */
	void (*on_wire)(void *arg, const uint8_t *, size_t, uint64_t woff);
	/*
	 * Message ended: wire body length and entity length (including
	 * holes), flags FK_HP_END_*.
	 */
	void (*on_end)(void *arg, uint64_t wire_len, uint64_t entity_len,
	    int flags);
};

/* Counters a caller may report. */
struct fk_hp_stats {
	uint64_t resync;	/* times the parser lost and searched for sync */
	uint64_t hdr_too_big;	/* header blocks over FK_HP_HDR_MAX */
	uint64_t bad_msg;	/* unparsable start line or headers */
	uint64_t shed;		/* buffers given up by fk_hp_shed */
};

struct fk_hp {
	int role;		/* enum fk_hp_role */
	int state;		/* private */
	struct fk_hp_cb cb;
	struct fk_hp_stats st;
	int midstream;		/* search for a start line instead of off */
	uint64_t off;		/* stream offset of the next byte expected */
	uint64_t ts_ns;		/* time of the data being fed */
	/* header block accumulation */
	uint8_t *hdr;
	size_t hlen, hcap;
	uint64_t hdr_off;
	/* current message */
	int mode;		/* enum fk_hp_bodymode */
	int stop_after;
	int incomplete;
	int in_msg;		/* headers delivered, on_end not yet */
	uint64_t remain;	/* body or chunk bytes left */
	uint64_t wire_len, ent_len;
	/* chunk-size / trailer / resync line (up to FK_HP_LINE_MAX bytes,
	   allocated when first needed and grown on demand from 64) */
	uint8_t *line;
	size_t llen, lcap;
	size_t *mem;		/* if set, hcap + lcap are also added here */
	int ltoolong;
	uint64_t msgs;		/* messages started */
};

void fk_hp_init(struct fk_hp *, const struct fk_hp_cb *);
void fk_hp_free(struct fk_hp *);
/* Stream bytes at stream offset off (must be hp->off unless after a gap). */
void fk_hp_feed(struct fk_hp *, const uint8_t *, size_t, uint64_t off,
    uint64_t ts_ns);
/* Bytes [off, off+len) were never seen. */
void fk_hp_gap(struct fk_hp *, uint64_t off, uint64_t len);
/*
 * Give up the buffers (to respect a memory cap): a header block or line
 * being collected is dropped, the message in progress ends incomplete,
 * and the parser looks for the next start line.
 */
void fk_hp_shed(struct fk_hp *);
/*
 * End of the direction: clean (FIN after all data) or not.  A body
 * delimited by the close is complete only if clean.
 */
void fk_hp_eof(struct fk_hp *, int clean);

/* Does buf start like a request line / a status line? 1 yes, 0 no, -1 more. */
int fk_hp_looks_request(const uint8_t *, size_t);
int fk_hp_looks_response(const uint8_t *, size_t);

/*
 * Parse a complete header block (start line to the empty line).
 * Returns 0 or -1 if it is not an HTTP/1.x message.  Pure.
 */
int fk_hp_parse_head(const uint8_t *, size_t, struct fk_hp_msg *);

/* File name extension for a Content-Type ("text/html; x=y" -> "html"), or NULL. */
const char *fk_http_mime_ext(const char *ctype);

/*
 * Copy s into a file-name component: only [A-Za-z0-9._+-], others
 * become '_', no leading '.', at most max-1 bytes, never empty.
 */
void fk_http_safe_component(char *dst, size_t max, const char *s);

/*
 * Streaming inflate for Content-Encoding gzip/deflate.  The zlib stream
 * (about 40 KiB with its window) exists only while a stream is being
 * decoded: made at the first byte, freed at its end, at a limit or an
 * error.  A gzip body may hold several members (RFC 1952), all decoded;
 * bytes after the last that do not start a member are counted as
 * trailing garbage.  Limits, set after fk_inflate_init: max_out decoded
 * bytes (0: none), and once ratio_after bytes are out, at most max_ratio
 * decoded bytes per compressed byte consumed (0: none).
 */
#define FK_INF_RATIO		1000
#define FK_INF_RATIO_AFTER	(1024 * 1024)
#define FK_INF_CUT_SIZE		1	/* fk_inflate.cut: max_out reached */
#define FK_INF_CUT_RATIO	2	/*   max_ratio exceeded */

struct fk_inflate {
	void *zs;		/* z_stream, NULL when none is needed */
	int raw_tried;		/* retried as raw deflate */
	int done;		/* end of the (last) stream seen */
	int failed;
	int cut;		/* FK_INF_CUT_*: output stopped at a limit */
	int gzip;		/* gzip: more members may follow */
	int garbage;		/* bytes after the end are not a member */
	int npend;		/* a 0x1f after a member, 0x8b to follow? */
	unsigned members;	/* streams (gzip members) started */
	uint8_t head[64];	/* the first bytes, to replay for a raw retry */
	size_t headlen;
	uint64_t in_total;	/* bytes fed */
	uint64_t in_base;	/* bytes consumed by the streams before */
	uint64_t out_total;	/* bytes decoded */
	uint64_t trailing;	/* bytes of trailing garbage */
	uint64_t max_out;
	uint64_t ratio_after;
	uint32_t max_ratio;
	size_t zmem;		/* bytes zlib holds now */
	size_t *mem;		/* if set, zmem is also added here */
};
/* Set up (no allocation; limits: ratio default, no size cap). */
void fk_inflate_init(struct fk_inflate *);
/*
 * Decode n bytes; calls out(arg, p, len) for each decoded run.  Returns
 * 0; -1 once the data does not decode; -2 once a limit cut the output
 * (then further calls do nothing and return the same).
 */
int fk_inflate_feed(struct fk_inflate *, const uint8_t *, size_t,
    void (*out)(void *, const uint8_t *, size_t), void *arg);
/* Free the zlib stream (also fine if none; limits and counts stay). */
void fk_inflate_end(struct fk_inflate *);
/*
 * At the end of the body: free the stream, and say whether the decoded
 * form is complete: 0 yes (every stream ended, or no bytes), -1 no
 * (undecodable or cut short), -2 cut by a limit.
 */
int fk_inflate_finish(struct fk_inflate *);

#endif
