/* fk_io.c - record stream reader and writer, see fk_io.h. */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fk_io.h"
#include "fk_ref.h"
#include "fk_sig.h"
#include "fk_text.h"
#include "fk_util.h"

#define IN_CHUNK	(1u << 20)
#define OUT_CAP		(1u << 20)
#define OUT_IOV		256		/* pieces pending at most */
#define REF_MIN		512		/* smaller pieces are copied */

/*
 * The stage's output stream, if any: flushed before exiting on damaged
 * input, so everything before the damage is written.
 */
static struct fk_out *active_out;
/*
 * The last input opened: kept reachable so that exiting on damage from
 * deep in a stage is not reported as a leak by LeakSanitizer.
 */
static struct fk_in *active_in;
/* The reader of the last record returned: its buffer may be referenced. */
static const struct fk_in *last_in;

/* in's buffer is about to move or go: write what refers to it. */
static void
unref_in(const struct fk_in *in)
{
	if (active_out != NULL && active_out->niov > 0 &&
	    active_out->refin == in)
		fk_out_flush(active_out);
}

static struct {
	void (*fn)(void *);
	void *arg;
} flushers[FK_IO_MAXFLUSH];
static int nflushers;

static void out_open(struct fk_out *, int, const char *);

/* The stage's own status for its END record (fk_io_status). */
static uint8_t own_status;
static int own_code;
static char own_text[200];
/* A record output was really written (not discarded): not the last stage. */
static int passed_on;

static void
worse(uint8_t *status, uint8_t *code, char *text, size_t tlen,
    uint8_t nstatus, int ncode, const char *ntext, size_t nlen)
{
	if (nstatus > *status)
		*status = nstatus;
	if (ncode > *code)
		*code = (uint8_t)(ncode > 255 ? 255 : ncode);
	if (text[0] == '\0' && nlen > 0) {
		if (nlen >= tlen)
			nlen = tlen - 1;
		memcpy(text, ntext, nlen);
		text[nlen] = '\0';
		fk_text_ascii(text, nlen);	/* printed on stderr */
	}
}

void
fk_io_status(uint8_t status, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[160], t[200];
	uint8_t c = (uint8_t)(own_code > 255 ? 255 : own_code);

	msg[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	t[0] = '\0';
	if (msg[0] != '\0')
		snprintf(t, sizeof(t), "%s: %s", program_invocation_short_name,
		    msg);
	worse(&own_status, &c, own_text, sizeof(own_text), status, code, t,
	    strlen(t));
	own_code = c;
}

void
fk_io_flusher_add(void (*fn)(void *), void *arg)
{
	if (nflushers == FK_IO_MAXFLUSH)
		errx(FK_EX_FAIL, "internal: too many output flushers");
	flushers[nflushers].fn = fn;
	flushers[nflushers].arg = arg;
	nflushers++;
}

void
fk_io_flusher_del(void (*fn)(void *), void *arg)
{
	for (int i = 0; i < nflushers; i++)
		if (flushers[i].fn == fn && flushers[i].arg == arg) {
			flushers[i] = flushers[--nflushers];
			return;
		}
}

/* Run the first n flushers (n: nflushers, unless they are unhooked). */
static void
run_flushers(int n)
{
	for (int i = 0; i < n; i++)
		flushers[i].fn(flushers[i].arg);
}

static void out_end(struct fk_out *, uint8_t status, int code,
    const char *text);

/*
 * Exiting early (damaged input, a fatal error, a second SIGINT): write
 * what is buffered, and end the record stream as incomplete so that
 * later stages know.
 */
static void
flush_active(int code, const char *text)
{
	int n = nflushers;

	nflushers = 0;		/* a failing flush must not recurse */
	run_flushers(n);
	if (active_out != NULL) {
		struct fk_out *o = active_out;

		active_out = NULL;
		if (o->buf != NULL)
			out_end(o, FK_END_INCOMPLETE, code, text);
		fk_out_flush(o);
	}
}

/* fk_atfail() hook: the stage fails; its stream says so. */
static void
fail_hook(void *arg)
{
	int code;
	const char *t = fk_fail_text(&code);

	(void)arg;
	if (active_out != NULL && active_out->fd >= 0)
		flush_active(code ? code : FK_EX_FAIL, t);
}

static void
in_init(struct fk_in *in, int fd, const char *name, size_t cap)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->name = name;
	in->cap = cap;
	in->buf = fk_malloc(in->cap);
	in->need_hdr = 1;
	active_in = in;
}

