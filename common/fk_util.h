/*
 * fk_util.h - what every flowkit program shares: exit codes, err(3)-style
 * diagnostics, checked allocation, checked writes and number parsing.
 */
#ifndef FK_UTIL_H
#define FK_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Exit codes, the same for every program (see EXIT STATUS in the pages). */
#define FK_EX_OK	0	/* success */
#define FK_EX_FAIL	1	/* system or I/O error (open, write, ENOSPC) */
#define FK_EX_USAGE	2	/* bad command line */
#define FK_EX_DATA	3	/* damaged input: capture or record stream */
#define FK_EX_UPSTREAM	4	/* an earlier stage failed: input incomplete */

#define FK_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Call first in main(): sets the name diagnostics use, ignores SIGPIPE,
 * installs the SIGINT/SIGTERM handlers (fk_sig.h).
 */
void fk_init(const char *argv0);

/*
 * Command-line conventions, the same for every program (flowkit(7)).
 * main() calls fk_cmdline() after fk_init() and before getopt(3):
 * --help anywhere before "--" prints the usage, the one-line description
 * and one line per option on stdout and exits FK_EX_OK; --version prints
 * "NAME (flowkit) VERSION" (fk_version.h) and exits FK_EX_OK.  getopt's
 * -h calls fk_help(), -V (when vopt is 'V') fk_version(), and every
 * usage error fk_usage(): the usage alone on stderr, exit FK_EX_USAGE.
 */
struct fk_opthelp {
	const char *opt;	/* "-b max_bytes", or an operand */
	const char *desc;	/* one line, no period */
};
struct fk_cmd {
	const char *usage;	/* "usage: NAME ...\n": the page's SYNOPSIS */
	const char *about;	/* what NAME does, one line */
	const struct fk_opthelp *opts;	/* ends with { NULL, NULL } */
	int vopt;		/* 'V': -V is --version; 0: the letter is taken */
};
void fk_cmdline(int argc, char *const argv[], const struct fk_cmd *);
void fk_usage(void) __attribute__((noreturn));
void fk_help(void) __attribute__((noreturn));
void fk_version(void) __attribute__((noreturn));

void *fk_malloc(size_t);
void *fk_calloc(size_t, size_t);
void *fk_realloc(void *, size_t);
void *fk_reallocarray(void *, size_t, size_t);
char *fk_strdup(const char *);

/*
 * Number parsing like OpenBSD strtonum(3): a whole decimal number in
 * [min, max] or exit FK_EX_USAGE naming the option.
 */
long long fk_strtonum(const char *s, long long min, long long max,
    const char *what);
/* Same, accepting a k/m/g (binary) suffix: "16m". */
long long fk_strtosize(const char *s, long long min, long long max,
    const char *what);

/*
 * Checked writes.  Short writes are retried.  EPIPE exits quietly with
 * FK_EX_OK (the reader went away: `| head`); every other error, ENOSPC
 * included, exits FK_EX_FAIL with a message naming `name`, through
 * fk_fail() (its hooks run).
 */
void fk_write_all(int fd, const void *, size_t, const char *name);
/*
 * The same at an offset, except EFBIG (the file would grow past the
 * largest the file system allows, as hostile stream offsets ask): the
 * bytes before that limit are written and the count of those that are
 * not is returned, for the caller to deal with; else 0.
 */
size_t fk_pwrite_all(int fd, const void *, size_t, off_t, const char *name);
/*
 * After a short writev() of w bytes: skip the pieces written, shorten
 * the first one left; *n is how many remain.
 */
void fk_iov_advance(struct iovec **iov, int *n, size_t w);
/*
 * Fatal errors and cleanup.  A program registers hooks (at most 8) that
 * fk_fail() runs, once, newest first, before it exits FK_EX_FAIL: e.g.
 * fk_odir_partial_on_fail() renames the files still being written to
 * NAME.partial, so a disk that fills up (ENOSPC from any checked write
 * above, or an open) leaves no file that pretends to be complete.  A
 * hook must not exit; errors inside it are only warned about.
 */
void fk_atfail(void (*fn)(void *), void *arg);
/* err(3) with FK_EX_FAIL, after the hooks: the message names errno. */
void fk_fail(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
/* 1 while the hooks run (a close in a hook reports, never exits). */
int fk_failing(void);
/* Like fk_fail() without errno, exiting `code` (an abort on a signal). */
void fk_abort(int code, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
/* The first failure as "prog: message" and its exit code (0: none). */
const char *fk_fail_text(int *code);

/*
 * For programs that print text with stdio: call after the last output
 * (and may be called periodically).  Flushes stdout; on EPIPE exits
 * FK_EX_OK quietly, on any other error exits FK_EX_FAIL with a message.
 */
void fk_stdout_check(void);
/* Close, reporting deferred write errors the same way. */
void fk_close_checked(int fd, const char *name);

/* Enlarge a pipe's buffer (F_SETPIPE_SZ); harmless on non-pipes. */
void fk_pipe_grow(int fd);

/* Format ns-since-epoch as "2025-01-02T03:04:05.123456789Z". */
void fk_fmt_time(char *buf, size_t len, uint64_t ts_ns);

#endif
