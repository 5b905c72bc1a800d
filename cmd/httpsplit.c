/*
 * httpsplit - extract HTTP/1.x bodies from a record stream.
 *
 * Every DATA/GAP record feeds a per-direction streaming parser
 * (fk_http.h).  Bodies go straight to files in the output directory,
 * written at their entity offset, so memory stays bounded whatever the
 * body size; Content-Encoding gzip, deflate, br and zstd (also stacked)
 * is decoded on the fly, other codings kept as sent (NAME.encoded).  One
 * HTTP record per message follows the record that completed it; all
 * input records pass through unchanged.
 *
 * With -u bodies are named after their URL (host/path/name, see
 * url_name), with -H or -l hashed (MD5, SHA-256) as they are written,
 * and -l writes a transaction log, one JSON object per request/response
 * pair (struct txn), through fk_report: NAME.partial when the run is cut.
 *
 * Files go through fk_ofile: opened below the output directory without
 * following symbolic links, at most MAX_OPEN (fewer under a low
 * RLIMIT_NOFILE) descriptors at once, least recently used closed first
 * and reopened as needed.  On a fatal error (a full disk) the files
 * still being written are renamed NAME.partial before exit.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fk_addr.h"
#include "fk_digest.h"
#include "fk_hash.h"
#include "fk_http.h"
#include "fk_io.h"
#include "fk_json.h"
#include "fk_list.h"
#include "fk_name.h"
#include "fk_namer.h"
#include "fk_ofile.h"
#include "fk_record.h"
#include "fk_report.h"
#include "fk_stage.h"
#include "fk_text.h"
#include "fk_util.h"

#define MAX_OPEN	64	/* output files kept open at once, at most */
#define MAX_PENDING	256	/* unanswered requests remembered per flow */
/* Bytes httpsplit appends to a flow's name: "-HTTPBODY-", a count, ".",
   an extension, ".raw" (fk_name_dup_safe keeps the name that much shorter). */
#define NAME_RESERVE	48
/* -u: directories kept from a URL's path; deeper ones join the last. */
#define URL_DEPTH	8
/* Zero bytes hashed for the holes of one body, at most (else no hash). */
#define HOLE_HASH_MAX	(64ULL << 20)

struct txn;

struct pending {		/* a request waiting for its response */
	int head, connect;
	char *uri, *host;
	struct txn *t;		/* -l: its log entry */
};

/*
 * -l: one log line per request/response pair.  An entry lives from the
 * request's header block (or an unpaired response's) until the request
 * has ended, and its response has ended or can no longer come (refs:
 * who still points at it); then it is written and freed.  At most
 * MAX_PENDING + 2 per flow, each a few KiB (strings capped by fk_http.h).
 */
#define T_REQ		0x1	/* the request message is in progress */
#define T_QUEUE		0x2	/* on the flow's queue of pending requests */
#define T_RESP		0x4	/* the response message is in progress */

#define TF_PARTIAL	0x001	/* a body file is incomplete (.partial) */
#define TF_GAP		0x002	/* bytes of a message never seen */
#define TF_DECODE_ERR	0x004
#define TF_NO_REQUEST	0x008	/* a response that answers no request */
#define TF_CONTINUE	0x010	/* Expect: 100-continue, or a 100 answer */
#define TF_HEAD		0x020
#define TF_SWITCHED	0x040	/* 101, or 2xx to CONNECT */
#define TF_UNKNOWN	0x080	/* a content coding not known: kept encoded */
#define TF_DROPPED	0x100	/* over MAX_PENDING: no response looked for */

struct tside {			/* the request (0) or response (1) */
	char *ctype, *cenc, *trenc, *file;
	uint64_t wire_len, dec_len;
	char md5[FK_DIGEST_HEXLEN], sha256[FK_DIGEST_HEXLEN];
};

struct txn {
	struct flow *f;
	unsigned refs, flags;
	int cdir;		/* direction of the requests (client to server) */
	int has_req, has_resp, minor, status, info_code;
	uint64_t depth, ts_req, ts_resp;
	char *method, *uri, *host, *ua, *referer, *reason;
	struct tside s[2];
};

struct flow;

struct hdir {
	struct flow *f;
	int dir;
	struct fk_hp hp;
	/* the message in progress */
	int kind, status, coding;
	uint16_t flags;
	uint64_t hdr_offset, body_offset, ts_ns;
	char *method, *text, *ctype, *host;
	char *url;		/* the request's URL, "http://host/uri" */
	char *uri;		/* the request's URI (-u) */
	const char *ext;	/* the body file's extension, or NULL */
	struct fk_ofile body, raw;
	int want_raw;
	int unknown;		/* a content coding not known: kept encoded */
	char *cenc;		/* Content-Encoding, as sent */
	struct fk_inflate *inf;	/* while inflating */
	int inflating, dec_stopped;
	int cut;		/* FK_INF_CUT_* or CUT_MEMCAP: .partial */
	uint64_t ent_next;
	struct fk_link dlink;	/* on `decoding` while inf holds a stream */
	struct fk_link plink;	/* on `parsing` while hp holds a buffer */
	int on_dlist, on_plist;
	struct txn *t;		/* -l: the entry of the message in progress */
	struct fk_digest *dg;	/* -l: hashing the body file as written */
	uint64_t hash_next;	/* the body file's bytes hashed so far */
	uint64_t hash_zeros;	/* zeros hashed for holes */
	int hash_bad;		/* bytes out of order or holes too big */
	int gap;		/* a hole in the body */
};

struct flow {
	uint64_t id;
	struct fk_open o;
	int have_open;
	char *name[2];
	struct fk_namer_flow nf;	/* names without FLOW_NAME */
	struct hdir d[2];
	/* unanswered requests: a ring of qcap (grown up to MAX_PENDING) */
	struct pending *q;
	unsigned qcap, qhead, qlen;
	struct fk_ofile hdrs;	/* <response-name>-HTTP */
	uint64_t txns;		/* log entries made: trans_depth */
};

static struct fk_out out;
static struct fk_odir odir;
static const char *outdir;
static int opt_raw, opt_quiet, opt_pass, opt_url;
static int opt_hash;			/* -H, or -l: MD5 and SHA-256 of bodies */
static struct fk_report logrep;		/* -l */
static FILE *logfp;			/* logrep.f, or NULL */
static int log_gone;			/* -l -: its reader went away */
static struct fk_idmap urlnames;	/* -u: hashes of names made */
static struct fk_idmap flows;
static struct fk_namer namer;	/* tcpflow's default names and counter */

/*
 * Decoders (zlib ~40 KiB; br, zstd up to their window) exist only while a
 * compressed body is being decoded, parser buffers (a header block, up to
 * 68 KiB; a chunk-size line) only while one is being collected; together
 * they hold at most opt_memcap bytes: beyond it the oldest decoders are
 * stopped (their bodies end as .partial), then the oldest parser buffers
 * dropped.
 */