void
fk_in_open(struct fk_in *in, int fd, const char *name)
{
	struct stat sb;

	in_init(in, fd, name, 2 * IN_CHUNK);
	fk_pipe_grow(fd);
	/* A pipe or socket is drained on SIGINT: the source ends it. */
	in->drain = fstat(fd, &sb) == 0 &&
	    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
}

void
fk_in_open_mem(struct fk_in *in, const void *p, size_t len, const char *name)
{
	in_init(in, -1, name, 4096);
	in->mem = p;
	in->memlen = len;
}

void
fk_in_close(struct fk_in *in)
{
	unref_in(in);
	if (last_in == in)
		last_in = NULL;
	if (active_in == in)
		active_in = NULL;
	free(in->buf);
	in->buf = NULL;
}

/* Make at least `want` bytes available at buf[start]; 0 if EOF first. */
static int
fill(struct fk_in *in, size_t want)
{
	while (in->end - in->start < want) {
		size_t room;
		ssize_t n;

		if (in->eof)
			return 0;
		if (in->cap - in->start < want) {
			unref_in(in);
			memmove(in->buf, in->buf + in->start,
			    in->end - in->start);
			in->end -= in->start;
			in->start = 0;
			if (in->cap < want) {
				size_t ncap = in->cap;
				while (ncap < want)
					ncap *= 2;
				in->buf = fk_realloc(in->buf, ncap);
				in->cap = ncap;
			}
		}
		room = in->cap - in->end;
		if (in->fd < 0) {
			n = (ssize_t)(in->memlen - in->mempos);
			if ((size_t)n > room)
				n = (ssize_t)room;
			memcpy(in->buf + in->end, in->mem + in->mempos,
			    (size_t)n);
			in->mempos += (size_t)n;
		} else {
			/*
			 * About to wait for input with output pending: a live
			 * pipeline must not sit on it, so flush first (files,
			 * then records).  In a batch run input is always ready
			 * and this costs one poll per megabyte.
			 */
			if ((active_out != NULL && (active_out->len > 0 ||
			    active_out->niov > 0)) || nflushers > 0) {
				struct pollfd pfd = { in->fd, POLLIN, 0 };

				if (poll(&pfd, 1, 0) == 0) {
					run_flushers(nflushers);
					if (active_out != NULL)
						fk_out_flush(active_out);
				}
			}
			n = read(in->fd, in->buf + in->end, room);
		}
		if (n < 0) {
			if (errno == EINTR) {
				fk_sig_check();
				continue;
			}
			err(FK_EX_FAIL, "read %s", in->name);
		}
		if (n == 0)
			in->eof = 1;
		in->end += (size_t)n;
	}
	return 1;
}

/* The input's end was found wanting, and said so, in this stage. */
static int warned_here;

/* A stream of minor version 1 ended without its END record. */
static void
cut_short(struct fk_in *in)
{
	static const char t[] = "the input ended without its END record: "
	    "an earlier stage failed or was killed";
	char msg[sizeof(t) + 64];
	int n;

	n = snprintf(msg, sizeof(msg), "%s: %s", program_invocation_short_name,
	    t);
	if (in->end_status < FK_END_INCOMPLETE && in->fd >= 0) {
		warnx("%s: %s", in->name, t);
		warned_here = 1;
	}
	worse(&in->end_status, &in->end_code, in->end_text,
	    sizeof(in->end_text), FK_END_INCOMPLETE, FK_EX_UPSTREAM, msg,
	    (size_t)n);
}

