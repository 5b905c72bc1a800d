/* fk_progress.c - progress of long work on stderr; see fk_progress.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fk_progress.h"
#include "fk_util.h"

#define NS	1000000000ull

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static void
onfail(void *arg)
{
	fk_progress_break(arg);
}

void
fk_progress_start(struct fk_progress *p, const char *what,
    enum fk_progress_mode mode, unsigned interval_s, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	if (mode == FK_PROGRESS_TTY && !isatty(2))
		mode = FK_PROGRESS_OFF;
	p->mode = mode;
	p->what = what;
	p->total = total;
	p->interval_ns = mode == FK_PROGRESS_TTY ? NS / 4 :
	    (uint64_t)interval_s * NS;
	p->start_ns = now_ns();
	p->next_ns = p->start_ns + p->interval_ns;
	if (mode != FK_PROGRESS_OFF)
		fk_atfail(onfail, p);
}

int
fk_progress_poll(struct fk_progress *p)
{
	uint64_t t = now_ns();

	if (t < p->next_ns)
		return 0;
	p->next_ns = t + p->interval_ns;
	return 1;
}

/* 1536 -> "1.5 KiB" */
static void
size_str(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (v >= 1024 && u + 1 < FK_ARRAY_LEN(unit)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f B", v);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

static void
hms_str(char *buf, size_t len, double s)
{
	unsigned long long t = (unsigned long long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", t / 3600, t / 60 % 60,
		    t % 60);
	else
		snprintf(buf, len, "%llu:%02llu", t / 60, t % 60);
}

/* "41% 512.0 MiB of 1.2 GiB, 3456789 packets, 210.5 MiB/s, 0:04 left" */
static void
line(struct fk_progress *p, char *buf, size_t len, uint64_t bytes,
    uint64_t packets, double secs)
{
	char b[32], t[32], r[32], left[32];
	double rate = secs > 0 && bytes != UINT64_MAX ? bytes / secs : 0;
	size_t n = 0;

	if (bytes == UINT64_MAX) {
		snprintf(buf, len, "%llu packets", (unsigned long long)packets);
		return;
	}
	size_str(b, sizeof(b), (double)bytes);
	size_str(r, sizeof(r), rate);
	if (p->total > 0) {
		size_str(t, sizeof(t), (double)p->total);
		n = (size_t)snprintf(buf, len, "%3.0f%% %s of %s, ",
		    bytes >= p->total ? 100.0 : 100.0 * bytes / p->total, b, t);
	} else
		n = (size_t)snprintf(buf, len, "%s, ", b);
	if (n >= len)
		return;
	n += (size_t)snprintf(buf + n, len - n, "%llu packets, %s/s",
	    (unsigned long long)packets, r);
	if (n < len && p->total > bytes && rate > 0) {
		hms_str(left, sizeof(left), (p->total - bytes) / rate);
		snprintf(buf + n, len - n, ", %s left", left);
	}
}

void
fk_progress_show(struct fk_progress *p, uint64_t bytes, uint64_t packets)
{
	char buf[200];

	if (p->mode == FK_PROGRESS_OFF)
		return;
	line(p, buf, sizeof(buf), bytes, packets,
	    (double)(now_ns() - p->start_ns) / NS);
	if (p->mode == FK_PROGRESS_TTY) {
		fprintf(stderr, "\r%s: %s\033[K", p->what, buf);
		p->drawn = 1;
	} else
		fprintf(stderr, "%s: progress: %s\n", p->what, buf);
	fflush(stderr);
}

void
fk_progress_break(struct fk_progress *p)
{
	if (!p->drawn)
		return;
	fputc('\n', stderr);
	fflush(stderr);
	p->drawn = 0;
}

void
fk_progress_done(struct fk_progress *p, uint64_t bytes, uint64_t packets)
{
	char b[32], r[32];
	double secs = (double)(now_ns() - p->start_ns) / NS;

	if (p->mode == FK_PROGRESS_OFF)
		return;
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
	if (bytes == UINT64_MAX)
		fprintf(stderr, "%s: %llu packets in %.1f s\n", p->what,
		    (unsigned long long)packets, secs);
	else {
		size_str(b, sizeof(b), (double)bytes);
		size_str(r, sizeof(r), secs > 0 ? bytes / secs : 0);
		fprintf(stderr, "%s: %s, %llu packets in %.1f s, %s/s\n",
		    p->what, b, (unsigned long long)packets, secs, r);
	}
	fflush(stderr);
}
