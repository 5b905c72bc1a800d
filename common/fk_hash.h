/*
 * fk_hash.h - seeded hashing and a u64-keyed map.
 *
 * fk_hash() is SipHash-1-3 keyed with a per-process random seed, so a
 * hostile capture cannot pick keys that collide (as in redis' dict).
 * fk_idmap is an open-addressing map from a non-zero 64-bit id to a
 * pointer, with O(1) insert, lookup and delete (backward-shift deletion,
 * no tombstones).
 */
#ifndef FK_HASH_H
#define FK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Seed from getrandom(2); FK_HASH_SEED in the environment fixes it (tests). */
void fk_hash_seed_init(void);
uint64_t fk_hash(const void *key, size_t len);
/*
 * SipHash-1-3 with an explicit key, independent of the process seed and
 * of the host's byte order: the same on every machine (flowshard).
 */
uint64_t fk_hash_keyed(uint64_t key0, uint64_t key1, const void *, size_t);

struct fk_idmap_slot {
	uint64_t id;		/* 0 = empty */
	void *val;
};

struct fk_idmap {
	struct fk_idmap_slot *slot;
	size_t mask;		/* capacity - 1, capacity a power of two */
	size_t count;
};

void fk_idmap_init(struct fk_idmap *);
void fk_idmap_free(struct fk_idmap *);
void *fk_idmap_get(const struct fk_idmap *, uint64_t id);
/* Insert or replace. id must not be 0. */
void fk_idmap_put(struct fk_idmap *, uint64_t id, void *val);
/*
 * Get-or-add in one probe: the address of id's value, id inserted with a
 * NULL value if absent (the map grows as it does for fk_idmap_put), so
 *	void **v = fk_idmap_ref(m, id); if (*v == NULL) *v = new(id);
 * id must not be 0.  The address is good only until the map next changes:
 * an insert (put or ref of a new id) may grow it, and fk_idmap_del moves
 * entries.  An id left with a NULL value stays in the map, counted and
 * listed by fk_idmap_sorted.
 */
void **fk_idmap_ref(struct fk_idmap *, uint64_t id);
/*
 * id's value, or NULL for id 0; if id is absent, a new zeroed object of
 * `size` bytes (fk_calloc) is added as its value and *added set to 1
 * (else 0), for the caller to initialise: a per-flow table's lookup.
 */
void *fk_idmap_obtain(struct fk_idmap *, uint64_t id, size_t size,
    int *added);
/* Remove; returns the value or NULL. */
void *fk_idmap_del(struct fk_idmap *, uint64_t id);
/*
 * The values ordered by id, in an array of *n the caller frees (never
 * NULL): a snapshot, so the map may change while it is walked.
 */
void **fk_idmap_sorted(const struct fk_idmap *, size_t *n);

#endif
