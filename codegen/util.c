#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *gen_argv0 = "trioaio-gen";

static atomic_size_t nwarnings;

size_t
gen_warnings(void)
{
    return atomic_load(&nwarnings);
}

static void
gen_vwarn(const char *fmt, va_list ap)
{
    atomic_fetch_add(&nwarnings, 1);
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
    /* Eight bytes a step, each mixed with a 64x64->128 multiply: map keys
     * are dotted names of 20 to 80 bytes, where FNV's byte loop showed up
     * in profiles.  No adversarial input worth defending against. */
    const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
    uint64_t h = k0 ^ n, w;
    __uint128_t r;

    for (; n >= 8; n -= 8, s += 8) {
        memcpy(&w, s, 8);
        r = (__uint128_t)(w ^ k1) * (h ^ k0);
        h = (uint64_t)r ^ (uint64_t)(r >> 64);
    }
    w = 0;
    memcpy(&w, s, n);
    r = (__uint128_t)(w ^ k1 ^ n) * (h ^ k0);
    h = (uint64_t)r ^ (uint64_t)(r >> 64);
    r = (__uint128_t)(h ^ k1) * (h ^ (k0 >> 7));
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static size_t
map_slot(const struct gen_map *m, const char *key, size_t n, uint64_t h)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;

    while (m->keys[i] != NULL) {
        if (m->hashes[i] == h && strncmp(m->keys[i], key, n) == 0 &&
            m->keys[i][n] == '\0')
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
    i = map_slot(m, key, n, gen_hash(key, n));
    return m->keys[i] ? m->vals[i] : NULL;
}

void *
gen_map_get(const struct gen_map *m, const char *key)
{
    return gen_map_getn(m, key, strlen(key));
}

void
gen_map_reserve(struct gen_map *m, size_t more)
{
    struct gen_map old = *m;
    size_t i, j, cap = old.cap ? old.cap : 16;

    if ((m->len + more) * 2 <= m->cap)
        return;
    while ((m->len + more) * 2 > cap)
        cap *= 2;
    m->cap = cap;
    m->keys = gen_xcalloc(m->cap, sizeof(*m->keys));
    m->vals = gen_xcalloc(m->cap, sizeof(*m->vals));
    m->hashes = gen_xcalloc(m->cap, sizeof(*m->hashes));
    for (j = 0; j < old.cap; j++) {
        if (old.keys[j] == NULL)
            continue;
        /* Keys are unique: the first free slot is theirs. */
        for (i = (size_t)old.hashes[j] & (m->cap - 1); m->keys[i] != NULL;
             i = (i + 1) & (m->cap - 1))
            ;
        m->keys[i] = old.keys[j];
        m->vals[i] = old.vals[j];
        m->hashes[i] = old.hashes[j];
    }
    free(old.keys);
    free(old.vals);
    free(old.hashes);
}

int
gen_map_add(struct gen_map *m, const char *key, size_t n, void *val)
{
    uint64_t h = gen_hash(key, n);
    size_t i;

    gen_map_reserve(m, 1);
    i = map_slot(m, key, n, h);
    if (m->keys[i] != NULL)
        return 0;
    m->keys[i] = gen_xstrndup(key, n);
    m->hashes[i] = h;
    m->vals[i] = val;
    m->len++;
    return 1;
}

void
gen_map_put(struct gen_map *m, const char *key, void *val)
{
    size_t n = strlen(key), i;
    uint64_t h = gen_hash(key, n);

    gen_map_reserve(m, 1);
    i = map_slot(m, key, n, h);
    if (m->keys[i] == NULL) {
        m->keys[i] = gen_xstrndup(key, n);
        m->hashes[i] = h;
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
    free(m->hashes);
    memset(m, 0, sizeof(*m));
}

const char *
gen_strerror(int err)
{
    if (err == GEN_ENOTREG)
        return "not a regular file (a FIFO, socket or device), not read";
    if (err == GEN_ECHANGED)
        return "changed while it was being read (each of 3 times); check "
               "it again once it is written";
    return strerror(err);
}

const char *
gen_file_kind(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "a regular file";
    case S_IFDIR:
        return "a directory";
    case S_IFIFO:
        return "a FIFO";
    case S_IFSOCK:
        return "a socket";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    default:
        return "not a regular file";
    }
}

/* Whether the two fstat()s of one file say it was not written between
 * them (as far as its size and timestamps can tell). */
static int
same_version(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Read fd (at offset 0) to EOF into b.  Returns 0 or an errno. */
static int
read_all(int fd, struct gen_buf *b, size_t hint)
{
    b->len = 0;
    if (hint > 0 && b->cap < hint + 1)
        gen_grow((void **)&b->data, &b->cap, hint + 1, 1);
    for (;;) {
        ssize_t n;

        if (b->cap - b->len < 2)
            gen_grow((void **)&b->data, &b->cap, b->cap + 65536, 1);
        n = read(fd, b->data + b->len, b->cap - b->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return 0;
        b->len += (size_t)n;
    }
}

/* Reads of a file that keeps changing before it is called torn. */
#define READ_TRIES 3

static void
log_probe(uint8_t kind, const char *path, int err, const uint64_t st[7],
          const char *real);

static char *
read_file(const char *path, size_t *len, struct stat *st, int logged)
{
    /* O_NONBLOCK: opening a FIFO waits for a writer without it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat after;
    struct gen_buf b = {0};
    int err = 0, tries;

    memset(st, 0, sizeof(*st));
    if (fd < 0) {
        int e = errno;

        if (logged)
            log_probe(GEN_PROBE_STAT, path, e, NULL, NULL);
        errno = e;
        return NULL;
    }
    if (fstat(fd, st) != 0)
        err = errno;
    else if (S_ISDIR(st->st_mode))
        err = EISDIR;
    else if (!S_ISREG(st->st_mode))
        err = GEN_ENOTREG;
    for (tries = 0; err == 0; tries++) {
        if (tries == READ_TRIES) {
            err = GEN_ECHANGED;
            break;
        }
        if (tries > 0 && lseek(fd, 0, SEEK_SET) != 0) {
            err = errno;
            break;
        }
        err = read_all(fd, &b, st->st_size > 0 ? (size_t)st->st_size : 0);
        if (err != 0)
            break;
        if (fstat(fd, &after) != 0) {
            err = errno;
            break;
        }
        if (same_version(st, &after))
            break;
        *st = after;
    }
    close(fd);
    if (logged) {
        uint64_t f[7];

        /* What was read is the version that stat names (an error is one
         * a later run only sees again if stat() fails the same way). */
        gen_stat_fields(st, f);
        log_probe(GEN_PROBE_STAT, path, err, f, NULL);
    }
    if (err) {
        gen_buf_free(&b);
        errno = err;
        return NULL;
    }
    if (b.data == NULL)
        gen_grow((void **)&b.data, &b.cap, 1, 1);
    b.data[b.len] = '\0';
    *len = b.len;
    return b.data;
}

char *
gen_read_file_st(const char *path, size_t *len, struct stat *st)
{
    return read_file(path, len, st, 1);
}

char *
gen_read_file(const char *path, size_t *len)
{
    struct stat st;

    return read_file(path, len, &st, 1);
}

char *
gen_read_own_file(const char *path, size_t *len)
{
    struct stat st;

    return read_file(path, len, &st, 0);
}

/* ---- The file-system log ------------------------------------------------ */

static struct {
    pthread_mutex_t lock;
    int on;
    struct gen_probe *v;
    size_t n, cap;
    struct gen_map seen; /* kind + path -> 1 */
} fslog = {PTHREAD_MUTEX_INITIALIZER, 0, NULL, 0, 0, {0}};

void
gen_stat_fields(const struct stat *st, uint64_t out[7])
{
    out[0] = (uint64_t)st->st_dev;
    out[1] = (uint64_t)st->st_ino;
    out[2] = (uint64_t)st->st_size;
    out[3] = (uint64_t)st->st_mtim.tv_sec;
    out[4] = (uint64_t)st->st_mtim.tv_nsec;
    out[5] = (uint64_t)st->st_ctim.tv_sec;
    out[6] = (uint64_t)st->st_ctim.tv_nsec;
}

static void
log_probe(uint8_t kind, const char *path, int err, const uint64_t st[7],
          const char *real)
{
    struct gen_probe pr = {0};
    char *key;

    if (!fslog.on)
        return;
    key = gen_xasprintf("%c%s", kind, path);
    pthread_mutex_lock(&fslog.lock);
    if (fslog.on && gen_map_get(&fslog.seen, key) == NULL) {
        gen_map_put(&fslog.seen, key, (void *)1);
        pr.path = gen_xstrdup(path);
        pr.kind = kind;
        pr.err = err;
        if (st != NULL && err == 0)
            memcpy(pr.st, st, sizeof(pr.st));
        pr.real = real != NULL ? gen_xstrdup(real) : NULL;
        GEN_PUSH(fslog.v, fslog.n, fslog.cap, pr);
    }
    pthread_mutex_unlock(&fslog.lock);
    free(key);
}

void
gen_fslog_start(void)
{
    pthread_mutex_lock(&fslog.lock);
    gen_probes_free(fslog.v, fslog.n);
    fslog.v = NULL;
    fslog.n = fslog.cap = 0;
    gen_map_free(&fslog.seen);
    fslog.on = 1;
    pthread_mutex_unlock(&fslog.lock);
}

struct gen_probe *
gen_fslog_take(size_t *n)
{
    struct gen_probe *v;

    pthread_mutex_lock(&fslog.lock);
    fslog.on = 0;
    v = fslog.v;
    *n = fslog.n;
    fslog.v = NULL;
    fslog.n = fslog.cap = 0;
    gen_map_free(&fslog.seen);
    pthread_mutex_unlock(&fslog.lock);
    return v;
}

void
gen_probes_free(struct gen_probe *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].real);
    }
    free(v);
}

