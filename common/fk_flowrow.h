/*
 * fk_flowrow.h - flow tables for scripts: one row per flow as TSV (a
 * header line of column names, an absent value empty) or as a JSON
 * object (the same names as keys, an absent value null), and the columns
 * every flow table starts with (flowstat -f tsv/json/jsonl, flowpcap -l).
 * The names are listed once, here and in FIELDS of flowstat(1).
 *
 * A row is written field by field through a struct fk_rowout; in
 * FK_ROW_HEADER mode every field writes its name instead of its value,
 * so the header line comes from the same calls as the rows.
 */
#ifndef FK_FLOWROW_H
#define FK_FLOWROW_H

#include <stdint.h>
#include <stdio.h>

#include "fk_record.h"

enum fk_rowfmt { FK_ROW_HEADER, FK_ROW_TSV, FK_ROW_JSON };

struct fk_rowout {
	FILE *f;
	enum fk_rowfmt fmt;
	int n;			/* fields written in this row */
};

/* JSON: "{"; the others nothing. */
void fk_row_begin(struct fk_rowout *, FILE *, enum fk_rowfmt);
/* JSON: "}" (no newline: the caller separates); TSV and header: "\n". */
void fk_row_end(struct fk_rowout *);
/*
 * A field whose value the caller writes (an object): the separator, and
 * the key (JSON) or the name (header); 1 in header mode: write nothing.
 */
int fk_row_field(struct fk_rowout *, const char *name);
void fk_row_u64(struct fk_rowout *, const char *name, uint64_t);
/* A number, absent if !known. */
void fk_row_optu64(struct fk_rowout *, const char *name, uint64_t,
    int known);
/* A string; NULL is absent.  Escaped for JSON; TSV needs no tab in s. */
void fk_row_str(struct fk_rowout *, const char *name, const char *s);
/* Nanoseconds as seconds with nine decimals, a number; absent if !known. */
void fk_row_secs(struct fk_rowout *, const char *name, uint64_t ns,
    int known);

/* The columns every flow table starts with. */
struct fk_flowrow {
	uint64_t id;
	uint8_t family;		/* 4 or 6; 0: unknown (no FLOW_OPEN seen) */
	uint8_t proto;		/* 6 TCP, 17 UDP (fk_l4.h) */
	uint8_t addr[2][16];	/* A, B */
	uint16_t port[2];
	uint8_t nvlan;		/* VLAN tags: 0, 1 or 2 */
	uint16_t vlan, inner_vlan;
	uint64_t start_ns, end_ns;	/* 0: unknown */
};

/* From a FLOW_OPEN: id, family, proto, addresses, ports, VLANs, start. */
void fk_flowrow_open(struct fk_flowrow *, const struct fk_open *);
/*
 * id proto a_addr a_port b_addr b_port vlan inner_vlan start end
 * duration
 */
void fk_flowrow_put(struct fk_rowout *, const struct fk_flowrow *);

#endif
