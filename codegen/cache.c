#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "codec.h"
#include "model.h"
#include "util.h"

#ifndef GEN_BUILD_ID
#define GEN_BUILD_ID "dev"
#endif

/* A pack larger than this is not ours. */
#define MAX_PACK (1u << 30)
/* Entries and paths no run used for this many writes of the pack are
 * dropped, so that a cache does not grow without bound. */
#define KEEP_GENERATIONS 32
/* A file changed this recently is not remembered by its stat(): another
 * change within the file system's timestamp granularity would not show. */
#define RACY_SECONDS 2

static const char magic[4] = {'T', 'A', 'G', 'P'};

/* ---- The key ------------------------------------------------------------ */

static uint64_t
mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;

    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t
rd64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

/* Two multiply-xor lanes over 16-byte blocks (the wyhash construction),
 * each with its own constants, so the halves are independent enough for
 * a key; about as fast as reading the file. */
struct gen_digest
gen_digest(const void *data, size_t n)
{
    static const uint64_t k[6] = {
        0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL, 0x8ebc6af09c88c6e3ULL,
        0x589965cc75374cc3ULL, 0x1d8e4e27c47d124fULL, 0x9e3779b97f4a7c15ULL,
    };
    const unsigned char *p = data;
    uint64_t a = k[0] ^ n, b = k[3] ^ (n * k[5]);
    unsigned char tail[16];
    struct gen_digest d;

    for (; n >= 16; n -= 16, p += 16) {
        uint64_t x = rd64(p), y = rd64(p + 8);

        a = mix(x ^ k[1], y ^ a);
        b = mix(y ^ k[4], x ^ b ^ k[2]);
    }
    memset(tail, 0, sizeof(tail));
    if (n > 0)
        memcpy(tail, p, n);
    tail[15] ^= (unsigned char)(n + 1);
    a = mix(rd64(tail) ^ k[1], rd64(tail + 8) ^ a);
    b = mix(rd64(tail + 8) ^ k[4], rd64(tail) ^ b ^ k[2]);
    d.lo = mix(a ^ k[5], b ^ k[0]);
    d.hi = mix(b ^ k[2], a ^ k[3]);
    return d;
}

/* ---- In memory ---------------------------------------------------------- */

/* The facts of one text. */
struct entry {
    struct gen_digest key;
    uint64_t textlen;
    uint32_t gen;        /* the last write of the pack that kept it used */
    const char *payload; /* into the pack read, or owned */
    size_t plen;
    uint8_t owned, used;
};

/* What a path's stat() said when its text had `key`. */
struct record {
    char *path;
    uint64_t st[7]; /* dev, ino, size, mtime s/ns, ctime s/ns */
    struct gen_digest key;
    uint32_t gen;
    uint8_t seen;
};

struct gen_cache {
    char *dir, *pack_path; /* NULL for the fuzzer's cache */
    char *pack;            /* the pack as read; entries point into it */
    uint32_t gen;          /* this run's generation */
    struct entry *entries;
    size_t nentries, capentries;
    struct gen_map by_key; /* hex key -> index + 1 */
    struct record *records;
    size_t nrecords, caprecords;
    struct gen_map by_path; /* path -> index + 1 */
    /* Loader threads share it: the lock covers the arrays and maps; a
     * payload, once there, never moves. */
    pthread_mutex_t lock;
    atomic_size_t hits, misses, unread;
    int dirty, written;
    time_t started;
};

static void
hex_key(struct gen_digest k, char out[33])
{
    static const char digits[] = "0123456789abcdef";
    int i;

    for (i = 0; i < 16; i++) {
        uint64_t v = i < 8 ? k.lo : k.hi;
        unsigned b = (unsigned)(v >> (8 * (i % 8))) & 0xff;

        out[2 * i] = digits[b >> 4];
        out[2 * i + 1] = digits[b & 15];
    }
    out[32] = '\0';
}

/* Caller holds the lock. */
static struct entry *
find_entry(struct gen_cache *c, struct gen_digest key)
{
    char hex[33];
    void *v;

    hex_key(key, hex);
    v = gen_map_get(&c->by_key, hex);
    return v ? &c->entries[(size_t)v - 1] : NULL;
}

