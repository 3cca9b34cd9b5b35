/* Python-exact JSON strings: the one escaper behind every place that writes a string
 * the way Python's json.dumps (ensure_ascii=True) does — the canonical form of `data`
 * (evidence/canonical.c, evidence/fastjson.cpp), the per-record output lines and the
 * graph's property texts (core/jsonw.c). Plain C, callable from the C++ reader. */
#ifndef ARCOS_PYJSON_H
#define ARCOS_PYJSON_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How the escaper reads its input.
 * ARCOS_PY_WTF8: decoded text as the readers hold it (generalised UTF-8: a lone
 *   surrogate is its 3-byte form ED A0..BF xx and comes out as "\udcxx", as Python
 *   writes it).
 * ARCOS_PY_UTF8: raw input bytes, strict UTF-8: a surrogate's 3-byte form is not
 *   UTF-8. */
typedef enum { ARCOS_PY_WTF8, ARCOS_PY_UTF8 } arcos_py_mode_t;

/* Bytes arcos_py_escape may write for n input bytes (a control byte as \u00XX). */
#define ARCOS_PY_ESCAPE_ROOM(n) (6 * (n) + 2)

/* Writes s[0..n) at w as a JSON string literal, quotes included, as Python's
 * json.dumps(str) writes it: \" \\ \n \r \t \b \f; other bytes below 0x20 and DEL as
 * \u00XX; non-ASCII as \uXXXX with lower-case hex (a surrogate pair above U+FFFF); '/'
 * as is. A byte that is not part of a sequence valid in `mode` is written as \ufffd
 * and counted in *invalid (may be NULL). w needs ARCOS_PY_ESCAPE_ROOM(n) bytes;
 * returns the end of what was written. */
char *arcos_py_escape(char *w, const char *s, size_t n, arcos_py_mode_t mode, size_t *invalid);
/* Whether s[0..n) is valid in mode (ASCII included). */
bool arcos_py_valid(const char *s, size_t n, arcos_py_mode_t mode);

#ifdef __cplusplus
}
#endif

#endif
