#include "libs.h"

#include <string.h>

#include "util.h"

static const char *const a2t_names[] = {"aio_as_trio", "asyncio_as_trio",
                                        "trio2aio"};
static const char *const t2a_names[] = {"trio_as_aio", "trio_as_asyncio",
                                        "aio2trio"};

static int
in_list(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}
#define IN_LIST(s, l) in_list((s), (l), sizeof(l) / sizeof((l)[0]))

int
gen_is_boundary_name(const char *last)
{
    return IN_LIST(last, a2t_names) || IN_LIST(last, t2a_names);
}

const char *
gen_shim_name(int shim)
{
    return shim == GEN_SHIM_A2T ? "aio_as_trio" : "trio_as_aio";
}

const char *
gen_domain_name(int dom)
{
    switch (dom) {
    case GEN_DOM_AIO:
        return "asyncio";
    case GEN_DOM_TRIO:
        return "Trio";
    case GEN_DOM_MIXED:
        return "mixed";
    default:
        return "unknown";
    }
}

static int
is_runtime(const struct gen_project *p, const char *mod, size_t n)
{
    return (n == 7 && memcmp(mod, "trioaio", 7) == 0) ||
           (n == 12 && memcmp(mod, "trio_asyncio", 12) == 0) ||
           (p->runtime && strlen(p->runtime) == n &&
            memcmp(mod, p->runtime, n) == 0);
}

int
gen_shim_of(const struct gen_project *p, const char *fqn)
{
    const char *dot = strrchr(fqn, '.');
    const char *last = dot ? dot + 1 : fqn;
    size_t nmod = dot ? (size_t)(dot - fqn) : 0;
    int rt = dot == NULL || is_runtime(p, fqn, nmod);
    int lib = strncmp(fqn, "asyncio.", 8) == 0;

    if (rt && IN_LIST(last, a2t_names))
        return GEN_SHIM_A2T;
    if (rt && IN_LIST(last, t2a_names))
        return GEN_SHIM_T2A;
    if (lib)
        return GEN_SHIM_NONE;
    /* Loop methods and module functions, modern and legacy (the original
     * README's loop.run_asyncio / loop.run_coroutine / loop.run_trio). */
    if (strcmp(last, "run_aio_coroutine") == 0 ||
        strcmp(last, "run_aio_future") == 0 ||
        strcmp(last, "run_aio_generator") == 0 ||
        (dot != NULL && (strcmp(last, "run_asyncio") == 0 ||
                         strcmp(last, "run_coroutine") == 0 ||
                         strcmp(last, "run_future") == 0)))
        return GEN_SHIM_A2T;
    if (dot != NULL &&
        (strcmp(last, "run_trio") == 0 || strcmp(last, "trio_as_future") == 0))
        return GEN_SHIM_T2A;
    return GEN_SHIM_NONE;
}

int
gen_lib_domain(const struct gen_project *p, const char *fqn)
{
    size_t n = strcspn(fqn, ".");

    if ((n == 7 && memcmp(fqn, "asyncio", 7) == 0) ||
        (n > 3 && memcmp(fqn, "aio", 3) == 0))
        return GEN_DOM_AIO;
    if (is_runtime(p, fqn, n))
        return strcmp(fqn + n, ".open_loop") == 0 ? GEN_DOM_TRIO
                                                  : GEN_DOM_NONE;
    if ((n == 4 && memcmp(fqn, "trio", 4) == 0) ||
        (n > 5 && memcmp(fqn, "trio_", 5) == 0))
        return GEN_DOM_TRIO;
    return GEN_DOM_NONE;
}
