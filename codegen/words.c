#include "words.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Matched anywhere: library and runtime names (trio also covers the
 * shims, trioaio and trio_asyncio, and string annotations and dispatch
 * literals spell them), the runners and schedulers the index takes by
 * their method name alone or through a receiver's type, and pytest's
 * module marks.  Other runners are only runners as trio.* or asyncio.*,
 * which the names cover.  Each is at least 4 bytes long. */
static const char *const live_bytes[] = {
    "trio",       "asyncio", "start_soon",         "create_task", "call_soon",
    "call_later", "call_at", "run_until_complete", "pytestmark",
};
#define NLIVE (sizeof(live_bytes) / sizeof(live_bytes[0]))

/* Python identifier bytes (any byte >= 0x80 counts: UTF-8 letters). */
/* clang-format off */
static const uint8_t ident[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};
/* clang-format on */

#define IDENT(c) ident[(unsigned char)(c)]

/* Whether the n bytes at `at` (inside src[0:len]) are a whole word. */
static int
whole(const char *src, size_t len, const char *at, size_t n)
{
    return (at == src || !IDENT(at[-1])) &&
           (at + n == src + len || !IDENT(at[n]));
}

/* Skip the string literal whose opening quote is at s (a prefix before
 * it does not matter: a backslash escapes the next character in every
 * kind); returns where it ends, or NULL if it does not end. */
static const char *
skip_string(const char *s, const char *end)
{
    char q = *s;
    int triple = end - s >= 3 && s[1] == q && s[2] == q;

    s += triple ? 3 : 1;
    while (s < end) {
        if (*s == '\\') {
            s += 2;
            continue;
        }
        if (*s == q && (!triple || (end - s >= 3 && s[1] == q && s[2] == q)))
            return s + (triple ? 3 : 1);
        /* A one-line string ends at the line at the latest. */
        if (*s == '\n' && !triple)
            return s;
        s++;
    }
    return triple ? NULL : end;
}

/* Whether `async` or `await` is a word of src outside comments and string
 * literals: a docstring or a comment that mentions them is no coroutine.
 * Conservative: a string that does not end counts as code, and a 3.12
 * f-string that nests its own quotes only makes more of it code. */
static int
coroutine_word(const char *src, size_t len)
{
    const char *s = src, *end = src + len;

    while (s < end) {
        unsigned char c = (unsigned char)*s;

        if (c == '#') {
            const char *eol = memchr(s, '\n', (size_t)(end - s));

            s = eol ? eol : end;
        }
        else if (c == '"' || c == '\'') {
            s = skip_string(s, end);
            if (s == NULL)
                return 1;
        }
        else if (IDENT(c)) {
            const char *w = s;

            while (s < end && IDENT(*s))
                s++;
            if (s - w == 5 &&
                (memcmp(w, "async", 5) == 0 || memcmp(w, "await", 5) == 0))
                return 1;
        }
        else {
            s++;
        }
    }
    return 0;
}

static uint32_t
load4(const char *s)
{
    uint32_t w;

    memcpy(&w, s, 4);
    return w;
}

/* Whether live_bytes[k] is at s (with at least 4 bytes from s on). */
static int
live_at(const char *s, const char *end, size_t k)
{
    const char *w = live_bytes[k];
    size_t n = strlen(w);

    return (size_t)(end - s) >= n && load4(s) == load4(w) &&
           memcmp(s + 4, w + 4, n - 4) == 0;
}

