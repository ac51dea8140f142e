/*
 * An intrusive doubly-linked list: the node lives inside its owner (a
 * connection, a transfer), the list never allocates.  LIST_ENTRY() gets
 * the owner back from its node.
 */
#ifndef PXESTICK_COMMON_LIST_H
#define PXESTICK_COMMON_LIST_H

#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

struct list {
	struct list_node *head;
	unsigned n;
};

#define LIST_ENTRY(node, type, member) \
	((type *)(void *)((char *)(node) - offsetof(type, member)))

/* Add n at the head of l. */
static inline void
list_add(struct list *l, struct list_node *n)
{
	n->prev = NULL;
	n->next = l->head;
	if (l->head != NULL)
		l->head->prev = n;
	l->head = n;
	l->n++;
}

/* Take n (which MUST be in l) out of l. */
static inline void
list_del(struct list *l, struct list_node *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	n->prev = n->next = NULL;
	l->n--;
}

#endif