/* The end of the input: how it ended is in in->end_*. */
static int
in_end(struct fk_in *in, uint8_t how)
{
	if (in->eof == 2)
		return 0;
	in->eof = 2;	/* once */
	if (how == FK_END_INTERRUPTED) {
		if (in->end_status < FK_END_INTERRUPTED)
			in->end_status = FK_END_INTERRUPTED;
	} else if (!in->hdr_seen && in->fd >= 0) {
		static const char t[] = "no record stream on the input "
		    "(did an earlier stage fail?)";
		char msg[sizeof(t) + 64];
		int n = snprintf(msg, sizeof(msg), "%s: %s",
		    program_invocation_short_name, t);

		warnx("%s: %s", in->name, t);
		warned_here = 1;
		worse(&in->end_status, &in->end_code, in->end_text,
		    sizeof(in->end_text), FK_END_INCOMPLETE, FK_EX_UPSTREAM,
		    msg, (size_t)n);
	} else if (in->minor >= 1 && !in->ended)
		cut_short(in);
	return 0;
}

int
fk_in_cut(const struct fk_in *in)
{
	if (in->end_status == FK_END_INCOMPLETE)
		return 1;
	return in->end_status == FK_END_INTERRUPTED ? 2 : 0;
}

int
fk_io_exit(const struct fk_in *in, int own)
{
	if (own != 0)
		return own;
	if (in->end_status != FK_END_INCOMPLETE && in->end_code == 0)
		return 0;
	if (!passed_on && !warned_here)
		warnx("incomplete input: %s", in->end_text[0] ?
		    in->end_text : "an earlier stage failed");
	return FK_EX_UPSTREAM;
}

