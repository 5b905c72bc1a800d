/*
 * fk_list.h - an intrusive doubly linked list, for LRU and FIFO orders:
 * append at the tail, remove, move to the tail, take the head, all O(1).
 *
 * An object embeds one struct fk_link per list it can be on; the list
 * holds the links, FK_LIST_OBJ() turns a link back into its object (NULL
 * stays NULL).  Nothing is allocated.  NULL-terminated, not circular: a
 * list or link of zero bytes (static, calloc, memset) is an empty list or
 * an unlinked link, no link points into the list head, and stepping back
 * from the tail is one load a step (unlike <sys/queue.h> TAILQ, whose
 * head needs TAILQ_INIT and whose TAILQ_PREV/TAILQ_LAST take three).
 * Whether an object is on a list (and on which) is for its owner to know:
 * remove only what is on the list.
 */
#ifndef FK_LIST_H
#define FK_LIST_H

#include <stddef.h>

struct fk_link {
	struct fk_link *next, *prev;
};

struct fk_list {
	struct fk_link *head, *tail;	/* NULL, NULL: empty */
};

static inline void
fk_list_init(struct fk_list *l)
{
	l->head = l->tail = NULL;
}

static inline void
fk_list_append(struct fk_list *l, struct fk_link *n)
{
	n->next = NULL;
	n->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
}

static inline void
fk_list_remove(struct fk_list *l, struct fk_link *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->next = n->prev = NULL;
}

/* Most recently used: to the tail (nothing to do if it is there). */
static inline void
fk_list_move_to_tail(struct fk_list *l, struct fk_link *n)
{
	if (l->tail == n)
		return;
	fk_list_remove(l, n);
	fk_list_append(l, n);
}

static inline struct fk_link *
fk_list_first(const struct fk_list *l)
{
	return l->head;
}

static inline struct fk_link *
fk_list_last(const struct fk_list *l)
{
	return l->tail;
}

static inline void *
fk_list_obj_(struct fk_link *n, size_t off)
{
	return n != NULL ? (char *)n - off : NULL;
}

/* The object of type `type` whose member `member` is the link (or NULL). */
#define FK_LIST_OBJ(link, type, member) \
	((type *)fk_list_obj_((link), offsetof(type, member)))
/* First, last, next and previous object of a list (or NULL). */
#define FK_LIST_FIRST(l, type, member) \
	FK_LIST_OBJ(fk_list_first(l), type, member)
#define FK_LIST_LAST(l, type, member) \
	FK_LIST_OBJ(fk_list_last(l), type, member)
#define FK_LIST_NEXT(obj, type, member) \
	FK_LIST_OBJ((obj)->member.next, type, member)
#define FK_LIST_PREV(obj, type, member) \
	FK_LIST_OBJ((obj)->member.prev, type, member)

#endif
