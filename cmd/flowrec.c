/*
 * flowrec - make a record stream of JSON Lines, the reverse of
 * flowcat -f json.
 *
 * flowrec [-hV] [-l max_line]
 *
 * One JSON object a line (fk_recjson): a record, or a stream header.
 * Lines are bounded (-l); a line that is not a record is an error naming
 * its number and the field, exit 3, after every record before it was
 * written (the stream then ends with an END saying incomplete).  An END
 * line is written as given when it is the last record (or is followed
 * by a HEADER): `flowcat -f json | flowrec` gives back the same bytes.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_io.h"
#include "fk_recjson.h"
#include "fk_sig.h"
#include "fk_util.h"

/* Default -l: a 64 MiB body in base64 and its fields fit. */
#define MAXLINE_DEFAULT	(96ll << 20)

static const struct fk_opthelp opthelp[] = {
	{ "-l max_line", "longest line read, in bytes (96m)" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage = "usage: flowrec [-hV] [-l max_line]\n",
	.about = "Make a record stream of JSON Lines (flowcat -f json).",
	.opts = opthelp,
	.vopt = 'V',
};

/* Lines of fd, each at most max bytes (a newline ends one; EOF too). */
struct lines {
	int fd;
	char *buf;
	size_t cap, start, end, max;
	int eof;
};

/* 1 and a line in *line, *len; 0 at the end; -1: longer than max. */
static int
next_line(struct lines *l, char **line, size_t *len)
{
	size_t scan = l->start;

	for (;;) {
		char *nl = memchr(l->buf + scan, '\n', l->end - scan);
		ssize_t n;

		if (nl != NULL || (l->eof && l->end > l->start)) {
			size_t e = nl ? (size_t)(nl - l->buf) : l->end;

			if (e - l->start > l->max)
				return -1;
			*line = l->buf + l->start;
			*len = e - l->start;
			l->start = nl ? e + 1 : e;
			return 1;
		}
		if (l->eof)
			return 0;
		if (l->end - l->start > l->max)
			return -1;
		scan = l->end;
		if (l->end == l->cap) {
			/* room: move the line down, or grow up to max + 1 */
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			scan -= l->start;
			l->start = 0;
			if (l->end == l->cap) {
				l->cap = l->cap * 2 > l->max + 1 ?
				    l->max + 1 : l->cap * 2;
				l->buf = fk_realloc(l->buf, l->cap);
			}
		}
		n = read(l->fd, l->buf + l->end, l->cap - l->end);
		if (n < 0) {
			if (errno == EINTR) {
				fk_sig_check();
				continue;
			}
			fk_fail("read <stdin>");
		}
		if (n == 0)
			l->eof = 1;
		l->end += (size_t)n;
	}
}

int
main(int argc, char *argv[])
{
	struct fk_out out;
	struct fk_recjson rj;
	struct lines in = { STDIN_FILENO, NULL, 0, 0, 0, 0, 0 };
	long long maxline = MAXLINE_DEFAULT;
	unsigned long long lineno = 0;
	uint16_t minor = FK_VERSION_MINOR;
	uint8_t *endrec = NULL;		/* an END line, held */
	size_t endlen = 0;
	int ch, r;
	char *line;
	size_t len;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "Vhl:")) != -1) {
		switch (ch) {
		case 'l':
			maxline = fk_strtosize(optarg, 64, 1ll << 30, "-l");
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	}
	if (argc != optind)
		fk_usage();
	in.max = (size_t)maxline;
	in.cap = 65536 < in.max + 1 ? 65536 : in.max + 1;
	in.buf = fk_malloc(in.cap);
	fk_recjson_init(&rj);
	fk_out_open(&out, STDOUT_FILENO, "<stdout>");
	while ((r = next_line(&in, &line, &len)) != 0) {
		lineno++;
		if (r < 0)
			fk_abort(FK_EX_DATA, "<stdin>: line %llu: longer than "
			    "%lld bytes (-l)", lineno, maxline);
		if (fk_sig_count() > 0)
			break;
		r = fk_recjson_read(&rj, line, len);
		if (r < 0)
			fk_abort(FK_EX_DATA, "<stdin>: line %llu: %s", lineno,
			    rj.err);
		if (r == FK_RJ_NONE)
			continue;
		if (endrec != NULL) {
			/* an END that was not the last: written as given */
			struct fk_rec e = { .type = FK_REC_END,
			    .len = (uint32_t)endlen, .body = endrec };

			fk_out_copy(&out, &e);
		}
		free(endrec);
		endrec = NULL;
		if (r == FK_RJ_HEADER) {
			minor = rj.minor;
			fk_out_header(&out, rj.minor, rj.reserved);
			continue;
		}
		if (rj.rec.type == FK_REC_END && rj.rec.flags == 0) {
			endrec = fk_malloc(rj.rec.len + 1);
			memcpy(endrec, rj.rec.body, rj.rec.len);
			endlen = rj.rec.len;
			continue;
		}
		fk_out_copy(&out, &rj.rec);
	}
	if (endrec != NULL) {
		/* the input's own END ends the stream */
		struct fk_rec e = { .type = FK_REC_END,
		    .len = (uint32_t)endlen, .body = endrec };

		fk_out_copy(&out, &e);
		out.ended = 1;
		free(endrec);
	} else if (minor == 0)
		out.ended = 1;	/* a stream of minor version 0 has no END */
	if (fk_sig_count() > 0)
		fk_io_status(FK_END_INTERRUPTED, 0, NULL);
	fk_out_close(&out);
	fk_recjson_free(&rj);
	free(in.buf);
	return FK_EX_OK;
}
