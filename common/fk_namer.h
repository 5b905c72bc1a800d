/*
 * fk_namer.h - tcpflow's connection counter: the file names of flows
 * that share a name (port reuse, QinQ flows that differ only in the
 * inner VLAN), for flowname and for the stages that name files
 * themselves when no FLOW_NAME record came (flowsplit, httpsplit,
 * dfxmlgen).
 *
 * A direction is named when its flow opens (fk_namer_open), from a
 * template (fk_name.h) and the lowest connection count whose name is
 * not taken.  A name is taken once a direction with that name carried
 * data (fk_namer_data: tcpflow creates the file on the first data
 * byte), or while a flow still open holds it; a flow that closes
 * (fk_namer_close) without data in a direction gives that name back.
 * A template without %c or %# gets "cN" appended for a count N > 0.
 *
 * Cost: O(1) per call, amortised, whatever the number of flows sharing
 * a base name (each base name keeps the next count to try and a heap
 * of the counts given back).  Memory: a name that carried data is
 * remembered until fk_namer_free as a 64-bit seeded hash in an
 * open-addressing table (16 bytes a slot, 1/4 to 3/4 full: 21 to 43
 * bytes a name, twice that for a moment while the table grows); flows
 * still open and base names used more than once (reuse) cost more
 * (fk_namer.c).
 */
#ifndef FK_NAMER_H
#define FK_NAMER_H

#include <stddef.h>
#include <stdint.h>

#include "fk_hash.h"
#include "fk_name.h"
#include "fk_record.h"

/* One direction of a flow; all zero: holds no name. */
struct fk_namer_dir {
	uint64_t hash;		/* hash of the name, 0: none held */
	uint64_t base;		/* hash of the count-0 name */
	uint32_t count;
	uint8_t committed;	/* carried data: the name is taken for good */
};

/* Embedded in the caller's per-flow struct, zeroed before open. */
struct fk_namer_flow {
	struct fk_namer_dir d[2];
};

struct fk_namer {
	const char *tmpl;	/* not copied */
	int counts;		/* the template has %c or %# */
	int novlan;
	uint64_t session;	/* flows opened so far: %S, %N */
	struct fk_idmap names;	/* name hash -> NM_RESERVED / NM_TAKEN */
	struct fk_idmap bases;	/* base hash -> struct base or idle next */
	struct fk_idmap waiters; /* name hash -> counts to give back */
	uint64_t counted;	/* directions named with a count > 0 */
};

/*
 * tmpl (FK_NAME_TEMPLATE for tcpflow's default) must have passed
 * fk_name_template_check(); novlan: leave the VLAN out (flowname -V).
 */
void fk_namer_init(struct fk_namer *, const char *tmpl, int novlan);
void fk_namer_free(struct fk_namer *);

/*
 * Flow o opens: name its two directions (FK_DIR_AB, FK_DIR_BA) into
 * name[dir] (NUL-terminated), their lengths into len[dir].  nf must be
 * zeroed (or closed).  Exits (FK_EX_FAIL) if the template makes a name
 * over FK_NAME_MAX - 1 bytes for a count > 0.
 */
void fk_namer_open(struct fk_namer *, struct fk_namer_flow *nf,
    const struct fk_open *o, char name[2][FK_NAME_MAX], size_t len[2]);
/* A DATA record with bytes in direction dir: its name is taken for good. */
void fk_namer_data(struct fk_namer *, struct fk_namer_flow *nf, int dir);
/*
 * Direction dir got its name elsewhere (a FLOW_NAME record): give back
 * the name fk_namer_open chose, unless it already carried data.
 */
void fk_namer_given(struct fk_namer *, struct fk_namer_flow *nf, int dir);
/* The flow closed: names without data are given back; nf is zeroed. */
void fk_namer_close(struct fk_namer *, struct fk_namer_flow *nf);

#endif