/* Caller holds the lock. */
static struct entry *
add_entry(struct gen_cache *c, struct gen_digest key, uint64_t textlen,
          uint32_t gen, const char *payload, size_t plen, int owned)
{
    struct entry e = {key, textlen, gen, payload, plen, (uint8_t)owned, 0};
    char hex[33];

    hex_key(key, hex);
    if (gen_map_get(&c->by_key, hex) != NULL) {
        if (owned)
            free((char *)payload);
        return NULL;
    }
    GEN_PUSH(c->entries, c->nentries, c->capentries, e);
    gen_map_put(&c->by_key, hex, (void *)c->nentries);
    return &c->entries[c->nentries - 1];
}

/* Caller holds the lock. */
static struct record *
find_record(struct gen_cache *c, const char *path)
{
    void *v = gen_map_get(&c->by_path, path);

    return v ? &c->records[(size_t)v - 1] : NULL;
}

/* Remember that path, with stat *st, had the text `key`.  Caller holds
 * the lock. */
static void
note_path(struct gen_cache *c, const char *path, const struct stat *st,
          struct gen_digest key)
{
    struct record *r = find_record(c, path);
    uint64_t f[7];

    if (st->st_ino == 0 || st->st_mtim.tv_sec >= c->started - RACY_SECONDS) {
        /* Not to be trusted by stat() alone next time. */
        if (r != NULL && r->st[1] != 0) {
            r->st[1] = 0;
            c->dirty = 1;
        }
        if (r != NULL)
            r->seen = 1;
        return;
    }
    gen_stat_fields(st, f);
    if (r == NULL) {
        struct record nr = {0};

        nr.path = gen_xstrdup(path);
        GEN_PUSH(c->records, c->nrecords, c->caprecords, nr);
        gen_map_put(&c->by_path, path, (void *)c->nrecords);
        r = &c->records[c->nrecords - 1];
        c->dirty = 1;
    }
    if (memcmp(r->st, f, sizeof(f)) != 0 || r->key.lo != key.lo ||
        r->key.hi != key.hi) {
        memcpy(r->st, f, sizeof(f));
        r->key = key;
        c->dirty = 1;
    }
    r->seen = 1;
}

/* ---- The pack ----------------------------------------------------------- */

/* The layout: magic, codec version (4), build id (length 4, bytes),
 * generation (4), record count (4), entry count (4), the records (path
 * length 4, path, 7 stat fields of 8, key 16), the entries (key 16, text
 * length 8, generation 4, payload length 4, payload), and a checksum (8)
 * of all that came before. */
