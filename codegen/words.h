/* The byte scans that decide, without a parse, whether a file's text has
 * anything a rule looks at, and what a dormant file keeps instead of its
 * facts.  One pass over the text each: a cold run reads every file of
 * the tree, and parses few of them. */
#ifndef GEN_WORDS_H
#define GEN_WORDS_H

#include <stddef.h>
#include <stdint.h>

/* 1 if src holds one of the library, runner or pytest words (or
 * `runtime`, the module of the shims; may be NULL) anywhere, or `async`
 * or `await` as a word outside strings and comments. */
int
gen_words_live(const char *src, size_t len, const char *runtime);

/* The gen_hash() of each word of src that is capitalised or on a line
 * with the word `import`, sorted and unique, in a new array (NULL when
 * there are none) of *n. */
uint64_t *
gen_words_caps(const char *src, size_t len, size_t *n);

#endif /* GEN_WORDS_H */
