/*
 * libFuzzer harness: the u64-keyed map (fk_idmap) against a plain array.
 * The input is a sequence of 2-byte steps: byte 1 picks one of 256 ids
 * (1..256, or spread over the 64-bit space if bit 7 of byte 0 is set the
 * first time it is used), byte 0's bits 2-7 a non-NULL value and bits 0-1
 * the operation:
 *
 *   0: fk_idmap_put;
 *   1: fk_idmap_get;
 *   2: fk_idmap_del;
 *   3: fk_idmap_ref, then (bit 2) store the value through the slot, or
 *	leave it as found (NULL for a new id).
 *
 * After every step the count must match; at the end every id is looked up
 * and fk_idmap_sorted must list the present ids' values in id order.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fk_hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char tok[64];		/* the values: addresses of tok[] */

static uint64_t
idof(unsigned k, unsigned hi)
{
	/* ids 1..256, or the same high in the 64-bit space, never 0 */
	return hi ? (uint64_t)(k + 1) << 55 | 0x5a5a : (uint64_t)k + 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fk_idmap m;
	/* The reference, indexed by byte 1: present, its id and value. */
	uint8_t present[256] = { 0 };
	uint64_t rid[256] = { 0 }, last;
	void *rval[256] = { 0 };
	size_t count = 0, i, n, k;
	void **v, **p;

	if (size > 100000)
		return 0;
	fk_idmap_init(&m);
	for (i = 0; i + 1 < size; i += 2) {
		unsigned op = data[i] & 3, key = data[i + 1];
		uint64_t id;
		void *val = &tok[data[i] >> 2];

		/* One id per key for the whole run: the first use fixes it. */
		if (rid[key] == 0)
			rid[key] = idof(key, data[i] >> 7 & 1);
		id = rid[key];
		switch (op) {
		case 0:
			fk_idmap_put(&m, id, val);
			count += !present[key];
			present[key] = 1;
			rval[key] = val;
			break;
		case 1:
			if (fk_idmap_get(&m, id) != (present[key] ? rval[key] :
			    NULL))
				__builtin_trap();
			break;
		case 2:
			if (fk_idmap_del(&m, id) != (present[key] ? rval[key] :
			    NULL))
				__builtin_trap();
			count -= present[key];
			present[key] = 0;
			rval[key] = NULL;
			break;
		case 3:
			p = fk_idmap_ref(&m, id);
			if (p < &m.slot[0].val || p > &m.slot[m.mask].val ||
			    *p != (present[key] ? rval[key] : NULL))
				__builtin_trap();
			count += !present[key];
			present[key] = 1;
			if (data[i] & 4) {
				*p = val;
				rval[key] = val;
			}
			if (fk_idmap_get(&m, id) != rval[key])
				__builtin_trap();
			break;
		}
		if (m.count != count)
			__builtin_trap();
	}
	for (k = 0; k < 256; k++)
		if (rid[k] != 0 && fk_idmap_get(&m, rid[k]) != rval[k])
			__builtin_trap();
	/* Sorted: the present keys' values, ordered by their ids. */
	v = fk_idmap_sorted(&m, &n);
	if (n != count)
		__builtin_trap();
	for (i = 0, last = 0; i < n; i++) {
		size_t bk = 256;

		for (k = 0; k < 256; k++)
			if (present[k] && rid[k] > last &&
			    (bk == 256 || rid[k] < rid[bk]))
				bk = k;
		if (bk == 256 || v[i] != rval[bk])
			__builtin_trap();
		last = rid[bk];
	}
	free(v);
	fk_idmap_free(&m);
	return 0;
}
