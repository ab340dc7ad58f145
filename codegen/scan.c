#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What a directory is as a package: its dotted prefix ("" when it is not a
 * package) and the sys.path entry above its top package. */
struct gen_pkgdir {
    char *prefix;
    char *root;
};

/* ruff's default excludes, minus the hidden ones (all skipped). */
static const char *const skip_dirs[] = {
    "__pycache__", "__pypackages__", "_build",        "buck-out", "build",
    "dist",        "node_modules",   "site-packages", "venv",
};

int
gen_is_file(const char *path)
{
    unsigned type;

    return gen_stat_type(path, &type) == 0 && type == S_IFREG;
}

static int
excluded(const struct gen_scan *s, const char *path, const char *base)
{
    size_t i;

    for (i = 0; i < s->nexcludes; i++)
        if (fnmatch(s->excludes[i], base, 0) == 0 ||
            fnmatch(s->excludes[i], path, 0) == 0)
            return 1;
    return 0;
}

static int
skipped_dir(const char *dir, const char *base)
{
    size_t i, n = strlen(base);
    char *cfg;
    int venv;

    if (base[0] == '.')
        return 1;
    for (i = 0; i < sizeof(skip_dirs) / sizeof(skip_dirs[0]); i++)
        if (strcmp(base, skip_dirs[i]) == 0)
            return 1;
    if (n > 9 && strcmp(base + n - 9, ".egg-info") == 0)
        return 1;
    /* A virtual environment of any name. */
    cfg = gen_xasprintf("%s/pyvenv.cfg", dir);
    venv = gen_is_file(cfg);
    free(cfg);
    return venv;
}

static int
is_python(const char *base)
{
    size_t n = strlen(base);

    return (n > 3 && strcmp(base + n - 3, ".py") == 0) ||
           (n > 4 && strcmp(base + n - 4, ".pyi") == 0);
}

static void
add_file(struct gen_scan *s, const char *path)
{
    if (gen_map_get(&s->seen, path) != NULL)
        return;
    gen_map_put(&s->seen, path, (void *)1);
    GEN_PUSH(s->paths, s->npaths, s->cap, gen_xstrdup(path));
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk(struct gen_scan *s, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (d == NULL) {
        gen_warn("%s: %s; the files in it are not checked (--exclude it to "
                 "pass it over)",
                 dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        GEN_PUSH(names, n, cap, gen_xstrdup(e->d_name));
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n; i++) {
        char *p = strcmp(dir, ".") == 0
                      ? gen_xstrdup(names[i])
                      : gen_xasprintf("%s/%s", dir, names[i]);
        struct stat st;

        if (lstat(p, &st) != 0) {
            /* Gone since readdir(). */
        }
        else if (S_ISLNK(st.st_mode) &&
                 (stat(p, &st) != 0 || S_ISDIR(st.st_mode))) {
            /* Dangling links are not our business, and linked directories
             * are not followed: they can loop, and they would check the
             * same files twice under two names. */
        }
        else if (S_ISDIR(st.st_mode)) {
            if (!skipped_dir(p, names[i]) && !excluded(s, p, names[i]))
                rc |= walk(s, p);
        }
        /* FIFOs, sockets and devices are passed over unread, whatever
         * their names (ruff 0.17 waits forever on a FIFO named x.py). */
        else if (S_ISREG(st.st_mode) && is_python(names[i]) &&
                 !excluded(s, p, names[i])) {
            add_file(s, p);
        }
        free(p);
        free(names[i]);
    }
    free(names);
    return rc;
}

int
gen_scan_path(struct gen_scan *s, const char *path)
{
    struct stat st;
    const char *base = strrchr(path, '/');

    base = base ? base + 1 : path;
    if (stat(path, &st) != 0) {
        gen_warn("%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return walk(s, path);
    if (excluded(s, path, base))
        return 0;
    if (!S_ISREG(st.st_mode)) {
        /* Reading a FIFO would wait for a writer forever, and a device
         * or socket is no source either.  (In a walk they are passed
         * over, as every file that is not a regular one.) */
        gen_warn("%s: %s, not a source file; name Python files or "
                 "directories to check",
                 path, gen_file_kind(st.st_mode));
        return -1;
    }
    add_file(s, path);
    return 0;
}

static const struct gen_pkgdir *
pkgdir(struct gen_scan *s, const char *absdir)
{
    struct gen_pkgdir *pd = gen_map_get(&s->dirs, absdir);
    char *init, *slash, *parent;
    const struct gen_pkgdir *up;

    if (pd != NULL)
        return pd;
    pd = gen_xcalloc(1, sizeof(*pd));
    init = gen_xasprintf("%s/__init__.py", absdir);
    slash = strrchr(absdir, '/');
    if (!gen_is_file(init) || slash == NULL || slash == absdir) {
        pd->prefix = gen_xstrdup("");
        pd->root = gen_xstrdup(absdir);
    }
    else {
        parent = gen_xstrndup(absdir, (size_t)(slash - absdir));
        up = pkgdir(s, parent);
        pd->prefix = up->prefix[0]
                         ? gen_xasprintf("%s.%s", up->prefix, slash + 1)
                         : gen_xstrdup(slash + 1);
        pd->root = gen_xstrdup(up->root);
        free(parent);
    }
    free(init);
    gen_map_put(&s->dirs, absdir, pd);
    return pd;
}

void
gen_scan_module(struct gen_scan *s, const char *path, char **modname,
                char **root, int *is_init)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir =
        slash ? gen_xstrndup(path, (size_t)(slash - path)) : gen_xstrdup(".");
    const char *real;
    const struct gen_pkgdir *pd;
    size_t stem = strcspn(base, ".");

    if (dir[0] == '\0') {
        free(dir);
        dir = gen_xstrdup("/");
    }
    /* realpath() costs a system call per path component, and most files
     * share their directory with others. */
    real = gen_map_get(&s->real, dir);
    if (real == NULL) {
        char *r = gen_realpath(dir);

        real = r != NULL ? gen_xstrdup(r) : gen_xstrdup(dir);
        free(r);
        gen_map_put(&s->real, dir, (void *)real);
    }
    free(dir);
    pd = pkgdir(s, real);
    *is_init = strncmp(base, "__init__.", 9) == 0;
    if (*is_init)
        *modname = gen_xstrdup(pd->prefix);
    else if (pd->prefix[0])
        *modname = gen_xasprintf("%s.%.*s", pd->prefix, (int)stem, base);
    else
        *modname = gen_xstrndup(base, stem);
    *root = gen_xstrdup(pd->root);
}

void
gen_scan_free(struct gen_scan *s)
{
    size_t i;

    for (i = 0; i < s->npaths; i++)
        free(s->paths[i]);
    free(s->paths);
    for (i = 0; i < s->dirs.cap; i++) {
        struct gen_pkgdir *pd = s->dirs.vals[i];

        if (s->dirs.keys[i] == NULL)
            continue;
        free(pd->prefix);
        free(pd->root);
        free(pd);
    }
    gen_map_free(&s->dirs);
    for (i = 0; i < s->real.cap; i++)
        if (s->real.keys[i] != NULL)
            free(s->real.vals[i]);
    gen_map_free(&s->real);
    gen_map_free(&s->seen);
    s->paths = NULL;
    s->npaths = s->cap = 0;
}