#define CUT_MEMCAP	3	/* hdir.cut, beside FK_INF_CUT_SIZE/RATIO */
static uint64_t opt_memcap = 32ULL << 20;	/* -M */
static uint64_t opt_maxdec = 1ULL << 30;	/* -S: decoded bytes per body */
static uint32_t opt_ratio = FK_INF_RATIO;	/* -X */
static size_t msgmem;			/* bytes decoders and parsers hold */
static struct fk_list decoding;		/* bodies with a decoder, oldest first */
static struct fk_list parsing;		/* parsers with a buffer, oldest first */

static struct {
	uint64_t requests, responses, bodies, incomplete, decode_err;
	uint64_t resync, hdr_too_big, bad_msg, dropped_pending, unpaired;
	uint64_t memcap_cut, size_cut, ratio_cut, trailing, members;
	uint64_t unknown_coding, switches, switched_bytes;
	uint64_t log_entries, url_names, url_collisions, url_fallback;
} st;

static const struct fk_opthelp opthelp[] = {
	{ "-H", "hash every body file (MD5, SHA-256) into its HTTP record" },
	{ "-l file", "write a transaction log (JSON Lines) to file (-H); - stdout" },
	{ "-M bytes", "memory for messages in progress, all flows (32m)" },
	{ "-o dir", "write the files in dir, made if missing" },
	{ "-p", "pass records on even when stdout is not a pipe" },
	{ "-q", "no summary of incomplete bodies on standard error" },
	{ "-r", "also keep the wire form of every body in a .raw file" },
	{ "-S bytes", "most bytes decoded per compressed body (1g, 0: none)" },
	{ "-u", "name bodies after their URL: host/path/name" },
	{ "-X ratio", "most decoded bytes per compressed byte (1000, 0: none)" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: httpsplit [-HhpqruV] [-l file] [-M bytes] [-S bytes] "
	    "[-X ratio] -o dir\n",
	.about = "Extract HTTP/1.x bodies and headers from a record stream.",
	.opts = opthelp,
	.vopt = 'V',
};

/*
 * ---- output files: fk_ofiles, positional (name relative to the output
 * directory, opened lazily and reopened after eviction; size is the end
 * of the furthest write)
 */

static void
of_init(struct fk_ofile *of)
{
	fk_ofile_init(of, NULL);
	of->positional = 1;
}

/* Write at offset off; a file that cannot be opened is warned about
 * once and its bytes dropped (the exit status says so). */
static void
of_write(struct fk_ofile *of, const void *p, size_t n, uint64_t off)
{
	if (n == 0)
		return;
	fk_ofile_pwrite(&odir, of, p, n, off);
}

static void
of_finish(struct fk_ofile *of)
{
	fk_ofile_free(&odir, of);
	of_init(of);
}

static void
of_unlink(struct fk_ofile *of)
{
	if (of->created && fk_ofile_unlink(&odir, of) < 0)
		fk_fail("%s/%s", outdir, of->name);
	of_finish(of);
}

/* ---- names */

/* Direction dir's name: FLOW_NAME, else tcpflow's (named at FLOW_OPEN). */
static const char *
flow_name(struct flow *f, int dir)
{
	char buf[300];

	if (f->name[dir])
		return f->name[dir];
	/* No FLOW_OPEN came. */
	snprintf(buf, sizeof(buf), "flow%" PRIu64 "-%d", f->id, dir);
	f->name[dir] = fk_name_dup_safe(buf, strlen(buf), NAME_RESERVE, NULL,
	    NULL);
	return f->name[dir];
}

/*
 * ---- -u: names from URLs, "host/dir/.../name" below -o.  Each path
 * segment is percent-decoded on its own (an encoded '/' stays inside its
 * segment as '_'), "." and ".." segments are dropped, control bytes and
 * '\' become '_', and fk_name_dup_safe() makes the whole safe and short
 * enough.  Names made in this run are remembered (a hash each, files and
 * directories): a file name taken, or one that is a directory, gets
 * "[N]" before its extension; a directory component that is a file, the
 * same.  A name that cannot be made (too long after numbering) falls back
 * to tcpflow's.
 */
#define UN_DIR		((void *)1)
#define UN_FILE		((void *)2)

static uint64_t
un_key(const char *s, size_t n)
{
	uint64_t k = fk_hash(s, n);

	return k ? k : 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Segment s[0..n), percent-decoded and cleaned, into dst; its length. */
static size_t
url_segment(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n && j + 1 < cap; i++) {
		int c = (unsigned char)s[i], h1, h2;

		if (c == '%' && i + 2 < n && (h1 = hexval(s[i + 1])) >= 0 &&
		    (h2 = hexval(s[i + 2])) >= 0) {
			c = h1 << 4 | h2;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			c = '_';
		dst[j++] = (char)c;
	}
	dst[j] = '\0';
	return j;
}

/* "[n]" into leaf name s (before its extension), into dst. */
static void
number_leaf(char *dst, size_t cap, const char *s, uint64_t n)
{
	const char *dot = strrchr(s, '.');

	if (dot == NULL || dot == s)
		dot = s + strlen(s);
	snprintf(dst, cap, "%.*s[%" PRIu64 "]%s", (int)(dot - s), s, n, dot);
}

/*
 * The URL name of a body into dst (FK_NAME_MAX bytes), or 0 if none can
 * be made.  server_dir: the direction the server sends (its address
 * names a request without Host); suffix goes after the leaf.
 */
static int
url_name(char *dst, struct flow *f, int server_dir, const char *host,
    const char *uri, const char *ext, const char *suffix)
{
	char raw[2 * FK_NAME_MAX], hbuf[FK_HP_STR_MAX], comp[FK_NAME_MAX];
	const char *path = uri, *s, *e, *end;
	char *safe, *p, *q;
	size_t rl = 0, n, cl, len, ol, slashes = 0;
	int leaf_index = 1, renamed = 0;
	uint64_t k;

	/* Absolute form: the authority is the host. */
	if (strncasecmp(uri, "http://", 7) == 0 ||
	    strncasecmp(uri, "https://", 8) == 0) {
		const char *a = strchr(uri, '/') + 2;

		path = a + strcspn(a, "/?#");
		snprintf(hbuf, sizeof(hbuf), "%.*s", (int)(path - a), a);
		if (hbuf[0] != '\0')
			host = hbuf;
	}
	/* The host, one component (none: the server's address). */
	if (host[0] != '\0')
		rl = url_segment(raw, FK_NAME_MAX, host, strlen(host));
	if (rl == 0 && f->have_open) {
		fk_addr_str(raw, FK_ADDR_STRLEN, f->o.family, server_dir ?
		    f->o.addr_b : f->o.addr_a);
		rl = strlen(raw);
	}
	if (rl == 0 || strcmp(raw, ".") == 0 || strcmp(raw, "..") == 0)
		rl = (size_t)snprintf(raw, sizeof(raw), "_");
	/* Never the name of a flow's -HTTP or -HTTPBODY- file. */
	for (p = raw; (p = strstr(p, "-HTTP")) != NULL; p++)
		*p = '_';
	/* The path's segments, up to the query or fragment. */
	end = path + strcspn(path, "?#");
	for (s = path;; s = e + 1) {
		if ((e = memchr(s, '/', (size_t)(end - s))) == NULL)
			e = end;
		cl = url_segment(comp, sizeof(comp), s, (size_t)(e - s));
		if (cl == 0 || strcmp(comp, ".") == 0 ||
		    strcmp(comp, "..") == 0)
			leaf_index = 1;
		else if (rl + cl + 2 < FK_NAME_MAX + 512) {
			raw[rl++] = '/';
			memcpy(raw + rl, comp, cl + 1);
			rl += cl;
			leaf_index = 0;
		}
		if (e == end)
			break;
	}
	if (leaf_index)
		rl += (size_t)snprintf(raw + rl, sizeof(raw) - rl, "/index%s%s",
		    ext ? "." : "", ext ? ext : "");
	rl += (size_t)snprintf(raw + rl, sizeof(raw) - rl, "%s", suffix);
	if (rl >= sizeof(raw) - 1)
		return 0;
	/* Past URL_DEPTH directories below the host, they join with '_'. */
	q = strrchr(raw, '/');
	for (p = raw; p < q; p++)
		if (*p == '/' && ++slashes > URL_DEPTH)
			*p = '_';
	safe = fk_name_dup_safe(raw, rl, NAME_RESERVE, &len, NULL);

	/* Directories: none may be a file made before. */
	ol = 0;
	for (p = safe; (q = strchr(p, '/')) != NULL; p = q + 1) {
		n = (size_t)(q - p);
		if (ol + n + 24 >= FK_NAME_MAX)
			goto fail;
		memcpy(dst + ol, p, n);
		dst[ol + n] = '\0';
		if (fk_idmap_get(&urlnames, un_key(dst, ol + n)) == UN_FILE) {
			memcpy(comp, p, n);
			comp[n] = '\0';
			for (k = 1;; k++) {
				snprintf(dst + ol, FK_NAME_MAX - ol, "%s[%" PRIu64
				    "]", comp, k);
				if (fk_idmap_get(&urlnames, un_key(dst,
				    strlen(dst))) != UN_FILE)
					break;
			}
			renamed = 1;
			n = strlen(dst + ol);
		}
		fk_idmap_put(&urlnames, un_key(dst, ol + n), UN_DIR);
		ol += n;
		dst[ol++] = '/';
	}
	/* The file: a name not taken, as a file or as a directory. */
	n = strlen(p);
	if (ol + n + 24 >= FK_NAME_MAX)
		goto fail;
	memcpy(dst + ol, p, n + 1);
	if (fk_idmap_get(&urlnames, un_key(dst, ol + n)) != NULL) {
		memcpy(comp, p, n + 1);
		for (k = 1;; k++) {
			number_leaf(dst + ol, FK_NAME_MAX - ol, comp, k);
			if (fk_idmap_get(&urlnames, un_key(dst, strlen(dst))) ==
			    NULL)
				break;
		}
		renamed = 1;
	}
	free(safe);
	len = strlen(dst);
	if (len + 16 >= FK_NAME_MAX || !fk_name_safe(dst, len))
		return 0;
	/* The file, and the names it may get: .raw, .partial. */
	fk_idmap_put(&urlnames, un_key(dst, len), UN_FILE);
	for (int i = 0; i < 2; i++) {
		snprintf(comp, sizeof(comp), "%s%s", dst, i ? ".partial" :
		    ".raw");
		fk_idmap_put(&urlnames, un_key(comp, strlen(comp)), UN_FILE);
	}
	st.url_names++;
	st.url_collisions += renamed;
	return 1;
fail:
	free(safe);
	return 0;
}

/* ---- -l: the transaction log */

static char *
dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? fk_strdup(s) : NULL;
}

static struct txn *
txn_new(struct flow *f, int cdir)
{
	struct txn *t = fk_calloc(1, sizeof(*t));

	t->f = f;
	t->cdir = cdir;
	t->depth = ++f->txns;
	return t;
}

static void
txn_side(struct txn *t, int side, const struct fk_hp_msg *m)
{
	t->s[side].ctype = dup_or_null(m->ctype);
	t->s[side].cenc = dup_or_null(m->cenc);
	t->s[side].trenc = dup_or_null(m->trenc);
}

/* Seconds, to the microsecond as Zeek writes them. */
static void
put_ts(const char *key, uint64_t ns, int have)
{
	if (have)
		fprintf(logfp, ",\"%s\":%" PRIu64 ".%06" PRIu64, key,
		    ns / 1000000000, ns % 1000000000 / 1000);
	else
		fprintf(logfp, ",\"%s\":null", key);
}

static void
put_str(const char *key, const char *s)
{
	fprintf(logfp, ",\"%s\":", key);
	fk_json_strs(logfp, s != NULL && s[0] != '\0' ? s : NULL);
}

/* A media type as Zeek's *_mime_types hold it: "text/html", lower case. */
static void
put_mime(const char *key, const char *ctype)
{
	char buf[256];
	size_t n = 0;

	fprintf(logfp, ",\"%s\":", key);
	if (ctype != NULL)
		for (; ctype[n] && ctype[n] != ';' && ctype[n] != ' ' &&
		    ctype[n] != '\t' && n + 1 < sizeof(buf); n++)
			buf[n] = (char)tolower((unsigned char)ctype[n]);
	if (n == 0) {
		fputs("null", logfp);
		return;
	}
	fputc('[', logfp);
	fk_json_str(logfp, buf, n);
	fputc(']', logfp);
}

static void
log_write(struct txn *t)
{
	static const struct {
		unsigned bit;
		const char *name;
	} fl[] = {
		{ TF_PARTIAL, "partial" }, { TF_GAP, "gap" },
		{ TF_DECODE_ERR, "decode_error" }, { 0, "no_response" },
		{ TF_NO_REQUEST, "no_request" },
		{ TF_CONTINUE, "100_continue" }, { TF_HEAD, "head" },
		{ TF_SWITCHED, "switched" }, { TF_UNKNOWN, "unknown_coding" },
		{ TF_DROPPED, "dropped" },
	};
	static const char *side[2] = { "request", "response" };
	struct flow *f = t->f;
	char buf[FK_ADDR_STRLEN + 64];
	int first = 1;

	if (log_gone)
		return;
	fputs("{", logfp);
	fprintf(logfp, "\"ts\":%" PRIu64 ".%06" PRIu64, (t->has_req ? t->ts_req :
	    t->ts_resp) / 1000000000, (t->has_req ? t->ts_req : t->ts_resp) %
	    1000000000 / 1000);
	put_ts("ts_response", t->ts_resp, t->has_resp);
	fprintf(logfp, ",\"uid\":%" PRIu64, f->id);
	put_str("orig_name", flow_name(f, t->cdir));
	put_str("resp_name", flow_name(f, !t->cdir));
	if (f->have_open) {
		const struct fk_open *o = &f->o;

		fk_addr_str(buf, sizeof(buf), o->family, t->cdir ? o->addr_b :
		    o->addr_a);
		fprintf(logfp, ",\"id.orig_h\":\"%s\",\"id.orig_p\":%u", buf,
		    t->cdir ? o->port_b : o->port_a);
		fk_addr_str(buf, sizeof(buf), o->family, t->cdir ? o->addr_a :
		    o->addr_b);
		fprintf(logfp, ",\"id.resp_h\":\"%s\",\"id.resp_p\":%u", buf,
		    t->cdir ? o->port_a : o->port_b);
	} else
		fputs(",\"id.orig_h\":null,\"id.orig_p\":null"
		    ",\"id.resp_h\":null,\"id.resp_p\":null", logfp);
	fprintf(logfp, ",\"trans_depth\":%" PRIu64, t->depth);
	put_str("method", t->method);
	put_str("host", t->host);
	put_str("uri", t->uri);
	put_str("referrer", t->referer);
	if (t->has_req || t->has_resp)
		fprintf(logfp, ",\"version\":\"1.%d\"", t->minor);
	else
		fputs(",\"version\":null", logfp);
	put_str("user_agent", t->ua);
	for (int i = 0; i < 2; i++) {
		struct tside *ts = &t->s[i];

		fprintf(logfp, ",\"%s_body_len\":%" PRIu64 ",\"%s_body_wire_len\":%"
		    PRIu64, side[i], ts->dec_len, side[i], ts->wire_len);
	}
	if (t->has_resp)
		fprintf(logfp, ",\"status_code\":%d", t->status);
	else
		fputs(",\"status_code\":null", logfp);
	put_str("status_msg", t->reason);
	if (t->info_code)
		fprintf(logfp, ",\"info_code\":%d", t->info_code);
	else
		fputs(",\"info_code\":null", logfp);
	put_mime("orig_mime_types", t->s[0].ctype);
	put_mime("resp_mime_types", t->s[1].ctype);
	for (int i = 0; i < 2; i++) {
		struct tside *ts = &t->s[i];

		snprintf(buf, sizeof(buf), "%s_content_type", side[i]);
		put_str(buf, ts->ctype);
		snprintf(buf, sizeof(buf), "%s_content_encoding", side[i]);
		put_str(buf, ts->cenc);
		snprintf(buf, sizeof(buf), "%s_transfer_encoding", side[i]);
		put_str(buf, ts->trenc);
		snprintf(buf, sizeof(buf), "%s_file", side[i]);
		put_str(buf, ts->file);
		snprintf(buf, sizeof(buf), "%s_md5", side[i]);
		put_str(buf, ts->md5);
		snprintf(buf, sizeof(buf), "%s_sha256", side[i]);
		put_str(buf, ts->sha256);
	}
	fputs(",\"flags\":[", logfp);
	for (size_t i = 0; i < FK_ARRAY_LEN(fl); i++)
		if (fl[i].bit ? (t->flags & fl[i].bit) != 0 : !t->has_resp) {
			fprintf(logfp, "%s\"%s\"", first ? "" : ",", fl[i].name);
			first = 0;
		}
	fputs("]}\n", logfp);
	if (ferror(logfp)) {
		/* As the pass-through: only the log stops, files go on. */
		if (errno == EPIPE && logfp == stdout) {
			log_gone = 1;
			return;
		}
		fk_fail("%s", logrep.name);
	}
	st.log_entries++;
}

static void
txn_free(struct txn *t)
{
	free(t->method);
	free(t->uri);
	free(t->host);
	free(t->ua);
	free(t->referer);
	free(t->reason);
	for (int i = 0; i < 2; i++) {
		free(t->s[i].ctype);
		free(t->s[i].cenc);
		free(t->s[i].trenc);
		free(t->s[i].file);
	}
	free(t);
}

/* Drop a reference; the last one writes the entry. */
static void
txn_unref(struct txn *t, unsigned ref)
{
	if (t == NULL)
		return;
	t->refs &= ~ref;
	if (t->refs == 0) {
		log_write(t);
		txn_free(t);
	}
}

/* ---- HTTP record */

static void
emit_http(struct hdir *h, uint64_t wire_len, uint64_t dec_len,
    const char *file, const char *md5, const char *sha256)
{
	struct fk_http r;
	const char *s[8];
	size_t len[8], tot = 0, i;
	char *var, *p;

	memset(&r, 0, sizeof(r));
	r.flow_id = h->f->id;
	r.dir = (uint8_t)h->dir;
	r.kind = h->kind == FK_HP_REQ ? FK_HTTP_REQUEST : FK_HTTP_RESPONSE;
	r.flags = h->flags;
	r.status = (uint16_t)h->status;
	r.seq = (uint32_t)(h->hp.msgs - 1);
	r.hdr_offset = h->hdr_offset;
	r.body_offset = h->body_offset;
	r.body_len = wire_len;
	r.decoded_len = dec_len;
	r.ts_ns = h->ts_ns;
	s[0] = file;
	s[1] = h->method ? h->method : "";
	s[2] = h->text ? h->text : "";
	s[3] = h->ctype ? h->ctype : "";
	s[4] = h->host ? h->host : "";
	s[5] = h->url ? h->url : "";
	s[6] = md5;
	s[7] = sha256;
	for (i = 0; i < 8; i++)
		tot += (len[i] = strlen(s[i])) + 1;
	p = var = fk_malloc(tot);
	for (i = 0; i < 8; i++) {
		memcpy(p, s[i], len[i] + 1);
		p += len[i] + 1;
	}
	r.varlen = (uint32_t)tot;
	r.var = var;
	fk_http_emit(&out, &r);
	free(var);
}

/* The URL of a request: its URI, after "http://HOST" if a path. */
static char *
make_url(const char *host, const char *uri)
{
	size_t n;
	char *u;

	if (uri[0] != '/' || host[0] == '\0')
		return fk_strdup(uri);
	n = strlen(host) + strlen(uri) + 8;
	u = fk_malloc(n);
	snprintf(u, n, "http://%s%s", host, uri);
	return u;
}

/*
 * Name the body file (and its .raw) when its first byte comes: after
 * the URL with -u (a request's body ends in ".request"), else as
 * tcpflow does.
 */
static void
body_names(struct hdir *h)
{
	char path[FK_NAME_MAX + 64], sfx[32];
	int req = h->kind == FK_HP_REQ;

	if (h->body.name != NULL)
		return;
	snprintf(sfx, sizeof(sfx), "%s%s", req ? ".request" : "",
	    h->unknown ? ".encoded" : "");
	if (!opt_url || h->uri == NULL || !url_name(path, h->f, req ? !h->dir :
	    h->dir, h->host ? h->host : "", h->uri, h->ext, sfx)) {
		if (opt_url)
			st.url_fallback++;
		snprintf(path, sizeof(path), "%s-HTTPBODY-%03" PRIu64 "%s%s%s",
		    flow_name(h->f, h->dir), h->hp.msgs, h->ext ? "." : "",
		    h->ext ? h->ext : "", h->unknown ? ".encoded" : "");
	}
	h->body.name = fk_strdup(path);
	snprintf(path, sizeof(path), "%s.raw", h->body.name);
	free(h->raw.name);
	h->raw.name = fk_strdup(path);
}

/*
 * Body bytes into the file at offset off, hashed on the way with -H or
 * -l (MD5 and SHA-256 of the file: holes as the zeros they read as, up
 * to HOLE_HASH_MAX bytes of them; bytes out of order: no hash).  Off by
 * default: the two cost more CPU than all the rest (~2.4 s per GB).
 */
static void
body_write(struct hdir *h, const uint8_t *p, size_t n, uint64_t off)
{
	if (n == 0)
		return;
	body_names(h);
	if (!opt_hash)
		h->hash_bad = 1;
	if (!h->hash_bad && (off < h->hash_next || off - h->hash_next >
	    HOLE_HASH_MAX - h->hash_zeros))
		h->hash_bad = 1;
	if (!h->hash_bad) {
		if (h->dg == NULL)
			h->dg = fk_digest_new(FK_DIGEST_MD5 | FK_DIGEST_SHA256);
		if (off > h->hash_next) {
			fk_digest_zeros(h->dg, off - h->hash_next);
			h->hash_zeros += off - h->hash_next;
		}
		fk_digest_update(h->dg, p, n);
		h->hash_next = off + n;
	}
	of_write(&h->body, p, n, off);
}

/* The message in progress lets go of its log entry. */
static void
hdir_release(struct hdir *h)
{
	if (h->t != NULL)
		txn_unref(h->t, h->kind == FK_HP_REQ ? T_REQ : T_RESP);
	h->t = NULL;
}

/* ---- parser callbacks */

/* Keep h on the list of decoders exactly while it holds a zlib stream. */
static void
dec_track(struct hdir *h)
{
	int live = h->inf != NULL && fk_inflate_live(h->inf);

	if (live && !h->on_dlist) {
		fk_list_append(&decoding, &h->dlink);
		h->on_dlist = 1;
	} else if (!live && h->on_dlist) {
		fk_list_remove(&decoding, &h->dlink);
		h->on_dlist = 0;
	}
}

/* Keep h on the list of parsers exactly while it holds a buffer. */
static void
hp_track(struct hdir *h)
{
	int live = h->hp.hcap + h->hp.lcap > 0;

	if (live && !h->on_plist) {
		fk_list_append(&parsing, &h->plink);
		h->on_plist = 1;
	} else if (!live && h->on_plist) {
		fk_list_remove(&parsing, &h->plink);
		h->on_plist = 0;
	}
}

static void
memcap_warn(void)
{
	if (st.memcap_cut++ == 0 && !opt_quiet)
		warnx("messages in progress over the memory cap (-M %" PRIu64
		    " bytes): the oldest are cut (.partial)", opt_memcap);
}

/*
 * Over the memory cap: stop the oldest decoders (their bodies: .partial),
 * then, if parsers may be touched (not from inside one), drop the oldest
 * parser buffers.
 */
static void
mem_enforce(int parsers)
{
	struct hdir *h;

	while (msgmem > opt_memcap && (h = FK_LIST_OBJ(fk_list_first(
	    &decoding), struct hdir, dlink)) != NULL) {
		fk_inflate_end(h->inf);
		dec_track(h);
		h->dec_stopped = 1;
		h->cut = CUT_MEMCAP;
		memcap_warn();
	}
	while (parsers && msgmem > opt_memcap && (h = FK_LIST_OBJ(
	    fk_list_first(&parsing), struct hdir, plink)) != NULL) {
		uint64_t shed = h->hp.st.shed;
		int cut = h->cut;

		h->cut = CUT_MEMCAP;	/* if a body ends here */
		fk_hp_shed(&h->hp);
		hp_track(h);
		if (h->hp.st.shed != shed)
			memcap_warn();
		else
			h->cut = cut;	/* an idle buffer, just freed */
	}
}

static void
msg_clear(struct hdir *h)
{
	free(h->method);
	free(h->text);
	free(h->ctype);
	free(h->host);
	free(h->cenc);
	free(h->url);
	free(h->uri);
	h->method = h->text = h->ctype = h->host = h->cenc = h->url = NULL;
	h->uri = NULL;
	if (h->dg != NULL) {
		fk_digest_free(h->dg);
		h->dg = NULL;
	}
	if (h->inflating) {
		fk_inflate_end(h->inf);
		dec_track(h);
		free(h->inf);
		h->inf = NULL;
	}
	h->inflating = 0;
}

/* Room for one more pending request: double the ring (at most MAX_PENDING). */
static void
queue_grow(struct flow *f)
{
	unsigned ncap = f->qcap ? 2 * f->qcap : 4;
	struct pending *nq;

	if (ncap > MAX_PENDING)
		ncap = MAX_PENDING;
	nq = fk_reallocarray(NULL, ncap, sizeof(*nq));
	for (unsigned i = 0; i < f->qlen; i++)
		nq[i] = f->q[(f->qhead + i) % f->qcap];
	free(f->q);
	f->q = nq;
	f->qcap = ncap;
	f->qhead = 0;
}

static int
cb_headers(void *arg, const struct fk_hp_msg *m)
{
	struct hdir *h = arg;
	struct flow *f = h->f;
	char path[PATH_MAX];
	int how = FK_HP_AS_USUAL;
	struct pending *pq = NULL;
	int final;

	hdir_release(h);
	msg_clear(h);
	h->kind = m->kind;
	h->status = m->status;
	h->flags = 0;
	h->unknown = 0;
	h->hdr_offset = m->hdr_offset;
	h->body_offset = m->body_offset;
	h->ts_ns = m->ts_ns;
	h->ctype = fk_strdup(m->ctype);
	h->cenc = fk_strdup(m->cenc);
	if (m->kind == FK_HP_REQ) {
		st.requests++;
		h->method = fk_strdup(m->method);
		h->text = fk_strdup(m->uri);
		h->host = fk_strdup(m->host);
		h->url = make_url(m->host, m->uri);
		h->uri = fk_strdup(m->uri);
		if (f->qlen == MAX_PENDING) {
			pq = &f->q[f->qhead];
			free(pq->uri);
			free(pq->host);
			if (pq->t != NULL) {
				pq->t->flags |= TF_DROPPED;
				txn_unref(pq->t, T_QUEUE);
			}
			f->qhead = (f->qhead + 1) % f->qcap;
			f->qlen--;
			st.dropped_pending++;
		} else if (f->qlen == f->qcap)
			queue_grow(f);
		pq = &f->q[(f->qhead + f->qlen) % f->qcap];
		f->qlen++;
		pq->head = strcmp(m->method, "HEAD") == 0;
		pq->connect = strcmp(m->method, "CONNECT") == 0;
		pq->uri = fk_strdup(m->uri);
		pq->host = fk_strdup(m->host);
		pq->t = NULL;
		if (logfp != NULL) {
			struct txn *t = txn_new(f, h->dir);

			t->refs = T_REQ | T_QUEUE;
			t->has_req = 1;
			t->ts_req = m->ts_ns;
			t->minor = m->minor;
			t->method = dup_or_null(m->method);
			t->uri = dup_or_null(m->uri);
			t->host = dup_or_null(m->host);
			t->ua = dup_or_null(m->ua);
			t->referer = dup_or_null(m->referer);
			txn_side(t, 0, m);
			if (m->expect_continue)
				t->flags |= TF_CONTINUE;
			if (pq->head)
				t->flags |= TF_HEAD;
			h->t = pq->t = t;
		}
	} else {
		st.responses++;
		h->text = fk_strdup(m->reason);
		if (f->qlen > 0)
			pq = &f->q[f->qhead];
		else
			st.unpaired++;
		h->host = fk_strdup(pq ? pq->host : "");
		h->url = pq ? make_url(pq->host, pq->uri) : NULL;
		h->uri = pq ? fk_strdup(pq->uri) : NULL;
		if (pq && pq->head)
			how = FK_HP_NO_BODY;
		/* A tunnel or another protocol follows, both ways. */
		if (m->status == 101 || (pq && pq->connect &&
		    m->status >= 200 && m->status < 300)) {
			how = FK_HP_SWITCH;
			h->flags |= FK_HTTP_F_SWITCHED;
			st.switches++;
			fk_hp_switch(&f->d[!h->dir].hp);
			hp_track(&f->d[!h->dir]);
		}
		/* 1xx are interim, but 101: the request still awaits its
		   answer. */
		final = m->status < 100 || m->status >= 200 || m->status == 101;
		if (logfp != NULL) {
			struct txn *t = pq ? pq->t : NULL;

			if (t != NULL && !final) {
				t->info_code = m->status;
				if (m->status == 100)
					t->flags |= TF_CONTINUE;
			} else {
				if (t == NULL) {
					t = txn_new(f, !h->dir);
					t->flags |= TF_NO_REQUEST;
					t->minor = m->minor;
				}
				if (pq)
					pq->t = NULL;
				t->refs = (t->refs & ~T_QUEUE) | T_RESP;
				t->has_resp = 1;
				t->ts_resp = m->ts_ns;
				t->status = m->status;
				free(t->reason);
				t->reason = dup_or_null(m->reason);
				txn_side(t, 1, m);
				if (h->flags & FK_HTTP_F_SWITCHED)
					t->flags |= TF_SWITCHED;
				h->t = t;
			}
		}
		if (pq && final) {
			free(pq->uri);
			free(pq->host);
			f->qhead = (f->qhead + 1) % f->qcap;
			f->qlen--;
		}
	}

	/* All header blocks, both directions, in the flow's -HTTP file. */
	if (f->hdrs.name == NULL) {
		snprintf(path, sizeof(path), "%s-HTTP",
		    flow_name(f, m->kind == FK_HP_RESP ? h->dir : !h->dir));
		f->hdrs.name = fk_strdup(path);
	}
	of_write(&f->hdrs, m->raw, m->rawlen, f->hdrs.size);

	if (m->chunked)
		h->flags |= FK_HTTP_F_CHUNKED;
	h->coding = m->coding;
	for (int i = 0; i < m->ncodings; i++)
		h->flags |= m->codings[i] == FK_HP_CODING_GZIP ? FK_HTTP_F_GZIP :
		    m->codings[i] == FK_HP_CODING_DEFLATE ? FK_HTTP_F_DEFLATE :
		    m->codings[i] == FK_HP_CODING_BR ? FK_HTTP_F_BR :
		    FK_HTTP_F_ZSTD;
	/* A coding not known: the body is kept encoded, and named so. */
	if (m->coding == FK_HP_CODING_OTHER) {
		h->flags |= FK_HTTP_F_CODING_UNKNOWN;
		h->unknown = 1;
	}

	/* The files are named at their first byte (body_names). */
	h->ext = fk_http_mime_ext(m->ctype);
	of_finish(&h->body);
	of_finish(&h->raw);
	h->inflating = m->ncodings > 0 && m->coding != FK_HP_CODING_OTHER;
	h->want_raw = opt_raw || h->inflating || h->unknown;
	if (h->inflating) {
		h->inf = fk_malloc(sizeof(*h->inf));
		fk_inflate_init(h->inf);
		if (fk_inflate_codings(h->inf, m->codings, m->ncodings) < 0)
			fk_fail("httpsplit: content codings");	/* cannot be */
		h->inf->max_out = opt_maxdec;
		h->inf->max_ratio = opt_ratio;
		h->inf->mem = &msgmem;
	}
	h->dec_stopped = 0;
	h->cut = 0;
	h->ent_next = 0;
	h->hash_next = h->hash_zeros = 0;
	h->hash_bad = h->gap = 0;
	return how;
}

static void
dec_out(void *arg, const uint8_t *p, size_t n)
{
	struct hdir *h = arg;

	body_write(h, p, n, h->body.size);
}

static void
cb_body(void *arg, const uint8_t *p, size_t n, uint64_t eoff)
{
	struct hdir *h = arg;

	if (eoff != h->ent_next)
		h->gap = 1;
	if (!h->inflating)
		body_write(h, p, n, eoff);
	else if (!h->dec_stopped) {
		int r;

		if (eoff != h->ent_next) {
			h->dec_stopped = 1;	/* a hole: cannot go on */
			fk_inflate_end(h->inf);
		} else if ((r = fk_inflate_feed(h->inf, p, n, dec_out,
		    h)) == -2) {
			h->dec_stopped = 1;
			h->cut = h->inf->cut;
		} else if (r < 0) {
			h->dec_stopped = 1;
			h->flags |= FK_HTTP_F_DECODE_ERR;
		}
		dec_track(h);
		mem_enforce(0);
	}
	h->ent_next = eoff + n;
}

static void
cb_wire(void *arg, const uint8_t *p, size_t n, uint64_t woff)
{
	struct hdir *h = arg;

	if (h->want_raw && n > 0) {
		body_names(h);
		of_write(&h->raw, p, n, woff);
	}
}

static void
cb_end(void *arg, uint64_t wire_len, uint64_t ent_len, int fl)
{
	struct hdir *h = arg;
	char file[PATH_MAX], hex[FK_DIGEST_NALG][FK_DIGEST_HEXLEN];
	const char *md5 = "", *sha256 = "";
	uint64_t dec_len;
	int keep_raw;

	if (fl & FK_HP_END_INCOMPLETE)
		h->flags |= FK_HTTP_F_INCOMPLETE;
	if (ent_len > h->ent_next)
		h->gap = 1;		/* a hole at the end */
	if (h->inflating) {
		int r = fk_inflate_finish(h->inf);

		dec_track(h);
		if (r == -1 && !(h->flags & FK_HTTP_F_INCOMPLETE) &&
		    !h->cut && ent_len > 0)
			h->flags |= FK_HTTP_F_DECODE_ERR; /* stream cut short */
		st.members += h->inf->members;
	}
	/* Cut by a limit: the decoded form is incomplete. */
	if (h->cut)
		h->flags |= FK_HTTP_F_INCOMPLETE;
	dec_len = h->body.size;
	file[0] = '\0';
	if (h->body.created && h->dg != NULL && !h->hash_bad) {
		fk_digest_final(h->dg, hex);
		md5 = hex[0];
		sha256 = hex[2];
	}
	if (h->body.created) {
		st.bodies++;
		if (h->flags & (FK_HTTP_F_INCOMPLETE |
		    FK_HTTP_F_DECODE_ERR)) {
			/*
			 * Say so in the name: the bytes are right, not all
			 * (a decoded form not known complete never gets the
			 * final name).
			 */
			if (fk_ofile_rename(&odir, &h->body, ".partial") < 0)
				fk_fail("%s/%s.partial", outdir, h->body.name);
		}
		snprintf(file, sizeof(file), "%s", h->body.name);
	}
	if (h->cut == FK_INF_CUT_SIZE || h->cut == FK_INF_CUT_RATIO) {
		if (h->cut == FK_INF_CUT_SIZE)
			st.size_cut++;
		else
			st.ratio_cut++;
		if (!opt_quiet)
			warnx("%s/%s: decoding stopped at %" PRIu64 " bytes: %s",
			    outdir, file[0] ? file : h->body.name ? h->body.name :
			    "?", dec_len,
			    h->cut == FK_INF_CUT_SIZE ?
			    "over the size cap (-S)" :
			    "over the expansion ratio cap (-X)");
	}
	if (h->inflating && h->inf->trailing > 0) {
		st.trailing++;
		if (!opt_quiet)
			warnx("%s/%s: %" PRIu64 " bytes of trailing garbage "
			    "after the compressed data ignored", outdir,
			    file[0] ? file : h->body.name ? h->body.name : "?",
			    h->inf->trailing);
	}
	if (h->unknown && h->body.created) {
		char cs[64];

		/* Printable ASCII only: the header is the peer's. */
		snprintf(cs, sizeof(cs), "%s", h->cenc ? h->cenc : "");
		fk_text_ascii(cs, strlen(cs));
		st.unknown_coding++;
		if (!opt_quiet)
			warnx("%s/%s: content coding \"%s\" not known: kept as "
			    "sent", outdir, file, cs);
	}
	if (h->flags & FK_HTTP_F_INCOMPLETE)
		st.incomplete++;
	if (h->flags & FK_HTTP_F_DECODE_ERR)
		st.decode_err++;
	keep_raw = opt_raw || h->unknown || (h->flags & (FK_HTTP_F_DECODE_ERR |
	    FK_HTTP_F_INCOMPLETE));
	if (keep_raw)
		of_finish(&h->raw);
	else
		of_unlink(&h->raw);
	of_finish(&h->body);
	emit_http(h, wire_len, dec_len, file, md5, sha256);
	if (h->t != NULL) {
		struct tside *ts = &h->t->s[h->kind == FK_HP_RESP];

		ts->wire_len = wire_len;
		ts->dec_len = dec_len;
		ts->file = dup_or_null(file);
		snprintf(ts->md5, sizeof(ts->md5), "%s", md5);
		snprintf(ts->sha256, sizeof(ts->sha256), "%s", sha256);
		if (h->flags & (FK_HTTP_F_INCOMPLETE | FK_HTTP_F_DECODE_ERR))
			h->t->flags |= TF_PARTIAL;
		if (h->flags & FK_HTTP_F_DECODE_ERR)
			h->t->flags |= TF_DECODE_ERR;
		if (h->unknown)
			h->t->flags |= TF_UNKNOWN;
		if (h->gap)
			h->t->flags |= TF_GAP;
	}
	hdir_release(h);
	msg_clear(h);
}

/* ---- flows */

static struct flow *
flow_get(uint64_t id)
{
	struct flow *f = fk_idmap_get(&flows, id);
	static const struct fk_hp_cb cb0 = {
		NULL, cb_headers, cb_body, cb_wire, cb_end
	};
	int i;

	if (f)
		return f;
	f = fk_calloc(1, sizeof(*f));
	f->id = id;
	of_init(&f->hdrs);
	for (i = 0; i < 2; i++) {
		struct fk_hp_cb cb = cb0;

		cb.arg = &f->d[i];
		f->d[i].f = f;
		f->d[i].dir = i;
		fk_hp_init(&f->d[i].hp, &cb);
		f->d[i].hp.mem = &msgmem;
		of_init(&f->d[i].body);
		of_init(&f->d[i].raw);
	}
	fk_idmap_put(&flows, id, f);
	return f;
}

static void
count_hp(const struct fk_hp *hp)
{
	st.resync += hp->st.resync;
	st.hdr_too_big += hp->st.hdr_too_big;
	st.bad_msg += hp->st.bad_msg;
	st.switched_bytes += hp->st.switched;
}

static void
flow_end(struct flow *f, int clean)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		fk_hp_eof(&f->d[i].hp, clean);
		count_hp(&f->d[i].hp);
		fk_hp_free(&f->d[i].hp);
		hp_track(&f->d[i]);
		hdir_release(&f->d[i]);
		msg_clear(&f->d[i]);
		of_finish(&f->d[i].body);	/* normally done by cb_end */
		of_finish(&f->d[i].raw);
	}
	/* Requests never answered: their log entries go out now. */
	for (i = 0; i < f->qlen; i++) {
		struct pending *pq = &f->q[(f->qhead + i) % f->qcap];

		free(pq->uri);
		free(pq->host);
		txn_unref(pq->t, T_QUEUE);
	}
	free(f->q);
	for (i = 0; i < 2; i++)
		free(f->name[i]);
	of_finish(&f->hdrs);
	fk_namer_close(&namer, &f->nf);
	fk_idmap_del(&flows, f->id);
	free(f);
}

