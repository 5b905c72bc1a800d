/* fk_ref.c - bytes of capture files passed by reference, see fk_ref.h. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fk_ref.h"
#include "fk_text.h"
#include "fk_util.h"

struct rfile {
	uint32_t id;		/* 0: a free slot */
	uint64_t gen;		/* this announcement, unique in the process */
	uint64_t used;		/* last use (least recently used goes) */
	uint8_t *rec;		/* the FILE record's body */
	uint32_t reclen;
	struct fk_file f;
	/*
	 * f.path, NUL-terminated (opened); a source's as the user named
	 * it (messages)
	 */
	char *path;
	int fd;			/* open: fd + 1 (0: not open) */
	char *err;		/* why its bytes cannot be had, or NULL */
	/* a source (fk_ref_source): 1, 2 if mapped; where its bytes are */
	int src;
	const uint8_t *sbase;
	size_t slen;
	uint64_t soff;
};

/*
 * A window: bytes [off, off+len) of a file, read into buf (pread, not
 * mmap: on a virtual machine the page faults and TLB misses of walking
 * a mapped capture cost more than copying it, and a file that shrinks
 * is a short read, not a SIGBUS).
 */
struct win {
	uint8_t *buf;
	size_t cap;		/* allocated */
	size_t len;		/* valid; 0: unused */
	uint64_t off;
	struct rfile *f;
	uint64_t used;
};

static struct rfile files[FK_REF_MAXFILES];
static struct win wins[FK_REF_MAXWIN];
static struct rfile *last_file;
static struct rfile *source;	/* the mapping of fk_ref_source() */
static struct win *last_win;
static uint64_t tick, gens;
static uint32_t next_src_id = 1;
static int refs_off;

void
fk_ref_off(void)
{
	refs_off = 1;
}

/* ---- SIGBUS: a mapped file shrank under us; say which, and exit. */

static void
putstr(const char *s)
{
	(void)!write(2, s, strlen(s));
}

/* The name of the mapped file that address a is in, or NULL. */
static const char *
mapped_name(uintptr_t a)
{
	for (int i = 0; i < FK_REF_MAXFILES; i++)
		if (files[i].src == 2 &&
		    a - (uintptr_t)files[i].sbase < files[i].slen)
			return files[i].path;
	return NULL;
}

static void
onbus(int sig, siginfo_t *si, void *ctx)
{
	const char *name = mapped_name((uintptr_t)si->si_addr);

	(void)ctx;
	if (name == NULL) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	putstr(program_invocation_short_name);
	putstr(": ");
	putstr(name);
	putstr(": the file shrank while being read\n");
	_exit(FK_EX_FAIL);
}

static void
hook_bus(void)
{
	static int hooked;
	struct sigaction sa;

	if (hooked)
		return;
	hooked = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = onbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* ---- the table */

/* This machine's id (/etc/machine-id), or zeros. */
static const uint8_t *
machine_id(void)
{
	static uint8_t id[16];
	static int done;
	char hex[40];
	FILE *fp;

	if (done)
		return id;
	done = 1;
	if ((fp = fopen("/etc/machine-id", "re")) == NULL)
		return id;
	if (fgets(hex, sizeof(hex), fp) != NULL && strlen(hex) >= 32)
		for (int i = 0; i < 16; i++) {
			unsigned v;

			if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
				memset(id, 0, sizeof(id));
				break;
			}
			id[i] = (uint8_t)v;
		}
	fclose(fp);
	return id;
}

static void
drop_win(struct win *w)
{
	w->len = 0;
	w->f = NULL;
	if (last_win == w)
		last_win = NULL;
}

static void
close_file(struct rfile *f)
{
	for (int i = 0; i < FK_REF_MAXWIN; i++)
		if (wins[i].f == f)
			drop_win(&wins[i]);
	if (f->fd > 0)
		close(f->fd - 1);
	f->fd = 0;
}

static void
drop_file(struct rfile *f)
{
	close_file(f);
	free(f->rec);
	free(f->path);
	free(f->err);
	if (last_file == f)
		last_file = NULL;
	memset(f, 0, sizeof(*f));
}