int
gen_cache_load_pack(struct gen_cache *c, const char *data, size_t n,
                    void (*each)(struct gen_file *f, void *arg), void *arg)
{
    struct gen_rd r = {(const unsigned char *)data,
                       (const unsigned char *)data + n, 0};
    uint64_t idlen, nrec, nent, i;
    const unsigned char *id;
    uint32_t gen;
    struct gen_rd sum = {(const unsigned char *)data + (n >= 8 ? n - 8 : 0),
                         (const unsigned char *)data + n, 0};

    if (n < 32 || memcmp(data, magic, 4) != 0)
        return -1;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* (The fuzzer skips the checksum, to reach the parser behind it.) */
    if (gen_get_le(&sum, 8) != gen_digest(data, n - 8).lo)
        return -1;
#else
    (void)sum;
#endif
    r.end -= 8;
    r.p += 4;
    if (gen_get_le(&r, 4) != GEN_CODEC_VERSION)
        return -1;
    idlen = gen_get_le(&r, 4);
    id = gen_get_bytes(&r, idlen);
    if (r.bad || idlen != strlen(GEN_BUILD_ID) ||
        memcmp(id, GEN_BUILD_ID, idlen) != 0)
        return -1;
    gen = (uint32_t)gen_get_le(&r, 4);
    nrec = gen_get_le(&r, 4);
    nent = gen_get_le(&r, 4);
    if (r.bad || nrec > (uint64_t)(r.end - r.p) / 76 ||
        nent > (uint64_t)(r.end - r.p) / 32)
        return -1;
    pthread_mutex_lock(&c->lock);
    c->gen = gen + 1;
    for (i = 0; i < nrec && !r.bad; i++) {
        struct record rec = {0};
        uint64_t plen = gen_get_le(&r, 4);
        const unsigned char *path = gen_get_bytes(&r, plen);
        int k;

        for (k = 0; k < 7; k++)
            rec.st[k] = gen_get_le(&r, 8);
        rec.key.lo = gen_get_le(&r, 8);
        rec.key.hi = gen_get_le(&r, 8);
        rec.gen = gen;
        if (r.bad || plen == 0 || memchr(path, '\0', plen) != NULL)
            break;
        rec.path = gen_xstrndup((const char *)path, plen);
        if (gen_map_get(&c->by_path, rec.path) != NULL) {
            free(rec.path);
            continue;
        }
        GEN_PUSH(c->records, c->nrecords, c->caprecords, rec);
        gen_map_put(&c->by_path, rec.path, (void *)c->nrecords);
    }
    for (i = 0; i < nent && !r.bad; i++) {
        struct gen_digest key;
        uint64_t textlen, plen;
        uint32_t egen;
        const unsigned char *payload;

        key.lo = gen_get_le(&r, 8);
        key.hi = gen_get_le(&r, 8);
        textlen = gen_get_le(&r, 8);
        egen = (uint32_t)gen_get_le(&r, 4);
        plen = gen_get_le(&r, 4);
        payload = gen_get_bytes(&r, plen);
        if (r.bad)
            break;
        add_entry(c, key, textlen, egen, (const char *)payload, plen, 0);
    }
    pthread_mutex_unlock(&c->lock);
    if (r.bad || r.p != r.end)
        return -1;
    for (i = 0; each != NULL && i < c->nentries; i++) {
        struct gen_file f = {0};

        if (gen_facts_decode(&f, c->entries[i].payload, c->entries[i].plen) ==
            0)
            each(&f, arg);
        gen_file_free(&f);
    }
    return 0;
}

static void
clear_all(struct gen_cache *c)
{
    size_t i;

    for (i = 0; i < c->nentries; i++)
        if (c->entries[i].owned)
            free((char *)c->entries[i].payload);
    free(c->entries);
    c->entries = NULL;
    c->nentries = c->capentries = 0;
    for (i = 0; i < c->nrecords; i++)
        free(c->records[i].path);
    free(c->records);
    c->records = NULL;
    c->nrecords = c->caprecords = 0;
    gen_map_free(&c->by_key);
    gen_map_free(&c->by_path);
}

struct gen_cache *
gen_cache_new_empty(void)
{
    struct gen_cache *c = gen_xcalloc(1, sizeof(*c));

    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->hits, 0);
    atomic_init(&c->misses, 0);
    atomic_init(&c->unread, 0);
    c->gen = 1;
    c->started = time(NULL);
    return c;
}

char *
gen_cache_dir(const char *root)
{
    return gen_xasprintf("%s/facts-%s-v%d", root, GEN_BUILD_ID,
                         GEN_CODEC_VERSION);
}

struct gen_cache *
gen_cache_open(const char *root)
{
    struct gen_cache *c = gen_cache_new_empty();
    size_t n = 0;

    c->dir = gen_cache_dir(root);
    c->pack_path = gen_xasprintf("%s/pack", c->dir);
    c->pack = gen_read_own_file(c->pack_path, &n);
    if (c->pack != NULL &&
        (n > MAX_PACK || gen_cache_load_pack(c, c->pack, n, NULL, NULL) < 0)) {
        /* Foreign or corrupt: start afresh, and replace it. */
        clear_all(c);
        c->gen = 1;
        c->dirty = 1;
    }
    return c;
}

/* ---- Lookups ------------------------------------------------------------ */

/* Decode an entry's payload into f; on failure the entry is dropped from
 * use (it will not be written again). */
