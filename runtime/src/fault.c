/* Fault injection for the instrumented builds: see fault.h. */
#include "fault.h"

#ifdef TA_FAULT_INJECTION

static const char *const ta_fault_names[] = {
#define TA_FAULT_NAME(id, name) name,
    TA_FAULT_SITES(TA_FAULT_NAME)
#undef TA_FAULT_NAME
};

/* One armed fault for the whole process: the sites run with the GIL held
 * (libuv's callbacks run inside uv_run, which the loop calls with it), so
 * no lock is needed.  A test hook, not module state: a libuv or libc call
 * site has no module at hand. */
static struct {
    int armed;
    ta_fault_site site;
    long after; /* reaches of the site to let through first */
    int error;  /* positive errno */
    int fired;  /* the site that fired, or -1 */
} ta_fault = {0, 0, 0, 0, -1};

int
ta_fault_fires(ta_fault_site site)
{
    if (!ta_fault.armed || ta_fault.site != site) {
        return 0;
    }
    if (ta_fault.after > 0) {
        ta_fault.after--;
        return 0;
    }
    ta_fault.armed = 0;
    ta_fault.fired = (int)site;
    return 1;
}

int
ta_fault_errno(void)
{
    return ta_fault.error;
}

int
ta_fault_fires_raising(ta_fault_site site)
{
    if (!ta_fault_fires(site)) {
        return 0;
    }
    PyErr_Format(PyExc_RuntimeError, "injected fault at %s",
                 ta_fault_names[site]);
    return 1;
}

PyObject *
ta_fault_arm(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    long after = 0;
    if (nargs < 2 || nargs > 3 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError,
                        "_fault_arm(site: str, errno: int, after: int = 0)");
        return NULL;
    }
    long error = PyLong_AsLong(args[1]);
    if (error == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (nargs == 3) {
        after = PyLong_AsLong(args[2]);
        if (after == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    /* libuv's codes are -errno, within 4095 (UV__EOF is the lowest). */
    if (error <= 0 || error > 4095 || after < 0) {
        PyErr_SetString(PyExc_ValueError, "_fault_arm: errno must be in "
                                          "1..4095 and after >= 0");
        return NULL;
    }
    for (int i = 0; i < TA_FAULT_SITE_COUNT; i++) {
        if (PyUnicode_CompareWithASCIIString(args[0], ta_fault_names[i]) ==
            0) {
            ta_fault.armed = 1;
            ta_fault.site = (ta_fault_site)i;
            ta_fault.after = after;
            ta_fault.error = (int)error;
            ta_fault.fired = -1;
            Py_RETURN_NONE;
        }
    }
    PyErr_Format(PyExc_ValueError,
                 "_fault_arm: no fault site %R (runtime/src/fault.h "
                 "lists them)",
                 args[0]);
    return NULL;
}

PyObject *
ta_fault_disarm(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    int fired = ta_fault.fired;
    ta_fault.armed = 0;
    ta_fault.fired = -1;
    if (fired < 0) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(ta_fault_names[fired]);
}

#endif
