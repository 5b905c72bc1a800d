/*
 * fk_console.h - show TCP streams as text on a console or in a log, one
 * DATA record at a time (directions interleaved as they were captured).
 *
 * Two families of layouts:
 *   tcpflow's console (flowsplit -c/-C/-D/-B/-0, flowcat -f tcpflow):
 *     "NAME: " + the bytes (non-printables but CR/LF as '.') + "\n",
 *     byte-identical to tcpflow 1.6.1 -c, -C, -D, -B, -0 and -g;
 *   tcpreen's log formats (flowcat -f strip|hex|C|raw|count|null|password):
 *     "Connection from:/Connection to:/Transmission follows..." per
 *     connection, "<<< " (A to B) or ">>> " (B to A) before each chunk,
 *     "End of input/output/transmission." at the close.
 *
 * The console keeps its own table of flows (names from FLOW_NAME, else
 * tcpflow's default name; byte counts; password scanner state), fed with
 * fk_con_run().  Output goes through a buffer with checked writes
 * (fk_write_all: EPIPE exits 0 quietly).
 */
#ifndef FK_CONSOLE_H
#define FK_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "fk_hash.h"
#include "fk_io.h"
#include "fk_list.h"
#include "fk_record.h"

enum fk_con_format {
	FK_CON_TCPFLOW = 1,	/* tcpflow -c (FK_CON_HEX: tcpflow -D) */
	FK_CON_STRIP,		/* tcpreen: printable ASCII and LF, CR dropped */
	FK_CON_HEXDUMP,		/* tcpreen: 16 bytes a row, "Packet length" */
	FK_CON_C,		/* tcpreen: one C-escaped line per chunk */
	FK_CON_RAW,		/* tcpreen: the bytes as they are */
	FK_CON_COUNT,		/* tcpreen: "N bytes" per chunk */
	FK_CON_NULL,		/* tcpreen: connections only */
	FK_CON_PASSWORD,	/* logins: USER/PASS, IMAP LOGIN, AUTH PLAIN,
				   HTTP Basic */
};

/* Flags. */
#define FK_CON_NOHEADER	0x0001	/* tcpflow: no "NAME: " (-C) */
#define FK_CON_HEX	0x0002	/* tcpflow: hex dump (-D) */
#define FK_CON_BINARY	0x0004	/* tcpflow: bytes as they are (-B) */
#define FK_CON_NONEWLINE 0x0008	/* tcpflow: no newline after a chunk (-0) */
#define FK_CON_COLOR	0x0010	/* ANSI colours: A to B blue, B to A red */
#define FK_CON_MARKS	0x0020	/* "[N bytes missing]" for a GAP, a note
				   for an OVERLAP */
#define FK_CON_TERMSAFE	0x0040	/* output is a terminal: never a control
				   byte from the stream, unless asked for
				   (FK_CON_RAW, FK_CON_BINARY) */

struct fk_console {
	int fd;
	const char *fdname;
	int format;
	unsigned flags;
	int64_t maxbytes;	/* per direction, -1: no limit */
	char *buf;
	size_t len;
	int bol;		/* the last byte written was '\n' (or none) */
	uint64_t last;		/* flow id of the last output (tcpreen) */
	struct fk_idmap flows;
	struct fk_list order;	/* the flows, in order of creation */
};

/* Format name ("tcpflow", "strip", "hex", "C", ...) -> FK_CON_*, or -1. */
int fk_con_format_parse(const char *name);

void fk_con_init(struct fk_console *, int fd, const char *fdname, int format,
    unsigned flags, int64_t maxbytes);
/*
 * Show every record of in to the end of input: FLOW_OPEN, FLOW_NAME,
 * DATA, GAP, OVERLAP and FLOW_CLOSE (a body that does not decode exits
 * through fk_in_bad); other types are ignored.
 */
void fk_con_run(struct fk_console *, struct fk_in *);
/* End of input: close the flows still open (tcpreen End lines), flush. */
void fk_con_finish(struct fk_console *);
void fk_con_free(struct fk_console *);

/*
 * The name a direction has without a FLOW_NAME record: tcpflow's default
 * (fk_name_default) when the FLOW_OPEN is known (o != NULL), else
 * "flowID-ab"/"flowID-ba".  Returns the length.
 */
int fk_con_defname(char *buf, size_t len, const struct fk_open *o,
    uint64_t id, int dir);

#endif
