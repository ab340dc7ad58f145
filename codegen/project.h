/* The project: every loaded file's model and the maps that name them.
 *
 * Files named by the user are "explicit" and reported on; modules they
 * import from the same source tree are loaded too (not reported on) so that
 * cross-file rules give the same answer whether pre-commit passes one
 * changed file or the whole tree.  This header is the bottom of the
 * analysis layers: resolve, libs, load and index all build on it, and it
 * depends on none of them. */
#ifndef GEN_PROJECT_H
#define GEN_PROJECT_H

#include "model.h"
#include "scan.h"

struct gen_cache;
struct gen_config;
struct gen_modeler;

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
    struct gen_map tops;   /* top-level name -> 1 library, 2 project (cache) */
    struct gen_scan *scan; /* borrowed, for module names */
    const char *runtime;   /* module of the generated shims: trioaio */
    struct gen_config *config; /* borrowed; NULL: none */
    struct gen_cache *cache;   /* borrowed: per-file facts; NULL: none */
    int threads;
    int parse_only;   /* benchmark floor: parse, build nothing */
    int keep_sources; /* gen: keep source and tree of marked files */
    /* check: explicit files whose bytes hold none of the words any rule
     * looks for stay dormant until resolution needs them (load.c). */
    int lazy;
    struct gen_modeler *lazy_m; /* owned: models files woken on demand */
    struct gen_map queued;      /* modules looked for under a root */
    /* Set by the index: brings a file woken during the analysis up to
     * the stages the other files have been through. */
    void (*catch_up)(struct gen_project *p, struct gen_file *f);
    unsigned stage; /* GEN_STAGE_* the analysis has begun */
};

/* The index stages a file has been through (gen_file.stages). */
enum {
    GEN_STAGE_DECOS = 1 << 0,  /* decorators classified */
    GEN_STAGE_EVENTS = 1 << 1, /* events and runner calls classified */
    GEN_STAGE_DECIDE = 1 << 2, /* its async functions have a domain */
};

/* Model a dormant file now (no-op for the others), with the project
 * modules it needs, as if it had been loaded from the start; the
 * project's maps and the index's stages are brought up to date.  Takes
 * a const project because resolution, which is logically read-only,
 * calls it: what the file holds is what it would have held all along. */
void
gen_project_wake(const struct gen_project *p, struct gen_file *f);

void
gen_project_free(struct gen_project *p);

#endif /* GEN_PROJECT_H */
