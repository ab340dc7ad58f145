/* Run-time dispatch: the branches of `if sniffio.current_async_library()
 * == "trio":`, of a backend parameter compared with "trio"/"asyncio" and
 * of `match backend: case "trio":` become regions, byte ranges whose
 * events are checked in the domain the branch tests for. */
#ifndef GEN_DISPATCH_H
#define GEN_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include <tree_sitter/api.h>

/* Events inside [start, end) are in domain `region` (GEN_REGION_*). */
struct gen_region {
    uint32_t start, end;
    uint8_t region;
};

/* In the order their statements start; the innermost is last. */
struct gen_regions {
    struct gen_region *regions;
    size_t nregions, capregions;
};

/* The region around byte b: the innermost one that holds it, or
 * GEN_REGION_NONE. */
uint8_t
gen_region_at(const struct gen_regions *m, uint32_t b);

/* Add the block's byte range as a region. */
void
gen_region_push(struct gen_regions *m, TSNode block, uint8_t region);

/* The regions of an if/elif/else chain that tests the running library. */
void
gen_dispatch_if(struct gen_regions *m, TSNode n, const char *src);

/* The domain `assert X == "trio"` (or "asyncio") states, where X is a
 * call of `current_async_library` (*call set to it), or 0.  A negated or
 * any other test states nothing. */
int
gen_dispatch_assert(TSNode cond, const char *src, TSNode *call);

/* The regions of a match statement on the running library. */
void
gen_dispatch_match(struct gen_regions *m, TSNode n, const char *src);

#endif /* GEN_DISPATCH_H */
