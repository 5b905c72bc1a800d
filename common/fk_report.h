/*
 * fk_report.h - a report file named on the command line (dfxmlgen -o,
 * flowstat -o): written with stdio, and renamed NAME.partial when it
 * cannot be complete (the input was cut short, or the stage failed or
 * was aborted: an fk_atfail() hook).  The rename goes through the
 * directory opened with the file, never a re-walked path.
 */
#ifndef FK_REPORT_H
#define FK_REPORT_H

#include <stdio.h>

struct fk_report {
	FILE *f;
	const char *name;	/* as given */
	int dirfd;		/* its directory, -1 for stdout */
	char *base;		/* its last component */
	int done;
};

/* Open (create, truncate) path; "-" is stdout.  Exits FK_EX_FAIL on error. */
void fk_report_open(struct fk_report *, const char *path);
/* Close, checking the writes; partial: rename it NAME.partial. */
void fk_report_close(struct fk_report *, int partial);

#endif
