/* fk_util.c - see fk_util.h. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fk_sig.h"
#include "fk_util.h"
#include "fk_version.h"

void
fk_init(const char *argv0)
{
	(void)argv0;	/* err(3) uses program_invocation_short_name */
	signal(SIGPIPE, SIG_IGN);
	fk_sig_init();
}

static const struct fk_cmd *cmd;

void
fk_cmdline(int argc, char *const argv[], const struct fk_cmd *c)
{
	cmd = c;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0)
			fk_help();
		if (strcmp(argv[i], "--version") == 0)
			fk_version();
	}
}

void
fk_usage(void)
{
	fputs(cmd->usage, stderr);
	exit(FK_EX_USAGE);
}

static void
help_line(const char *opt, const char *desc)
{
	printf("  %-16s  %s\n", opt, desc);
}

void
fk_help(void)
{
	printf("%s%s\n\n", cmd->usage, cmd->about);
	for (const struct fk_opthelp *o = cmd->opts; o->opt != NULL; o++)
		help_line(o->opt, o->desc);
	help_line("-h, --help", "print this help and exit");
	help_line(cmd->vopt ? "-V, --version" : "--version",
	    "print the version and exit");
	fk_stdout_check();
	exit(FK_EX_OK);
}

void
fk_version(void)
{
	printf("%s (flowkit) %s\n", program_invocation_short_name,
	    FK_VERSION_STRING);
	fk_stdout_check();
	exit(FK_EX_OK);
}

void *
fk_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		err(FK_EX_FAIL, "malloc %zu", n);
	return p;
}

void *
fk_calloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		err(FK_EX_FAIL, "calloc %zu*%zu", n, m);
	return p;
}

void *
fk_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		err(FK_EX_FAIL, "realloc %zu", n);
	return p;
}

void *
fk_reallocarray(void *p, size_t n, size_t m)
{
	if (m && n > SIZE_MAX / m)
		errx(FK_EX_FAIL, "reallocarray %zu*%zu overflows", n, m);
	return fk_realloc(p, n * m);
}

char *
fk_strdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		err(FK_EX_FAIL, "strdup");
	return p;
}

static long long
parse_num(const char *s, long long min, long long max, const char *what,
    int suffix)
{
	char *end;
	long long v, mul = 1;

	errno = 0;
	if (s == NULL || *s == '\0' || (*s == '-' && min >= 0))
		goto bad;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		goto bad;
	if (suffix && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': mul = 1LL << 10; break;
		case 'm': case 'M': mul = 1LL << 20; break;
		case 'g': case 'G': mul = 1LL << 30; break;
		default: goto bad;
		}
		end++;
	}
	if (*end != '\0')
		goto bad;
	if (v > LLONG_MAX / mul || v < LLONG_MIN / mul)
		goto bad;
	v *= mul;
	if (v < min || v > max)
		errx(FK_EX_USAGE, "%s: %s is out of range %lld..%lld", what, s,
		    min, max);
	return v;
bad:
	errx(FK_EX_USAGE, "%s: '%s' is not a number", what, s ? s : "");
}

long long
fk_strtonum(const char *s, long long min, long long max, const char *what)
{
	return parse_num(s, min, max, what, 0);
}

long long
fk_strtosize(const char *s, long long min, long long max, const char *what)
{
	return parse_num(s, min, max, what, 1);
}

static struct {
	void (*fn)(void *);
	void *arg;
} failhooks[8];
static int nfailhooks, failing;

void
fk_atfail(void (*fn)(void *), void *arg)
{
	if (nfailhooks == (int)FK_ARRAY_LEN(failhooks))
		errx(FK_EX_FAIL, "fk_atfail: too many hooks");
	failhooks[nfailhooks].fn = fn;
	failhooks[nfailhooks].arg = arg;
	nfailhooks++;
}

int
fk_failing(void)
{
	return failing;
}

/* The first failure, "prog: message", for the END record (fk_io). */
static char failtext[256];
static int failcode;

static void
run_failhooks(void)
{
	if (failing)
		return;
	failing = 1;
	while (nfailhooks > 0) {
		nfailhooks--;
		failhooks[nfailhooks].fn(failhooks[nfailhooks].arg);
	}
}

static void
set_failtext(int code, const char *msg)
{
	if (failcode != 0)
		return;
	failcode = code;
	snprintf(failtext, sizeof(failtext), "%s: %s",
	    program_invocation_short_name, msg);
}

const char *
fk_fail_text(int *code)
{
	if (code != NULL)
		*code = failcode;
	return failtext;
}

void
fk_fail(const char *fmt, ...)
{
	va_list ap;
	char msg[224];
	int e = errno;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(e));
	warnx("%s", msg);
	set_failtext(FK_EX_FAIL, msg);
	run_failhooks();
	exit(FK_EX_FAIL);
}

void
fk_abort(int code, const char *fmt, ...)
{
	va_list ap;
	char msg[224];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warnx("%s", msg);
	set_failtext(code, msg);
	run_failhooks();
	exit(code);
}

static void
write_failed(const char *name)
{
	if (errno == EPIPE)
		_exit(FK_EX_OK);	/* reader went away: end quietly */
	fk_fail("write %s", name);
}

void
fk_write_all(int fd, const void *buf, size_t len, const char *name)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR) {
				fk_sig_check();
				continue;
			}
			write_failed(name);
		}
		if (n == 0) {
			errno = ENOSPC;
			write_failed(name);
		}
		p += n;
		len -= (size_t)n;
	}
}

size_t
fk_pwrite_all(int fd, const void *buf, size_t len, off_t off, const char *name)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR) {
				fk_sig_check();
				continue;
			}
			if (errno == EFBIG)
				return len;
			write_failed(name);
		}
		if (n == 0) {
			errno = ENOSPC;
			write_failed(name);
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

void
fk_stdout_check(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == 0)
			errno = EIO;
		write_failed("<stdout>");
	}
}

void
fk_close_checked(int fd, const char *name)
{
	if (close(fd) != 0 && errno != EINTR) {
		if (failing)
			warn("close %s", name);
		else
			write_failed(name);
	}
}

void
fk_pipe_grow(int fd)
{
#ifdef F_SETPIPE_SZ
	static const int sizes[] = { 1 << 20, 1 << 18, 1 << 16 };

	for (size_t i = 0; i < FK_ARRAY_LEN(sizes); i++)
		if (fcntl(fd, F_SETPIPE_SZ, sizes[i]) >= 0)
			return;
#else
	(void)fd;
#endif
}

void
fk_fmt_time(char *buf, size_t len, uint64_t ts_ns)
{
	time_t t = (time_t)(ts_ns / 1000000000u);
	struct tm tm;
	char date[32];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09uZ", date, (unsigned)(ts_ns % 1000000000u));
}

void
fk_iov_advance(struct iovec **iovp, int *n, size_t w)
{
	struct iovec *iov = *iovp;

	while (*n > 0 && w >= iov->iov_len) {
		w -= iov->iov_len;
		iov++;
		(*n)--;
	}
	if (*n > 0) {
		iov->iov_base = (uint8_t *)iov->iov_base + w;
		iov->iov_len -= w;
	}
	*iovp = iov;
}
