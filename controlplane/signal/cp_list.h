/* SPDX-License-Identifier: MIT */
/* cp_list - intrusive circular doubly-linked lists. A head is a struct
 * cp_link initialised to point at itself; an element embeds a struct
 * cp_link and is found back with cp_container_of. An unlinked element's
 * link points at itself, so cp_list_del is idempotent. */
#ifndef CP_LIST_H
#define CP_LIST_H

#include <stddef.h>

struct cp_link {
	struct cp_link *prev, *next;
};

#define cp_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void cp_list_init(struct cp_link *h)
{
	h->prev = h->next = h;
}

static inline int cp_list_empty(const struct cp_link *h)
{
	return h->next == h;
}

static inline void cp_list_add_tail(struct cp_link *h, struct cp_link *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void cp_list_del(struct cp_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

/* Iterates; the body may unlink (and free) the current element only. */
#define cp_list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->next)

#endif
