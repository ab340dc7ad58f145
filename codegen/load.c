#include "load.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "libs.h"
#include "model.h"
#include "resolve.h"
#include "util.h"
#include "words.h"

/* How many rounds of "load the project modules the loaded ones import". */
#define LOAD_ROUNDS 6

/* ---- Loading ----------------------------------------------------------- */

struct load_job {
    struct gen_project *p;
    struct gen_file **files;
    size_t n;
    atomic_size_t next;
};

/* ---- Files with nothing to check ----------------------------------------
 *
 * Most files of a large tree have no async code: parsing them is most of
 * a cold run and finds nothing.  In a lazy check (p->lazy) a file is
 * parsed only if its bytes hold one of the words of gen_words_live, or
 * `async` or `await` outside strings and comments; the others stay
 * dormant, and are parsed when resolution needs their
 * definitions (gen_project_wake) or when they may construct a project
 * class (index.c).  A dormant file can give no finding of its own: it has
 * no coroutine, so no event; no boundary decorator, runner or scheduler
 * call, pragma or pytest mark, since each of those is spelled with one of
 * these words; and its syntax is not checked (TA900 needs the parse). */

/* Whether a file with these bytes has anything a rule looks at. */
static int
live_file(const struct gen_project *p, const struct gen_file *f,
          const char *src, size_t len)
{
    const char *base = strrchr(f->path, '/');

    base = base ? base + 1 : f->path;
    /* Fixtures are found by place, not by import; a module without a name
     * is found by no import either, and its definitions are keys of
     * their own (resolve.c). */
    if (strcmp(base, "conftest.py") == 0 || f->modname[0] == '\0')
        return 1;
    return gen_words_live(src, len, p->runtime);
}

/* gen_words_caps: all a dormant file keeps, to tell whether it may call
 * a project class (index.c): whether it names the class, and a package
 * it may import it from.  Only the text decides them, so the cache can
 * keep them. */
static void
cap_words(struct gen_file *f, const char *src, size_t len)
{
    f->caps = gen_words_caps(src, len, &f->ncaps);
}

/* Whether any decorator of f is spelled like a boundary decorator (its
 * last name component); decided properly later, after name resolution. */
static int
maybe_marked(const struct gen_file *f)
{
    size_t i, j;

    for (i = 0; i < f->nfuncs; i++)
        for (j = 0; j < f->funcs[i].ndecos; j++) {
            const char *n = f->funcs[i].decos[j].name, *dot;

            if (n == NULL)
                continue;
            dot = strrchr(n, '.');
            n = dot ? dot + 1 : n;
            if (gen_is_boundary_name(n))
                return 1;
        }
    return 0;
}

/* Whether facts the cache served will do: not a dormant file's when
 * every file is parsed (then they are dropped, and it is parsed). */
static int
usable(const struct gen_project *p, struct gen_file *f)
{
    if (!f->dormant || p->lazy)
        return 1;
    f->dormant = 0;
    free(f->caps);
    f->caps = NULL;
    f->ncaps = 0;
    return 0;
}

static void
load_one(struct gen_project *p, struct gen_modeler *m, struct gen_file *f)
{
    size_t len = 0;
    struct stat st;
    char *src;

    /* A file the cache knows by its stat() is not even read. */
    if (p->cache != NULL && !p->parse_only && !p->keep_sources &&
        gen_cache_by_stat(p->cache, f, &st) && usable(p, f))
        return;
    src = gen_read_file_st(f->path, &len, &st);

    if (src == NULL) {
        f->io_error = 1;
        f->err = errno;
        return;
    }
    if (len >= UINT32_MAX / 2) {
        f->io_error = 1;
        f->err = EFBIG;
    }
    else if (p->parse_only) {
        gen_model_parse_only(m, src, len);
    }
    else if (p->keep_sources) {
        TSTree *tree = NULL;

        gen_model_build(m, f, src, len, &tree);
        if (maybe_marked(f)) {
            f->src = src;
            f->tree = tree;
            return;
        }
        if (tree != NULL)
            ts_tree_delete(tree);
    }
    else if (p->cache == NULL) {
        if (p->lazy && !live_file(p, f, src, len)) {
            f->dormant = 1;
            cap_words(f, src, len);
        }
        else {
            gen_model_build(m, f, src, len, NULL);
        }
    }
    else if (!gen_cache_get(p->cache, f, src, len, &st) || !usable(p, f)) {
        /* What the cache stores does not depend on the mode: whether the
         * bytes hold anything to check is always recorded. */
        int live = live_file(p, f, src, len);

        if (p->lazy && !live) {
            f->dormant = 1;
            cap_words(f, src, len);
        }
        else {
            gen_model_build(m, f, src, len, NULL);
            f->woken = (uint8_t)!live;
        }
        gen_cache_put(p->cache, f, src, len, &st);
    }
    free(src);
}

