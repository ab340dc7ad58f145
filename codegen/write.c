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
    if (!S_ISREG(st.st_mode)) {
        errno = EISDIR;
        return GEN_OWNER_ERROR;
    }
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
    char *tmp;
    FILE *f;
    int err = 0;

    if (slash)
        tmp = gen_xasprintf("%.*s/.%s.tmp%ld", (int)(slash - path), path,
                            slash + 1, (long)getpid());
    else
        tmp = gen_xasprintf(".%s.tmp%ld", path, (long)getpid());
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

void
gen_udiff(struct gen_buf *b, const char *path, const char *old,
          const char *new_)
{
    const char **ol, **nl;
    size_t *olen, *nlen, no, nn, pre = 0, suf = 0, a0, b0, ae, be, i;

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
    a0 = pre > 3 ? pre - 3 : 0;
    b0 = a0;
    ae = no - suf + (suf > 3 ? 3 : suf);
    be = nn - suf + (suf > 3 ? 3 : suf);
    gen_buf_printf(b, "--- %s\n+++ %s\n", old ? path : "/dev/null",
                   new_ ? path : "/dev/null");
    gen_buf_printf(b, "@@ -%zu,%zu +%zu,%zu @@\n", ae - a0 ? a0 + 1 : a0,
                   ae - a0, be - b0 ? b0 + 1 : b0, be - b0);
    for (i = a0; i < pre; i++)
        diff_line(b, ' ', ol[i], olen[i]);
    for (i = pre; i < no - suf; i++)
        diff_line(b, '-', ol[i], olen[i]);
    for (i = pre; i < nn - suf; i++)
        diff_line(b, '+', nl[i], nlen[i]);
    for (i = no - suf; i < ae; i++)
        diff_line(b, ' ', ol[i], olen[i]);
out:
    free(ol);
    free(nl);
    free(olen);
    free(nlen);
}
