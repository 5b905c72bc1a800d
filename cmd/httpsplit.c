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
 * Files go through fk_ofile: opened below the output directory without
 * following symbolic links, at most MAX_OPEN (fewer under a low
 * RLIMIT_NOFILE) descriptors at once, least recently used closed first
 * and reopened as needed.  On a fatal error (a full disk) the files
 * still being written are renamed NAME.partial before exit.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fk_hash.h"
#include "fk_http.h"
#include "fk_io.h"
#include "fk_list.h"
#include "fk_name.h"
#include "fk_namer.h"
#include "fk_ofile.h"
#include "fk_record.h"
#include "fk_stage.h"
#include "fk_util.h"

#define MAX_OPEN	64	/* output files kept open at once, at most */
#define MAX_PENDING	256	/* unanswered requests remembered per flow */
/* Bytes httpsplit appends to a flow's name: "-HTTPBODY-", a count, ".",
   an extension, ".raw" (fk_name_dup_safe keeps the name that much shorter). */
#define NAME_RESERVE	48

struct pending {		/* a request waiting for its response */
	int head, connect;
	char *uri, *host;
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
};

static struct fk_out out;
static struct fk_odir odir;
static const char *outdir;
static int opt_raw, opt_quiet, opt_pass;
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
} st;

static const struct fk_opthelp opthelp[] = {
	{ "-M bytes", "memory for messages in progress, all flows (32m)" },
	{ "-o dir", "write the files in dir, made if missing" },
	{ "-p", "pass records on even when stdout is not a pipe" },
	{ "-q", "no summary of incomplete bodies on standard error" },
	{ "-r", "also keep the wire form of every body in a .raw file" },
	{ "-S bytes", "most bytes decoded per compressed body (1g, 0: none)" },
	{ "-X ratio", "most decoded bytes per compressed byte (1000, 0: none)" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: httpsplit [-hpqrV] [-M bytes] [-S bytes] [-X ratio] "
	    "-o dir\n",
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

/* ---- HTTP record */

static void
emit_http(struct hdir *h, uint64_t wire_len, uint64_t dec_len,
    const char *file)
{
	struct fk_http r;
	const char *s[5];
	size_t len[5], tot = 0, i;
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
	for (i = 0; i < 5; i++)
		tot += (len[i] = strlen(s[i])) + 1;
	p = var = fk_malloc(tot);
	for (i = 0; i < 5; i++) {
		memcpy(p, s[i], len[i] + 1);
		p += len[i] + 1;
	}
	r.varlen = (uint32_t)tot;
	r.var = var;
	fk_http_emit(&out, &r);
	free(var);
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
	h->method = h->text = h->ctype = h->host = h->cenc = NULL;
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
	const char *ext, *fn;
	char path[PATH_MAX];
	int how = FK_HP_AS_USUAL;
	struct pending *pq = NULL;

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
		if (f->qlen == MAX_PENDING) {
			pq = &f->q[f->qhead];
			free(pq->uri);
			free(pq->host);
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
	} else {
		st.responses++;
		h->text = fk_strdup(m->reason);
		if (f->qlen > 0)
			pq = &f->q[f->qhead];
		else
			st.unpaired++;
		h->host = fk_strdup(pq ? pq->host : "");
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
		if (pq && (m->status < 100 || m->status >= 200 ||
		    m->status == 101)) {
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

	fn = flow_name(f, h->dir);
	ext = fk_http_mime_ext(m->ctype);
	snprintf(path, sizeof(path), "%s-HTTPBODY-%03" PRIu64 "%s%s%s", fn,
	    h->hp.msgs, ext ? "." : "", ext ? ext : "",
	    h->unknown ? ".encoded" : "");
	of_finish(&h->body);
	h->body.name = fk_strdup(path);
	snprintf(path, sizeof(path), "%s.raw", h->body.name);
	of_finish(&h->raw);
	h->raw.name = fk_strdup(path);
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
	return how;
}

static void
dec_out(void *arg, const uint8_t *p, size_t n)
{
	struct hdir *h = arg;

	of_write(&h->body, p, n, h->body.size);
}

static void
cb_body(void *arg, const uint8_t *p, size_t n, uint64_t eoff)
{
	struct hdir *h = arg;

	if (!h->inflating)
		of_write(&h->body, p, n, eoff);
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

	if (h->want_raw)
		of_write(&h->raw, p, n, woff);
}

static void
cb_end(void *arg, uint64_t wire_len, uint64_t ent_len, int fl)
{
	struct hdir *h = arg;
	char file[PATH_MAX];
	uint64_t dec_len;
	int keep_raw;

	if (fl & FK_HP_END_INCOMPLETE)
		h->flags |= FK_HTTP_F_INCOMPLETE;
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
			    outdir, file[0] ? file : h->body.name, dec_len,
			    h->cut == FK_INF_CUT_SIZE ?
			    "over the size cap (-S)" :
			    "over the expansion ratio cap (-X)");
	}
	if (h->inflating && h->inf->trailing > 0) {
		st.trailing++;
		if (!opt_quiet)
			warnx("%s/%s: %" PRIu64 " bytes of trailing garbage "
			    "after the compressed data ignored", outdir,
			    file[0] ? file : h->body.name, h->inf->trailing);
	}
	if (h->unknown && h->body.created) {
		char cs[64];
		size_t i;

		/* Printable ASCII only: the header is the peer's. */
		snprintf(cs, sizeof(cs), "%s", h->cenc ? h->cenc : "");
		for (i = 0; cs[i]; i++)
			if ((unsigned char)cs[i] > 0x7e ||
			    (unsigned char)cs[i] < 0x20)
				cs[i] = '?';
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
	emit_http(h, wire_len, dec_len, file);
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
		msg_clear(&f->d[i]);
		of_finish(&f->d[i].body);	/* normally done by cb_end */
		of_finish(&f->d[i].raw);
		free(f->name[i]);
	}
	for (i = 0; i < f->qlen; i++) {
		free(f->q[(f->qhead + i) % f->qcap].uri);
		free(f->q[(f->qhead + i) % f->qcap].host);
	}
	free(f->q);
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
	int ch;
	size_t i;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "VhM:o:pqrS:X:")) != -1) {
		switch (ch) {
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
	fk_odir_open(&odir, outdir, MAX_OPEN);
	/* A fatal error (disk full): files being written to .partial. */
	fk_odir_partial_on_fail(&odir);

	fk_idmap_init(&flows);
	fk_namer_init(&namer, FK_NAME_TEMPLATE, 0);
	fk_in_open(&in, 0, "<stdin>");
	fk_out_open_pass(&out, 1, "<stdout>", opt_pass); /* files: the output */
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
	fk_in_close(&in);
	fk_idmap_free(&flows);
	fk_namer_free(&namer);
	fk_odir_close(&odir);
	return fk_io_exit(&in, odir.failures ? FK_EX_FAIL : FK_EX_OK);
}
