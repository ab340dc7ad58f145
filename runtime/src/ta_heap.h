/* A binary min-heap of timer nodes, ordered by (when, seq).
 *
 * Nodes are embedded in the objects they time (intrusive, as in libuv), and
 * each node records its own index so that a cancelled timer is removed in
 * O(log n) instead of lingering until it expires.  `seq` is assigned on
 * insertion from a counter, so timers with equal deadlines fire in FIFO
 * order.  The heap owns nothing: the caller keeps nodes alive while they
 * are in it.
 */
#ifndef TA_HEAP_H
#define TA_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define TA_HEAP_NOT_IN_HEAP ((size_t)-1)

typedef struct {
    double when;
    uint64_t seq;
    size_t index; /* position in the heap, or TA_HEAP_NOT_IN_HEAP */
} ta_heap_node;

typedef struct {
    ta_heap_node **nodes;
    size_t length;
    size_t capacity;
    uint64_t next_seq;
} ta_heap;

/* Initialise an empty heap (no allocation until the first insert). */
void
ta_heap_init(ta_heap *h);

/* Free the array (not the nodes).  Safe to call twice. */
void
ta_heap_free(ta_heap *h);

/* Mark a node as outside any heap; call before its first insert. */
static inline void
ta_heap_node_init(ta_heap_node *node, double when)
{
    node->when = when;
    node->seq = 0;
    node->index = TA_HEAP_NOT_IN_HEAP;
}

static inline int
ta_heap_node_linked(const ta_heap_node *node)
{
    return node->index != TA_HEAP_NOT_IN_HEAP;
}

/* Insert a node that is in no heap.  Returns 0, or -1 when out of memory
 * (the heap is unchanged). */
int
ta_heap_insert(ta_heap *h, ta_heap_node *node);

/* Remove a node that is in this heap; a node in no heap is ignored. */
void
ta_heap_remove(ta_heap *h, ta_heap_node *node);

/* The earliest node, or NULL when empty.  The heap keeps it. */
static inline ta_heap_node *
ta_heap_min(const ta_heap *h)
{
    return h->length ? h->nodes[0] : NULL;
}

/* Remove and return the earliest node, or NULL when empty. */
ta_heap_node *
ta_heap_pop(ta_heap *h);

static inline size_t
ta_heap_length(const ta_heap *h)
{
    return h->length;
}

#endif