static void *
load_worker(void *arg)
{
    struct load_job *job = arg;
    struct gen_modeler *m = gen_modeler_new();

    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);

        if (i >= job->n)
            break;
        load_one(job->p, m, job->files[i]);
    }
    gen_modeler_delete(m);
    return NULL;
}

void
gen_project_load(struct gen_project *p, char **paths, size_t n, int explicit_)
{
    struct load_job job;
    pthread_t tids[64];
    size_t i, first = p->nfiles;
    int t, nt = p->threads;

    for (i = 0; i < n; i++) {
        struct gen_file *f = gen_xcalloc(1, sizeof(*f));
        int is_init = 0;

        f->path = gen_xstrdup(paths[i]);
        f->explicit_ = (uint8_t)explicit_;
        f->seq = p->nfiles;
        gen_scan_module(p->scan, f->path, &f->modname, &f->root, &is_init);
        f->is_init = (uint8_t)is_init;
        GEN_PUSH(p->files, p->nfiles, p->cap, f);
    }
    if (n == 0)
        return;
    job.p = p;
    job.files = p->files + first;
    job.n = n;
    atomic_init(&job.next, 0);
    if (nt < 1)
        nt = 1;
    if (nt > 64)
        nt = 64;
    if ((size_t)nt > n)
        nt = n ? (int)n : 1;
    /* The calling thread is one of the workers. */
    for (t = 1; t < nt; t++)
        if (pthread_create(&tids[t], NULL, load_worker, &job) != 0)
            gen_fatal("cannot start a thread");
    load_worker(&job);
    for (t = 1; t < nt; t++)
        pthread_join(tids[t], NULL);
}

/* ---- Loading imported project modules --------------------------------- */

/* Queue the file of module `mod` under f's root, if there is one.  Returns
 * 1 if the module is known (loaded, queued or found), 0 if not. */
static int
want_module(struct gen_project *p, const struct gen_file *f, const char *mod,
            struct gen_map *queued, char ***paths, size_t *n, size_t *cap)
{
    char *rel, *cand;
    size_t i;
    void *q;

    if (mod == NULL || mod[0] == '\0')
        return 0;
    if (gen_map_get(&p->by_module, mod))
        return 1;
    if ((q = gen_map_get(queued, mod)) != NULL)
        return q == (void *)2;
    rel = gen_xstrdup(mod);
    for (i = 0; rel[i]; i++)
        if (rel[i] == '.')
            rel[i] = '/';
    cand = gen_xasprintf("%s/%s.py", f->root, rel);
    if (!gen_is_file(cand)) {
        free(cand);
        cand = gen_xasprintf("%s/%s/__init__.py", f->root, rel);
        if (!gen_is_file(cand)) {
            free(cand);
            cand = NULL;
        }
    }
    free(rel);
    /* 2: found and queued; 1: looked for, not in this tree. */
    gen_map_put(queued, mod, cand ? (void *)2 : (void *)1);
    if (cand != NULL)
        GEN_PUSH(*paths, *n, *cap, cand);
    return cand != NULL;
}

/* Queue the module that defines the resolved name fqn: its longest dotted
 * prefix that is a module of this tree (pkg.mod.func -> pkg.mod). */
static void
want_name(struct gen_project *p, const struct gen_file *f, const char *fqn,
          struct gen_map *queued, char ***paths, size_t *n, size_t *cap)
{
    char *s = gen_xstrdup(fqn), *dot;

    while (!want_module(p, f, s, queued, paths, n, cap) &&
           (dot = strrchr(s, '.')) != NULL)
        *dot = '\0';
    free(s);
}

/* Whether fn's events call a method on `name` (a parameter): only then
 * is the module of its annotation worth loading. */
static int
used_as_receiver(const struct gen_func *fn, const char *name)
{
    size_t i, n;

    if (name == NULL)
        return 0;
    n = strlen(name);
    for (i = 0; i < fn->nevents; i++) {
        const char *c = fn->events[i].callee;

        if (c != NULL && strncmp(c, name, n) == 0 && c[n] == '.')
            return 1;
    }
    return 0;
}

