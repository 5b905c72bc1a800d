/*
 * fk_sig.h - how a pipeline ends on Ctrl-C (see flowkit(7)).
 *
 * SIGINT or SIGTERM goes to every process of the pipeline.  The first
 * one stops the source only: pcapcat stops capturing or reading and
 * ends its stream with an END record saying "interrupted", and every
 * later stage, reading a pipe, goes on draining its input to that end
 * and finishes normally.  A stage whose input is a file or a terminal
 * is its own source: its reader stops at the first signal (fk_io).  A
 * second signal aborts at once: the fk_atfail() hooks run (unfinished
 * files renamed .partial, the record stream ended as incomplete) and
 * the program exits 128 + the signal number.
 *
 * The handlers are installed by fk_init() without SA_RESTART, so a
 * blocking read or write returns EINTR and its loop calls
 * fk_sig_check().
 */
#ifndef FK_SIG_H
#define FK_SIG_H

/* Install the handlers (fk_init() does). */
void fk_sig_init(void);
/* Signals received so far (0, 1, 2...). */
int fk_sig_count(void);
/* The last signal received, 0 if none. */
int fk_sig_last(void);
/*
 * A source that reads no record stream (pcapcat): it polls
 * fk_sig_count() and stops by itself; fn (may be NULL) is called from
 * the handler on the first signal (pcap_breakloop).  Interrupted system
 * calls restart, and a second signal kills it at once (the stream it
 * leaves has no END: later stages know it was cut short).
 */
void fk_sig_source(void (*fn)(void));
/* After a second signal: abort now (hooks run, exit 128 + signal). */
void fk_sig_check(void);

#endif
