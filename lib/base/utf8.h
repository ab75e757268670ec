/* Making untrusted bytes valid UTF-8: process names, symbol names and host
 * names can hold any bytes, and JSON (jansson), protobuf strings and SVG
 * must not. */
#ifndef PSYS_UTF8_H
#define PSYS_UTF8_H

#include <jansson.h>
#include <stddef.h>

/* Copies the LEN bytes at S into OUT (size OUT_LEN, terminated) with every
 * byte that is not part of a valid UTF-8 sequence (overlong forms,
 * surrogates and code points above U+10FFFF included) and every NUL
 * replaced by U+FFFD. Returns the length written, or the length needed
 * (excluding the terminator) when OUT_LEN is too small, like snprintf. */
size_t utf8_repair(const char *s, size_t len, char *out, size_t out_len);

/* A JSON string of the LEN bytes at S, repaired as above; NULL when out of
 * memory. */
json_t *utf8_json(const char *s, size_t len);

#endif
