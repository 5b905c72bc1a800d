/*
 * fk_stage.h - the record loop every stage shares.
 *
 * A stage names what it does with each record type it works on in a
 * struct fk_stage_ops; fk_stage_run() reads the input, decodes each
 * record whose type has a callback (a body that does not decode is
 * damaged input: fk_in_bad(), exit FK_EX_DATA), calls the callback, and
 * passes the record to the output unchanged (flowkit-records(5): every
 * record a stage does not consume goes on).
 *
 * By default a record is passed on after its callback returns, so
 * whatever the callback writes comes first.  A callback may instead call
 * fk_stage_pass() to write the record before what it writes next, or
 * fk_stage_drop() to consume it.  With no output (out NULL: a sink, or a
 * report-only run) nothing is passed.
 */
#ifndef FK_STAGE_H
#define FK_STAGE_H

#include "fk_io.h"
#include "fk_record.h"

struct fk_stage;

struct fk_stage_ops {
	void (*packet)(struct fk_stage *, const struct fk_packet *);
	void (*open)(struct fk_stage *, const struct fk_open *);
	void (*data)(struct fk_stage *, const struct fk_data *);
	void (*gap)(struct fk_stage *, const struct fk_gap *);
	void (*overlap)(struct fk_stage *, const struct fk_overlap *);
	void (*close)(struct fk_stage *, const struct fk_close *);
	void (*name)(struct fk_stage *, const struct fk_name *);
	void (*http)(struct fk_stage *, const struct fk_http *);
	void (*stats)(struct fk_stage *, const struct fk_stats *);
	/* Every record no callback above took (unknown types included). */
	void (*other)(struct fk_stage *, const struct fk_rec *);
	/*
	 * What a stage that took no record says at the end of an input
	 * that had others ("stream records: put reasm before flowsplit"):
	 * printed once as "no <needs>", the likely fix for a missing stage.
	 */
	const char *needs;
	/*
	 * The callbacks use the lengths of PACKET, DATA and OVERLAP bytes,
	 * never the bytes (their data is NULL when the bytes are a
	 * reference): a capture file referred to is not read for them.
	 */
	int lengths_only;
};

struct fk_stage {
	const struct fk_in *in;
	struct fk_out *out;		/* NULL: nothing is passed on */
	const struct fk_stage_ops *ops;
	void *arg;			/* the stage's own state */
	const struct fk_rec *rec;	/* the record being handled */
	int done;			/* rec was passed or dropped */
};

void fk_stage_init(struct fk_stage *, const struct fk_in *,
    struct fk_out *, const struct fk_stage_ops *, void *arg);
/*
 * Handle one record: decode, call back, pass on.  1 if a callback took
 * it, 0 if none did (it was still passed on).
 */
int fk_stage_record(struct fk_stage *, const struct fk_rec *);
/* Every record of in, to the end of input (exits on damage). */
void fk_stage_run(struct fk_in *, struct fk_out *,
    const struct fk_stage_ops *, void *arg);

/* In a callback: write the current record now (once). */
void fk_stage_pass(struct fk_stage *);
/* In a callback: the current record goes no further. */
void fk_stage_drop(struct fk_stage *);

#endif
