/* hex: lowercase hexadecimal encoding of byte strings (ids and keys). */
#ifndef LORE_HEX_H
#define LORE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Write 2*n lowercase hex digits and a NUL into out (which holds 2*n+1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);
/* Decode exactly 2*outlen hex digits (either case) from in[0..inlen). Return 0, or -1 if inlen
 * differs from 2*outlen or a character is not a hex digit (out is then unspecified). */
int hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen)
    __attribute__((warn_unused_result));
/* The value of one hex digit (either case), or -1. */
int hex_digit(char c);

/* 1 if s is non-empty and only hex digits, else 0. */
int hex_is_hex(const char *s);
/* 1 if s (NUL-terminated) is exactly 2*nbytes lowercase hex digits, the form of ids and keys in
 * attributes, else 0. */
int hex_is_lower(const char *s, size_t nbytes);

#endif
