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

/*
 * The one checked open of an output file, see fk_ofile.h.  The name is
 * opened without O_TRUNC and truncated only once it is known to be a
 * regular file; a hostile one (from the stream) without following a
 * link and without blocking (a FIFO with no reader, a device), and
 * refused unless it is a regular file.
 */
static int
out_openat(int dfd, const char *name, int flags, int mode, int hostile)
{
	struct stat sb;
	int fd, e;

	fd = openat(dfd, name, (flags & ~O_TRUNC) | O_CLOEXEC |
	    (hostile ? O_NOFOLLOW | O_NONBLOCK : 0), mode);
	if (fd < 0) {
		/* what open(2) says of a socket or a device with no driver */
		if (hostile && (errno == ENXIO || errno == ENODEV))
			errno = FK_ENOTREG;
		return -1;
	}
	if (fstat(fd, &sb) < 0)
		goto fail;
	if (!S_ISREG(sb.st_mode)) {
		if (hostile) {
			errno = FK_ENOTREG;
			goto fail;
		}
	} else if ((flags & O_TRUNC) && sb.st_size > 0 && ftruncate(fd, 0) < 0)
		goto fail;
	/*
	 * A hostile name's O_NONBLOCK stays: on the regular file it now is
	 * known to be, reads and writes ignore it (two calls a file saved).
	 */
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
fk_open_named(const char *path, int flags)
{
	return out_openat(AT_FDCWD, path, flags, 0666, 0);
}

/*
 * The directory that holds path's last component, below dirfd: each
 * component opened with O_NOFOLLOW (made first if mk), so that the walk
 * never leaves dirfd.  Returns dirfd itself for a name without a slash,
 * else a descriptor the caller closes; *base is the last component.
 */
static int
dir_below(int dirfd, const char *path, int mk, const char **base)
{
	char comp[FK_NAME_MAX];
	const char *p = path, *slash;
	int cur = dirfd, next, e;

	if (!fk_name_safe(path, strlen(path))) {
		errno = EINVAL;
		return -1;
	}
	while ((slash = strchr(p, '/')) != NULL) {
		size_t n = (size_t)(slash - p);

		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mk && mkdirat(cur, comp, 0777) < 0 && errno != EEXIST)
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
	*base = p;
	return cur;
fail:
	e = errno;
	if (cur != dirfd)
		close(cur);
	errno = e;
	return -1;
}

/* As fk_open_below; *dfdp gets the directory (see dir_below). */
static int
open_below(int dirfd, const char *path, int flags, int mode, int *dfdp)
{
	const char *base;
	int dfd, fd, e;

	if ((dfd = dir_below(dirfd, path, 1, &base)) < 0)
		return -1;
	fd = out_openat(dfd, base, flags, mode, 1);
	if (fd < 0 || dfdp == NULL) {
		e = errno;
		if (dfd != dirfd)
			close(dfd);
		errno = e;
	} else
		*dfdp = dfd;
	return fd;
}

int
fk_open_below(int dirfd, const char *path, int flags, int mode)
{
	return open_below(dirfd, path, flags, mode, NULL);
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
	f->dfd = -1;
}

void
fk_ofile_pin(struct fk_ofile *f, int fd, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->name = fk_strdup(name);
	f->fd = fd;
	f->dfd = -1;
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
	if (f->dfd >= 0 && f->dfd != od->dirfd) {
		close(f->dfd);
		od->nopen--;
	}
	f->dfd = -1;
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

/* Rename f to NAME.partial in its directory (removed if that fails). */
static void
rename_partial(struct fk_odir *od, struct fk_ofile *f)
{
	if (fk_ofile_rename(od, f, ".partial") < 0) {
		warn("%s/%s: cannot rename to .partial, removing it",
		    od->path, f->name);
		if (fk_ofile_unlink(od, f) < 0)
			warn("%s/%s", od->path, f->name);
	}
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
	/* a file in a subdirectory holds that directory open too */
	long long need = strchr(f->name, '/') != NULL ? 2 : 1;
	int fd, dfd;

	if (f->fd >= 0) {
		if (!f->pinned)
			fk_list_move_to_tail(&od->lru, &f->lru);
		return 0;
	}
	if (f->failed)
		return -1;
	while (od->nopen + need > od->maxfds && fk_list_first(&od->lru) != NULL)
		evict(od);
	while ((fd = open_below(od->dirfd, f->name, flags, 0666, &dfd)) < 0) {
		if ((errno == EMFILE || errno == ENFILE) &&
		    fk_list_first(&od->lru) != NULL) {
			evict(od);
			continue;
		}
		if (errno == ENOSPC || errno == EDQUOT || errno == EROFS)
			fk_fail("%s/%s", od->path, f->name);
		if (errno == FK_ENOTREG) {
			warnx("%s/%s: not a regular file: skipping this file",
			    od->path, f->name);
			od->notreg++;
		} else
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
	f->dfd = dfd;
	if (!f->positional)
		f->buf = fk_malloc(OBUF_CAP);
	od->nopen += dfd != od->dirfd ? 2 : 1;
	fk_list_append(&od->lru, &f->lru);
	return 0;
}

/*
 * The directory that holds f, and f's last component: while f is open,
 * the one held since it was opened; else walked to again below the
 * output directory, never following a link (dir_below).  Release with
 * ofile_dir_done().
 */
static int
ofile_dir(struct fk_odir *od, struct fk_ofile *f, const char **base)
{
	const char *slash;

	if (f->pinned || f->name == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (f->fd >= 0) {
		slash = strrchr(f->name, '/');
		*base = slash != NULL ? slash + 1 : f->name;
		return f->dfd;
	}
	return dir_below(od->dirfd, f->name, 0, base);
}

static void
ofile_dir_done(struct fk_odir *od, struct fk_ofile *f, int dfd)
{
	if (dfd >= 0 && dfd != od->dirfd && dfd != f->dfd)
		close(dfd);
}

int
fk_ofile_rename(struct fk_odir *od, struct fk_ofile *f, const char *suffix)
{
	size_t n, sl = strlen(suffix);
	const char *base;
	char *to;
	int dfd, r, e;

	if ((dfd = ofile_dir(od, f, &base)) < 0) {
		e = errno;
		fk_ofile_close(od, f);
		errno = e;
		return -1;
	}
	n = strlen(f->name);
	to = fk_malloc(n + sl + 1);
	memcpy(to, f->name, n);
	memcpy(to + n, suffix, sl + 1);
	r = renameat(dfd, base, dfd, to + (base - f->name));
	e = errno;
	ofile_dir_done(od, f, dfd);
	fk_ofile_close(od, f);
	if (r == 0) {
		free(f->name);
		f->name = to;
	} else
		free(to);
	errno = e;
	return r;
}

int
fk_ofile_unlink(struct fk_odir *od, struct fk_ofile *f)
{
	const char *base;
	int dfd, r, e;

	f->blen = 0;		/* going away: not worth writing */
	f->mtime_ns = 0;
	if ((dfd = ofile_dir(od, f, &base)) < 0) {
		r = -1;
		e = errno;
	} else {
		r = unlinkat(dfd, base, 0);
		e = errno;
		ofile_dir_done(od, f, dfd);
	}
	fk_ofile_close(od, f);
	if (r < 0 && e == ENOENT)
		r = 0;
	errno = e;
	return r;
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