/* Queue conftest.py in f's directory and each one above it, up to the
 * directory its top package lives in. */
static void
want_conftests(struct gen_project *p, const struct gen_file *f,
               struct gen_map *queued, char ***paths, size_t *n, size_t *cap)
{
    char *dir = gen_xstrdup(f->path), *slash;
    size_t rootlen = strlen(f->root);
    int steps;

    for (steps = 0; steps < 16; steps++) {
        char *cand;

        slash = strrchr(dir, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        cand = gen_xasprintf("%s/conftest.py", dir);
        /* Not if the walk found it already: it is loaded as explicit.
         * A directory's missing conftest.py is remembered (3), as every
         * file in it asks again. */
        if (gen_map_get(queued, cand) == NULL &&
            (p->scan == NULL || gen_map_get(&p->scan->seen, cand) == NULL) &&
            strcmp(cand, f->path) != 0) {
            int found = gen_is_file(cand);

            gen_map_put(queued, cand, found ? (void *)1 : (void *)3);
            if (found)
                GEN_PUSH(*paths, *n, *cap, cand);
            else
                free(cand);
        }
        else {
            free(cand);
        }
        if (strlen(dir) <= rootlen)
            break;
    }
    free(dir);
}

/* Queue what f needs to resolve the names it awaits, enters and iterates.
 * A package's __init__ (loaded for its re-exports) also gets every module
 * it imports from, and star imports are always followed. */
static void
want_for_file(struct gen_project *p, const struct gen_file *f,
              struct gen_map *queued, char ***paths, size_t *n, size_t *cap)
{
    size_t i, j;

    for (i = 0; i < f->nimports; i++) {
        const struct gen_import *im = &f->imports[i];
        int star = im->name != NULL && strcmp(im->name, "*") == 0;
        char *mod;

        if (!star && !(f->is_init && !f->explicit_))
            continue;
        mod = gen_import_module(f, im);
        want_module(p, f, mod, queued, paths, n, cap);
        if (mod != NULL && im->name != NULL && !star) {
            char *sub = mod[0] ? gen_xasprintf("%s.%s", mod, im->name)
                               : gen_xstrdup(im->name);

            want_module(p, f, sub, queued, paths, n, cap);
            free(sub);
        }
        free(mod);
    }
    /* The conftest.py files around a checked file: its tests' fixtures. */
    if (f->explicit_ && f->root != NULL)
        want_conftests(p, f, queued, paths, n, cap);
    for (i = 0; i < f->ncalls; i++) {
        const struct gen_call *c = &f->calls[i];
        const struct gen_func *scope = c->func >= 0 ? &f->funcs[c->func] : 0;
        char *fqn = gen_project_resolve(p, f, scope, c->arg);

        if (fqn != NULL)
            want_name(p, f, fqn, queued, paths, n, cap);
        free(fqn);
    }
    for (i = 0; i < f->nfuncs; i++) {
        const struct gen_func *fn = &f->funcs[i];

        /* The types of receivers and the bases of classes. */
        for (j = 0; j < fn->nbinds + fn->nparams; j++) {
            const struct gen_bind *b =
                j < fn->nbinds ? &fn->binds[j] : &fn->params[j - fn->nbinds];
            char *fqn;

            if (b->type == NULL || b->resolved ||
                (j >= fn->nbinds && !used_as_receiver(fn, b->name)))
                continue;
            fqn = gen_project_resolve(p, f, fn, b->type);
            if (fqn != NULL)
                want_name(p, f, fqn, queued, paths, n, cap);
            free(fqn);
        }
        for (j = 0; j < fn->nevents; j++) {
            const struct gen_event *ev = &fn->events[j];
            const char *names[2] = {ev->callee, ev->arg};
            int k;

            for (k = 0; k < 2; k++) {
                char *fqn;

                if (names[k] == NULL)
                    continue;
                fqn = gen_project_resolve(p, f, fn, names[k]);
                if (fqn != NULL)
                    want_name(p, f, fqn, queued, paths, n, cap);
                free(fqn);
            }
        }
    }
}

/* Register f's definitions in by_fqn, keeping "the first definition of
 * a name wins" in the order of p->files even when f is registered late
 * (woken, after files that come after it). */
static void
register_defs(struct gen_project *p, struct gen_file *f, int late,
              struct gen_buf *key)
{
    size_t j, stem;

