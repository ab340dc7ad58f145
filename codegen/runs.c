#include "runs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "write.h"

/* A record larger than this is not ours. */
#define MAX_RECORD (256u << 20)
/* Records kept per build's cache: pre-commit passes a different list of
 * files for each commit, and each list is a key of its own. */
#define KEEP_RECORDS 32
/* As cache.c's RACY_SECONDS. */
#define RACY_SECONDS 2
/* Bumped when the layout below changes. */
#define RECORD_VERSION 1

static const char magic[4] = {'T', 'A', 'G', 'R'};

char *
gen_runs_dir(const char *root)
{
    char *facts = gen_cache_dir(root);
    char *dir = gen_xasprintf("%s/runs", facts);

    free(facts);
    return dir;
}

static char *
record_path(const char *dir, struct gen_digest key)
{
    return gen_xasprintf("%s/%016llx%016llx", dir, (unsigned long long)key.hi,
                         (unsigned long long)key.lo);
}

/* ---- The layout ---------------------------------------------------------
 *
 * magic, version (4), key (16), status (4), files loaded (8), probe count
 * (4), the probes (kind 1, errno 4, path length 4, path, then for a stat
 * 7 fields of 8, for a type 8, for a realpath its length + 1 (4, 0 for
 * none) and text), the output's length (8) and bytes, and a checksum (8)
 * of all that came before. */

/* Read the next probe into *pr (its strings borrowed from the record,
 * copied into scratch buffers to be NUL-terminated).  0, or -1 if the
 * record is damaged. */
static int
next_probe(struct gen_rd *r, struct gen_probe *pr, struct gen_buf *path,
           struct gen_buf *real)
{
    uint64_t n, k;
    const char *s;
    int i;

    memset(pr, 0, sizeof(*pr));
    pr->kind = (uint8_t)gen_get_le(r, 1);
    pr->err = (int)gen_get_le(r, 4);
    n = gen_get_le(r, 4);
    s = gen_get_bytes(r, n);
    if (r->bad || n == 0 || memchr(s, '\0', n) != NULL)
        return -1;
    path->len = 0;
    gen_buf_append(path, s, n);
    pr->path = path->data;
    switch (pr->kind) {
    case GEN_PROBE_STAT:
        for (i = 0; i < 7; i++)
            pr->st[i] = gen_get_le(r, 8);
        break;
    case GEN_PROBE_TYPE:
        pr->st[0] = gen_get_le(r, 8);
        break;
    case GEN_PROBE_REAL:
        k = gen_get_le(r, 4);
        if (k > 0) {
            s = gen_get_bytes(r, k - 1);
            if (r->bad || memchr(s, '\0', k - 1) != NULL)
                return -1;
            real->len = 0;
            gen_buf_append(real, s, k - 1);
            pr->real = real->data;
        }
        break;
    default:
        return -1;
    }
    return r->bad ? -1 : 0;
}

#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
static int
checksum_bad(const char *data, size_t n)
{
    struct gen_rd sum = {(const unsigned char *)data + n - 8,
                         (const unsigned char *)data + n, 0};

    return gen_get_le(&sum, 8) != gen_digest(data, n - 8).lo;
}
#endif

int
gen_runs_read(const char *data, size_t n, struct gen_digest key,
              int (*holds)(const struct gen_probe *pr, void *arg), void *arg,
              const char **out, size_t *outlen, int *status, size_t *nfiles)
{
    struct gen_rd r = {(const unsigned char *)data,
                       (const unsigned char *)data + n, 0};
    struct gen_buf pbuf = {0}, rbuf = {0};
    uint64_t i, nprobes, len;
    int ok = -1;

    if (n < 48 || n > MAX_RECORD || memcmp(data, magic, 4) != 0)
        return -1;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* (The fuzzer skips the checksum, to reach the parser behind it.) */
    if (checksum_bad(data, n))
        return -1;
#endif
    r.end -= 8;
    r.p += 4;
    if (gen_get_le(&r, 4) != RECORD_VERSION || gen_get_le(&r, 8) != key.lo ||
        gen_get_le(&r, 8) != key.hi)
        return -1;
    *status = (int)gen_get_le(&r, 4);
    *nfiles = (size_t)gen_get_le(&r, 8);
    nprobes = gen_get_le(&r, 4);
    if (r.bad || (*status != GEN_EXIT_CLEAN && *status != GEN_EXIT_FINDINGS))
        return -1;
    /* Each probe is asked as it is read: the first that does not hold
     * ends the replay, usually at the file that was edited. */
    for (i = 0; i < nprobes; i++) {
        struct gen_probe pr;

        if (next_probe(&r, &pr, &pbuf, &rbuf) < 0)
            goto done;
        if (!holds(&pr, arg)) {
            ok = 0;
            goto done;
        }
    }
    len = gen_get_le(&r, 8);
    *out = gen_get_bytes(&r, len);
    *outlen = (size_t)len;
    if (!r.bad && r.p == r.end)
        ok = 1;
done:
    gen_buf_free(&pbuf);
    gen_buf_free(&rbuf);
    return ok;
}

