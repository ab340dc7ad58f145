/* Unit tests of the ready queue (ta_queue), with cmocka. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ta_queue.h"

static void
test_fifo_order(void **unused)
{
    ta_queue q;
    assert_int_equal(ta_queue_init(&q), 0);
    for (intptr_t i = 1; i <= 10; i++) {
        assert_int_equal(ta_queue_push(&q, (void *)i), 0);
    }
    assert_int_equal(ta_queue_length(&q), 10);
    for (intptr_t i = 1; i <= 10; i++) {
        assert_ptr_equal(ta_queue_pop(&q), (void *)i);
    }
    assert_null(ta_queue_pop(&q));
    ta_queue_free(&q);
}

static void
test_grows_across_wraparound(void **unused)
{
    ta_queue q;
    assert_int_equal(ta_queue_init(&q), 0);
    intptr_t next_in = 1, next_out = 1;
    /* Move the head so the buffer wraps, then force several doublings. */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(ta_queue_push(&q, (void *)next_in++), 0);
    }
    for (int i = 0; i < 40; i++) {
        assert_ptr_equal(ta_queue_pop(&q), (void *)next_out++);
    }
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ta_queue_push(&q, (void *)next_in++), 0);
    }
    assert_int_equal(ta_queue_length(&q), 1010);
    for (size_t i = 0; i < ta_queue_length(&q); i++) {
        assert_ptr_equal(ta_queue_at(&q, i), (void *)(next_out + (intptr_t)i));
    }
    while (ta_queue_length(&q)) {
        assert_ptr_equal(ta_queue_pop(&q), (void *)next_out++);
    }
    assert_int_equal(next_in, next_out);
    ta_queue_free(&q);
}

static void
test_free_twice_is_safe(void **unused)
{
    ta_queue q;
    assert_int_equal(ta_queue_init(&q), 0);
    ta_queue_free(&q);
    ta_queue_free(&q);
    assert_null(q.items);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_order),
        cmocka_unit_test(test_grows_across_wraparound),
        cmocka_unit_test(test_free_twice_is_safe),
    };
    return cmocka_run_group_tests_name("ta_queue", tests, NULL, NULL);
}
