/*
 * fk_ref.h - bytes of capture files passed by reference.
 *
 * A source (pcapcat) that reads a capture file in place registers the
 * mapping; a record written to a pipe whose bytes lie in it refers to
 * them (FK_RF_REF) instead of carrying them, after a FILE record that
 * announces the file (flowkit-records(5)).  Later stages resolve the
 * references as they read (fk_io), reading the file in windows (pread),
 * and pass them on untouched, or write the bytes where a
 * reference must not go (a file, a terminal, a socket).
 *
 * One table per process: the files announced on its input (at most
 * FK_REF_MAXFILES known, FK_REF_MAXOPEN open, FK_REF_MAXWIN windows of
 * FK_REF_WIN bytes read) and the source it registered.
 */
#ifndef FK_REF_H
#define FK_REF_H

#include <stddef.h>
#include <stdint.h>

#include "fk_record.h"

#define FK_REF_MAXFILES	1024
#define FK_REF_MAXOPEN	16
#define FK_REF_MAXWIN	2
#define FK_REF_WIN	(2u << 20)
/* Smaller pieces are written inline: a reference costs a lookup. */
#define FK_REF_MIN	32

/*
 * Source side: bytes base..base+len of the open regular file fd, from
 * its offset fileoff, stay mapped until fk_ref_source_end() (base NULL:
 * the caller reads the file and says where each piece is with
 * fk_ref_source_at()): return
 * the file's id, or 0 if it cannot be referred to (path does not name
 * that file; references are off: fk_ref_off()).  One source at a time.
 * Either way, a SIGBUS there (the file shrank) is an error naming it.
 */
uint32_t fk_ref_source(int fd, const char *path, const void *base,
    size_t len, uint64_t fileoff);
void fk_ref_source_at(const void *p, size_t len, uint64_t fileoff);
void fk_ref_source_end(void);
/* No references are made in this process (pcapcat -R). */
void fk_ref_off(void);

/*
 * Reader side.  A FILE record was read: remember it (the file is
 * opened and checked now, an error is kept for its first reference).
 * 0, or -1 if its body is damaged (why in err).
 */
int fk_ref_file(const struct fk_rec *, char *err, size_t errlen);
/*
 * A record with FK_RF_REF was read: check its reference and set
 * rec->reflen (rec->ref NULL: the bytes are read when first used).  0,
 * or -1 if the reference is damaged (an unknown file id, bytes past the
 * announced size or the record limit), why in err.
 */
int fk_ref_check(struct fk_rec *, char *err, size_t errlen);
/*
 * The bytes of a checked reference (valid until the next record is
 * read).  A file that cannot give them (gone, replaced, shorter) is a
 * fatal error naming it: exit FK_EX_FAIL through fk_abort(), so the
 * stage's outputs are marked incomplete.  A stage that only passes a
 * reference on never reads the file.
 */
const uint8_t *fk_ref_bytes(const struct fk_rec *);

/*
 * Writer side: if p..p+n are bytes of a file (the source's, or a window
 * read for a reference), its id and the offset of p; else 0.
 */
uint32_t fk_ref_find(const void *p, size_t n, uint64_t *off);
/* The FILE record announcing id: its encoded body and length. */
const uint8_t *fk_ref_filerec(uint32_t id, uint32_t *len, uint64_t *gen);

#endif