static struct rfile *
lookup(uint32_t id)
{
	if (last_file != NULL && last_file->id == id)
		return last_file;
	for (int i = 0; i < FK_REF_MAXFILES; i++)
		if (files[i].id == id)
			return last_file = &files[i];
	return NULL;
}

/* A slot for id: its old one, a free one, or the least recently used. */
static struct rfile *
slot(uint32_t id)
{
	struct rfile *f = lookup(id), *old = NULL;

	for (int i = 0; f == NULL && i < FK_REF_MAXFILES; i++) {
		if (files[i].id == 0 && !files[i].src) {
			f = &files[i];
			break;
		}
		if (old == NULL || files[i].used < old->used)
			old = &files[i];
	}
	if (f == NULL)
		f = old;
	drop_file(f);
	return f;
}

/* Keep at most FK_REF_MAXOPEN descriptors: close the least recently used. */
static void
limit_open(void)
{
	struct rfile *old = NULL;
	int n = 0;

	for (int i = 0; i < FK_REF_MAXFILES; i++)
		if (files[i].fd > 0 && !files[i].src) {
			n++;
			if (old == NULL || files[i].used < old->used)
				old = &files[i];
		}
	if (n >= FK_REF_MAXOPEN)
		close_file(old);
}

static void
set_err(struct rfile *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_err(struct rfile *f, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(f->err);
	f->err = fk_strdup(msg);
}

/*
 * Open f's file and check it is the one announced; 0, or -1 with f->err
 * set.
 */
static int
open_file(struct rfile *f)
{
	const uint8_t *me = machine_id();
	static const uint8_t zero[16];
	struct stat st;
	uint64_t mt;
	int fd;

	if (f->fd > 0)
		return 0;
	if (f->err != NULL)
		return -1;
	if (memcmp(f->f.machine, zero, 16) != 0 && memcmp(me, zero, 16) != 0 &&
	    memcmp(f->f.machine, me, 16) != 0) {
		set_err(f, "the capture file is on another machine (send the "
		    "stream's bytes inline: pcapcat -R)");
		return -1;
	}
	limit_open();
	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		set_err(f, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		set_err(f, "not a regular file");
		return -1;
	}
	mt = (uint64_t)st.st_mtim.tv_sec * 1000000000u +
	    (uint64_t)st.st_mtim.tv_nsec;
	if ((uint64_t)st.st_dev != f->f.dev || (uint64_t)st.st_ino != f->f.ino)
		set_err(f, "replaced since it was read (another file has "
		    "its name)");
	else if ((uint64_t)st.st_size < f->f.size)
		set_err(f, "shorter than when it was read (%llu bytes, "
		    "was %llu)", (unsigned long long)st.st_size,
		    (unsigned long long)f->f.size);
	else if ((uint64_t)st.st_size == f->f.size && mt != f->f.mtime_ns)
		set_err(f, "modified since it was read");
	if (f->err != NULL) {
		close(fd);
		return -1;
	}
	f->fd = fd + 1;
	return 0;
}

/* Fill f from its encoded body (f->rec). */
static void
set_rec(struct rfile *f, const uint8_t *body, uint32_t len)
{
	struct fk_rec r = { .type = FK_REC_FILE, .len = len };

	f->rec = fk_malloc(len);
	memcpy(f->rec, body, len);
	f->reclen = len;
	r.body = f->rec;
	(void)fk_file_decode(&r, &f->f);
	f->path = fk_malloc((size_t)f->f.pathlen + 1);
	memcpy(f->path, f->f.path, f->f.pathlen);
	f->path[f->f.pathlen] = '\0';
	f->gen = ++gens;
	f->used = ++tick;
}

int
fk_ref_file(const struct fk_rec *rec, char *err, size_t errlen)
{
	struct fk_file nf;
	struct rfile *f;

	if (rec->flags != 0 || fk_file_decode(rec, &nf) != 0 ||
	    nf.pathlen == 0 || nf.pathlen >= PATH_MAX ||
	    memchr(nf.path, '\0', nf.pathlen) != NULL || nf.path[0] != '/') {
		snprintf(err, errlen, "FILE record damaged (file id 0, or a "
		    "path that is not absolute)");
		return -1;
	}
	f = lookup(nf.id);
	if (f != NULL && !f->src && f->reclen == rec->len &&
	    memcmp(f->rec, rec->body, rec->len) == 0)
		return 0;	/* announced again */
	f = slot(nf.id);
	f->id = nf.id;
	set_rec(f, rec->body, rec->len);
	(void)open_file(f);	/* pin it now; a failure waits for a use */
	return 0;
}

/* A window of f holding [off, off+len), read if need be; NULL: f->err. */
static struct win *
window(struct rfile *f, uint64_t off, uint32_t len)
{
	struct win *w = NULL;
	uint64_t base;
	size_t want, got = 0;

	for (int i = 0; i < FK_REF_MAXWIN; i++) {
		struct win *x = &wins[i];

		if (x->len > 0 && x->f == f && off >= x->off &&
		    off - x->off <= x->len && len <= x->len - (off - x->off))
			return x;
		if (w == NULL || x->len == 0 ||
		    (w->len != 0 && x->used < w->used))
			w = x;
	}
	if (open_file(f) != 0)
		return NULL;
	drop_win(w);
	base = off & ~(uint64_t)4095;
	want = FK_REF_WIN;
	if (want < off + len - base)
		want = (size_t)(off + len - base);
	if (want > f->f.size - base)
		want = (size_t)(f->f.size - base);
	if (w->cap < want) {
		free(w->buf);
		w->cap = want > FK_REF_WIN ? want : FK_REF_WIN;
		w->buf = fk_malloc(w->cap);
	}
	while (got < want) {
		ssize_t n = pread(f->fd - 1, w->buf + got, want - got,
		    (off_t)(base + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_err(f, "%s", strerror(errno));
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got < off + len - base) {
		set_err(f, "shorter than when it was read (it ends at %llu, "
		    "a reference goes to %llu)",
		    (unsigned long long)(base + got),
		    (unsigned long long)(off + len));
		return NULL;
	}
	w->len = got;
	w->off = base;
	w->f = f;
	return w;
}

/* The reference at the end of rec's body: its file, offset and length. */
static struct rfile *
parse_ref(const struct fk_rec *rec, uint64_t *off, uint32_t *len,
    char *err, size_t errlen)
{
	const uint8_t *r;
	struct rfile *f;
	uint32_t id;

	if (rec->len < FK_REF_LEN) {
		snprintf(err, errlen, "%s record too short for a reference",
		    fk_rec_typename(rec->type) ? fk_rec_typename(rec->type) :
		    "unknown");
		return NULL;
	}
	r = rec->body + rec->len - FK_REF_LEN;
	id = fk_le32(r);
	*len = fk_le32(r + 4);
	*off = fk_le64(r + 8);
	if (id == 0 || (f = lookup(id)) == NULL || f->src) {
		snprintf(err, errlen, "reference to file id %u, which no FILE "
		    "record announced", id);
		return NULL;
	}
	if (*len > FK_REC_MAX_BODY - (rec->len - FK_REF_LEN) ||
	    *off > f->f.size || *len > f->f.size - *off) {
		snprintf(err, errlen, "reference to bytes %llu-%llu of a file "
		    "of %llu bytes, or past the record limit",
		    (unsigned long long)*off, (unsigned long long)*off + *len,
		    (unsigned long long)f->f.size);
		return NULL;
	}
	return f;
}

int
fk_ref_check(struct fk_rec *rec, char *err, size_t errlen)
{
	struct rfile *f;
	uint64_t off;
	uint32_t len;

	rec->ref = NULL;
	rec->reflen = 0;
	if ((f = parse_ref(rec, &off, &len, err, errlen)) == NULL)
		return -1;
	f->used = ++tick;
	rec->reflen = len;
	return 0;
}

const uint8_t *
fk_ref_bytes(const struct fk_rec *rec)
{
	struct rfile *f;
	struct win *w;
	char err[200];
	uint64_t off;
	uint32_t len;

	if ((f = parse_ref(rec, &off, &len, err, sizeof(err))) == NULL)
		fk_abort(FK_EX_DATA, "%s", err);	/* not checked: a bug */
	if (len == 0)
		return (const uint8_t *)"";
	if ((w = window(f, off, len)) == NULL) {
		snprintf(err, sizeof(err), "%s: %s", f->path, f->err);
		fk_text_ascii(err, strlen(err));
		fk_abort(FK_EX_FAIL, "%s", err);
	}
	w->used = ++tick;
	last_win = w;
	return w->buf + (off - w->off);
}

uint32_t
fk_ref_source(int fd, const char *path, const void *base, size_t len,
    uint64_t fileoff)
{
	char real[PATH_MAX], link[64];
	struct stat st, ps;
	struct fk_file nf;
	struct rfile *f;
	uint8_t *body;
	const char *p = NULL;

	fk_ref_source_end();
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (strcmp(path, "-") != 0 && realpath(path, real) != NULL)
		p = real;
	else {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, real, sizeof(real) - 1)) > 0) {
			real[n] = '\0';
			p = real;
		}
	}
	/*
	 * The name must lead to this very file, for later stages too, and
	 * they may run as another user (sudo pcapcat -Z): only a file that
	 * every user may read is referred to.
	 */
	if (p == NULL || p[0] != '/' || stat(p, &ps) != 0 ||
	    ps.st_dev != st.st_dev || ps.st_ino != st.st_ino ||
	    !(st.st_mode & S_IROTH))
		p = NULL;
	f = source = slot(next_src_id);
	f->src = base != NULL ? 2 : 1;
	f->sbase = base;
	f->slen = len;
	f->soff = fileoff;
	if (base != NULL)
		hook_bus();	/* a shrinking file is named, not a core dump */
	if (refs_off || p == NULL) {
		/* mapped, not referred to */
		f->path = fk_strdup(strcmp(path, "-") ? path : "<stdin>");
		return 0;
	}
	memset(&nf, 0, sizeof(nf));
	f->id = nf.id = next_src_id++;
	nf.size = (uint64_t)st.st_size;
	nf.mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u +
	    (uint64_t)st.st_mtim.tv_nsec;
	nf.dev = (uint64_t)st.st_dev;
	nf.ino = (uint64_t)st.st_ino;
	memcpy(nf.machine, machine_id(), 16);
	nf.path = p;
	nf.pathlen = (uint32_t)strlen(p);
	body = fk_malloc(FK_FILE_FIXED + nf.pathlen);
	fk_file_encode(body, &nf);
	memcpy(body + FK_FILE_FIXED, p, nf.pathlen);
	set_rec(f, body, FK_FILE_FIXED + nf.pathlen);
	free(body);
	free(f->path);
	/* named as the user did */
	f->path = fk_strdup(strcmp(path, "-") ? path : "<stdin>");
	return f->id;
}