static int
fill(struct gen_cache *c, struct gen_file *f, struct entry *e)
{
    const char *payload;
    size_t plen;

    payload = e->payload;
    plen = e->plen;
    pthread_mutex_unlock(&c->lock);
    if (gen_facts_decode(f, payload, plen) == 0)
        return 1;
    pthread_mutex_lock(&c->lock);
    e->used = 0;
    e->gen = 0;
    c->dirty = 1;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int
gen_cache_by_stat(struct gen_cache *c, struct gen_file *f, struct stat *st)
{
    struct record *r;
    struct entry *e;
    uint64_t now[7];

    if (gen_stat(f->path, st) != 0 || !S_ISREG(st->st_mode)) {
        memset(st, 0, sizeof(*st));
        return 0;
    }
    gen_stat_fields(st, now);
    pthread_mutex_lock(&c->lock);
    r = find_record(c, f->path);
    if (r == NULL || r->st[1] == 0 || memcmp(r->st, now, sizeof(now)) != 0 ||
        (e = find_entry(c, r->key)) == NULL || e->textlen != now[2] ||
        (e->gen == 0 && !e->used)) {
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    r->seen = 1;
    e->used = 1;
    if (fill(c, f, e)) {
        atomic_fetch_add(&c->hits, 1);
        atomic_fetch_add(&c->unread, 1);
        return 1;
    }
    return 0;
}

int
gen_cache_get(struct gen_cache *c, struct gen_file *f, const char *src,
              size_t len, const struct stat *st)
{
    struct gen_digest key = gen_digest(src, len);
    struct entry *e;

    pthread_mutex_lock(&c->lock);
    e = find_entry(c, key);
    if (e == NULL || e->textlen != len || (e->gen == 0 && !e->used)) {
        pthread_mutex_unlock(&c->lock);
        atomic_fetch_add(&c->misses, 1);
        return 0;
    }
    e->used = 1;
    note_path(c, f->path, st, key);
    if (!fill(c, f, e)) {
        atomic_fetch_add(&c->misses, 1);
        return 0;
    }
    atomic_fetch_add(&c->hits, 1);
    return 1;
}

void
gen_cache_put(struct gen_cache *c, const struct gen_file *f, const char *src,
              size_t len, const struct stat *st)
{
    struct gen_digest key = gen_digest(src, len);
    struct gen_buf b = {0};
    struct entry *e;

    gen_facts_encode(f, &b);
    if (b.data == NULL)
        b.data = gen_xcalloc(1, 1);
    pthread_mutex_lock(&c->lock);
    e = find_entry(c, key);
    if (e != NULL && e->textlen == len) {
        /* A corrupt entry of this text, or another thread's: replace
         * what it holds. */
        if (e->owned)
            free((char *)e->payload);
        e->payload = b.data;
        e->plen = b.len;
        e->owned = 1;
        e->used = 1;
    }
    else if (e == NULL) {
        e = add_entry(c, key, len, c->gen, b.data, b.len, 1);
        e->used = 1;
    }
    else {
        gen_buf_free(&b); /* a 128-bit collision: keep the first */
    }
    note_path(c, f->path, st, key);
    c->dirty = 1;
    pthread_mutex_unlock(&c->lock);
}

/* ---- Writing ------------------------------------------------------------ */

/* mkdir -p; returns 1 if the last component was created now, 0 if it
 * existed, -1 on failure. */
static int
make_dirs(const char *path)
{
    char *tmp = gen_xstrdup(path), *s;
    int rc;

    for (s = tmp + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
            free(tmp);
            return -1;
        }
        *s = '/';
    }
    rc = mkdir(tmp, 0777) == 0 ? 1 : errno == EEXIST ? 0 : -1;
    free(tmp);
    return rc;
}

static void
write_small(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);

    if (fd < 0)
        return;
    if (write(fd, text, strlen(text)) < 0) {
        /* An optional marker: nothing depends on it. */
    }
    close(fd);
}

static int
write_all(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    size_t off = 0;

    if (fd < 0)
        return -1;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (close(fd) != 0 || off != n) {
        unlink(path);
        return -1;
    }
    return 0;
}

/* Whether an entry or path goes into the next pack. */
static int
kept(uint32_t gen, int used, uint32_t now)
{
    return used || (gen != 0 && gen + KEEP_GENERATIONS >= now);
}