static void
emit_stats(void)
{
	struct fk_statsbuf sb;

	fk_stats_begin(&sb, "httpsplit");
	fk_stats_add(&sb, st.requests, "requests");
	fk_stats_add(&sb, st.responses, "responses");
	fk_stats_add(&sb, st.bodies, "bodies");
	fk_stats_add(&sb, st.incomplete, "incomplete");
	fk_stats_add(&sb, st.decode_err, "decode_errors");
	fk_stats_add(&sb, st.resync, "resync");
	fk_stats_add(&sb, st.hdr_too_big, "header_too_big");
	fk_stats_add(&sb, st.bad_msg, "bad_messages");
	fk_stats_add(&sb, st.unpaired, "unpaired_responses");
	fk_stats_add(&sb, st.dropped_pending, "dropped_requests");
	fk_stats_add(&sb, st.members, "gzip_members");
	fk_stats_add(&sb, st.trailing, "trailing_garbage");
	fk_stats_add(&sb, st.size_cut, "decode_size_cut");
	fk_stats_add(&sb, st.ratio_cut, "decode_ratio_cut");
	fk_stats_add(&sb, st.memcap_cut, "memcap_cut");
	fk_stats_add(&sb, st.unknown_coding, "unknown_coding");
	fk_stats_add(&sb, st.switches, "protocol_switches");
	fk_stats_add(&sb, st.switched_bytes, "switched_bytes");
	if (odir.notreg)
		fk_stats_add(&sb, odir.notreg, "not_regular");
	if (logfp != NULL)
		fk_stats_add(&sb, st.log_entries, "log_entries");
	if (opt_url) {
		fk_stats_add(&sb, st.url_names, "url_names");
		fk_stats_add(&sb, st.url_collisions, "url_collisions");
		fk_stats_add(&sb, st.url_fallback, "url_fallback");
	}
	fk_stats_end(&sb, &out, NULL);
	if (!opt_quiet && (st.incomplete || st.decode_err || st.hdr_too_big))
		warnx("%" PRIu64 " bodies, %" PRIu64 " incomplete, %" PRIu64
		    " not decodable, %" PRIu64 " header blocks too big",
		    st.bodies, st.incomplete, st.decode_err, st.hdr_too_big);
}

