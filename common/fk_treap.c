/* fk_treap.c - an intrusive treap, see fk_treap.h. */
#include <stddef.h>

#include "fk_hash.h"
#include "fk_treap.h"

/* Of the priorities, drawn once from fk_hash's seed (0: not yet). */
static uint64_t seed;

/* The priority of n: splitmix64's finalizer of its address and the seed. */
static uint64_t
prio(const struct fk_treap_node *n)
{
	uint64_t z = (uint64_t)(uintptr_t)n ^ seed;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Rotate n above its parent. */
static void
rot_up(struct fk_treap *t, struct fk_treap_node *n)
{
	struct fk_treap_node *p = n->p, *g = p->p;

	if (p->l == n) {
		p->l = n->r;
		if (n->r != NULL)
			n->r->p = p;
		n->r = p;
	} else {
		p->r = n->l;
		if (n->l != NULL)
			n->l->p = p;
		n->l = p;
	}
	p->p = n;
	n->p = g;
	if (g == NULL)
		t->root = n;
	else if (g->l == p)
		g->l = n;
	else
		g->r = n;
}

void
fk_treap_link(struct fk_treap *t, struct fk_treap_node *n,
    struct fk_treap_node *prev, struct fk_treap_node *next)
{
	uint64_t pr;

	if (seed == 0) {
		static const char tag[] = "fk_treap";

		seed = fk_hash(tag, sizeof(tag)) | 1;
	}
	n->l = n->r = NULL;
	/*
	 * In-order neighbours: next's left slot is free, or else prev is
	 * the last node of next's left subtree and its right slot is free.
	 */
	if (next != NULL && next->l == NULL) {
		next->l = n;
		n->p = next;
	} else if (prev != NULL) {
		prev->r = n;
		n->p = prev;
	} else {
		n->p = NULL;
		t->root = n;
	}
	pr = prio(n);
	while (n->p != NULL && prio(n->p) < pr)
		rot_up(t, n);
}

void
fk_treap_unlink(struct fk_treap *t, struct fk_treap_node *n)
{
	struct fk_treap_node *c;

	/* rotate it down until it has at most one child */
	while (n->l != NULL && n->r != NULL)
		rot_up(t, prio(n->l) > prio(n->r) ? n->l : n->r);
	c = n->l != NULL ? n->l : n->r;
	if (c != NULL)
		c->p = n->p;
	if (n->p == NULL)
		t->root = c;
	else if (n->p->l == n)
		n->p->l = c;
	else
		n->p->r = c;
	n->l = n->r = n->p = NULL;
}