static int
probe_holds(const struct gen_probe *pr, void *arg)
{
    (void)arg;
    return gen_probe_holds(pr);
}

int
gen_runs_replay(const char *dir, struct gen_digest key, FILE *out, int *status,
                size_t *nfiles)
{
    char *path = record_path(dir, key), *data;
    const char *text = NULL;
    size_t n = 0, len = 0;
    int ok;

    data = gen_read_own_file(path, &n);
    free(path);
    if (data == NULL)
        return 0;
    ok = gen_runs_read(data, n, key, probe_holds, NULL, &text, &len, status,
                       nfiles) == 1;
    if (ok && len > 0)
        fwrite(text, 1, len, out);
    free(data);
    return ok;
}

/* ---- Writing ------------------------------------------------------------ */

static int
racy(const struct gen_probe *pr, time_t started)
{
    return pr->kind == GEN_PROBE_STAT && pr->err == 0 &&
           (pr->st[1] == 0 ||
            (int64_t)pr->st[3] >= (int64_t)started - RACY_SECONDS);
}

/* Write data to path through a temporary file renamed into place (no
 * fsync: a record lost in a crash is only a slower next run). */
static int
write_record(const char *dir, const char *path, const char *data, size_t n)
{
    char *tmp = gen_xasprintf("%s/.run-%ld", dir, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    size_t off = 0;
    int rc = -1;

    if (fd >= 0) {
        while (off < n) {
            ssize_t w = write(fd, data + off, n - off);

            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        if (close(fd) == 0 && off == n && rename(tmp, path) == 0)
            rc = 0;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

struct aged {
    char *path;
    struct timespec mtime;
};

static int
cmp_aged(const void *a, const void *b)
{
    const struct aged *x = a, *y = b;

    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
    return strcmp(x->path, y->path);
}

/* Remove all but the KEEP_RECORDS newest records of dir. */
static void
prune(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct aged *v = NULL;
    size_t n = 0, cap = 0, i;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        struct aged a;
        struct stat st;

        if (strlen(e->d_name) != 32 || e->d_name[0] == '.')
            continue;
        a.path = gen_xasprintf("%s/%s", dir, e->d_name);
        if (stat(a.path, &st) != 0) {
            free(a.path);
            continue;
        }
        a.mtime = st.st_mtim;
        GEN_PUSH(v, n, cap, a);
    }
    closedir(d);
    if (n > KEEP_RECORDS) {
        qsort(v, n, sizeof(*v), cmp_aged);
        for (i = KEEP_RECORDS; i < n; i++)
            unlink(v[i].path);
    }
    for (i = 0; i < n; i++)
        free(v[i].path);
    free(v);
}

void
gen_runs_save(const char *dir, struct gen_digest key,
              const struct gen_probe *probes, size_t nprobes, const char *out,
              size_t len, int status, size_t nfiles, time_t started)
{
    struct gen_buf b = {0};
    size_t i;
    char *path;

    for (i = 0; i < nprobes; i++)
        if (racy(&probes[i], started))
            return;
    gen_buf_append(&b, magic, 4);
    gen_put_le(&b, RECORD_VERSION, 4);
    gen_put_le(&b, key.lo, 8);
    gen_put_le(&b, key.hi, 8);
    gen_put_le(&b, (uint64_t)status, 4);
    gen_put_le(&b, nfiles, 8);
    gen_put_le(&b, nprobes, 4);
    for (i = 0; i < nprobes; i++) {
        const struct gen_probe *pr = &probes[i];
        size_t n = strlen(pr->path);
        int k;

        gen_put_le(&b, pr->kind, 1);
        gen_put_le(&b, (uint64_t)(uint32_t)pr->err, 4);
        gen_put_le(&b, n, 4);
        gen_buf_append(&b, pr->path, n);
        if (pr->kind == GEN_PROBE_STAT)
            for (k = 0; k < 7; k++)
                gen_put_le(&b, pr->st[k], 8);
        else if (pr->kind == GEN_PROBE_TYPE)
            gen_put_le(&b, pr->st[0], 8);
        else if (pr->real == NULL)
            gen_put_le(&b, 0, 4);
        else {
            gen_put_le(&b, strlen(pr->real) + 1, 4);
            gen_buf_puts(&b, pr->real);
        }
    }
    gen_put_le(&b, len, 8);
    gen_buf_append(&b, out, len);
    gen_put_le(&b, gen_digest(b.data, b.len).lo, 8);
    path = record_path(dir, key);
    /* A cache that cannot be written was said once, by the pack's save. */
    if (gen_mkdirs(dir) == 0 && write_record(dir, path, b.data, b.len) == 0)
        prune(dir);
    free(path);
    gen_buf_free(&b);
}
