/* create_future and create_task of the C loop.
 *
 * asyncio's BaseEventLoop versions are Python frames that servers and
 * clients (aiohttp: two futures and a task per request) call on every
 * request; here the common case is one call of asyncio's own Future or
 * Task type.  Internal to the loop core: loop.c lists the methods,
 * module.c initialises the state they use.
 */
#ifndef TA_LOOP_TASKS_H
#define TA_LOOP_TASKS_H

#include "loop_shared.h"

/* Import what the methods call (asyncio.futures, asyncio.tasks,
 * BaseEventLoop.create_task) into the module state.  -1 with an
 * exception set on failure. */
int
ta_loop_tasks_init(ta_state *st);

PyObject *
ta_loop_create_future(TaLoopObject *self, PyObject *unused);

PyObject *
ta_loop_create_task(TaLoopObject *self, PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames);

#endif