    /* modname.qualname, built in one buffer: this runs for every
     * definition of every file, warm runs included. */
    key->len = 0;
    gen_buf_puts(key, f->modname);
    if (f->modname[0])
        gen_buf_puts(key, ".");
    stem = key->len;
    for (j = 0; j < f->nfuncs; j++) {
        struct gen_func *fn = &f->funcs[j], *had;

        fn->file = f;
        key->len = stem;
        gen_buf_puts(key, fn->qualname);
        if (gen_map_add(&p->by_fqn, key->data, key->len, fn) || !late)
            continue;
        had = gen_map_getn(&p->by_fqn, key->data, key->len);
        if (had->file != NULL && had->file->seq > f->seq)
            gen_map_put(&p->by_fqn, key->data, fn);
    }
    key->len = 0;
}

static void
register_files(struct gen_project *p, size_t from)
{
    struct gen_buf key = {0};
    size_t i, ndefs = 0;

    for (i = from; i < p->nfiles; i++)
        ndefs += p->files[i]->nfuncs;
    gen_map_reserve(&p->by_fqn, ndefs);
    gen_map_reserve(&p->by_module, p->nfiles - from);
    for (i = from; i < p->nfiles; i++) {
        struct gen_file *f = p->files[i];

        if (f->io_error)
            continue;
        /* A second file of the same module name adds the definitions the
         * first lacks, and no import reaches it to wake it: parse it. */
        if (!gen_map_add(&p->by_module, f->modname, strlen(f->modname), f) &&
            f->dormant)
            gen_project_wake(p, f);
        if (f->nfuncs > 0)
            register_defs(p, f, 0, &key);
    }
    gen_buf_free(&key);
}

/* Load what the files from[0:n] need, for LOAD_ROUNDS rounds of "the
 * project modules the loaded ones import"; the files loaded are appended
 * to p->files from index *first on. */
static void
load_rounds(struct gen_project *p, struct gen_file **from, size_t nfrom)
{
    size_t round, i;
    struct gen_file **cur = from;
    size_t ncur = nfrom;

    for (round = 0; round < LOAD_ROUNDS; round++) {
        char **paths = NULL;
        size_t n = 0, cap = 0, end = p->nfiles;

        for (i = 0; i < ncur; i++) {
            if (cur[i]->dormant) {
                /* The conftest.py files around it, as if it were read. */
                if (cur[i]->root != NULL)
                    want_conftests(p, cur[i], &p->queued, &paths, &n, &cap);
                continue;
            }
            want_for_file(p, cur[i], &p->queued, &paths, &n, &cap);
        }
        if (n > 0) {
            gen_project_load(p, paths, n, 0);
            register_files(p, end);
        }
        for (i = 0; i < n; i++)
            free(paths[i]);
        free(paths);
        if (n == 0)
            break;
        cur = p->files + end;
        ncur = p->nfiles - end;
    }
}

void
gen_project_load_imported(struct gen_project *p)
{
    register_files(p, 0);
    load_rounds(p, p->files, p->nfiles);
}

void
gen_project_wake(const struct gen_project *cp, struct gen_file *f)
{
    /* Resolution is read-only to its callers: waking a file fills in
     * facts it would have had from the start. */
    struct gen_project *p = (struct gen_project *)cp;
    struct gen_buf key = {0};
    size_t len = 0, end, i;
    struct stat st;
    char *src;

    if (!f->dormant)
        return;
    f->dormant = 0;
    free(f->caps);
    f->caps = NULL;
    f->ncaps = 0;
    src = gen_read_file_st(f->path, &len, &st);
    if (src == NULL) {
        f->io_error = 1;
        f->err = errno;
        return;
    }
    if (p->lazy_m == NULL)
        p->lazy_m = gen_modeler_new();
    gen_model_build(p->lazy_m, f, src, len, NULL);
    /* Its bytes held nothing to check when it was read first (unless it
     * changed since). */
    f->woken = (uint8_t)!live_file(p, f, src, len);
    /* The next run serves it parsed, and still woken. */
    if (p->cache != NULL)
        gen_cache_put(p->cache, f, src, len, &st);
    free(src);
    register_defs(p, f, 1, &key);
    gen_buf_free(&key);
    end = p->nfiles;
    load_rounds(p, &f, 1);
    if (p->catch_up != NULL) {
        p->catch_up(p, f);
        for (i = end; i < p->nfiles; i++)
            p->catch_up(p, p->files[i]);
    }
}