void
gen_cache_save(struct gen_cache *c)
{
    struct gen_buf b = {0};
    size_t i, nrec = 0, nent = 0, at;
    char *root, *slash, *tmp;

    if (c->dir == NULL || !c->dirty)
        return;
    root = gen_xstrdup(c->dir);
    slash = strrchr(root, '/');
    if (slash != NULL)
        *slash = '\0';
    if (make_dirs(root) == 1) {
        /* Backup tools skip it, and git ignores it without a .gitignore
         * entry, as with ruff's cache. */
        char *tag = gen_xasprintf("%s/CACHEDIR.TAG", root);
        char *ign = gen_xasprintf("%s/.gitignore", root);

        write_small(tag, "Signature: 8a477f597d28d172789f06886806bc55\n"
                         "# This is trioaio-gen's cache "
                         "(https://bford.info/cachedir/).\n");
        write_small(ign, "# Created by trioaio-gen.\n*\n");
        free(tag);
        free(ign);
    }
    free(root);
    if (make_dirs(c->dir) < 0) {
        gen_warn("cannot create the cache directory %s (%s); --no-cache "
                 "runs without it",
                 c->dir, strerror(errno));
        return;
    }
    gen_buf_append(&b, magic, 4);
    gen_put_le(&b, GEN_CODEC_VERSION, 4);
    gen_put_le(&b, strlen(GEN_BUILD_ID), 4);
    gen_buf_puts(&b, GEN_BUILD_ID);
    gen_put_le(&b, c->gen, 4);
    at = b.len;
    gen_put_le(&b, 0, 4);
    gen_put_le(&b, 0, 4);
    for (i = 0; i < c->nrecords; i++) {
        const struct record *r = &c->records[i];
        struct entry *e = find_entry(c, r->key);
        size_t n = strlen(r->path);
        int k;

        if (e == NULL || r->st[1] == 0 ||
            !kept(r->seen ? c->gen : r->gen, 0, c->gen) ||
            !kept(e->used ? c->gen : e->gen, 0, c->gen))
            continue;
        gen_put_le(&b, n, 4);
        gen_buf_append(&b, r->path, n);
        for (k = 0; k < 7; k++)
            gen_put_le(&b, r->st[k], 8);
        gen_put_le(&b, r->key.lo, 8);
        gen_put_le(&b, r->key.hi, 8);
        nrec++;
    }
    for (i = 0; i < c->nentries; i++) {
        const struct entry *e = &c->entries[i];

        if (!kept(e->gen, e->used, c->gen))
            continue;
        gen_put_le(&b, e->key.lo, 8);
        gen_put_le(&b, e->key.hi, 8);
        gen_put_le(&b, e->textlen, 8);
        gen_put_le(&b, e->used ? c->gen : e->gen, 4);
        gen_put_le(&b, e->plen, 4);
        gen_buf_append(&b, e->payload, e->plen);
        nent++;
    }
    for (i = 0; i < 4; i++) {
        b.data[at + i] = (char)(nrec >> (8 * i));
        b.data[at + 4 + i] = (char)(nent >> (8 * i));
    }
    gen_put_le(&b, gen_digest(b.data, b.len).lo, 8);
    tmp = gen_xasprintf("%s/.pack-%ld-%ld", c->dir, (long)getpid(),
                        (long)time(NULL));
    if (write_all(tmp, b.data, b.len) == 0 && rename(tmp, c->pack_path) == 0)
        c->written = 1;
    else {
        gen_warn("cannot write the cache %s (%s); --no-cache runs without "
                 "it",
                 c->pack_path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    gen_buf_free(&b);
}

void
gen_cache_stats(const struct gen_cache *c, size_t *hits, size_t *unread,
                size_t *misses, int *written, const char **path)
{
    *hits = atomic_load(&((struct gen_cache *)c)->hits);
    *unread = atomic_load(&((struct gen_cache *)c)->unread);
    *misses = atomic_load(&((struct gen_cache *)c)->misses);
    *written = c->written;
    *path = c->pack_path ? c->pack_path : "";
}

void
gen_cache_close(struct gen_cache *c)
{
    if (c == NULL)
        return;
    clear_all(c);
    pthread_mutex_destroy(&c->lock);
    free(c->pack);
    free(c->dir);
    free(c->pack_path);
    free(c);
}
