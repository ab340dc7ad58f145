/* Unit tests of the timer heap (ta_heap), with cmocka. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ta_heap.h"

static void
test_pops_in_deadline_order(void **unused)
{
    ta_heap h;
    ta_heap_init(&h);
    double whens[] = {5.0, 1.0, 4.0, 2.0, 3.0, 0.5, 9.0};
    ta_heap_node nodes[7];
    for (int i = 0; i < 7; i++) {
        ta_heap_node_init(&nodes[i], whens[i]);
        assert_int_equal(ta_heap_insert(&h, &nodes[i]), 0);
    }
    double last = -1.0;
    ta_heap_node *n;
    while ((n = ta_heap_pop(&h)) != NULL) {
        assert_true(n->when >= last);
        assert_false(ta_heap_node_linked(n));
        last = n->when;
    }
    assert_int_equal(ta_heap_length(&h), 0);
    ta_heap_free(&h);
}

static void
test_equal_deadlines_are_fifo(void **unused)
{
    ta_heap h;
    ta_heap_init(&h);
    ta_heap_node nodes[100];
    for (int i = 0; i < 100; i++) {
        ta_heap_node_init(&nodes[i], 1.0);
        assert_int_equal(ta_heap_insert(&h, &nodes[i]), 0);
    }
    for (int i = 0; i < 100; i++) {
        assert_ptr_equal(ta_heap_pop(&h), &nodes[i]);
    }
    ta_heap_free(&h);
}

static void
test_remove_keeps_order_and_empties(void **unused)
{
    enum { N = 10000 };
    ta_heap h;
    ta_heap_init(&h);
    ta_heap_node *nodes = calloc(N, sizeof(*nodes));
    assert_non_null(nodes);
    srand(42);
    for (int i = 0; i < N; i++) {
        ta_heap_node_init(&nodes[i], (double)(rand() % 1000));
        assert_int_equal(ta_heap_insert(&h, &nodes[i]), 0);
    }
    /* Cancel every odd node: they must leave the heap at once. */
    for (int i = 1; i < N; i += 2) {
        ta_heap_remove(&h, &nodes[i]);
        assert_false(ta_heap_node_linked(&nodes[i]));
    }
    assert_int_equal(ta_heap_length(&h), N / 2);
    /* Removing twice, or a node never inserted, is ignored. */
    ta_heap_remove(&h, &nodes[1]);
    assert_int_equal(ta_heap_length(&h), N / 2);
    ta_heap_node *prev = NULL, *n;
    while ((n = ta_heap_pop(&h)) != NULL) {
        assert_int_equal((n - nodes) % 2, 0);
        if (prev != NULL) {
            assert_true(prev->when < n->when ||
                        (prev->when == n->when && prev->seq < n->seq));
        }
        prev = n;
    }
    for (int i = 0; i < N; i += 2) {
        ta_heap_remove(&h, &nodes[i]);
    }
    assert_int_equal(ta_heap_length(&h), 0);
    free(nodes);
    ta_heap_free(&h);
}

static void
test_min_is_earliest(void **unused)
{
    ta_heap h;
    ta_heap_init(&h);
    assert_null(ta_heap_min(&h));
    ta_heap_node a, b;
    ta_heap_node_init(&a, 2.0);
    ta_heap_node_init(&b, 1.0);
    assert_int_equal(ta_heap_insert(&h, &a), 0);
    assert_ptr_equal(ta_heap_min(&h), &a);
    assert_int_equal(ta_heap_insert(&h, &b), 0);
    assert_ptr_equal(ta_heap_min(&h), &b);
    ta_heap_remove(&h, &b);
    assert_ptr_equal(ta_heap_min(&h), &a);
    ta_heap_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pops_in_deadline_order),
        cmocka_unit_test(test_equal_deadlines_are_fifo),
        cmocka_unit_test(test_remove_keeps_order_and_empties),
        cmocka_unit_test(test_min_is_earliest),
    };
    return cmocka_run_group_tests_name("ta_heap", tests, NULL, NULL);
}
