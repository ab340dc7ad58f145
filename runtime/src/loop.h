/* The loop core: ready queue, timer heap, libuv I/O, and the pass that runs
 * them.
 *
 * `TaLoopObject` is the first base of trioaio's Python loop classes.  It
 * owns the hot paths (call_soon & co., time(), add/remove reader/writer)
 * and `_core_burst()`, which runs passes in C until the loop is idle, its
 * time budget is spent, Trio has other runnable tasks, or stop() was
 * requested.  The Python side decides how to wait between bursts.
 *
 * This is the interface for the rest of the extension; the object's layout
 * is internal to loop.c and loop_io.c (loop_shared.h).
 */
#ifndef TA_LOOP_H
#define TA_LOOP_H

#include "ta_state.h"
#include "handle.h"

typedef struct TaLoopObject TaLoopObject;

extern PyType_Spec ta_loop_spec;

/* Take a cancelled TimerHandle out of the heap (and drop the heap's
 * reference).  A timer in no heap is ignored. */
void
ta_loop_timer_cancelled(TaLoopObject *self, TaTimerHandleObject *timer);

#endif