static int
damaged(struct fk_in *in, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(in->err, sizeof(in->err), "%s: offset %llu: ", in->name,
	    (unsigned long long)off);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(in->err))
		vsnprintf(in->err + n, sizeof(in->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void
consume(struct fk_in *in, size_t n)
{
	in->start += n;
	in->off += n;
}

int
fk_in_next(struct fk_in *in, struct fk_rec *rec)
{
	const uint8_t *p;
	uint32_t len;
	uint16_t type;

	if (in->err[0])
		return -1;
	for (;;) {
		/* SIGINT and the input is a file: this stage is the source. */
		if (!in->drain && fk_sig_count() > 0 && in->fd >= 0) {
			fk_sig_check();
			return in_end(in, FK_END_INTERRUPTED);
		}
		if (!fill(in, 1))
			return in_end(in, FK_END_COMPLETE);
		if (in->need_hdr || (fill(in, 2) &&
		    fk_le16(in->buf + in->start) == FK_TYPE_STREAMHDR)) {
			size_t have;

			fill(in, FK_STREAM_HDR_LEN);
			p = in->buf + in->start;
			have = in->end - in->start;
			if (memcmp(p, FK_MAGIC, have < FK_MAGIC_LEN ? have :
			    FK_MAGIC_LEN) != 0)
				return damaged(in, in->off, in->need_hdr ?
				    "not a flowkit record stream (bad magic)" :
				    "garbled record header");
			if (have < FK_STREAM_HDR_LEN)
				return damaged(in, in->off,
				    "stream ends inside a stream header");
			if (fk_le16(p + 8) != FK_VERSION_MAJOR)
				return damaged(in, in->off,
				    "record stream version %u, expected %u",
				    fk_le16(p + 8), FK_VERSION_MAJOR);
			if (in->hdr_seen && in->minor >= 1 && !in->ended)
				cut_short(in);	/* the stream before ends here */
			in->minor = fk_le16(p + 10);
			in->hdr_rsv = fk_le32(p + 12);
			in->nhdr++;
			in->hdr_seen = 1;
			in->ended = 0;
			consume(in, FK_STREAM_HDR_LEN);
			in->need_hdr = 0;
			continue;
		}
		if (!fill(in, FK_REC_HDR_LEN)) {
			return damaged(in, in->off,
			    "stream ends inside a record header "
			    "(%zu of %d bytes)", in->end - in->start,
			    FK_REC_HDR_LEN);
		}
		p = in->buf + in->start;
		len = fk_le32(p + 4);
		if (len > FK_REC_MAX_BODY)
			return damaged(in, in->off,
			    "record type %#x claims %u body bytes (limit %u)",
			    fk_le16(p), len, FK_REC_MAX_BODY);
		type = fk_le16(p);
		if (!fill(in, FK_REC_HDR_LEN + (size_t)len))	/* moves buf */
			return damaged(in, in->off,
			    "stream ends inside a record of type %s (%zu of %u "
			    "body bytes)", fk_rec_typename(type) ?
			    fk_rec_typename(type) : "unknown",
			    in->end - in->start - FK_REC_HDR_LEN, len);
		p = in->buf + in->start;
		rec->type = fk_le16(p);
		rec->flags = fk_le16(p + 2);
		rec->len = len;
		rec->body = p + FK_REC_HDR_LEN;
		rec->offset = in->off;
		rec->ref = NULL;
		rec->reflen = 0;
		consume(in, FK_REC_HDR_LEN + (size_t)len);
		in->nrec++;
		last_in = in;
		if (rec->flags & FK_RF_REF) {
			char why[sizeof(in->err) - 32];

			if (fk_ref_check(rec, why, sizeof(why)) != 0)
				return damaged(in, rec->offset, "%s", why);
		}
		if (rec->type == FK_REC_FILE) {
			char why[sizeof(in->err) - 32];

			if (fk_ref_file(rec, why, sizeof(why)) != 0)
				return damaged(in, rec->offset, "%s", why);
			in->ended = 0;
			if (!in->show_file)
				continue;	/* announced again where needed */
			return 1;
		}
		if (rec->type == FK_REC_END) {
			struct fk_end e;

			if (fk_end_decode(rec, &e) < 0)
				return damaged(in, rec->offset,
				    "END record body too short");
			worse(&in->end_status, &in->end_code, in->end_text,
			    sizeof(in->end_text), e.status, e.code, e.text,
			    e.len);
			in->ended = 1;
			if (!in->show_end)
				continue;	/* each stage writes its own */
		} else
			in->ended = 0;	/* END is the last of its stream */
		return 1;
	}
}

int
fk_in_read(struct fk_in *in, struct fk_rec *rec)
{
	int r = fk_in_next(in, rec);

	if (r < 0) {
		char t[224];

		snprintf(t, sizeof(t), "%s: %s", program_invocation_short_name,
		    in->err);
		flush_active(FK_EX_DATA, t);
		/* the hooks run: files still being written become .partial */
		fk_abort(FK_EX_DATA, "%s", in->err);
	}
	return r;
}

void
fk_in_bad(const struct fk_in *in, const struct fk_rec *rec, const char *why)
{
	const char *t = fk_rec_typename(rec->type);
	char msg[224];

	snprintf(msg, sizeof(msg), "%s: %s: offset %llu: %s record: %s",
	    program_invocation_short_name, in->name,
	    (unsigned long long)rec->offset, t ? t : "unknown", why);
	flush_active(FK_EX_DATA, msg);
	fk_abort(FK_EX_DATA, "%s", msg + strlen(program_invocation_short_name) + 2);
}

void
fk_out_open(struct fk_out *out, int fd, const char *name)
{
	if (isatty(fd))
		errx(FK_EX_USAGE, "%s is a terminal and the output is a binary "
		    "record stream: pipe it into another stage, or into "
		    "flowcat to read it", name);
	out_open(out, fd, name);
}

void
fk_out_open_pass(struct fk_out *out, int fd, const char *name, int force)
{
	struct stat sb;

	if (force)
		fk_out_open(out, fd, name);
	else if (fstat(fd, &sb) == 0 &&
	    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)))
		out_open(out, fd, name);
	else
		out_open(out, -1, name);	/* a file, a terminal: discarded */
	out->side = 1;
}

/* fd is /dev/null: nothing written there is read, so nothing is copied. */
static int
is_devnull(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && S_ISCHR(a.st_mode) &&
	    stat("/dev/null", &b) == 0 && S_ISCHR(b.st_mode) &&
	    a.st_rdev == b.st_rdev;
}

