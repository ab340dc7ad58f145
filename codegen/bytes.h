/* Little-endian integers written to a buffer and read back with bounds
 * checks: the layouts of the cache's pack (cache.c) and of the run
 * records (runs.c). */
#ifndef GEN_BYTES_H
#define GEN_BYTES_H

#include <stdint.h>

#include "util.h"

/* Append the low `bytes` bytes of v to b, least significant first. */
void
gen_put_le(struct gen_buf *b, uint64_t v, int bytes);

/* A reader of p[0:end - p].  Reading past the end sets bad, and from
 * then on every read fails: a caller checks bad once, at the end. */
struct gen_rd {
    const unsigned char *p, *end;
    int bad;
};

/* The next `bytes` bytes as an integer, or 0 (and bad) past the end. */
uint64_t
gen_get_le(struct gen_rd *r, int bytes);

/* The next n bytes (borrowed from the reader's data), or NULL (and bad)
 * past the end. */
const void *
gen_get_bytes(struct gen_rd *r, uint64_t n);

#endif /* GEN_BYTES_H */
