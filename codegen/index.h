/* The project index: every file's model, names resolved across files, and
 * the domain (asyncio or Trio) of every async function.
 *
 * Files named by the user are "explicit" and reported on; modules they
 * import from the same source tree are loaded too (not reported on) so that
 * cross-file rules give the same answer whether pre-commit passes one
 * changed file or the whole tree. */
#ifndef GEN_INDEX_H
#define GEN_INDEX_H

#include "model.h"
#include "scan.h"

enum gen_shim {
    GEN_SHIM_NONE = 0,
    GEN_SHIM_A2T = 1, /* aio_as_trio / trio2aio: asyncio code, Trio caller */
    GEN_SHIM_T2A = 2, /* trio_as_aio / aio2trio: Trio code, asyncio caller */
};

enum gen_ev_source {
    GEN_SRC_NONE,
    GEN_SRC_LIB,  /* asyncio, trio or a library of one of them */
    GEN_SRC_PROJ, /* an async function of the project */
    GEN_SRC_SHIM, /* a boundary shim call */
};

struct gen_project {
    struct gen_file **files; /* owned; order: explicit files first */
    size_t nfiles, cap;
    struct gen_map by_module; /* modname -> struct gen_file * */
    struct gen_map by_fqn;    /* modname.qualname -> struct gen_func * */
    struct gen_scan *scan;    /* borrowed, for module names */
    const char *runtime;      /* module of the generated shims: trioaio */
    int threads;
    int parse_only;   /* benchmark floor: parse, build nothing */
    int keep_sources; /* gen: keep source and tree of marked files */
};

/* Load imported project modules, resolve names, infer domains. */
void
gen_project_analyse(struct gen_project *p);

/* The resolved dotted name of `dotted` as seen from fn in f, or NULL. */
char *
gen_project_resolve(const struct gen_project *p, const struct gen_file *f,
                    const struct gen_func *fn, const char *dotted);

/* The absolute module an import statement names (resolving leading
 * dots against f's package), or NULL if it climbs above the top. */
char *
gen_import_module(const struct gen_file *f, const struct gen_import *im);

/* Whether a name's last component is a boundary decorator's name
 * (aio_as_trio, trio2aio, trio_as_aio, aio2trio and the aliases). */
int
gen_is_boundary_name(const char *last);

/* Which boundary shim a resolved name is (enum gen_shim), also accepting
 * the legacy loop methods (run_asyncio, run_trio...). */
int
gen_shim_of(const struct gen_project *p, const char *fqn);

/* The name of a shim kind for messages: "aio_as_trio" / "trio_as_aio". */
const char *
gen_shim_name(int shim);

/* "asyncio" / "Trio" / "mixed" / "unknown". */
const char *
gen_domain_name(int dom);

void
gen_project_free(struct gen_project *p);

#endif /* GEN_INDEX_H */