/*
 * Each record goes on before the HTTP records it leads to; a FLOW_CLOSE
 * after those its flow's end writes.
 */
static void
on_open(struct fk_stage *sg, const struct fk_open *o)
{
	char name[2][FK_NAME_MAX];
	size_t len[2];
	struct flow *f;

	fk_stage_pass(sg);
	if ((f = fk_idmap_get(&flows, o->flow_id)) != NULL)
		flow_end(f, 0);		/* reused id */
	f = flow_get(o->flow_id);
	f->o = *o;
	f->have_open = 1;
	/* tcpflow's names; FLOW_NAME records (flowname) replace them. */
	fk_namer_open(&namer, &f->nf, o, name, len);
	for (int i = 0; i < 2; i++) {
		free(f->name[i]);
		f->name[i] = fk_name_dup_safe(name[i], len[i], NAME_RESERVE,
		    NULL, NULL);
	}
	if (o->opener == FK_OPEN_MIDSTREAM)
		f->d[0].hp.midstream = f->d[1].hp.midstream = 1;
}

static void
on_name(struct fk_stage *sg, const struct fk_name *n)
{
	struct flow *f;

	fk_stage_pass(sg);
	f = flow_get(n->flow_id);
	fk_namer_given(&namer, &f->nf, n->dir);
	free(f->name[n->dir]);
	f->name[n->dir] = fk_name_dup_safe(n->name, n->len, NAME_RESERVE, NULL,
	    NULL);
}

