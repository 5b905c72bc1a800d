/*
 * fk_treap.h - an intrusive treap: a binary search tree kept balanced by
 * random priorities (a max-heap on them), O(log n) expected depth
 * whatever the order of the keys, for ordered sets a hostile input
 * fills (fk_tcp's buffered segments).
 *
 * The tree holds no keys and compares nothing: its owner keeps the
 * in-order neighbours of each node (a sorted list beside it), links a
 * new node between them, and descends from root itself to search.
 * A node's priority is a seeded mix of its address (fk_hash's process
 * seed: a capture can neither see nor choose it, so it cannot make the
 * tree degenerate), recomputed when needed: nothing is stored for it,
 * nothing is allocated.
 */
#ifndef FK_TREAP_H
#define FK_TREAP_H

#include <stdint.h>

struct fk_treap_node {
	struct fk_treap_node *l, *r, *p;	/* children, parent */
};

struct fk_treap {
	struct fk_treap_node *root;
};

/*
 * Link n (its fields are set here) between its in-order neighbours
 * prev and next (either may be NULL: n is the first or the last node),
 * then restore the heap order.  O(log n) expected.
 */
void fk_treap_link(struct fk_treap *, struct fk_treap_node *n,
    struct fk_treap_node *prev, struct fk_treap_node *next);

/* Unlink n; O(1) for a node without two children (the first, the last). */
void fk_treap_unlink(struct fk_treap *, struct fk_treap_node *n);

#endif