void
fk_ref_source_at(const void *p, size_t len, uint64_t fileoff)
{
	if (source == NULL)
		return;
	source->sbase = p;
	source->slen = len;
	source->soff = fileoff;
}

void
fk_ref_source_end(void)
{
	if (source != NULL)
		drop_file(source);
	source = NULL;
}

uint32_t
fk_ref_find(const void *p, size_t n, uint64_t *off)
{
	uintptr_t q = (uintptr_t)p;
	struct win *w = last_win;

	if (w != NULL && q - (uintptr_t)w->buf < w->len &&
	    n <= w->len - (q - (uintptr_t)w->buf)) {
		*off = w->off + (q - (uintptr_t)w->buf);
		return w->f->id;
	}
	for (int i = 0; i < FK_REF_MAXWIN; i++) {
		w = &wins[i];
		if (w->len > 0 && q - (uintptr_t)w->buf < w->len &&
		    n <= w->len - (q - (uintptr_t)w->buf)) {
			*off = w->off + (q - (uintptr_t)w->buf);
			return w->f->id;
		}
	}
	if (source != NULL && source->id != 0 &&
	    q - (uintptr_t)source->sbase < source->slen &&
	    n <= source->slen - (q - (uintptr_t)source->sbase)) {
		*off = source->soff + (q - (uintptr_t)source->sbase);
		return source->id;
	}
	return 0;
}

const uint8_t *
fk_ref_filerec(uint32_t id, uint32_t *len, uint64_t *gen)
{
	struct rfile *f = lookup(id);

	if (f == NULL)
		return NULL;
	*len = f->reclen;
	*gen = f->gen;
	return f->rec;
}
