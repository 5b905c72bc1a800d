/* fk_ofile.c - output files below a directory, see fk_ofile.h. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fk_io.h"
#include "fk_name.h"
#include "fk_ofile.h"
#include "fk_util.h"

#define OBUF_CAP	(64 * 1024)

int
fk_open_below(int dirfd, const char *path, int flags, int mode)
{
	char comp[FK_NAME_MAX];
	const char *p = path, *slash;
	int cur = dirfd, next, fd, e;

	if (!fk_name_safe(path, strlen(path))) {
		errno = EINVAL;
		return -1;
	}
	while ((slash = strchr(p, '/')) != NULL) {
		size_t n = (size_t)(slash - p);

		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mkdirat(cur, comp, 0777) < 0 && errno != EEXIST)
			goto fail;
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next < 0)
			goto fail;
		if (cur != dirfd)
			close(cur);
		cur = next;
		p = slash + 1;
	}
	fd = openat(cur, p, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	e = errno;
	if (cur != dirfd)
		close(cur);
	errno = e;
	return fd;
fail:
	e = errno;
	if (cur != dirfd)
		close(cur);
	errno = e;
	return -1;
}

static void odir_flusher(void *);

void
fk_odir_open(struct fk_odir *od, const char *path, long long maxfds)
{
	struct rlimit rl;

	memset(od, 0, sizeof(*od));
	od->path = path;
	od->maxfds = maxfds;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long long)rl.rlim_cur - 16 < od->maxfds)
		od->maxfds = (long long)rl.rlim_cur > 17 ?
		    (long long)rl.rlim_cur - 16 : 1;
	fk_list_init(&od->lru);
	fk_list_init(&od->live);
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		err(FK_EX_FAIL, "%s", path);
	if ((od->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err(FK_EX_FAIL, "%s", path);
	fk_io_flusher_add(odir_flusher, od);
}

void
fk_odir_flush(struct fk_odir *od)
{
	/* most recently used first */
	for (struct fk_ofile *f = FK_LIST_LAST(&od->lru, struct fk_ofile, lru);
	    f != NULL; f = FK_LIST_PREV(f, struct fk_ofile, lru))
		fk_ofile_flush(f);
}

static void
odir_flusher(void *od)
{
	fk_odir_flush(od);
}

void
fk_odir_close(struct fk_odir *od)
{
	struct fk_ofile *f;

	fk_io_flusher_del(odir_flusher, od);
	/* most recently used first */
	while ((f = FK_LIST_LAST(&od->lru, struct fk_ofile, lru)) != NULL)
		fk_ofile_close(od, f);
	if (od->dirfd >= 0)
		close(od->dirfd);
	od->dirfd = -1;
}

void
fk_ofile_init(struct fk_ofile *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->name = name != NULL ? fk_strdup(name) : NULL;
	f->fd = -1;
}

void
fk_ofile_pin(struct fk_ofile *f, int fd, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->name = fk_strdup(name);
	f->fd = fd;
	f->pinned = 1;
	f->created = 1;
	f->buf = fk_malloc(OBUF_CAP);
}

/* Close the least recently used file. */
static void
evict(struct fk_odir *od)
{
	fk_ofile_close(od, FK_LIST_FIRST(&od->lru, struct fk_ofile, lru));
	od->evictions++;
}

/*
 * Write p[0..len) at off.  Hostile stream offsets can lie past the
 * largest file the file system allows (EFBIG): those bytes are dropped
 * with a warning (once per file), the rest is written.  Any other error
 * is fatal (fk_pwrite_all).
 */
static void
pwrite_pos(struct fk_ofile *f, const void *p, size_t len, uint64_t off)
{
	size_t left = off > (uint64_t)INT64_MAX ? len :
	    fk_pwrite_all(f->fd, p, len, (off_t)off, f->name);

	if (left == 0)
		return;
	if (!f->toobig) {
		warnx("%s: %zu bytes at offset %llu lie beyond the largest "
		    "file the file system allows: dropped", f->name, left,
		    (unsigned long long)(off + (len - left)));
		if (f->od != NULL)
			f->od->failures++;
	}
	f->toobig = 1;
}

void
fk_ofile_flush(struct fk_ofile *f)
{
	if (f->fd >= 0 && f->blen > 0) {
		if (f->positional)
			pwrite_pos(f, f->buf, f->blen, f->boff);
		else
			fk_write_all(f->fd, f->buf, f->blen, f->name);
	}
	f->blen = 0;
}

void
fk_ofile_close(struct fk_odir *od, struct fk_ofile *f)
{
	if (f->fd < 0 || f->pinned)
		return;
	fk_ofile_flush(f);
	if (f->mtime_ns != 0) {
		struct timespec ts[2];

		ts[0].tv_sec = (time_t)(f->mtime_ns / 1000000000u);
		ts[0].tv_nsec = (long)(f->mtime_ns % 1000000000u / 1000 * 1000);
		ts[1] = ts[0];
		(void)futimens(f->fd, ts);
	}
	fk_list_remove(&od->lru, &f->lru);
	fk_close_checked(f->fd, f->name);
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
	od->bufmem -= f->bcap;
	f->bcap = 0;
	od->nopen--;
}

static void
live_unlink(struct fk_odir *od, struct fk_ofile *f)
{
	if (!f->islive)
		return;
	fk_list_remove(&od->live, &f->live);
	f->islive = 0;
}