int
gen_stat(const char *path, struct stat *st)
{
    int rc = stat(path, st), e = errno;
    uint64_t f[7];

    if (rc == 0)
        gen_stat_fields(st, f);
    log_probe(GEN_PROBE_STAT, path, rc == 0 ? 0 : e, f, NULL);
    errno = e;
    return rc;
}

int
gen_stat_type(const char *path, unsigned *type)
{
    struct stat st;
    int rc = stat(path, &st), e = errno;
    uint64_t f[7] = {0};

    *type = rc == 0 ? (unsigned)(st.st_mode & S_IFMT) : 0;
    f[0] = *type;
    log_probe(GEN_PROBE_TYPE, path, rc == 0 ? 0 : e, f, NULL);
    errno = e;
    return rc;
}

char *
gen_realpath(const char *path)
{
    char *r = realpath(path, NULL);
    int e = errno;

    log_probe(GEN_PROBE_REAL, path, r ? 0 : e, NULL, r);
    errno = e;
    return r;
}

int
gen_probe_holds(const struct gen_probe *pr)
{
    struct stat st;
    uint64_t f[7];
    char *r;
    int ok;

    switch (pr->kind) {
    case GEN_PROBE_STAT:
        if (stat(pr->path, &st) != 0)
            return pr->err == errno;
        if (pr->err != 0)
            return 0;
        gen_stat_fields(&st, f);
        return memcmp(f, pr->st, sizeof(f)) == 0;
    case GEN_PROBE_TYPE:
        if (stat(pr->path, &st) != 0)
            return pr->err == errno;
        return pr->err == 0 && pr->st[0] == (uint64_t)(st.st_mode & S_IFMT);
    case GEN_PROBE_REAL:
        r = realpath(pr->path, NULL);
        if (r == NULL)
            return pr->real == NULL && pr->err == errno;
        ok = pr->real != NULL && strcmp(r, pr->real) == 0;
        free(r);
        return ok;
    default:
        return 0;
    }
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
