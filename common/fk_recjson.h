/*
 * fk_recjson.h - records as JSON Lines and back (flowcat -f json,
 * flowrec): one object a record, the fields of flowkit-records(5) under
 * the names flowcat(1) lists, lossless both ways.
 *
 * fk_recjson_write() prints a record; what its fields cannot say (a
 * reserved byte that is set, bytes past the known fields, text that is
 * not UTF-8) goes in "raw" (the whole body in base64) or a *_b64 field,
 * so reading the line back gives the same bytes.  fk_recjson_read()
 * makes a record (or a stream header) of one line: fields left out take
 * their defaults, fields that contradict each other are errors that
 * name the field.  Its memory is bounded by the line's length.
 */
#ifndef FK_RECJSON_H
#define FK_RECJSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fk_json.h"
#include "fk_record.h"

/* A stream header line: {"type":"HEADER","major":1,"minor":1}. */
void fk_recjson_header(FILE *, uint16_t minor, uint32_t reserved);
/* One record as a line; -1 (nothing printed) if its body does not decode. */
int fk_recjson_write(FILE *, const struct fk_rec *);

enum fk_recjson_kind {
	FK_RJ_NONE,		/* a blank line or a comment (#) */
	FK_RJ_HEADER,		/* a stream header: minor, reserved */
	FK_RJ_RECORD,		/* a record: rec */
};

struct fk_recjson {
	struct fk_jobj obj;
	struct fk_rec rec;	/* body valid until the next read */
	uint16_t minor;
	uint32_t reserved;
	uint8_t *body, *tmp;
	size_t bodycap, tmpcap;
	char err[224];		/* "field: what is wrong" */
};

void fk_recjson_init(struct fk_recjson *);
void fk_recjson_free(struct fk_recjson *);
/* One line (no newline): an enum fk_recjson_kind, or -1 with r->err. */
int fk_recjson_read(struct fk_recjson *, const char *line, size_t len);

/* RFC 3339 time ("2025-01-02T03:04:05.123456789Z") to ns; -1 if not. */
int fk_recjson_parse_time(const char *s, size_t len, uint64_t *ns);

#endif
