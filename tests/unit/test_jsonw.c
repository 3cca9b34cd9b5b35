/* The per-record line writer: JSON string escaping (ASCII output, surrogate pairs),
 * invalid UTF-8 handling and base64, checked by parsing the output back. */
#include <jansson.h>
#include <string.h>

#include "check.h"
#include "core/jsonw.h"

static void roundtrip(const char *s, size_t n) {
  arcos_buf_t b = {0};
  arcos_jsonw_str(&b, s, n);
  for (size_t i = 0; i < b.len; i++)
    CHECK((unsigned char)b.data[i] >= 0x20 && (unsigned char)b.data[i] < 0x7f);
  json_error_t e;
  json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  CHECK(v != NULL && json_is_string(v));
  if (v != NULL)
    CHECK_MEM_EQ(json_string_value(v), json_string_length(v), s, n);
  json_decref(v);
  arcos_buf_free(&b);
}

int main(void) {
  roundtrip("plain", 5);
  roundtrip("quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f", 45);
  roundtrip("ctl\x01\x1f del\x7f nul\0end", 19);
  roundtrip("caf\xc3\xa9 \xe6\x9d\x8e \xf0\x9f\x98\x80", 15);

  arcos_buf_t b = {0};
  arcos_jsonw_str(&b, "\xc3\xa9\xf0\x9f\x98\x80\"", 7);
  CHECK_STR_EQ(b.data, "\"\\u00e9\\ud83d\\ude00\\\"\"");
  arcos_buf_reset(&b);
  arcos_jsonw_str(&b,
                  "a\xff"
                  "b\xc3",
                  4);
  CHECK_STR_EQ(b.data, "\"a\\ufffdb\\ufffd\"");
  arcos_buf_reset(&b);
  /* Raw text: a surrogate's 3-byte form is not UTF-8 (U+FFFD per byte, as for bytes
   * Python's json.loads refuses). A decoded value holds a lone surrogate in that form
   * and is written as Python's json.dumps writes it. */
  arcos_jsonw_str(&b, "x\xed\xb3\xbf", 4);
  CHECK_STR_EQ(b.data, "\"x\\ufffd\\ufffd\\ufffd\"");
  arcos_buf_reset(&b);
  arcos_jsonw_value(&b, "src/legacy_\xed\xb3\xbf.py", 17);
  CHECK_STR_EQ(b.data, "\"src/legacy_\\udcff.py\"");
  arcos_buf_reset(&b);
  arcos_jsonw_value(&b, "\xed\xa0\x80\xed\xb3 \xc3\xa9\x7f", 9);
  CHECK_STR_EQ(b.data, "\"\\ud800\\ufffd\\ufffd \\u00e9\\u007f\"");
  arcos_buf_reset(&b);
  arcos_jsonw_base64(&b,
                     "a\xff"
                     "b\xc3",
                     4);
  CHECK_STR_EQ(b.data, "\"Yf9iww==\"");
  arcos_buf_reset(&b);
  arcos_jsonw_base64(&b, "", 0);
  CHECK_STR_EQ(b.data, "\"\"");
  arcos_buf_free(&b);

  CHECK(arcos_utf8_valid("caf\xc3\xa9", 5));
  CHECK(!arcos_utf8_valid("\xc3", 1));             /* truncated */
  CHECK(!arcos_utf8_valid("\xc0\xaf", 2));         /* overlong */
  CHECK(!arcos_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  CHECK(!arcos_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
  return CHECK_DONE();
}
