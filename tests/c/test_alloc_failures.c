/* The ready queue and the timer heap when memory runs out: the operation
 * fails with -1 and leaves the container as it was, so the loop can raise
 * MemoryError and go on.  malloc and realloc of the code under test come
 * here (linked with -Wl,--wrap=malloc,--wrap=realloc); the hooks Python's
 * tests use (_testcapi.set_nomemory) do not reach these libc calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ta_heap.h"
#include "ta_queue.h"

void *
__real_malloc(size_t size);
void *
__real_realloc(void *ptr, size_t size);

/* The number of allocations to let through before one fails; -1: never
 * fail. */
static int allocations_left = -1;

static int
should_fail(void)
{
    if (allocations_left < 0) {
        return 0;
    }
    return allocations_left-- == 0;
}

void *
__wrap_malloc(size_t size)
{
    return should_fail() ? NULL : __real_malloc(size);
}

void *
__wrap_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : __real_realloc(ptr, size);
}

static void
test_queue_init_fails_cleanly(void **unused)
{
    ta_queue q;
    allocations_left = 0;
    assert_int_equal(ta_queue_init(&q), -1);
    assert_null(q.items);
    allocations_left = -1;
}

static void
test_queue_push_that_cannot_grow_keeps_the_items(void **unused)
{
    ta_queue q;
    assert_int_equal(ta_queue_init(&q), 0);
    intptr_t n = 0;
    /* Wrap the buffer around first, so a failed grow would have to keep
     * the items where they are. */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ta_queue_push(&q, (void *)(++n)), 0);
    }
    for (int i = 0; i < 10; i++) {
        assert_ptr_equal(ta_queue_pop(&q), (void *)(intptr_t)(i + 1));
    }
    intptr_t first = n + 1;
    while (ta_queue_length(&q) < q.capacity) {
        assert_int_equal(ta_queue_push(&q, (void *)(++n)), 0);
    }
    size_t full = ta_queue_length(&q);
    allocations_left = 0;
    assert_int_equal(ta_queue_push(&q, (void *)(n + 1)), -1);
    allocations_left = -1;
    assert_int_equal(ta_queue_length(&q), full);
    /* Memory is back: the push works and the order is intact. */
    assert_int_equal(ta_queue_push(&q, (void *)(++n)), 0);
    for (intptr_t want = first; want <= n; want++) {
        assert_ptr_equal(ta_queue_pop(&q), (void *)want);
    }
    assert_null(ta_queue_pop(&q));
    ta_queue_free(&q);
}

static void
test_heap_insert_that_cannot_grow_keeps_the_heap(void **unused)
{
    enum { N = 64 }; /* the first capacity: the next insert must grow */
    ta_heap h;
    ta_heap_init(&h);
    ta_heap_node nodes[N + 1];
    for (int i = 0; i < N; i++) {
        ta_heap_node_init(&nodes[i], (double)(N - i));
        assert_int_equal(ta_heap_insert(&h, &nodes[i]), 0);
    }
    ta_heap_node_init(&nodes[N], 0.5);
    allocations_left = 0;
    assert_int_equal(ta_heap_insert(&h, &nodes[N]), -1);
    allocations_left = -1;
    assert_false(ta_heap_node_linked(&nodes[N]));
    assert_int_equal(ta_heap_length(&h), N);
    assert_int_equal(ta_heap_insert(&h, &nodes[N]), 0);
    double last = 0.0;
    ta_heap_node *node;
    while ((node = ta_heap_pop(&h)) != NULL) {
        assert_true(node->when >= last);
        last = node->when;
    }
    ta_heap_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_init_fails_cleanly),
        cmocka_unit_test(test_queue_push_that_cannot_grow_keeps_the_items),
        cmocka_unit_test(test_heap_insert_that_cannot_grow_keeps_the_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