int
gen_words_live(const char *src, size_t len, const char *runtime)
{
    const char *s, *end = src + len;
    int coro = 0;
    size_t k;

    /* The runtime's name needs a search of its own unless it spells one
     * of the words (trioaio does). */
    if (runtime != NULL && runtime[0] != '\0') {
        for (k = 0; k < NLIVE && strstr(runtime, live_bytes[k]) == NULL; k++)
            ;
        if (k == NLIVE && memmem(src, len, runtime, strlen(runtime)) != NULL)
            return 1;
    }
    /* One pass: the words by their first byte (every word and `async`,
     * `await` is at least 4 bytes, so the last 3 bytes start none). */
    for (s = src; len >= 4 && s <= end - 4; s++) {
        switch (*s) {
        case 't':
            if (live_at(s, end, 0))
                return 1;
            break;
        case 'a':
            if (live_at(s, end, 1))
                return 1;
            if (!coro && end - s >= 5 &&
                (memcmp(s, "async", 5) == 0 || memcmp(s, "await", 5) == 0) &&
                whole(src, len, s, 5))
                coro = 1;
            break;
        case 's':
            if (live_at(s, end, 2))
                return 1;
            break;
        case 'c':
            if (live_at(s, end, 3) || live_at(s, end, 4) ||
                live_at(s, end, 5) || live_at(s, end, 6))
                return 1;
            break;
        case 'r':
            if (live_at(s, end, 7))
                return 1;
            break;
        case 'p':
            if (live_at(s, end, 8))
                return 1;
            break;
        default:
            break;
        }
    }
    /* Most files have neither word at all: the exact scan only for the
     * others. */
    return coro && coroutine_word(src, len);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* A set of hashes, open addressing; 0 stands for itself in `zero`. */
struct hset {
    uint64_t *slot;
    size_t cap, len;
    int zero;
};

static void
hset_add(struct hset *s, uint64_t h)
{
    size_t i;

    if (h == 0) {
        s->zero = 1;
        return;
    }
    if (2 * (s->len + 1) > s->cap) {
        struct hset big = {gen_xcalloc(s->cap ? 2 * s->cap : 256, 8),
                           s->cap ? 2 * s->cap : 256, 0, s->zero};

        for (i = 0; i < s->cap; i++)
            if (s->slot[i] != 0)
                hset_add(&big, s->slot[i]);
        free(s->slot);
        *s = big;
    }
    for (i = (size_t)h & (s->cap - 1); s->slot[i] != 0;
         i = (i + 1) & (s->cap - 1))
        if (s->slot[i] == h)
            return;
    s->slot[i] = h;
    s->len++;
}

uint64_t *
gen_words_caps(const char *src, size_t len, size_t *n)
{
    const char *s = src, *end = src + len, *imp = src;
    struct hset set = {0};
    uint64_t *out;
    size_t i, k = 0;

    /* imp: the next whole word `import` at or after the line (or end). */
    for (;;) {
        imp = memmem(imp, (size_t)(end - imp), "import", 6);
        if (imp == NULL || whole(src, len, imp, 6))
            break;
        imp += 6;
    }
    while (s < end) {
        const char *eol = memchr(s, '\n', (size_t)(end - s));
        int all;

        eol = eol ? eol : end;
        if (imp != NULL && imp < s) {
            for (imp = s;;) {
                imp = memmem(imp, (size_t)(end - imp), "import", 6);
                if (imp == NULL || whole(src, len, imp, 6))
                    break;
                imp += 6;
            }
        }
        all = imp != NULL && imp < eol;
        while (s < eol) {
            const char *w;

            if (!IDENT(*s)) {
                s++;
                continue;
            }
            w = s;
            while (s < eol && IDENT(*s))
                s++;
            if (all || (*w >= 'A' && *w <= 'Z'))
                hset_add(&set, gen_hash(w, (size_t)(s - w)));
        }
        s = eol + 1;
    }
    *n = set.len + (size_t)set.zero;
    if (*n == 0) {
        free(set.slot);
        return NULL;
    }
    out = gen_xmalloc(*n * sizeof(*out));
    if (set.zero)
        out[k++] = 0;
    for (i = 0; i < set.cap; i++)
        if (set.slot[i] != 0)
            out[k++] = set.slot[i];
    free(set.slot);
    qsort(out, k, sizeof(*out), cmp_u64);
    return out;
}