static void
out_open(struct fk_out *out, int fd, const char *name)
{
	static int hooked;
	uint8_t hdr[FK_STREAM_HDR_LEN] = { 0 };
	struct stat sb;

	if (fd >= 0 && is_devnull(fd))
		fd = -1;	/* discarded, as by fk_out_open_side */

	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->name = name;
	out->cap = OUT_CAP;
	out->buf = fk_malloc(out->cap);
	out->iov = fk_malloc(OUT_IOV * sizeof(*out->iov));
	if (fd >= 0)
		fk_pipe_grow(fd);
	memcpy(hdr, FK_MAGIC, FK_MAGIC_LEN);
	fk_put16(hdr + 8, FK_VERSION_MAJOR);
	fk_put16(hdr + 10, FK_VERSION_MINOR);
	memcpy(out->buf, hdr, sizeof(hdr));
	out->len = sizeof(hdr);
	out->refs = fd >= 0 && fstat(fd, &sb) == 0 && S_ISFIFO(sb.st_mode);
	active_out = out;
	if (!hooked) {
		hooked = 1;
		fk_atfail(fail_hook, NULL);
	}
}

/*
 * The reader of a pass-through went away: only the pass-through stops
 * (the stage's files and reports are its real output).
 */
static int
side_gone(struct fk_out *out)
{
	if (errno != EPIPE || !out->side)
		return 0;
	out->fd = -1;
	return 1;
}

/* Write iov[0..n) completely (fk_write_all's errors and exit). */
static void
writev_all(struct fk_out *out, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(out->fd, iov, n);

		if (w < 0) {
			if (errno == EINTR) {
				fk_sig_check();
				continue;
			}
			if (side_gone(out))
				return;
			if (errno == EFAULT && out->stable != NULL)
				errx(FK_EX_FAIL, "%s: the file shrank while "
				    "being read", out->stablename);
			/* the same write again reports it as fk_write_all does */
			fk_write_all(out->fd, iov->iov_base, iov->iov_len,
			    out->name);
			w = (ssize_t)iov->iov_len;
		}
		fk_iov_advance(&iov, &n, (size_t)w);
	}
}

/* Write p..p+n completely, as writev_all(). */
static void
write_all(struct fk_out *out, const void *p, size_t n)
{
	struct iovec v = { (void *)(uintptr_t)p, n };

	writev_all(out, &v, 1);
}

void
fk_out_flush(struct fk_out *out)
{
	if (out->niov > 0) {
		size_t total = 0;

		for (int i = 0; i < out->niov; i++)
			total += out->iov[i].iov_len;
		if (out->fd >= 0)
			writev_all(out, out->iov, out->niov);
		out->off += total;
		out->niov = 0;
		out->len = 0;
		out->refbytes = 0;
		out->refin = NULL;
	} else if (out->len > 0) {
		if (out->fd >= 0)	/* fd -1: discarded (fk_out_open_pass) */
			write_all(out, out->buf, out->len);
		out->off += out->len;
		out->len = 0;
	}
}

/* Append a piece to the iov list (merged with the last if adjacent). */
static void
add_iov(struct fk_out *out, const void *p, size_t n)
{
	struct iovec *last = out->niov > 0 ? &out->iov[out->niov - 1] : NULL;

	if (last != NULL && (const uint8_t *)last->iov_base + last->iov_len ==
	    (const uint8_t *)p) {
		last->iov_len += n;
		return;
	}
	out->iov[out->niov].iov_base = (void *)(uintptr_t)p;
	out->iov[out->niov].iov_len = n;
	out->niov++;
}

/*
 * p..p+n lies in the consumed part of the last reader's buffer (so it
 * stays put until that reader moves its buffer: unref_in()): refer to
 * it instead of copying.  0 if it cannot.
 */
static int
put_ref(struct fk_out *out, const void *p, size_t n)
{
	const struct fk_in *in = last_in;
	uintptr_t q = (uintptr_t)p;
	int stable;

	if (n < REF_MIN)
		return 0;
	stable = q >= (uintptr_t)out->stable &&
	    q - (uintptr_t)out->stable <= out->stablelen &&
	    n <= out->stablelen - (q - (uintptr_t)out->stable);
	if (!stable) {
		if (out != active_out || in == NULL ||
		    q < (uintptr_t)in->buf ||
		    q + n > (uintptr_t)(in->buf + in->start))
			return 0;
		if (out->refin != NULL && out->refin != in)
			fk_out_flush(out);
	}
	if (out->niov >= OUT_IOV - 1 || out->refbytes + n > OUT_CAP)
		fk_out_flush(out);
	if (out->niov == 0 && out->len > 0)
		add_iov(out, out->buf, out->len);
	add_iov(out, p, n);
	if (!stable)
		out->refin = in;
	out->refbytes += n;
	return 1;
}

