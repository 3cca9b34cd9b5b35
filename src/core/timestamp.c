/* RFC 3339 date-times (SPEC §1 `timestamp`) to and from Unix epoch seconds, with
 * the proleptic Gregorian calendar computed directly (Howard Hinnant's
 * days_from_civil / civil_from_days), so no timegm(), TZ or locale is involved.
 *
 * Accepted: YYYY-MM-DD, then 'T', 't' or a space (RFC 3339 §5.6 allows the space),
 * HH:MM:SS, an optional fraction ('.' and one or more digits, truncated: it only
 * ever lowers the result towards the start of the second), then 'Z', 'z' or
 * +HH:MM / -HH:MM. Nothing may follow. Ranges: year 0000-9999, month 01-12, day
 * within the month (leap years by the Gregorian rule), hour 00-23, minute 00-59,
 * second 00-60, offset hour 00-23, offset minute 00-59.
 *
 * Leap seconds: ":60" is accepted in any minute (there is no leap-second table) and
 * read as ":59" of the same minute. POSIX time has no number for a leap second;
 * clamping keeps the instant inside the minute and day that the record names (as
 * java.time's ISO_INSTANT does) instead of moving it into the next minute, and the
 * difference to any other choice is at most one second of age. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arcos/error.h"
#include "arcos/timestamp.h"

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* n decimal digits at s, or -1 if any is not a digit. */
static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int arcos_rfc3339_parse(const char *s, size_t len, int64_t *epoch) {
  /* "YYYY-MM-DDTHH:MM:SSZ" is the shortest valid form. */
  if (s == NULL || len < 20)
    return ARCOS_EINVALID;
  int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
  int hour = digits(s + 11, 2), minute = digits(s + 14, 2), second = digits(s + 17, 2);
  if (year < 0 || s[4] != '-' || month < 0 || s[7] != '-' || day < 0 ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || hour < 0 || s[13] != ':' || minute < 0 ||
      s[16] != ':' || second < 0)
    return ARCOS_EINVALID;
  size_t i = 19;
  if (s[i] == '.') {
    size_t first = ++i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
      i++;
    if (i == first)
      return ARCOS_EINVALID;
  }
  if (i >= len)
    return ARCOS_EINVALID;
  int64_t offset = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    i++;
  } else if (s[i] == '+' || s[i] == '-') {
    if (len - i != 6)
      return ARCOS_EINVALID;
    int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
    if (oh < 0 || s[i + 3] != ':' || om < 0 || oh > 23 || om > 59)
      return ARCOS_EINVALID;
    offset = (s[i] == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
    i += 6;
  } else {
    return ARCOS_EINVALID;
  }
  if (i != len)
    return ARCOS_EINVALID;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60)
    return ARCOS_EINVALID;
  if (second == 60)
    second = 59;
  int64_t days = days_from_civil(year, (unsigned)month, (unsigned)day);
  *epoch = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  return ARCOS_OK;
}

void arcos_rfc3339_format(int64_t epoch, char *out) {
  int64_t days = epoch / 86400, rem = epoch % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  unsigned hms = (unsigned)rem;
  /* |year| < 3e11 for any int64 epoch, so at most 29 characters: out's 32 bytes
   * suffice; the wider local buffer only keeps -Wformat-truncation quiet. */
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d, hms / 3600,
           hms / 60 % 60, hms % 60);
  size_t n = strlen(tmp);
  if (n > 31)
    n = 31;
  memcpy(out, tmp, n);
  out[n] = '\0';
}
