/*
 * fk_ofile.h - many output files below one directory, through an LRU
 * cache of open descriptors, each with a write buffer.
 *
 * A file is created (truncated) the first time it is opened in a run and
 * reopened for appending after its descriptor was evicted.  Every path
 * is opened below the output directory with openat(2) and O_NOFOLLOW,
 * one component at a time, making directories as needed: a name (which
 * must be fk_name_safe) can never escape the directory, even through a
 * symbolic link planted in it.  While a file in a subdirectory is open,
 * so is that directory (two descriptors against the cap): renaming or
 * removing the file (fk_ofile_rename, fk_ofile_unlink, fk_odir_abandon)
 * works in the directory it was opened in, whatever has been renamed or
 * replaced by a link since; a file that is not open is reached again one
 * component at a time, as when it is reopened.  Nothing ever walks a
 * multi-component path with the kernel's lookup.
 *
 * A "pinned" file is an fd the caller owns (stdout, a file named on the
 * command line): never evicted, written sequentially.
 *
 * A "positional" file is written at offsets (fk_ofile_pwrite, holes where
 * nothing was written).  Contiguous writes are gathered in a buffer that
 * grows up to FK_OFILE_PBUF bytes while the directory's buffers together
 * stay under FK_ODIR_BUFMAX (beyond it, writes go straight to the file),
 * and written at the file offset where they start: on a write that does
 * not follow on, when full, and at flush or close.
 *
 * Buffered bytes of every file are also written before the stage blocks
 * waiting for input and before it exits on damaged input (fk_io).
 */
#ifndef FK_OFILE_H
#define FK_OFILE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "fk_list.h"

struct fk_odir;

struct fk_ofile {
	char *name;		/* relative to the directory; or display name */
	int fd;			/* -1: not open */
	int dfd;		/* open: its directory (maybe od->dirfd) */
	uint8_t created;	/* opened once in this run */
	uint8_t failed;		/* could not be opened: writes are dropped */
	uint8_t pinned;
	uint8_t positional;	/* set before the first write: see above */
	uint8_t toobig;		/* bytes past the file system's limit dropped */
	struct fk_odir *od;	/* set when opened: counts its failures */
	uint64_t mtime_ns;	/* not 0: set as mtime (to the us) at close */
	uint64_t size;		/* bytes written, buffered included */
	uint8_t *buf;
	size_t blen;
	size_t bcap;		/* positional: size of buf (0: none yet) */
	uint64_t boff;		/* positional: file offset of buf[0] */
	struct fk_link lru;	/* open (not pinned): on od->lru */
	struct fk_link live;	/* created, not freed: on od->live */
	uint8_t islive;
};

struct fk_odir {
	const char *path;
	int dirfd;
	long long maxfds, nopen;
	struct fk_list lru;	/* open files, least recently used first */
	struct fk_list live;	/* files created and not yet freed */
	uint64_t files, reopens, evictions, failures;
	uint64_t notreg;	/* names refused: not a regular file */
	size_t bufmem;		/* bytes of positional buffers allocated */
};

#define FK_OFILE_PBUF	(128 * 1024)
#define FK_ODIR_BUFMAX	(16 * 1024 * 1024)

/*
 * Make (if needed) and open the directory; exits FK_EX_FAIL on error.
 * maxfds is lowered to what RLIMIT_NOFILE allows, with a reserve.
 */
void fk_odir_open(struct fk_odir *, const char *path, long long maxfds);
void fk_odir_close(struct fk_odir *);
/*
 * After a fatal error: every file created and not yet freed (a flow
 * still being written) is closed, its buffered bytes dropped, and
 * renamed NAME.partial (removed if that fails), so that no file left
 * behind pretends to be complete.  fk_odir_partial_on_fail() registers
 * this as an fk_fail() hook (fk_util.h): a write error, ENOSPC included,
 * or an open that fails with ENOSPC/EDQUOT/EROFS, runs it before exit.
 */
void fk_odir_abandon(struct fk_odir *);
void fk_odir_partial_on_fail(struct fk_odir *);
/* Write what every open file has buffered. */
void fk_odir_flush(struct fk_odir *);

/*
 * Set up f for `name` below the directory (not opened yet).  name may be
 * NULL: f->name (malloc'd, fk_name_safe) is then set before the first
 * write.
 */
void fk_ofile_init(struct fk_ofile *f, const char *name);
/* Set up f on an fd the caller opened; name is for messages. */
void fk_ofile_pin(struct fk_ofile *f, int fd, const char *name);

/*
 * Open (or touch in the LRU) f.  0, or -1 when the file cannot be
 * opened: a warning names it, f->failed is set, later writes to it are
 * dropped and counted in od->failures (as is a positional file that
 * gets bytes past the largest file the file system allows: they are
 * dropped with a warning); ENOSPC/EDQUOT/EROFS exit
 * through fk_fail().
 */
int fk_ofile_open(struct fk_odir *, struct fk_ofile *);
/* Append bytes (opening f if needed); -1 if f failed. */
int fk_ofile_write(struct fk_odir *, struct fk_ofile *, const void *,
    size_t);
/* Positional files: write at offset off (opening f if needed); -1 if f
 * failed. */
int fk_ofile_pwrite(struct fk_odir *, struct fk_ofile *, const void *,
    size_t, uint64_t off);
void fk_ofile_flush(struct fk_ofile *);
/* Flush and close the descriptor (f stays usable: reopened on write). */
void fk_ofile_close(struct fk_odir *, struct fk_ofile *);
/* Close and free the name: f is done with. */
void fk_ofile_free(struct fk_odir *, struct fk_ofile *);
/*
 * The same for a file known incomplete (its flow was cut short by an
 * interrupt or an earlier stage's failure): its bytes are written, then
 * it is renamed NAME.partial.
 */
void fk_ofile_free_partial(struct fk_odir *, struct fk_ofile *);
/*
 * Close f and rename it NAME+suffix in its directory (see above); on
 * success f->name becomes the new name.  0, or -1 with errno set (the
 * file keeps its name).
 */
int fk_ofile_rename(struct fk_odir *, struct fk_ofile *, const char *suffix);
/* Close f, its buffered bytes dropped, and remove it from its directory.
 * 0 (also if it was gone), or -1 with errno set. */
int fk_ofile_unlink(struct fk_odir *, struct fk_ofile *);

/*
 * The checked opens of output files: every file a program writes is
 * opened through one of these two (fk_ofile_open uses the first).
 *
 * fk_open_below: path (fk_name_safe: a name from the stream) below
 * dirfd, making directories, never following a symbolic link; the last
 * component is opened non-blocking (a FIFO there cannot hang the
 * stage), and refused with errno FK_ENOTREG unless it is a regular file
 * (a FIFO, socket or device planted at a flow's name).  O_TRUNC
 * truncates only a regular file.  As openat(2); O_CLOEXEC is added.
 *
 * fk_open_named: a path the user named (-w FILE, -o FILE): followed as
 * given, whatever it is (a FIFO, /dev/stdout); O_TRUNC truncates only a
 * regular file; mode 0666, O_CLOEXEC.  As open(2).
 */
#define FK_ENOTREG	ENXIO
int fk_open_below(int dirfd, const char *path, int flags, int mode);
int fk_open_named(const char *path, int flags);

#endif
