/* The per-file facts as bytes, and back: what the cache stores.
 *
 * Only the facts the model builds from a file's text are encoded (never
 * the fields the index fills in, nor the path, module name or root, which
 * depend on where the file is), so one encoding serves every file with
 * the same content.  The decoder is safe on arbitrary bytes: it checks
 * every length, count, index and enum against what the model can produce
 * and rejects anything else, leaving the file empty. */
#ifndef GEN_CODEC_H
#define GEN_CODEC_H

#include <stddef.h>

#include "facts.h"
#include "util.h"

/* Bumped whenever the encoding or the meaning of a fact changes. */
#define GEN_CODEC_VERSION 4

/* Append the model facts of f to b. */
void
gen_facts_encode(const struct gen_file *f, struct gen_buf *b);

/* Fill the model facts of f (whose model fields are empty) from data[0:n].
 * Returns 0, or -1 when the bytes are not an encoding gen_facts_encode()
 * could have written; then f's model fields are freed and zeroed again
 * and the rest of f is untouched. */
int
gen_facts_decode(struct gen_file *f, const char *data, size_t n);

#endif /* GEN_CODEC_H */
