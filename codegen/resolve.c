#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* How many re-export hops a name may take (from .impl import f). */
#define RESOLVE_DEPTH 6

/* The package a relative import of `level` dots refers to, or NULL. */
static char *
rel_package(const struct gen_file *f, unsigned level)
{
    char *pkg = gen_xstrdup(f->modname);
    char *dot;

    if (!f->is_init) {
        dot = strrchr(pkg, '.');
        if (dot == NULL)
            pkg[0] = '\0';
        else
            *dot = '\0';
    }
    while (level-- > 1) {
        if (pkg[0] == '\0') {
            free(pkg);
            return NULL;
        }
        dot = strrchr(pkg, '.');
        if (dot == NULL)
            pkg[0] = '\0';
        else
            *dot = '\0';
    }
    return pkg;
}

char *
gen_import_module(const struct gen_file *f, const struct gen_import *im)
{
    char *pkg, *r;

    if (im->level == 0)
        return gen_xstrdup(im->module);
    pkg = rel_package(f, im->level);
    if (pkg == NULL)
        return NULL;
    if (pkg[0] == '\0' || im->module[0] == '\0')
        r = gen_xasprintf("%s%s", pkg, im->module);
    else
        r = gen_xasprintf("%s.%s", pkg, im->module);
    free(pkg);
    return r;
}

/* What the local name `first` (n bytes) is bound to by f's imports. */
static char *
import_target(const struct gen_file *f, const char *first, size_t n)
{
    size_t i;

    /* The last binding wins, as at run time for top-level imports. */
    for (i = f->nimports; i-- > 0;) {
        const struct gen_import *im = &f->imports[i];
        char *mod, *r;

        if (strncmp(im->local, first, n) != 0 || im->local[n] != '\0')
            continue;
        mod = gen_import_module(f, im);
        if (mod == NULL)
            return NULL;
        if (im->name == NULL)
            return mod;
        r = mod[0] ? gen_xasprintf("%s.%s", mod, im->name)
                   : gen_xstrdup(im->name);
        free(mod);
        return r;
    }
    return NULL;
}

/* f's first definition whose qualname is name[0:n].  Once f is the file
 * its module name is registered for, the project's by_fqn map (first
 * definition wins) answers in one probe; a hit there from another file
 * (`a.b` + `c` against `a` + `b.c`) or an unregistered f is searched. */
static const struct gen_func *
top_level_def(const struct gen_project *p, const struct gen_file *f,
              const char *name, size_t n)
{
    size_t i, m;
    char key[512];

    m = strlen(f->modname);
    if (p != NULL && f->nfuncs > 4 && m + n + 2 <= sizeof(key) &&
        gen_map_get(&p->by_module, f->modname) == f) {
        const struct gen_func *fn;

        memcpy(key, f->modname, m);
        if (m > 0)
            key[m++] = '.';
        memcpy(key + m, name, n);
        fn = gen_map_getn(&p->by_fqn, key, m + n);
        if (fn == NULL)
            return NULL;
        if (fn >= f->funcs && fn < f->funcs + f->nfuncs)
            return fn;
    }
    for (i = 0; i < f->nfuncs; i++) {
        const struct gen_func *fn = &f->funcs[i];

        if (strncmp(fn->qualname, name, n) == 0 && fn->qualname[n] == '\0')
            return fn;
    }
    return NULL;
}

/* A function defined inside fn or inside a function around it that
 * `name` (n bytes) names: the qualname, or NULL.  Class bodies are not
 * enclosing scopes for their methods, as in Python. */
static char *
nested_def(const struct gen_project *p, const struct gen_file *f,
           const struct gen_func *fn, const char *name, size_t n)
{
    size_t len = strlen(fn->qualname);

    for (;;) {
        char *k =
            gen_xasprintf("%.*s.%.*s", (int)len, fn->qualname, (int)n, name);
        const struct gen_func *d = top_level_def(p, f, k, strlen(k));
        const struct gen_func *scope;

        if (d != NULL)
            return k;
        free(k);
        /* Up one scope, skipping classes. */
        do {
            while (len > 0 && fn->qualname[len - 1] != '.')
                len--;
            if (len == 0)
                return NULL;
            len--;
            scope = top_level_def(p, f, fn->qualname, len);
        } while (scope != NULL && (scope->flags & GEN_FN_CLASS));
    }
}

/* Whether name[0:n] is a parameter of fn or of a function around it
 * (not a class): a local, whatever the module binds to that name. */
