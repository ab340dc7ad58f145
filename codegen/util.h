/* Small helpers shared by every module: diagnostics to stderr, allocators
 * that never return NULL, a growable byte buffer and a string hash map. */
#ifndef GEN_UTIL_H
#define GEN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of the tool (samurai's convention). */
enum {
    GEN_EXIT_CLEAN = 0,
    GEN_EXIT_FINDINGS = 1,
    GEN_EXIT_ERROR = 2,
};

extern const char *gen_argv0;

/* How many warnings gen_warn() has printed in this run. */
size_t
gen_warnings(void);

/* Print "trioaio-gen: message" to stderr. */
void
gen_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like gen_warn(), then exit with GEN_EXIT_ERROR. */
_Noreturn void
gen_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocators that abort the program instead of returning NULL. */
void *
gen_xmalloc(size_t n);
void *
gen_xcalloc(size_t count, size_t n);
void *
gen_xrealloc(void *p, size_t n);
char *
gen_xstrdup(const char *s);
char *
gen_xstrndup(const char *s, size_t n);
char *
gen_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *vec (holding *cap elements of size elem) to hold at least need. */
void
gen_grow(void **vec, size_t *cap, size_t need, size_t elem);
#define GEN_PUSH(vec, len, cap, value)                                        \
    do {                                                                      \
        gen_grow((void **)&(vec), &(cap), (len) + 1, sizeof(*(vec)));         \
        (vec)[(len)++] = (value);                                             \
    } while (0)

/* A growable byte buffer; data is always NUL-terminated when len > 0 or
 * after any append. */
struct gen_buf {
    char *data;
    size_t len;
    size_t cap;
};

void
gen_buf_append(struct gen_buf *b, const char *s, size_t n);
void
gen_buf_puts(struct gen_buf *b, const char *s);
void
gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void
gen_buf_vprintf(struct gen_buf *b, const char *fmt, va_list ap);
void
gen_buf_free(struct gen_buf *b);

/* Open-addressing map from strings (owned by the map) to pointers
 * (borrowed).  Keys are unique; gen_map_put replaces the value. */
struct gen_map {
    char **keys;
    void **vals;
    uint64_t *hashes; /* of keys[i], so that a probe rarely compares text */
    size_t cap;       /* power of two, or 0 */
    size_t len;
};

void *
gen_map_get(const struct gen_map *m, const char *key);
void *
gen_map_getn(const struct gen_map *m, const char *key, size_t n);
void
gen_map_put(struct gen_map *m, const char *key, void *val);
/* Make room for `more` keys at once (one rehash instead of several). */
void
gen_map_reserve(struct gen_map *m, size_t more);
/* Put key[0:n] -> val unless key is there already; returns 1 if it was
 * added, 0 if the map keeps its earlier value. */
int
gen_map_add(struct gen_map *m, const char *key, size_t n, void *val);
void
gen_map_free(struct gen_map *m);

uint64_t
gen_hash(const char *s, size_t n);

/* path as shown to the user: relative to the working directory when it
 * is an absolute path under it (files found on disk are absolute), else
 * path itself.  Returns a pointer into path. */
const char *
gen_display_path(const char *path);

/* Errors of gen_read_file() that errno has no code for; gen_strerror()
 * says them (and errno's own). */
enum {
    GEN_ENOTREG = 100000, /* a FIFO, socket or device: never read */
    GEN_ECHANGED,         /* written to all the while it was read */
};

/* strerror(), and the messages of GEN_ENOTREG and GEN_ECHANGED. */
const char *
gen_strerror(int err);

/* What a file type is, for messages ("a FIFO", "a directory"...). */
const char *
gen_file_kind(unsigned mode);

/* Read a whole regular file.  Returns NULL (with errno set) on failure:
 * EISDIR for a directory, GEN_ENOTREG for anything else that is not a
 * regular file (opened without blocking, and not read: a FIFO would
 * wait for a writer forever), GEN_ECHANGED if its size or times changed
 * during each of a few reads (the text would be torn).  The caller frees
 * the result, which is NUL-terminated. */
char *
gen_read_file(const char *path, size_t *len);

/* gen_read_file(), not logged (below): for the tool's own files, the
 * cache, that no finding depends on. */
char *
gen_read_own_file(const char *path, size_t *len);

struct stat;
/* gen_read_file(), and *st the file's fstat(), the same before and after
 * the read that returned its bytes. */
char *
gen_read_file_st(const char *path, size_t *len, struct stat *st);

/* ---- What a run learnt from the file system ------------------------------
 *
 * A check's findings depend on its arguments, its working directory, the
 * files its walk found, and what these primitives returned; the walk
 * itself (scan.c) is redone by every run.  While the log is on, each
 * records its path and result (the first time per path and kind), so
 * that a later run can ask whether it would see the same (runs.c) before
 * doing the work again.  So: every file-system read of the analysis goes
 * through gen_read_file*, gen_stat, gen_is_file (scan.h) or gen_realpath
 * (tests/gen/test_structure.py checks this). */

enum gen_probe_kind {
    GEN_PROBE_STAT = 'S', /* stat(): error, or the identity of the text */
    GEN_PROBE_TYPE = 'T', /* stat(): error, or only the file type */
    GEN_PROBE_REAL = 'R', /* realpath(): error, or the resolved path */
};

struct gen_probe {
    char *path;
    char *real;     /* GEN_PROBE_REAL's answer, or NULL */
    uint64_t st[7]; /* GEN_PROBE_STAT: dev, ino, size, mtime s/ns, ctime
                       s/ns; GEN_PROBE_TYPE: st[0] the S_IFMT bits */
    int err;        /* errno of the call, or 0 */
    uint8_t kind;   /* enum gen_probe_kind */
};

/* Start recording (from an empty log). */
void
gen_fslog_start(void);

/* Stop recording and hand over the log (in order of first probe); the
 * caller frees it with gen_probes_free(). */
struct gen_probe *
gen_fslog_take(size_t *n);

void
gen_probes_free(struct gen_probe *v, size_t n);

/* Ask the file system again: 1 if it answers the probe as recorded. */
int
gen_probe_holds(const struct gen_probe *pr);

/* The 7 fields of a GEN_PROBE_STAT from a struct stat. */
void
gen_stat_fields(const struct stat *st, uint64_t out[7]);

/* stat(), recorded as GEN_PROBE_STAT. */
int
gen_stat(const char *path, struct stat *st);

/* stat(), recorded as GEN_PROBE_TYPE: 0 and the S_IFMT bits of path's
 * mode in *type, or -1 with errno set. */
int
gen_stat_type(const char *path, unsigned *type);

/* realpath(path, NULL), recorded as GEN_PROBE_REAL. */
char *
gen_realpath(const char *path);

#endif /* GEN_UTIL_H */
