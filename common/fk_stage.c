/* fk_stage.c - the record loop every stage shares, see fk_stage.h. */
#include <err.h>
#include <stddef.h>
#include <stdint.h>

#include "fk_stage.h"

void
fk_stage_init(struct fk_stage *s, const struct fk_in *in, struct fk_out *out,
    const struct fk_stage_ops *ops, void *arg)
{
	s->in = in;
	s->out = out;
	s->ops = ops;
	s->arg = arg;
	s->rec = NULL;
	s->done = 0;
}

void
fk_stage_pass(struct fk_stage *s)
{
	if (s->done)
		return;
	s->done = 1;
	if (s->out != NULL)
		fk_out_copy(s->out, s->rec);
}

void
fk_stage_drop(struct fk_stage *s)
{
	s->done = 1;
}

/*
 * One case: if the stage has a callback for the type, decode the body
 * (damage if it does not decode) and call it.
 */
#define DISPATCH(TYPE, cb, type, decode) \
	case TYPE: \
		if (s->ops->cb != NULL) { \
			type v; \
			int r_ = decode(rec, &v); \
			if (r_ < 0) \
				fk_in_bad(s->in, rec, r_ == -2 ? \
				    "flow id 0" : "body garbled"); \
			s->ops->cb(s, &v); \
			took = 1; \
		} \
		break

int
fk_stage_record(struct fk_stage *s, const struct fk_rec *rec)
{
	const struct fk_rec *orig = rec;
	struct fk_rec unread;
	int took = 0;

	if (s->ops->lengths_only && (rec->flags & FK_RF_REF) &&
	    rec->ref == NULL) {
		unread = *rec;
		unread.ref = fk_ref_unread;
		rec = &unread;
	}
	s->rec = orig;
	s->done = 0;
	switch (rec->type) {
	DISPATCH(FK_REC_PACKET, packet, struct fk_packet, fk_packet_decode);
	DISPATCH(FK_REC_FLOW_OPEN, open, struct fk_open, fk_open_decode);
	DISPATCH(FK_REC_DATA, data, struct fk_data, fk_data_decode);
	DISPATCH(FK_REC_GAP, gap, struct fk_gap, fk_gap_decode);
	DISPATCH(FK_REC_OVERLAP, overlap, struct fk_overlap,
	    fk_overlap_decode);
	DISPATCH(FK_REC_FLOW_CLOSE, close, struct fk_close, fk_close_decode);
	DISPATCH(FK_REC_FLOW_NAME, name, struct fk_name, fk_name_decode);
	DISPATCH(FK_REC_HTTP, http, struct fk_http, fk_http_decode);
	case FK_REC_STATS:
		if (s->ops->stats != NULL) {
			struct fk_stats st = { rec->len,
			    (const char *)rec->body };

			s->ops->stats(s, &st);
			took = 1;
		}
		break;
	}
	if (!took && s->ops->other != NULL)
		s->ops->other(s, orig);
	fk_stage_pass(s);
	s->rec = NULL;
	return took;
}

void
fk_stage_run(struct fk_in *in, struct fk_out *out,
    const struct fk_stage_ops *ops, void *arg)
{
	struct fk_stage s;
	struct fk_rec rec;
	uint64_t took = 0, others = 0;

	fk_stage_init(&s, in, out, ops, arg);
	while (fk_in_read(in, &rec)) {
		int t = fk_stage_record(&s, &rec);

		if (rec.type == FK_REC_STATS)
			continue;	/* every stage writes them */
		if (t)
			took++;
		else if (fk_rec_typename(rec.type) != NULL)
			others++;	/* a known type, for another stage */
	}
	if (took == 0 && others > 0 && ops->needs != NULL)
		warnx("no %s", ops->needs);
}