static int
is_local_param(const struct gen_project *p, const struct gen_file *f,
               const struct gen_func *fn, const char *name, size_t n)
{
    size_t len = strlen(fn->qualname), i;
    const struct gen_func *scope = fn;

    for (;;) {
        if (scope != NULL && !(scope->flags & GEN_FN_CLASS))
            for (i = 0; i < scope->nparams; i++)
                if (scope->params[i].name != NULL &&
                    strncmp(scope->params[i].name, name, n) == 0 &&
                    scope->params[i].name[n] == '\0')
                    return 1;
        while (len > 0 && fn->qualname[len - 1] != '.')
            len--;
        if (len == 0)
            return 0;
        len--;
        scope = top_level_def(p, f, fn->qualname, len);
    }
}

char *
gen_project_resolve(const struct gen_project *p, const struct gen_file *f,
                    const struct gen_func *fn, const char *dotted)
{
    size_t n = strcspn(dotted, ".");
    const char *rest = dotted + n;
    char *base;
    size_t i;

    if (fn != NULL && (fn->flags & GEN_FN_METHOD) &&
        ((n == 4 && memcmp(dotted, "self", 4) == 0) ||
         (n == 3 && memcmp(dotted, "cls", 3) == 0)) &&
        *rest == '.') {
        /* self.method: the class is the qualname minus the method. */
        const char *dot = strrchr(fn->qualname, '.');

        if (dot != NULL)
            return gen_xasprintf("%s.%.*s%s", f->modname,
                                 (int)(dot - fn->qualname), fn->qualname,
                                 rest);
    }
    /* A parameter shadows the module's names (self and cls above). */
    if (fn != NULL && !(fn->flags & GEN_FN_CLASS) &&
        is_local_param(p, f, fn, dotted, n))
        return NULL;
    if (fn != NULL && (base = nested_def(p, f, fn, dotted, n)) != NULL) {
        char *r = f->modname[0]
                      ? gen_xasprintf("%s.%s%s", f->modname, base, rest)
                      : gen_xasprintf("%s%s", base, rest);

        free(base);
        return r;
    }
    base = import_target(f, dotted, n);
    if (base != NULL) {
        char *r = gen_xasprintf("%s%s", base, rest);

        free(base);
        return r;
    }
    if (top_level_def(p, f, dotted, n) != NULL)
        return f->modname[0] ? gen_xasprintf("%s.%s", f->modname, dotted)
                             : gen_xstrdup(dotted);
    /* Star imports from project modules. */
    for (i = 0; i < f->nimports; i++) {
        const struct gen_import *im = &f->imports[i];
        const struct gen_file *g;
        char *mod;

        if (im->name == NULL || strcmp(im->name, "*") != 0)
            continue;
        mod = gen_import_module(f, im);
        g = mod ? gen_map_get(&p->by_module, mod) : NULL;
        if (g != NULL)
            gen_project_wake(p, (struct gen_file *)g);
        if (g != NULL && top_level_def(p, g, dotted, n) != NULL) {
            char *r = gen_xasprintf("%s.%s", mod, dotted);

            free(mod);
            return r;
        }
        free(mod);
    }
    return NULL;
}

/* The project function or class a resolved name denotes, following
 * re-exports such as `from .impl import fetch` in a package. */
/* Wake the dormant modules whose definitions could be `fqn`: each module
 * named by a dotted prefix of it, since by_fqn's keys are modname.qualname
 * (the package a.b's class c.d and the module a.b.c's d are both a.b.c.d,
 * and the first file in the project's order wins). */
static void
wake_prefixes(const struct gen_project *p, const char *fqn)
{
    const char *dot;

    for (dot = strchr(fqn, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
        struct gen_file *f =
            gen_map_getn(&p->by_module, fqn, (size_t)(dot - fqn));

        if (f != NULL && f->dormant)
            gen_project_wake(p, f);
    }
}

const struct gen_func *
gen_find_func(const struct gen_project *p, const char *fqn, int depth)
{
    const struct gen_func *fn;
    const char *dot;

    if (p->lazy)
        wake_prefixes(p, fqn);
    fn = gen_map_get(&p->by_fqn, fqn);

    if (fn != NULL || depth > RESOLVE_DEPTH)
        return fn;
    for (dot = strrchr(fqn, '.'); dot != NULL;) {
        const struct gen_file *f =
            gen_map_getn(&p->by_module, fqn, (size_t)(dot - fqn));

        if (f != NULL) {
            const char *name = dot + 1;
            size_t n = strcspn(name, ".");
            char *base = import_target(f, name, n), *next;

            if (base == NULL)
                return NULL;
            next = gen_xasprintf("%s%s", base, name + n);
            free(base);
            if (strcmp(next, fqn) != 0)
                fn = gen_find_func(p, next, depth + 1);
            free(next);
            return fn;
        }
        /* A name that starts with a dot (only in code that does not
         * parse) has no shorter module prefix. */
        if (dot == fqn)
            break;
        while (--dot > fqn && *dot != '.')
            ;
        if (dot == fqn)
            break;
    }
    return NULL;
}
