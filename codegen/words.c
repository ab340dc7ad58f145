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

/* Which words (bits: live_bytes' indexes, then `async` and `await`)
 * have each byte as their first, second and third: a position where
 * the three masks of its bytes share a bit starts a candidate, which
 * is then compared whole.  Fewer than one position in a hundred of
 * Python text gets that far, and the test has no branch until then. */
#define W_ASYNC (1u << NLIVE)
#define W_AWAIT (1u << (NLIVE + 1))
static const uint16_t at0[256] = {
    ['t'] = 1u << 0, ['a'] = 1u << 1 | W_ASYNC | W_AWAIT,
    ['s'] = 1u << 2, ['c'] = 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6,
    ['r'] = 1u << 7, ['p'] = 1u << 8,
};
static const uint16_t at1[256] = {
    ['r'] = 1u << 0 | 1u << 3, ['s'] = 1u << 1 | W_ASYNC,
    ['t'] = 1u << 2,           ['a'] = 1u << 4 | 1u << 5 | 1u << 6,
    ['u'] = 1u << 7,           ['y'] = 1u << 8,
    ['w'] = W_AWAIT,
};
static const uint16_t at2[256] = {
    ['i'] = 1u << 0,
    ['y'] = 1u << 1 | W_ASYNC,
    ['a'] = 1u << 2 | W_AWAIT,
    ['e'] = 1u << 3,
    ['l'] = 1u << 4 | 1u << 5 | 1u << 6,
    ['n'] = 1u << 7,
    ['t'] = 1u << 8,
};

/* GCC's and clang's vector extension: SSE2 on x86-64, NEON on arm64, and
 * plain code elsewhere.  A comparison gives -1 (all bits) or 0 per byte. */
typedef unsigned char v16 __attribute__((vector_size(16)));
typedef signed char m16 __attribute__((vector_size(16)));

static v16
vload(const char *s)
{
    v16 v;

    memcpy(&v, s, sizeof(v));
    return v;
}

#define EQ3(x, y, z) ((a == (x)) & (b == (y)) & (c == (z)))

/* Whether one of the 16 positions from s (with 18 bytes readable) starts
 * with the first three bytes of a word: tri, asy, awa, sta, cre, cal,
 * run, pyt. */
static int
block_may_start(const char *s)
{
    v16 a = vload(s), b = vload(s + 1), c = vload(s + 2);
    m16 m = EQ3('t', 'r', 'i') | EQ3('a', 's', 'y') | EQ3('a', 'w', 'a') |
            EQ3('s', 't', 'a') | EQ3('c', 'r', 'e') | EQ3('c', 'a', 'l') |
            EQ3('r', 'u', 'n') | EQ3('p', 'y', 't');
    uint64_t w[2];

    memcpy(w, &m, sizeof(w));
    return (w[0] | w[1]) != 0;
}

int
gen_words_live(const char *src, size_t len, const char *runtime)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i, k;
    int coro = 0;

    /* The runtime's name needs a search of its own unless it spells one
     * of the words (trioaio does). */
    if (runtime != NULL && runtime[0] != '\0') {
        for (k = 0; k < NLIVE && strstr(runtime, live_bytes[k]) == NULL; k++)
            ;
        if (k == NLIVE && memmem(src, len, runtime, strlen(runtime)) != NULL)
            return 1;
    }
    /* Every word is at least 4 bytes long: the last 3 start none. */
    for (i = 0; i + 4 <= len; i++) {
        /* 16 positions at a time while none of them can start a word
         * (vector compares: no branch per byte). */
        while (i + 18 <= len && !block_may_start(src + i))
            i += 16;
        if (i + 4 > len)
            break;
        unsigned m = at0[s[i]] & at1[s[i + 1]] & at2[s[i + 2]];

        if (m == 0)
            continue;
        for (k = 0; k < NLIVE; k++) {
            size_t n = strlen(live_bytes[k]);

            if ((m & 1u << k) && len - i >= n &&
                memcmp(src + i, live_bytes[k], n) == 0)
                return 1;
        }
        if ((m & (W_ASYNC | W_AWAIT)) && len - i >= 5 &&
            (memcmp(src + i, "async", 5) == 0 ||
             memcmp(src + i, "await", 5) == 0) &&
            whole(src, len, src + i, 5))
            coro = 1;
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

/* What a byte may start in gen_words_caps: 1 a capitalised word, 2 the
 * word `import`. */
static const uint8_t cap_start[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['i'] = 2,
};

/* Whether one of the 16 positions from s (with 17 bytes readable) is a
 * capital letter or starts `im`. */
static int
block_may_cap(const char *s)
{
    v16 a = vload(s), b = vload(s + 1);
    m16 m = ((v16)(a - 'A') < 26) | ((a == 'i') & (b == 'm'));
    uint64_t w[2];

    memcpy(w, &m, sizeof(w));
    return (w[0] | w[1]) != 0;
}

/* Add the hash of the word at w (the whole run of identifier bytes). */
static const char *
add_word(struct hset *set, const char *w, const char *end)
{
    const char *s = w;

    while (s < end && IDENT(*s))
        s++;
    hset_add(set, gen_hash(w, (size_t)(s - w)));
    return s;
}

uint64_t *
gen_words_caps(const char *src, size_t len, size_t *n)
{
    const char *s = src, *end = src + len;
    struct hset set = {0};
    uint64_t *out;
    size_t i, k = 0;

    /* One pass: each capitalised word, and at a word `import` every word
     * of its line (a word seen twice is in the set once). */
    while (s < end) {
        const char *ls, *le;
        uint8_t what;

        while (end - s >= 17 && !block_may_cap(s))
            s += 16;
        if (s >= end)
            break;
        what = cap_start[(unsigned char)*s];

        if (what == 0 || (s > src && IDENT(s[-1]))) {
            s++;
            continue;
        }
        if (what == 1) {
            s = add_word(&set, s, end);
            continue;
        }
        if (end - s < 6 || memcmp(s, "import", 6) != 0 ||
            (end - s > 6 && IDENT(s[6]))) {
            s++;
            continue;
        }
        ls = memrchr(src, '\n', (size_t)(s - src));
        ls = ls ? ls + 1 : src;
        le = memchr(s, '\n', (size_t)(end - s));
        le = le ? le : end;
        for (s = ls; s < le;)
            if (IDENT(*s))
                s = add_word(&set, s, le);
            else
                s++;
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
