#include "hex.h"

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * n] = '\0';
}

int hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen)
{
    size_t i;
    int hi, lo;

    if (outlen > SIZE_MAX / 2 || inlen != 2 * outlen)
        return -1;
    for (i = 0; i < outlen; i++) {
        hi = hex_digit(in[2 * i]);
        lo = hex_digit(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int hex_is_hex(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (hex_digit(*s) < 0)
            return 0;
    return 1;
}

int hex_is_lower(const char *s, size_t nbytes)
{
    size_t i;

    for (i = 0; i < 2 * nbytes; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[2 * nbytes] == '\0';
}