static void
on_data(struct fk_stage *sg, const struct fk_data *d)
{
	struct flow *f;

	fk_stage_pass(sg);
	f = flow_get(d->flow_id);
	if (d->len > 0)		/* tcpflow would make the flow's file */
		fk_namer_data(&namer, &f->nf, d->dir);
	fk_hp_feed(&f->d[d->dir].hp, d->data, d->len, d->offset, d->ts_ns);
	hp_track(&f->d[d->dir]);
	mem_enforce(1);
}

static void
on_gap(struct fk_stage *sg, const struct fk_gap *g)
{
	struct flow *f;

	fk_stage_pass(sg);
	f = flow_get(g->flow_id);
	fk_hp_gap(&f->d[g->dir].hp, g->offset, g->len);
	hp_track(&f->d[g->dir]);
}

static void
on_close(struct fk_stage *sg, const struct fk_close *c)
{
	struct flow *f;

	if ((f = fk_idmap_get(&flows, c->flow_id)) != NULL)
		flow_end(f, c->reason == FK_CLOSE_FIN);
}

static const struct fk_stage_ops ops = {
	.open = on_open, .name = on_name, .data = on_data, .gap = on_gap,
	.close = on_close,
	.needs = "stream records in the input: put reasm before httpsplit",
};

int
main(int argc, char *argv[])
{
	struct fk_in in;
	const char *logname = NULL;
	int ch;
	size_t i;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "HVhl:M:o:pqrS:uX:")) != -1) {
		switch (ch) {
		case 'H':
			opt_hash = 1;
			break;
		case 'l':
			logname = optarg;
			opt_hash = 1;
			break;
		case 'u':
			opt_url = 1;
			break;
		case 'M':
			opt_memcap = (uint64_t)fk_strtosize(optarg, 64 << 10,
			    1LL << 50, "-M");
			break;
		case 'S':
			opt_maxdec = (uint64_t)fk_strtosize(optarg, 0,
			    1LL << 60, "-S");
			break;
		case 'X':
			opt_ratio = (uint32_t)fk_strtonum(optarg, 0,
			    1000000000, "-X");
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'p':
			opt_pass = 1;
			break;
		case 'q':
			opt_quiet = 1;
			break;
		case 'r':
			opt_raw = 1;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	}
	if (optind != argc || outdir == NULL)
		fk_usage();
	if (logname != NULL && strcmp(logname, "-") == 0 && opt_pass) {
		warnx("-p: the log (-l -) is the standard output");
		fk_usage();
	}
	fk_odir_open(&odir, outdir, MAX_OPEN);
	/* A fatal error (disk full): files being written to .partial. */
	fk_odir_partial_on_fail(&odir);

	fk_idmap_init(&flows);
	fk_idmap_init(&urlnames);
	fk_namer_init(&namer, FK_NAME_TEMPLATE, 0);
	if (logname != NULL) {
		fk_report_open(&logrep, logname);
		logfp = logrep.f;
	}
	fk_in_open(&in, 0, "<stdin>");
	/* Files are the output; with -l - stdout is the log: no records. */
	fk_out_open_pass(&out, logfp == stdout ? -1 : 1, "<stdout>",
	    opt_pass);
	fk_stage_run(&in, &out, &ops, NULL);
	/* End of input: whatever is still open was cut off. */
	/* Deletion shifts entries back into slot i: look at it again. */
	for (i = 0; flows.count > 0 && i <= flows.mask;) {
		if (flows.slot[i].id != 0)
			flow_end(flows.slot[i].val, 0);
		else
			i++;
	}
	emit_stats();
	fk_out_close(&out);
	if (logfp != NULL && !log_gone)
		fk_report_close(&logrep, fk_in_cut(&in) == 1);
	fk_in_close(&in);
	fk_idmap_free(&flows);
	fk_idmap_free(&urlnames);
	fk_namer_free(&namer);
	fk_odir_close(&odir);
	return fk_io_exit(&in, odir.failures ? FK_EX_FAIL : FK_EX_OK);
}
