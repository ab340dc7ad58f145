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

struct stat;
/* gen_read_file(), and *st the file's fstat(), the same before and after
 * the read that returned its bytes. */
char *
gen_read_file_st(const char *path, size_t *len, struct stat *st);

#endif /* GEN_UTIL_H */
