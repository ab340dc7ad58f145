#include "ta_queue.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define TA_QUEUE_MIN_CAPACITY 64

int
ta_queue_init(ta_queue *q)
{
    q->items = malloc(TA_QUEUE_MIN_CAPACITY * sizeof(void *));
    if (q->items == NULL) {
        return -1;
    }
    q->capacity = TA_QUEUE_MIN_CAPACITY;
    q->head = 0;
    q->length = 0;
    return 0;
}

void
ta_queue_free(ta_queue *q)
{
    free(q->items);
    q->items = NULL;
    q->capacity = q->head = q->length = 0;
}

/* Double the buffer and unwrap it so that the head is at index 0. */
static int
ta_queue_grow(ta_queue *q)
{
    size_t capacity = q->capacity ? q->capacity * 2 : TA_QUEUE_MIN_CAPACITY;
    void **items = malloc(capacity * sizeof(void *));
    if (items == NULL) {
        return -1;
    }
    size_t first = q->capacity - q->head;
    if (first > q->length) {
        first = q->length;
    }
    if (q->length) {
        memcpy(items, q->items + q->head, first * sizeof(void *));
        memcpy(items + first, q->items, (q->length - first) * sizeof(void *));
    }
    free(q->items);
    q->items = items;
    q->capacity = capacity;
    q->head = 0;
    return 0;
}

int
ta_queue_push(ta_queue *q, void *item)
{
    if (q->length == q->capacity && ta_queue_grow(q) < 0) {
        return -1;
    }
    q->items[(q->head + q->length) & (q->capacity - 1)] = item;
    q->length++;
    return 0;
}

void *
ta_queue_pop(ta_queue *q)
{
    if (q->length == 0) {
        return NULL;
    }
    void *item = q->items[q->head];
    q->head = (q->head + 1) & (q->capacity - 1);
    q->length--;
    return item;
}

void *
ta_queue_at(const ta_queue *q, size_t i)
{
    assert(i < q->length);
    return q->items[(q->head + i) & (q->capacity - 1)];
}
