/*
 * fk_progress.h - progress of long work on stderr: bytes and packets
 * done, percent of the total, rate and time left.
 *
 * On a terminal (FK_PROGRESS_TTY) one line is redrawn in place ("\r",
 * clear to the end of the line) at most 4 times a second; for logs
 * (FK_PROGRESS_LOG) a plain line is printed every interval.  The work
 * loop calls fk_progress_due() per unit of work (a packet): it only
 * counts, and reads the monotonic clock (a vDSO call, no system call)
 * every FK_PROGRESS_EVERY calls.  Anything else the program prints on
 * stderr while a line is drawn goes after fk_progress_break(), which
 * ends that line with a newline (an fk_atfail() hook does it too).
 */
#ifndef FK_PROGRESS_H
#define FK_PROGRESS_H

#include <stdint.h>

enum fk_progress_mode { FK_PROGRESS_OFF, FK_PROGRESS_TTY, FK_PROGRESS_LOG };

#define FK_PROGRESS_EVERY	256

struct fk_progress {
	enum fk_progress_mode mode;
	const char *what;		/* "pcapcat" */
	uint64_t interval_ns;
	uint64_t start_ns, next_ns;
	uint64_t total;			/* bytes; 0: unknown */
	unsigned tick;
	int drawn;			/* a TTY line is on the screen */
};

/*
 * mode TTY: only if stderr is a terminal (else off); LOG: a line every
 * interval_s seconds.  total: the bytes the work reads, 0 if unknown.
 */
void fk_progress_start(struct fk_progress *, const char *what,
    enum fk_progress_mode, unsigned interval_s, uint64_t total);
/* 1 when a line is due: call fk_progress_show() with the counts. */
int fk_progress_poll(struct fk_progress *);
static inline int
fk_progress_due(struct fk_progress *p)
{
	if (p->mode == FK_PROGRESS_OFF || ++p->tick < FK_PROGRESS_EVERY)
		return 0;
	p->tick = 0;
	return fk_progress_poll(p);
}
/* bytes: done so far (UINT64_MAX: unknown). */
void fk_progress_show(struct fk_progress *, uint64_t bytes,
    uint64_t packets);
/* End a drawn line with a newline, before other output on stderr. */
void fk_progress_break(struct fk_progress *);
/* The summary line (the progress line it replaces is cleared). */
void fk_progress_done(struct fk_progress *, uint64_t bytes,
    uint64_t packets);

#endif
