/* fk_report.c - a report file that says when it is incomplete; see fk_report.h. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_report.h"
#include "fk_util.h"

static void
rename_partial(struct fk_report *r)
{
	size_t n = strlen(r->base);
	char *p = fk_malloc(n + sizeof(".partial"));

	memcpy(p, r->base, n);
	memcpy(p + n, ".partial", sizeof(".partial"));
	if (renameat(r->dirfd, r->base, r->dirfd, p) < 0)
		warn("%s: cannot rename to .partial", r->name);
	else
		warnx("%s: incomplete, renamed %s.partial", r->name, r->name);
	free(p);
}

/* fk_atfail() hook: the stage fails, the report is not complete. */
static void
fail_hook(void *arg)
{
	struct fk_report *r = arg;

	if (r->done || r->dirfd < 0)
		return;
	r->done = 1;
	fflush(r->f);
	rename_partial(r);
}

void
fk_report_open(struct fk_report *r, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	memset(r, 0, sizeof(*r));
	r->name = path;
	r->dirfd = -1;
	if (strcmp(path, "-") == 0) {
		r->f = stdout;
		r->name = "<stdout>";
		return;
	}
	if (slash == NULL)
		dir = fk_strdup(".");
	else if (slash == path)
		dir = fk_strdup("/");
	else {
		dir = fk_strdup(path);
		dir[slash - path] = '\0';
	}
	r->base = fk_strdup(slash != NULL ? slash + 1 : path);
	if (r->base[0] == '\0')
		errx(FK_EX_USAGE, "%s: a file name, not a directory", path);
	if ((r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err(FK_EX_FAIL, "%s", dir);
	free(dir);
	fd = openat(r->dirfd, r->base, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666);
	if (fd < 0 || (r->f = fdopen(fd, "w")) == NULL)
		err(FK_EX_FAIL, "%s", path);
	fk_atfail(fail_hook, r);
}

void
fk_report_close(struct fk_report *r, int partial)
{
	if (r->f == stdout) {
		fk_stdout_check();
		return;
	}
	r->done = 1;
	if (fclose(r->f) == EOF) {
		int e = errno;

		rename_partial(r);
		errno = e;
		fk_fail("%s", r->name);
	}
	if (partial)
		rename_partial(r);
	close(r->dirfd);
	free(r->base);
}
