#include "write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum gen_owner
gen_owner_of(const char *path, char **data, size_t *len)
{
    struct stat st;

    *data = NULL;
    *len = 0;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? GEN_OWNER_ABSENT : GEN_OWNER_ERROR;
    if (!S_ISREG(st.st_mode))
        return GEN_OWNER_NOT_FILE;
    *data = gen_read_file(path, len);
    if (*data == NULL)
        return GEN_OWNER_ERROR;
    if (strncmp(*data, GEN_HEADER, strlen(GEN_HEADER)) == 0)
        return GEN_OWNER_OURS;
    return GEN_OWNER_FOREIGN;
}

char *
gen_recorded_source(const char *data)
{
    const char *p = strstr(data, "\n" GEN_SOURCE_PREFIX);
    size_t n;

    if (p == NULL)
        return NULL;
    p += 1 + strlen(GEN_SOURCE_PREFIX);
    n = strcspn(p, "\n");
    return gen_xstrndup(p, n);
}

int
gen_mkdirs(const char *dir)
{
    char *p = gen_xstrdup(dir), *s;
    int rc = 0;

    for (s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;

            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    return rc;
}

int
gen_write_atomic(const char *path, const char *data, size_t len)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash + 1 - path) : 0;
    char *tmp = gen_xasprintf("%.*s.%s.tmp%ld", dirlen, path, path + dirlen,
                              (long)getpid());
    FILE *f;
    int err = 0;

    f = fopen(tmp, "wb");
    if (f == NULL) {
        err = errno;
        free(tmp);
        errno = err;
        return -1;
    }
    if (fwrite(data, 1, len, f) != len || fflush(f) != 0 ||
        fsync(fileno(f)) != 0)
        err = errno ? errno : EIO;
    if (fclose(f) != 0 && err == 0)
        err = errno;
    if (err == 0 && rename(tmp, path) != 0)
        err = errno;
    if (err != 0)
        unlink(tmp);
    free(tmp);
    errno = err;
    return err ? -1 : 0;
}

/* Split text into lines (each keeps its '\n').  Returns the count. */
static size_t
split_lines(const char *s, const char ***lines, size_t **lens)
{
    size_t n = 0, cap = 0, capl = 0, nl = 0;
    const char *p = s;

    *lines = NULL;
    *lens = NULL;
    if (s == NULL)
        return 0;
    while (*p) {
        size_t k = strcspn(p, "\n");

        if (p[k] == '\n')
            k++;
        GEN_PUSH(*lines, n, cap, p);
        GEN_PUSH(*lens, nl, capl, k);
        p += k;
    }
    return n;
}

static int
same_line(const char *a, size_t la, const char *b, size_t lb)
{
    return la == lb && memcmp(a, b, la) == 0;
}

static void
diff_line(struct gen_buf *b, char mark, const char *s, size_t n)
{
    gen_buf_append(b, &mark, 1);
    gen_buf_append(b, s, n);
    if (n == 0 || s[n - 1] != '\n')
        gen_buf_puts(b, "\n\\ No newline at end of file\n");
}

/* One step of an edit script: a line kept, removed (old) or added (new). */
struct op {
    char kind;   /* ' ', '-', '+' */
    size_t o, n; /* line indices in old and new (the one that applies) */
};

/* The middle of the files (after the common head and tail) as a shortest
 * edit script: a longest common subsequence by dynamic programming, so
 * unchanged lines between changes stay context.  Files bigger than the
 * table allows are treated as one replaced block (still a correct
 * diff). */
static void
middle_ops(const char **ol, const size_t *olen, size_t a, size_t ae,
           const char **nl, const size_t *nlen, size_t b, size_t be,
           struct op **ops, size_t *nops, size_t *cap)
{
    size_t no = ae - a, nn = be - b, i, j;
    unsigned *t;

