#include "ta_heap.h"

#include <assert.h>
#include <stdlib.h>

void
ta_heap_init(ta_heap *h)
{
    h->nodes = NULL;
    h->length = h->capacity = 0;
    h->next_seq = 0;
}

void
ta_heap_free(ta_heap *h)
{
    free(h->nodes);
    h->nodes = NULL;
    h->length = h->capacity = 0;
}

static inline int
ta_heap_less(const ta_heap_node *a, const ta_heap_node *b)
{
    if (a->when != b->when) {
        return a->when < b->when;
    }
    return a->seq < b->seq;
}

static inline void
ta_heap_place(ta_heap *h, size_t i, ta_heap_node *node)
{
    h->nodes[i] = node;
    node->index = i;
}

static void
ta_heap_sift_up(ta_heap *h, size_t i)
{
    ta_heap_node *node = h->nodes[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ta_heap_less(node, h->nodes[parent])) {
            break;
        }
        ta_heap_place(h, i, h->nodes[parent]);
        i = parent;
    }
    ta_heap_place(h, i, node);
}

static void
ta_heap_sift_down(ta_heap *h, size_t i)
{
    ta_heap_node *node = h->nodes[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->length) {
            break;
        }
        if (child + 1 < h->length &&
            ta_heap_less(h->nodes[child + 1], h->nodes[child])) {
            child++;
        }
        if (!ta_heap_less(h->nodes[child], node)) {
            break;
        }
        ta_heap_place(h, i, h->nodes[child]);
        i = child;
    }
    ta_heap_place(h, i, node);
}

int
ta_heap_insert(ta_heap *h, ta_heap_node *node)
{
    assert(!ta_heap_node_linked(node));
    if (h->length == h->capacity) {
        size_t capacity = h->capacity ? h->capacity * 2 : 64;
        ta_heap_node **nodes = realloc(h->nodes, capacity * sizeof(*nodes));
        if (nodes == NULL) {
            return -1;
        }
        h->nodes = nodes;
        h->capacity = capacity;
    }
    node->seq = h->next_seq++;
    ta_heap_place(h, h->length++, node);
    ta_heap_sift_up(h, node->index);
    return 0;
}

void
ta_heap_remove(ta_heap *h, ta_heap_node *node)
{
    size_t i = node->index;
    if (i == TA_HEAP_NOT_IN_HEAP || i >= h->length || h->nodes[i] != node) {
        return;
    }
    node->index = TA_HEAP_NOT_IN_HEAP;
    ta_heap_node *last = h->nodes[--h->length];
    if (last == node) {
        return;
    }
    ta_heap_place(h, i, last);
    /* The moved node may belong above or below its new place. */
    if (i > 0 && ta_heap_less(last, h->nodes[(i - 1) / 2])) {
        ta_heap_sift_up(h, i);
    }
    else {
        ta_heap_sift_down(h, i);
    }
}

ta_heap_node *
ta_heap_pop(ta_heap *h)
{
    ta_heap_node *node = ta_heap_min(h);
    if (node != NULL) {
        ta_heap_remove(h, node);
    }
    return node;
}
