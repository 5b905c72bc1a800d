/* fk_hash.c - see fk_hash.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fk_hash.h"
#include "fk_util.h"

static uint64_t k0 = 0x736f6d6570736575ULL, k1 = 0x646f72616e646f6dULL;
static int seeded;

void
fk_hash_seed_init(void)
{
	uint64_t k[2];
	const char *s = getenv("FK_HASH_SEED");

	seeded = 1;
	if (s != NULL) {
		k[0] = strtoull(s, NULL, 0);
		k[1] = ~k[0];
	} else if (getrandom(k, sizeof(k), GRND_NONBLOCK) != sizeof(k)) {
		k[0] = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
		k[1] = (uint64_t)(uintptr_t)&k ^ k[0] * 0x9e3779b97f4a7c15ULL;
	}
	k0 ^= k[0];
	k1 ^= k[1];
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static inline uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

uint64_t
fk_hash(const void *key, size_t len)
{
	if (!seeded)
		fk_hash_seed_init();
	return fk_hash_keyed(k0, k1, key, len);
}

/* SipHash-1-3, reading the input little-endian whatever the host. */
uint64_t
fk_hash_keyed(uint64_t key0, uint64_t key1, const void *key, size_t len)
{
	const uint8_t *p = key, *end = p + (len & ~(size_t)7);
	uint64_t v0, v1, v2, v3, m, b = (uint64_t)len << 56;

	v0 = key0 ^ 0x736f6d6570736575ULL;
	v1 = key1 ^ 0x646f72616e646f6dULL;
	v2 = key0 ^ 0x6c7967656e657261ULL;
	v3 = key1 ^ 0x7465646279746573ULL;
	for (; p != end; p += 8) {
		m = le64(p);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	switch (len & 7) {
	case 7: b |= (uint64_t)p[6] << 48; /* FALLTHROUGH */
	case 6: b |= (uint64_t)p[5] << 40; /* FALLTHROUGH */
	case 5: b |= (uint64_t)p[4] << 32; /* FALLTHROUGH */
	case 4: b |= (uint64_t)p[3] << 24; /* FALLTHROUGH */
	case 3: b |= (uint64_t)p[2] << 16; /* FALLTHROUGH */
	case 2: b |= (uint64_t)p[1] << 8; /* FALLTHROUGH */
	case 1: b |= (uint64_t)p[0];
	}
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static size_t
id_slot(uint64_t id, size_t mask)
{
	/* ids are assigned by us, not by the input: a mixer suffices. */
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id & mask;
}

void
fk_idmap_init(struct fk_idmap *m)
{
	m->mask = 63;
	m->count = 0;
	m->slot = fk_calloc(m->mask + 1, sizeof(*m->slot));
}

void
fk_idmap_free(struct fk_idmap *m)
{
	free(m->slot);
	m->slot = NULL;
}

/* The slot holding id, or the empty slot that ends its probe. */
static size_t
find(const struct fk_idmap *m, uint64_t id)
{
	size_t i = id_slot(id, m->mask);

	while (m->slot[i].id != 0 && m->slot[i].id != id)
		i = (i + 1) & m->mask;
	return i;
}

void *
fk_idmap_get(const struct fk_idmap *m, uint64_t id)
{
	size_t i = find(m, id);

	return m->slot[i].id != 0 ? m->slot[i].val : NULL;
}

static void
grow(struct fk_idmap *m)
{
	struct fk_idmap_slot *old = m->slot;
	size_t n = m->mask + 1;

	m->mask = 2 * n - 1;
	m->slot = fk_calloc(2 * n, sizeof(*m->slot));
	for (size_t j = 0; j < n; j++) {
		if (old[j].id == 0)
			continue;
		size_t i = id_slot(old[j].id, m->mask);
		while (m->slot[i].id != 0)
			i = (i + 1) & m->mask;
		m->slot[i] = old[j];
	}
	free(old);
}

void **
fk_idmap_ref(struct fk_idmap *m, uint64_t id)
{
	size_t i = find(m, id);

	if (m->slot[i].id == id)
		return &m->slot[i].val;
	if ((m->count + 1) * 4 > (m->mask + 1) * 3) {
		grow(m);
		i = find(m, id);
	}
	m->slot[i].id = id;
	m->slot[i].val = NULL;
	m->count++;
	return &m->slot[i].val;
}

void
fk_idmap_put(struct fk_idmap *m, uint64_t id, void *val)
{
	*fk_idmap_ref(m, id) = val;
}

void *
fk_idmap_del(struct fk_idmap *m, uint64_t id)
{
	size_t i, j;
	void *val;

	for (i = id_slot(id, m->mask);; i = (i + 1) & m->mask) {
		if (m->slot[i].id == 0)
			return NULL;
		if (m->slot[i].id == id)
			break;
	}
	val = m->slot[i].val;
	/* Backward-shift: move later members of the cluster into the hole. */
	for (j = (i + 1) & m->mask; m->slot[j].id != 0; j = (j + 1) & m->mask) {
		size_t home = id_slot(m->slot[j].id, m->mask);
		/* Can slot j's entry move to i?  Yes if home is not in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i].id = 0;
	m->slot[i].val = NULL;
	m->count--;
	return val;
}

static int
slot_cmp(const void *pa, const void *pb)
{
	const struct fk_idmap_slot *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

void **
fk_idmap_sorted(const struct fk_idmap *m, size_t *n)
{
	struct fk_idmap_slot *s;
	void **v;
	size_t i, k = 0;

	s = fk_reallocarray(NULL, m->count + 1, sizeof(*s));
	for (i = 0; i <= m->mask; i++)
		if (m->slot[i].id != 0)
			s[k++] = m->slot[i];
	qsort(s, k, sizeof(*s), slot_cmp);
	v = fk_reallocarray(NULL, k + 1, sizeof(*v));
	for (i = 0; i < k; i++)
		v[i] = s[i].val;
	free(s);
	*n = k;
	return v;
}

void *
fk_idmap_obtain(struct fk_idmap *m, uint64_t id, size_t size, int *added)
{
	void **v;

	*added = 0;
	if (id == 0)
		return NULL;
	v = fk_idmap_ref(m, id);
	if (*v == NULL) {
		*v = fk_calloc(1, size);
		*added = 1;
	}
	return *v;
}
