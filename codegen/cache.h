/* The cache of per-file facts, like ruff's .ruff_cache.
 *
 * What the model built from a file's text (codec.c) is stored under a key
 * that is a 128-bit hash of that text, in one pack file per build of the
 * tool: its directory is named by the build id (a hash of the tool's
 * sources) and the encoding's version, so another build never reads it.
 * Beside the entries, the pack remembers each file's path with its size,
 * inode and change times and the key of the text it had: a file whose
 * stat() still says the same is not read at all, and one that changed is
 * read, hashed and looked up by content, so that an edit undone, a copy or
 * a touch still hits.  (A file modified within two seconds before a run
 * is never remembered by its stat(), as git does with "racily clean"
 * entries: a second edit within the timestamps' granularity would not
 * show in them.)
 *
 * Only per-file facts are kept.  Everything that depends on other files
 * or on the configuration (name resolution, domains, findings) is redone
 * on every run that uses the pack, which is what keeps a warm run right
 * after any edit, in any file.  (A run whose inputs all answer as an
 * earlier run's did prints that run's output instead: runs.h.)  The pack is
 * written to a temporary file renamed into place, so a reader sees a whole
 * pack or the previous one, and two runs at once at worst each lose the
 * other's new entries.  A pack that is unreadable, truncated, from elsewhere
 * or corrupt (a checksum covers all of it) is ignored and rewritten. */
#ifndef GEN_CACHE_H
#define GEN_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "facts.h"

/* The directory name used when no other is configured. */
#define GEN_CACHE_DEFAULT_DIR ".trioaio-gen-cache"

struct gen_cache;

/* A 128-bit hash of n bytes (not cryptographic; a cache key). */
struct gen_digest {
    uint64_t lo, hi;
};
struct gen_digest
gen_digest(const void *data, size_t n);

/* The directory of this build's cache under `root` (newly allocated). */
char *
gen_cache_dir(const char *root);

/* The cache rooted at the directory `root` (created when first written),
 * with its pack read.  Never fails: an unusable pack is an empty cache,
 * and a failed write is one warning. */
struct gen_cache *
gen_cache_open(const char *root);

/* Fill f's model facts if f->path's stat() is the one the pack remembers:
 * returns 1, and the file need not be read.  Otherwise returns 0 with *st
 * set for gen_cache_get() (st->st_ino == 0 if stat() failed). */
int
gen_cache_by_stat(struct gen_cache *c, struct gen_file *f, struct stat *st);

/* Fill f's model facts from the entry for the text src[0:len], which
 * f->path had with stat *st.  Returns 1 on a hit, 0 (f unchanged) if
 * there is none; then the caller builds the model and calls
 * gen_cache_put(). */
int
gen_cache_get(struct gen_cache *c, struct gen_file *f, const char *src,
              size_t len, const struct stat *st);

/* Remember f's model facts, just built from src[0:len]. */
void
gen_cache_put(struct gen_cache *c, const struct gen_file *f, const char *src,
              size_t len, const struct stat *st);

/* Write the pack if this run added or changed anything. */
void
gen_cache_save(struct gen_cache *c);

/* How many files came from the cache (*unread of them by their stat()
 * alone), how many were modelled anew, whether the pack was written, and
 * the pack's path. */
void
gen_cache_stats(const struct gen_cache *c, size_t *hits, size_t *unread,
                size_t *misses, int *written, const char **path);

/* Read pack bytes into an empty cache (for the fuzzer: the reader must be
 * safe on anything); returns 0 or -1.  Each entry is then decoded into a
 * scratch file through `each`, if not NULL. */
int
gen_cache_load_pack(struct gen_cache *c, const char *data, size_t n,
                    void (*each)(struct gen_file *f, void *arg), void *arg);

/* An empty cache with no directory (for the fuzzer). */
struct gen_cache *
gen_cache_new_empty(void);

/* NULL is a no-op.  Does not save. */
void
gen_cache_close(struct gen_cache *c);

#endif /* GEN_CACHE_H */
