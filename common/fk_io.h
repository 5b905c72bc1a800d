/*
 * fk_io.h - buffered reading and writing of record streams.
 *
 * fk_in_next() returns one record at a time, zero-copy: rec->body points
 * into the reader's buffer and stays valid until the next call.  A
 * damaged stream is an error naming the byte offset where it starts.
 * fk_out batches records into large writes; its writes are checked.
 */
#ifndef FK_IO_H
#define FK_IO_H

#include <stdint.h>
#include <stddef.h>

#include "fk_record.h"

struct fk_in {
	int fd;
	const char *name;
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t off;		/* stream offset of buf[start] */
	int eof;
	int need_hdr;		/* a stream header is expected next */
	uint64_t nrec;
	char err[160];		/* set when fk_in_next() returns -1 */
	/*
	 * How the input ended (see END in flowkit-records(5)), valid once
	 * fk_in_next() returned 0: status is the worst enum fk_end_status
	 * of the streams read (a minor-1 stream without END, or no stream
	 * at all, is FK_END_INCOMPLETE), code the worst exit status they
	 * carried, text the first failure named.
	 */
	uint8_t end_status, end_code;
	char end_text[200];
	int show_end;		/* return END records too (flowcat) */
	int show_file;		/* and FILE records (flowcat -f records) */
	int drain;		/* a pipe: on SIGINT, read on to its end */
	uint16_t minor;		/* minor version of the current stream */
	uint32_t hdr_rsv;	/* its header's reserved field */
	uint32_t nhdr;		/* stream headers read so far */
	uint8_t hdr_seen, ended;
	/* Test hook: read from memory instead of fd (fd < 0). */
	const uint8_t *mem;
	size_t memlen, mempos;
};

void fk_in_open(struct fk_in *, int fd, const char *name);
/* From memory (fuzzing, tests); the bytes must outlive the reader. */
void fk_in_open_mem(struct fk_in *, const void *, size_t, const char *name);
/* 1: a record in *rec; 0: clean end of input; -1: damaged (see in->err). */
int fk_in_next(struct fk_in *, struct fk_rec *);
/*
 * fk_in_next() that exits FK_EX_DATA (damage) or FK_EX_FAIL (I/O).  Before
 * exiting on damage it flushes the last fk_out opened (and not closed), so
 * every record written before the damage reaches the next stage.
 */
int fk_in_read(struct fk_in *, struct fk_rec *);
void fk_in_close(struct fk_in *);
/*
 * Report a record whose body does not decode, and exit FK_EX_DATA:
 * "reasm: <stdin>: offset 1234: DATA record body too short".
 */
void fk_in_bad(const struct fk_in *, const struct fk_rec *, const char *why)
    __attribute__((noreturn));
/*
 * After the input ended: 1 if it did not hold all it should (an earlier
 * stage failed or was killed: FK_END_INCOMPLETE), 2 if it was
 * interrupted (SIGINT: complete up to there), 0 if complete.  Flows
 * still open then are cut short.
 */
int fk_in_cut(const struct fk_in *);
/*
 * The exit status of a stage: `own` if not 0, else FK_EX_UPSTREAM when
 * the input was incomplete or an earlier stage failed (a stage whose
 * records go nowhere further, the last of a pipeline, says so on
 * stderr), else 0.
 */
int fk_io_exit(const struct fk_in *, int own);
/*
 * The stage's own status for the END record its output ends with (the
 * worst of this and the input's): a source that was interrupted, or
 * could not read some input, says so here.
 */
void fk_io_status(uint8_t status, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct fk_out {
	int fd;
	const char *name;
	uint8_t *buf;
	size_t len, cap;
	uint64_t off;		/* bytes written so far */
	/*
	 * Zero-copy pass-through: large pieces already in the input buffer
	 * (a record passed on, a payload) are referenced, not copied; with
	 * niov > 0 the pending output is iov[0..niov) (pieces of buf and of
	 * the input buffer of refin), written before that buffer moves.
	 * Bytes in the stable range (fk_out_stable) are referenced too.
	 */
	struct iovec *iov;
	int niov;
	size_t refbytes;
	const struct fk_in *refin;
	const uint8_t *stable;
	size_t stablelen;
	const char *stablename;
	int side;		/* a pass-through: EPIPE stops only it */
	/*
	 * References to capture files (fk_ref.h) may be written: the
	 * output is a pipe.  Files announced on it: ann (their gens).
	 */
	int refs;
#define FK_OUT_ANN	8
	uint64_t ann[FK_OUT_ANN];
	unsigned annnext;
	int ended;		/* END written */
};

/*
 * Start an output stream on fd: the stream header is written first.  A
 * terminal is refused (exit FK_EX_USAGE with a hint): records are binary.
 */
void fk_out_open(struct fk_out *, int fd, const char *name);
/*
 * The pass-through of a stage whose real output is files or a report
 * (flowsplit, httpsplit, dfxmlgen -o, flowstat -o): records go on only
 * when fd is a pipe or a socket, or when forced (-p; a terminal is still
 * refused), else they are discarded (never into a log file or a
 * terminal).  If the reader goes away (EPIPE) the pass-through stops
 * and the stage goes on.
 */
void fk_out_open_pass(struct fk_out *, int fd, const char *name, int force);
/*
 * Write a stream header of minor version `minor` (flowrec: streams
 * concatenated); right after fk_out_open() it replaces the one written
 * there.
 */
void fk_out_header(struct fk_out *, uint16_t minor, uint32_t reserved);
/* Append a record: header, then fixed part, then variable part. */
void fk_out_rec(struct fk_out *, uint16_t type, const void *fixed,
    size_t fixedlen, const void *var, size_t varlen);
/*
 * Pass a record through unchanged.  A reference (FK_RF_REF) goes on as
 * one if the output takes them, after the FILE record it needs; else
 * the bytes it stands for are written instead.  FILE records are not
 * passed: they are written where a reference needs them.
 */
void fk_out_copy(struct fk_out *, const struct fk_rec *);
/*
 * Bytes go inline on this output, never by reference (a pipe to
 * another host, flowcat -f inline): by default only a pipe takes
 * references, never a file, a terminal or a socket.
 */
void fk_out_inline(struct fk_out *);
void fk_out_flush(struct fk_out *);
/*
 * Bytes at p..p+len, the mapped file `name`, stay where they are until
 * the next call: pieces of them are written by reference, not copied.
 * fk_out_stable(out, NULL, 0, NULL) writes what refers to them first.
 * If the file shrinks meanwhile, the write fails: exit FK_EX_FAIL with
 * "name: the file shrank while being read".
 */
void fk_out_stable(struct fk_out *, const void *p, size_t len,
    const char *name);
/*
 * End the stream with its END record (the worst of the input's status
 * and the stage's own, fk_io_status()), flush and close; exits on a
 * write error.
 */
void fk_out_close(struct fk_out *);

/*
 * Other buffered output of the stage (files: fk_odir) registers a flush
 * function here.  Like the record output, it is flushed before the reader
 * blocks waiting for input (a live pipeline's files fill as it runs) and
 * before exiting on damaged input (everything before the damage is
 * written).  At most FK_IO_MAXFLUSH at once.
 */
#define FK_IO_MAXFLUSH	8
void fk_io_flusher_add(void (*fn)(void *), void *arg);
void fk_io_flusher_del(void (*fn)(void *), void *arg);

#endif
