/* A FIFO of pointers in a growable ring buffer.
 *
 * The ready queue of the loop.  Items come out in the order they went in;
 * the queue never shrinks below its initial capacity, so a steady state of
 * call_soon()/run costs no allocation.  The queue stores pointers and owns
 * nothing: the caller decides what an item's lifetime is.
 */
#ifndef TA_QUEUE_H
#define TA_QUEUE_H

#include <stddef.h>

typedef struct {
    void **items; /* capacity slots, a power of two */
    size_t capacity;
    size_t head; /* index of the oldest item */
    size_t length;
} ta_queue;

/* Initialise an empty queue.  Returns 0, or -1 when out of memory. */
int
ta_queue_init(ta_queue *q);

/* Free the buffer (not the items).  Safe on a zeroed or freed queue. */
void
ta_queue_free(ta_queue *q);

/* Append an item.  Returns 0, or -1 when out of memory (queue unchanged). */
int
ta_queue_push(ta_queue *q, void *item);

/* Remove and return the oldest item, or NULL when the queue is empty. */
void *
ta_queue_pop(ta_queue *q);

/* The i-th oldest item (0 is the head); i must be < length. */
void *
ta_queue_at(const ta_queue *q, size_t i);

static inline size_t
ta_queue_length(const ta_queue *q)
{
    return q->length;
}

#endif
