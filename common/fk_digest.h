/*
 * fk_digest.h - MD5, SHA1 and SHA256 of a byte stream at once, through
 * OpenSSL's EVP interface, fed incrementally (never buffering the data).
 * fk_digest_zeros() feeds n zero bytes, for the zero-filled holes a gap
 * leaves in a flow file.
 */
#ifndef FK_DIGEST_H
#define FK_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define FK_DIGEST_MD5		0x1
#define FK_DIGEST_SHA1		0x2
#define FK_DIGEST_SHA256	0x4
#define FK_DIGEST_ALL		0x7
#define FK_DIGEST_NALG		3
/* Longest hex digest plus NUL (SHA256). */
#define FK_DIGEST_HEXLEN	65

struct fk_digest;

/*
 * Parse "md5,sha1,sha256" (any subset, any order; "all"; "none") into a
 * mask of FK_DIGEST_*.  Returns -1 for an unknown name.
 */
int fk_digest_parse(const char *list);
/* "MD5", "SHA1", "SHA256" for algorithm index 0..FK_DIGEST_NALG-1. */
const char *fk_digest_name(int i);

/* A new context computing the algorithms in mask; exits on failure. */
struct fk_digest *fk_digest_new(unsigned mask);
void fk_digest_update(struct fk_digest *, const void *, size_t);
void fk_digest_zeros(struct fk_digest *, uint64_t n);
/* Bytes fed so far. */
uint64_t fk_digest_len(const struct fk_digest *);
/*
 * Finish: hex[i] gets the lower-case hex digest of algorithm i, or ""
 * if it was not in the mask.  The context can not be fed afterwards.
 */
void fk_digest_final(struct fk_digest *, char hex[FK_DIGEST_NALG][FK_DIGEST_HEXLEN]);
void fk_digest_free(struct fk_digest *);

#endif
