#include "util.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *gen_argv0 = "trioaio-gen";

static void
gen_vwarn(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", gen_argv0);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
gen_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gen_vwarn(fmt, ap);
    va_end(ap);
}

void
gen_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gen_vwarn(fmt, ap);
    va_end(ap);
    exit(GEN_EXIT_ERROR);
}

/* A test hook: with TRIOAIO_GEN_FAIL_ALLOC=N in the environment, the Nth
 * allocation (counted from 1, over every thread) fails as if memory ran
 * out, so that tests can reach the out-of-memory exit
 * (tests/gen/test_out_of_memory.py).  Off (0) otherwise: one predictable
 * branch per allocation. */
static long fail_alloc_at;
static atomic_long nallocs;

__attribute__((constructor)) static void
read_fail_alloc(void)
{
    const char *s = getenv("TRIOAIO_GEN_FAIL_ALLOC");

    fail_alloc_at = s != NULL ? atol(s) : 0;
}

static int
fail_alloc(void)
{
    return fail_alloc_at > 0 &&
           atomic_fetch_add(&nallocs, 1) + 1 == fail_alloc_at;
}

void *
gen_xmalloc(size_t n)
{
    void *p = fail_alloc() ? NULL : malloc(n ? n : 1);

    if (p == NULL)
        gen_fatal("out of memory");
    return p;
}

void *
gen_xcalloc(size_t count, size_t n)
{
    void *p = fail_alloc() ? NULL : calloc(count ? count : 1, n ? n : 1);

    if (p == NULL)
        gen_fatal("out of memory");
    return p;
}

void *
gen_xrealloc(void *p, size_t n)
{
    void *q = fail_alloc() ? NULL : realloc(p, n ? n : 1);

    if (q == NULL)
        gen_fatal("out of memory");
    return q;
}

char *
gen_xstrndup(const char *s, size_t n)
{
    char *p = gen_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
gen_xstrdup(const char *s)
{
    return gen_xstrndup(s, strlen(s));
}

char *
gen_xasprintf(const char *fmt, ...)
{
    struct gen_buf b = {0};
    va_list ap;

    va_start(ap, fmt);
    gen_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return b.data;
}

void
gen_grow(void **vec, size_t *cap, size_t need, size_t elem)
{
    size_t n;

    if (need <= *cap)
        return;
    n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    *vec = gen_xrealloc(*vec, n * elem);
    *cap = n;
}

void
gen_buf_append(struct gen_buf *b, const char *s, size_t n)
{
    gen_grow((void **)&b->data, &b->cap, b->len + n + 1, 1);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
gen_buf_puts(struct gen_buf *b, const char *s)
{
    gen_buf_append(b, s, strlen(s));
}

void
gen_buf_vprintf(struct gen_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        gen_fatal("bad format string");
    gen_grow((void **)&b->data, &b->cap, b->len + (size_t)n + 1, 1);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void
gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gen_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void
gen_buf_free(struct gen_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint64_t
gen_hash(const char *s, size_t n)
{
    /* FNV-1a: short keys, no adversarial input worth defending against. */
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t
map_slot(const struct gen_map *m, const char *key, size_t n)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)gen_hash(key, n) & mask;

    while (m->keys[i] != NULL) {
        if (strncmp(m->keys[i], key, n) == 0 && m->keys[i][n] == '\0')
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

void *
gen_map_getn(const struct gen_map *m, const char *key, size_t n)
{
    size_t i;

    if (m->cap == 0)
        return NULL;
    i = map_slot(m, key, n);
    return m->keys[i] ? m->vals[i] : NULL;
}

void *
gen_map_get(const struct gen_map *m, const char *key)
{
    return gen_map_getn(m, key, strlen(key));
}

void
gen_map_put(struct gen_map *m, const char *key, void *val)
{
    size_t i, n = strlen(key);

    if ((m->len + 1) * 2 > m->cap) {
        struct gen_map old = *m;
        size_t j;

        m->cap = old.cap ? old.cap * 2 : 16;
        m->keys = gen_xcalloc(m->cap, sizeof(*m->keys));
        m->vals = gen_xcalloc(m->cap, sizeof(*m->vals));
        for (j = 0; j < old.cap; j++) {
            if (old.keys[j] == NULL)
                continue;
            i = map_slot(m, old.keys[j], strlen(old.keys[j]));
            m->keys[i] = old.keys[j];
            m->vals[i] = old.vals[j];
        }
        free(old.keys);
        free(old.vals);
    }
    i = map_slot(m, key, n);
    if (m->keys[i] == NULL) {
        m->keys[i] = gen_xstrndup(key, n);
        m->len++;
    }
    m->vals[i] = val;
}

void
gen_map_free(struct gen_map *m)
{
    size_t i;

    for (i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

char *
gen_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct gen_buf b = {0};
    char chunk[65536];
    size_t n;
    int err;

    if (f == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gen_buf_append(&b, chunk, n);
    err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        gen_buf_free(&b);
        errno = err;
        return NULL;
    }
    if (b.data == NULL)
        b.data = gen_xcalloc(1, 1);
    *len = b.len;
    return b.data;
}

const char *
gen_display_path(const char *path)
{
    static char cwd[4096];
    static int have = -1;
    size_t n;

    if (have < 0)
        have = getcwd(cwd, sizeof(cwd)) != NULL;
    if (!have || path[0] != '/')
        return path;
    n = strlen(cwd);
    if (strncmp(path, cwd, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}
