#include "bytes.h"

void
gen_put_le(struct gen_buf *b, uint64_t v, int bytes)
{
    char tmp[8];
    int i;

    for (i = 0; i < bytes; i++)
        tmp[i] = (char)(v >> (8 * i));
    gen_buf_append(b, tmp, (size_t)bytes);
}

uint64_t
gen_get_le(struct gen_rd *r, int bytes)
{
    uint64_t v = 0;
    int i;

    if (r->bad || r->end - r->p < bytes) {
        r->bad = 1;
        return 0;
    }
    for (i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += bytes;
    return v;
}

const void *
gen_get_bytes(struct gen_rd *r, uint64_t n)
{
    const unsigned char *s = r->p;

    if (r->bad || (uint64_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    r->p += n;
    return s;
}