/* Rename the closed file f to NAME.partial (removed if that fails). */
static void
rename_partial(struct fk_odir *od, struct fk_ofile *f)
{
	char *partial;
	size_t n;

	n = strlen(f->name);
	partial = fk_malloc(n + sizeof(".partial"));
	memcpy(partial, f->name, n);
	memcpy(partial + n, ".partial", sizeof(".partial"));
	if (renameat(od->dirfd, f->name, od->dirfd, partial) < 0) {
		warn("%s/%s: cannot rename to .partial, removing it",
		    od->path, f->name);
		if (unlinkat(od->dirfd, f->name, 0) < 0 && errno != ENOENT)
			warn("%s/%s", od->path, f->name);
	}
	free(partial);
}

void
fk_odir_abandon(struct fk_odir *od)
{
	struct fk_ofile *f;

	/* the most recently created first */
	while ((f = FK_LIST_LAST(&od->live, struct fk_ofile, live)) != NULL) {
		live_unlink(od, f);
		f->blen = 0;		/* the disk is full: drop, do not flush */
		f->mtime_ns = 0;
		fk_ofile_close(od, f);
		rename_partial(od, f);
	}
}

static void
abandon_hook(void *od)
{
	fk_odir_abandon(od);
}

void
fk_odir_partial_on_fail(struct fk_odir *od)
{
	fk_atfail(abandon_hook, od);
}

void
fk_ofile_free(struct fk_odir *od, struct fk_ofile *f)
{
	if (f->pinned)
		fk_ofile_flush(f);
	else
		fk_ofile_close(od, f);
	/* Only now, with its bytes written: a flush that fails above
	 * leaves it to fk_odir_abandon(). */
	live_unlink(od, f);
	free(f->name);
	f->name = NULL;
}

void
fk_ofile_free_partial(struct fk_odir *od, struct fk_ofile *f)
{
	if (f->created && !f->pinned && f->name != NULL) {
		fk_ofile_close(od, f);
		if (!f->failed)
			rename_partial(od, f);
	}
	fk_ofile_free(od, f);
}

int
fk_ofile_open(struct fk_odir *od, struct fk_ofile *f)
{
	int flags = O_RDWR | O_CREAT | (!f->created ? O_TRUNC :
	    f->positional ? 0 : O_APPEND);
	int fd;

	if (f->fd >= 0) {
		if (!f->pinned)
			fk_list_move_to_tail(&od->lru, &f->lru);
		return 0;
	}
	if (f->failed)
		return -1;
	while (od->nopen >= od->maxfds && fk_list_first(&od->lru) != NULL)
		evict(od);
	while ((fd = fk_open_below(od->dirfd, f->name, flags, 0666)) < 0) {
		if ((errno == EMFILE || errno == ENFILE) &&
		    fk_list_first(&od->lru) != NULL) {
			evict(od);
			continue;
		}
		if (errno == ENOSPC || errno == EDQUOT || errno == EROFS)
			fk_fail("%s/%s", od->path, f->name);
		warn("%s/%s: skipping this file", od->path, f->name);
		f->failed = 1;
		od->failures++;
		return -1;
	}
	f->od = od;
	if (f->created)
		od->reopens++;
	else
		od->files++;
	if (!f->created && !f->islive) {
		fk_list_append(&od->live, &f->live);
		f->islive = 1;
	}
	f->created = 1;
	f->fd = fd;
	if (!f->positional)
		f->buf = fk_malloc(OBUF_CAP);
	od->nopen++;
	fk_list_append(&od->lru, &f->lru);
	return 0;
}

int
fk_ofile_write(struct fk_odir *od, struct fk_ofile *f, const void *p,
    size_t len)
{
	if (fk_ofile_open(od, f) < 0)
		return -1;
	f->size += len;
	if (f->blen + len > OBUF_CAP) {
		fk_ofile_flush(f);
		if (len >= OBUF_CAP) {
			fk_write_all(f->fd, p, len, f->name);
			return 0;
		}
	}
	memcpy(f->buf + f->blen, p, len);
	f->blen += len;
	return 0;
}

/* Make f's positional buffer hold at least need bytes; 0 if over budget. */
static int
pbuf_grow(struct fk_odir *od, struct fk_ofile *f, size_t need)
{
	size_t ncap = f->bcap > 0 ? f->bcap : 4096;

	if (need <= f->bcap)
		return 1;
	while (ncap < need)
		ncap *= 2;
	if (ncap > FK_OFILE_PBUF)
		ncap = FK_OFILE_PBUF;
	if (od->bufmem - f->bcap + ncap > FK_ODIR_BUFMAX)
		return 0;
	f->buf = fk_realloc(f->buf, ncap);
	od->bufmem = od->bufmem - f->bcap + ncap;
	f->bcap = ncap;
	return 1;
}

int
fk_ofile_pwrite(struct fk_odir *od, struct fk_ofile *f, const void *p,
    size_t len, uint64_t off)
{
	if (fk_ofile_open(od, f) < 0)
		return -1;
	if (off + len > f->size)
		f->size = off + len;
	if (len == 0)
		return 0;
	if (f->blen > 0 && off == f->boff + f->blen &&
	    f->blen + len <= FK_OFILE_PBUF && pbuf_grow(od, f, f->blen + len)) {
		memcpy(f->buf + f->blen, p, len);
		f->blen += len;
		return 0;
	}
	fk_ofile_flush(f);
	if (len < FK_OFILE_PBUF && pbuf_grow(od, f, len)) {
		memcpy(f->buf, p, len);
		f->blen = len;
		f->boff = off;
	} else {
		pwrite_pos(f, p, len, off);
	}
	return 0;
}