static void
put(struct fk_out *out, const void *p, size_t n)
{
	if (out->fd < 0) {	/* discarded: count only */
		out->off += n;
		return;
	}
	if (n == 0 || put_ref(out, p, n))
		return;
	if (out->niov > 0) {
		/* pieces pending: the copy becomes one more piece */
		if (out->len + n > out->cap || out->niov >= OUT_IOV - 1)
			fk_out_flush(out);
		if (out->niov > 0) {
			memcpy(out->buf + out->len, p, n);
			add_iov(out, out->buf + out->len, n);
			out->len += n;
			return;
		}
	}
	if (out->len + n > out->cap) {
		fk_out_flush(out);
		if (out->fd < 0) {	/* the pass-through reader went away */
			out->off += n;
			return;
		}
		if (n >= out->cap) {
			write_all(out, p, n);
			out->off += n;
			return;
		}
	}
	memcpy(out->buf + out->len, p, n);
	out->len += n;
}

void
fk_out_stable(struct fk_out *out, const void *p, size_t len,
    const char *name)
{
	if (out->niov > 0)	/* pieces may refer to the old range */
		fk_out_flush(out);
	out->stable = p;
	out->stablelen = p != NULL ? len : 0;
	out->stablename = name;
}

void
fk_out_header(struct fk_out *out, uint16_t minor, uint32_t reserved)
{
	uint8_t hdr[FK_STREAM_HDR_LEN];

	memcpy(hdr, FK_MAGIC, FK_MAGIC_LEN);
	fk_put16(hdr + 8, FK_VERSION_MAJOR);
	fk_put16(hdr + 10, minor);
	fk_put32(hdr + 12, reserved);
	if (out->off == 0 && out->niov == 0 && out->len == sizeof(hdr) &&
	    memcmp(out->buf, hdr, FK_MAGIC_LEN) == 0)
		memcpy(out->buf, hdr, sizeof(hdr));
	else
		put(out, hdr, sizeof(hdr));
}

void
fk_out_inline(struct fk_out *out)
{
	out->refs = 0;
}

/* The FILE record of id, unless out has announced it already. */
static void
announce(struct fk_out *out, uint32_t id)
{
	const uint8_t *body;
	uint8_t h[FK_REC_HDR_LEN];
	uint32_t len;
	uint64_t gen;

	if ((body = fk_ref_filerec(id, &len, &gen)) == NULL)
		errx(FK_EX_FAIL, "internal: file id %u unknown", id);
	for (int i = 0; i < FK_OUT_ANN; i++)
		if (out->ann[i] == gen)
			return;
	out->ann[out->annnext++ % FK_OUT_ANN] = gen;
	fk_put16(h, FK_REC_FILE);
	fk_put16(h + 2, 0);
	fk_put32(h + 4, len);
	put(out, h, sizeof(h));
	put(out, body, len);
}

/* Header and fixed part of a record whose variable part is a reference. */
static void
put_refrec(struct fk_out *out, uint16_t type, uint16_t flags,
    const void *fixed, size_t fixedlen, const uint8_t ref[FK_REF_LEN])
{
	uint8_t h[FK_REC_HDR_LEN];

	announce(out, fk_le32(ref));
	fk_put16(h, type);
	fk_put16(h + 2, flags | FK_RF_REF);
	fk_put32(h + 4, (uint32_t)(fixedlen + FK_REF_LEN));
	put(out, h, sizeof(h));
	put(out, fixed, fixedlen);
	put(out, ref, FK_REF_LEN);
}