    if (no == 0 || nn == 0 || no * nn > 16u * 1024 * 1024) {
        for (i = a; i < ae; i++) {
            struct op x = {'-', i, 0};

            GEN_PUSH(*ops, *nops, *cap, x);
        }
        for (j = b; j < be; j++) {
            struct op x = {'+', 0, j};

            GEN_PUSH(*ops, *nops, *cap, x);
        }
        return;
    }
    /* t[i][j]: LCS length of old[a+i..] and new[b+j..]. */
    t = gen_xcalloc((no + 1) * (nn + 1), sizeof(*t));
#define T(i, j) t[(i) * (nn + 1) + (j)]
    for (i = no; i-- > 0;)
        for (j = nn; j-- > 0;)
            T(i, j) =
                same_line(ol[a + i], olen[a + i], nl[b + j], nlen[b + j])
                    ? T(i + 1, j + 1) + 1
                    : (T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
    i = j = 0;
    while (i < no || j < nn) {
        struct op x;

        if (i < no && j < nn &&
            same_line(ol[a + i], olen[a + i], nl[b + j], nlen[b + j])) {
            x = (struct op){' ', a + i++, b + j++};
        }
        else if (j < nn && (i == no || T(i, j + 1) > T(i + 1, j))) {
            x = (struct op){'+', a + i, b + j++};
        }
        else {
            x = (struct op){'-', a + i++, b + j};
        }
        GEN_PUSH(*ops, *nops, *cap, x);
    }
#undef T
    free(t);
}

void
gen_udiff(struct gen_buf *b, const char *path, const char *old,
          const char *new_)
{
    const char **ol, **nl;
    size_t *olen, *nlen, no, nn, pre = 0, suf = 0, i, k, cap = 0, nops = 0;
    struct op *ops = NULL;

    no = split_lines(old, &ol, &olen);
    nn = split_lines(new_, &nl, &nlen);
    while (pre < no && pre < nn &&
           same_line(ol[pre], olen[pre], nl[pre], nlen[pre]))
        pre++;
    while (suf < no - pre && suf < nn - pre &&
           same_line(ol[no - 1 - suf], olen[no - 1 - suf], nl[nn - 1 - suf],
                     nlen[nn - 1 - suf]))
        suf++;
    if (pre == no && pre == nn)
        goto out;
    for (i = 0; i < pre; i++) {
        struct op x = {' ', i, i};

        GEN_PUSH(ops, nops, cap, x);
    }
    middle_ops(ol, olen, pre, no - suf, nl, nlen, pre, nn - suf, &ops, &nops,
               &cap);
    for (i = 0; i < suf; i++) {
        struct op x = {' ', no - suf + i, nn - suf + i};

        GEN_PUSH(ops, nops, cap, x);
    }
    gen_buf_printf(b, "--- %s\n+++ %s\n", old ? path : "/dev/null",
                   new_ ? path : "/dev/null");
    /* Hunks: each change with 3 lines of context; changes closer than 7
     * kept lines share one hunk. */
    for (k = 0; k < nops;) {
        size_t first, last, end, h, os = 0, ns = 0, oc = 0, nc = 0, o0, n0;

        while (k < nops && ops[k].kind == ' ')
            k++;
        if (k == nops)
            break;
        first = k;
        last = k;
        for (h = k + 1; h < nops; h++) {
            if (ops[h].kind != ' ') {
                last = h;
            }
            else if (h - last > 6) {
                break;
            }
        }
        first = first > 3 ? first - 3 : 0;
        end = last + 4 < nops ? last + 4 : nops;
        for (h = first; h < end; h++) {
            if (ops[h].kind != '+')
                oc++;
            if (ops[h].kind != '-')
                nc++;
        }
        o0 = ops[first].kind == '+' ? ops[first].o : ops[first].o;
        n0 = ops[first].kind == '-' ? ops[first].n : ops[first].n;
        os = oc ? o0 + 1 : o0;
        ns = nc ? n0 + 1 : n0;
        gen_buf_printf(b, "@@ -%zu,%zu +%zu,%zu @@\n", os, oc, ns, nc);
        for (h = first; h < end; h++) {
            if (ops[h].kind == '+')
                diff_line(b, '+', nl[ops[h].n], nlen[ops[h].n]);
            else
                diff_line(b, ops[h].kind, ol[ops[h].o], olen[ops[h].o]);
        }
        k = end;
    }
out:
    free(ops);
    free(ol);
    free(nl);
    free(olen);
    free(nlen);
}
