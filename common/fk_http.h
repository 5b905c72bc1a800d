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
 * fk_inflate decodes a body's Content-Encoding: gzip, deflate (zlib or
 * raw), br and zstd, also stacked, through one interface over a small
 * backend per coding.
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
	FK_HP_CODING_OTHER,	/* unknown (compress, ...): kept as is */
	FK_HP_CODING_BR,
	FK_HP_CODING_ZSTD,
	FK_HP_CODING_STACKED,	/* fk_hp_msg.coding only: see codings[] */
};
#define FK_HP_CODINGS_MAX	4	/* more stacked codings: OTHER */

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
	char ua[512];		/* User-Agent */
	char referer[FK_HP_STR_MAX];	/* Referer */
	int chunked;		/* Transfer-Encoding ends in chunked */
	int has_clen;
	uint64_t clen;		/* Content-Length */
	int clen_bad;		/* unparsable or conflicting Content-Length */
	/*
	 * Content-Encoding: coding is IDENTITY, the one coding, STACKED
	 * (codings[0..ncodings), in the order applied), or OTHER when one
	 * is unknown or there are too many; cenc is the header as sent.
	 */
	int coding;
	int ncodings;
	uint8_t codings[FK_HP_CODINGS_MAX];
	char cenc[128];
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
#define FK_HP_SWITCH	3	/* no body; the protocol switches after it */

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
	uint64_t switched;	/* bytes seen after a protocol switch */
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
	int switch_after;	/* the protocol switches after this message */
	int may_switch;		/* a CONNECT or Upgrade request was sent */
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
 * The protocol switched (101 Switching Protocols, a 2xx answer to
 * CONNECT): from the end of the message in progress, or now if none,
 * the bytes are only counted (st.switched).  A request direction also
 * switches by itself when a CONNECT or Upgrade request is followed by
 * bytes that do not start a request.  Returns 1 if it was not switched
 * already.
 */
int fk_hp_switch(struct fk_hp *);
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
 * Streaming decoder for a Content-Encoding: gzip and deflate (zlib, or
 * raw deflate as servers often send), br (brotli) and zstd, stacked up to
 * FK_HP_CODINGS_MAX deep and undone in the reverse order of application
 * (RFC 9110 8.4).  One interface, a small backend per coding.  Decoder
 * state (zlib ~40 KiB, brotli up to its 16 MiB window, zstd up to an
 * 8 MiB window as RFC 8878 7.2 asks of HTTP) exists only while a stream
 * is being decoded: made at its first byte, freed at its end, at a limit
 * or an error; every byte of it is counted in zmem (and *mem).  A gzip
 * body may hold several members (RFC 1952), a zstd body several frames,
 * all decoded; bytes after the last that do not start one are counted as
 * trailing garbage.  Limits, set after fk_inflate_init and applying to
 * every coding of the stack: max_out decoded bytes (0: none), and once
 * ratio_after bytes are out, at most max_ratio decoded bytes per
 * compressed byte consumed (0: none).
 */
#define FK_INF_RATIO		1000
#define FK_INF_RATIO_AFTER	(1024 * 1024)
#define FK_INF_CUT_SIZE		1	/* fk_inflate.cut: max_out reached */
#define FK_INF_CUT_RATIO	2	/*   max_ratio exceeded */
#define FK_INF_ZSTD_WLOG	23	/* zstd window: 8 MiB at most */

struct fk_inflate_stage {	/* one coding of the stack */
	int coding;		/* FK_HP_CODING_GZIP/DEFLATE/BR/ZSTD */
	void *st;		/* the backend's state, NULL when none */
	int raw_tried;		/* zlib: retried as raw deflate */
	int done;		/* end of the (last) stream seen */
	int garbage;		/* bytes after the end start no stream */
	int multi;		/* gzip/zstd: more members/frames may follow */
	unsigned members;	/* streams (members, frames) started */
	uint8_t pend[4];	/* the start of what may be the next stream */
	size_t npend;
	uint8_t head[64];	/* the first bytes, to replay for a raw retry */
	size_t headlen;
	uint64_t in_total;	/* bytes fed */
	uint64_t used;		/* bytes consumed by the decoder */
	uint64_t out_total;	/* bytes decoded */
	uint64_t trailing;	/* bytes of trailing garbage */
};

struct fk_inflate {
	int n;			/* stages: s[0] takes the body */
	struct fk_inflate_stage s[FK_HP_CODINGS_MAX];
	int failed;
	int cut;		/* FK_INF_CUT_*: output stopped at a limit */
	unsigned members;	/* further gzip members, zstd frames */
	uint64_t in_total;	/* bytes fed */
	uint64_t out_total;	/* bytes decoded (the last stage's) */
	uint64_t trailing;	/* bytes of trailing garbage, all stages */
	uint64_t max_out;
	uint64_t ratio_after;
	uint32_t max_ratio;
	size_t zmem;		/* bytes the decoders hold now */
	size_t *mem;		/* if set, zmem is also added here */
	/* during fk_inflate_feed */
	void (*out)(void *, const uint8_t *, size_t);
	void *arg;
};
/*
 * Set up for gzip-or-deflate (no allocation; limits: ratio default, no
 * size cap).  fk_inflate_codings then sets the stack: codings[0..n) in
 * the order applied, as in fk_hp_msg (n 1..FK_HP_CODINGS_MAX, each GZIP,
 * DEFLATE, BR or ZSTD; -1 otherwise).
 */
void fk_inflate_init(struct fk_inflate *);
int fk_inflate_codings(struct fk_inflate *, const uint8_t *codings, int n);
/* Can the decoder stack undo this coding? */
int fk_inflate_known(int coding);
/*
 * Decode n bytes; calls out(arg, p, len) for each decoded run.  Returns
 * 0; -1 once the data does not decode; -2 once a limit cut the output
 * (then further calls do nothing and return the same).
 */
int fk_inflate_feed(struct fk_inflate *, const uint8_t *, size_t,
    void (*out)(void *, const uint8_t *, size_t), void *arg);
/* Does the decoder hold state (memory) now? */
int fk_inflate_live(const struct fk_inflate *);
/* Free the decoder state (also fine if none; limits and counts stay). */
void fk_inflate_end(struct fk_inflate *);
/*
 * At the end of the body: free the state, and say whether the decoded
 * form is complete: 0 yes (every stream ended, or no bytes), -1 no
 * (undecodable or cut short), -2 cut by a limit.
 */
int fk_inflate_finish(struct fk_inflate *);

#endif