void
fk_out_rec(struct fk_out *out, uint16_t type, const void *fixed,
    size_t fixedlen, const void *var, size_t varlen)
{
	uint8_t h[FK_REC_HDR_LEN];
	size_t body = fixedlen + varlen;
	uint64_t off;
	uint32_t id;

	if (body > FK_REC_MAX_BODY)
		errx(FK_EX_FAIL, "internal: record of %zu bytes", body);
	if (out->refs && varlen >= FK_REF_MIN &&
	    (id = fk_ref_find(var, varlen, &off)) != 0) {
		uint8_t ref[FK_REF_LEN];

		fk_put32(ref, id);
		fk_put32(ref + 4, (uint32_t)varlen);
		fk_put64(ref + 8, off);
		put_refrec(out, type, 0, fixed, fixedlen, ref);
		return;
	}
	fk_put16(h, type);
	fk_put16(h + 2, 0);
	fk_put32(h + 4, (uint32_t)body);
	put(out, h, sizeof(h));
	put(out, fixed, fixedlen);
	put(out, var, varlen);
}

void
fk_out_copy(struct fk_out *out, const struct fk_rec *rec)
{
	uint8_t h[FK_REC_HDR_LEN];
	uintptr_t b = (uintptr_t)rec->body;

	if (rec->type == FK_REC_FILE) {
		/* announced before the first reference that needs it */
		return;
	}
	if (rec->flags & FK_RF_REF) {
		size_t fixed = rec->len - FK_REF_LEN;
		const uint8_t *bytes;
		uint32_t n;

		if (out->refs) {
			put_refrec(out, rec->type, rec->flags & ~FK_RF_REF,
			    rec->body, fixed, rec->body + fixed);
			return;
		}
		if (out->fd < 0) {	/* discarded: the bytes are not read */
			out->off += FK_REC_HDR_LEN + (uint64_t)fixed +
			    rec->reflen;
			return;
		}
		/* the bytes themselves */
		fk_put16(h, rec->type);
		fk_put16(h + 2, rec->flags & ~FK_RF_REF);
		(void)fk_rec_var(rec, fixed, &bytes, &n);
		fk_put32(h + 4, (uint32_t)(fixed + n));
		put(out, h, sizeof(h));
		put(out, rec->body, fixed);
		put(out, bytes, n);
		return;
	}

	/* Straight from the reader's buffer, header and all, if it is there. */
	if (last_in != NULL && rec->len + FK_REC_HDR_LEN >= REF_MIN &&
	    b >= (uintptr_t)last_in->buf + FK_REC_HDR_LEN &&
	    b <= (uintptr_t)(last_in->buf + last_in->start)) {
		const uint8_t *h0 = rec->body - FK_REC_HDR_LEN;

		if (fk_le16(h0) == rec->type && fk_le16(h0 + 2) == rec->flags &&
		    fk_le32(h0 + 4) == rec->len) {
			put(out, h0, FK_REC_HDR_LEN + (size_t)rec->len);
			return;
		}
	}

	fk_put16(h, rec->type);
	fk_put16(h + 2, rec->flags);
	fk_put32(h + 4, rec->len);
	put(out, h, sizeof(h));
	put(out, rec->body, rec->len);
}

/* Append the END record, once. */
static void
out_end(struct fk_out *out, uint8_t status, int code, const char *text)
{
	struct fk_end e;
	uint8_t st = own_status, c = (uint8_t)own_code;
	char t[200];

	if (out->ended)
		return;
	out->ended = 1;
	memcpy(t, own_text, sizeof(t));
	worse(&st, &c, t, sizeof(t), status, code, text,
	    text != NULL ? strlen(text) : 0);
	if (active_in != NULL)
		worse(&st, &c, t, sizeof(t), active_in->end_status,
		    active_in->end_code, active_in->end_text,
		    strlen(active_in->end_text));
	e.status = st;
	e.code = c;
	e.text = t;
	e.len = (uint32_t)strlen(t);
	fk_end_emit(out, &e);
}

void
fk_out_close(struct fk_out *out)
{
	if (active_out == out)
		active_out = NULL;
	out_end(out, FK_END_COMPLETE, 0, NULL);
	if (out->fd >= 0)
		passed_on = 1;
	fk_out_flush(out);
	free(out->buf);
	out->buf = NULL;
	free(out->iov);
	out->iov = NULL;
}
