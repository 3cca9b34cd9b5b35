/* RFC 3339 date-times (SPEC §1 `timestamp`, --reference-time) to and from Unix epoch
 * seconds, without timegm(), TZ or locale (src/core/timestamp.c). */
#ifndef ARCOS_TIMESTAMP_H
#define ARCOS_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* RFC 3339 date-time ("2025-03-01T12:00:00Z", "...T12:00:00.123+02:00") to Unix epoch
 * seconds (fraction truncated). Returns 0 or ARCOS_EINVALID. */
int arcos_rfc3339_parse(const char *s, size_t len, int64_t *epoch);
/* Epoch seconds to "YYYY-MM-DDTHH:MM:SSZ"; out has room for 32 bytes. */
void arcos_rfc3339_format(int64_t epoch, char *out);

#endif
