/* Differential: the per-record reader (simdjson, src/evidence/fastjson.cpp) against
 * the jansson reader it replaced, kept as the oracle. One input is one record's text.
 * Properties:
 *   - on every input both readers accept, they agree on the verdict (return code and
 *     message), the normalised id, type, source, timestamp, the canonical bytes of
 *     `data`, the checksum verdict, every component and the rules' field values
 *     (arcos_ev_fieldvals) at every path of the built-in rules and a few nested ones
 *     that an extra rule reads;
 *   - an input the fast path refuses as a parse error is refused by jansson too, with
 *     the same message (the fast path hands such texts to jansson);
 *   - an input only the fast reader accepts is one jansson cannot hold (SPEC §1: big
 *     integers, NaN / Infinity, lone surrogates, NUL in keys): jansson's message names
 *     one of those. */
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/rules.h"
#include "fuzz_common.h"

#define REF 1793491200 /* 2026-11-01T00:00:00Z */

static arcos_evidence_ctx_t *fast_ctx, *oracle_ctx;
static arcos_rules_t *rules;
/* The built-in rules and one that reads nested paths: the readers fill the values of
 * the rules' paths, so the rules name what is compared. */
static const char EXTRA_RULE[] =
    ", {\"types\": [\"fuzz\"], \"metric\": {\"sum\": [\"a.b\", \"x\", \"a.b.c\", \"n\"]},"
    " \"at_most\": [[0, 10]]}]";

static arcos_rules_t *fuzz_rules(void) {
  const char *base = arcos_rules_default_text();
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] != ']')
    n--;
  char text[8192];
  FUZZ_CHECK(n > 0 && n - 1 + sizeof EXTRA_RULE <= sizeof text);
  memcpy(text, base, n - 1);
  memcpy(text + n - 1, EXTRA_RULE, sizeof EXTRA_RULE);
  arcos_rules_t *r = NULL;
  FUZZ_CHECK(arcos_rules_parse(text, strlen(text), "fuzz", &r, NULL) == 0);
  return r;
}

static int ingest(arcos_evidence_ctx_t *ctx, const uint8_t *data, size_t size,
                  arcos_evidence_t *rec, arcos_detail_t *d) {
  arcos_detail_clear(d);
  int rc = arcos_ev_ingest(ctx, (const char *)data, size, rec, d);
  if (rc == 0) {
    FUZZ_CHECK(arcos_ev_analyze(ctx, rec) == 0);
    FUZZ_CHECK(arcos_ev_score(ctx, rec) == 0);
    FUZZ_CHECK(arcos_ev_alert(ctx, rec) == 0);
  }
  return rc;
}

static int same(const char *a, size_t an, const char *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* jansson's messages for what Python writes and jansson cannot read. */
static int jansson_limit(const char *msg) {
  static const char *const limits[] = {"too big integer", "too big negative integer",
                                       "invalid token", "invalid Unicode",
                                       "NUL byte in object key"};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
    if (strstr(msg, limits[i]) != NULL)
      return 1;
  return 0;
}

static void compare_accepted(const arcos_evidence_t *a, const arcos_evidence_t *b) {
  FUZZ_CHECK(same(a->id, a->id_len, b->id, b->id_len));
  FUZZ_CHECK(same(a->type, a->type_len, b->type, b->type_len));
  FUZZ_CHECK(same(a->source, a->source_len, b->source, b->source_len));
  FUZZ_CHECK(a->timestamp_valid == b->timestamp_valid && a->timestamp == b->timestamp);
  FUZZ_CHECK(a->checksum_present == b->checksum_present && a->verified == b->verified);
  FUZZ_CHECK(a->completeness == b->completeness && a->integrity == b->integrity);
  FUZZ_CHECK(a->provenance == b->provenance && a->freshness == b->freshness);
  FUZZ_CHECK(a->signal == b->signal && a->score == b->score);
  FUZZ_CHECK(a->alerts == b->alerts && a->severity == b->severity);
  size_t na = 0, nb = 0;
  const arcos_fieldval_t *va = arcos_ev_fieldvals(fast_ctx, &na);
  const arcos_fieldval_t *vb = arcos_ev_fieldvals(oracle_ctx, &nb);
  FUZZ_CHECK(na == arcos_rules_paths(rules).npaths && nb == na);
  for (size_t i = 0; i < na; i++) {
    FUZZ_CHECK(va[i].kind == vb[i].kind);
    FUZZ_CHECK(va[i].kind == ARCOS_FV_MISSING || va[i].kind == ARCOS_FV_OTHER ||
               va[i].num == vb[i].num);
  }
  arcos_ev_fields_t fa, fb;
  FUZZ_CHECK(arcos_ev_extract(fast_ctx, a, &fa) == 0);
  FUZZ_CHECK(arcos_ev_extract(oracle_ctx, b, &fb) == 0);
  FUZZ_CHECK(same(fa.data, fa.data_len, fb.data, fb.data_len));
  FUZZ_CHECK(same(fa.checksum, fa.checksum_len, fb.checksum, fb.checksum_len));
  FUZZ_CHECK(fa.data_meaningful == fb.data_meaningful);
  FUZZ_CHECK(fa.provenance_object == fb.provenance_object);
  FUZZ_CHECK(fa.provenance_tool == fb.provenance_tool);
  FUZZ_CHECK(fa.rule_values_len == fb.rule_values_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (fast_ctx == NULL) {
    rules = fuzz_rules();
    arcos_scoring_t sc;
    arcos_scoring_defaults(&sc);
    sc.rules = rules;
    fast_ctx = arcos_evidence_create(&sc, REF, 1 << 20);
    oracle_ctx = arcos_evidence_create(&sc, REF, 1 << 20);
    FUZZ_CHECK(fast_ctx != NULL && oracle_ctx != NULL);
    arcos_evidence_use_jansson(oracle_ctx, true);
  }
  arcos_evidence_t a, b;
  arcos_detail_t da, db;
  int ra = ingest(fast_ctx, data, size, &a, &da);
  int rb = ingest(oracle_ctx, data, size, &b, &db);
  if (ra == 0 && rb == 0) {
    compare_accepted(&a, &b);
    return 0;
  }
  if (ra == ARCOS_EINVALID && rb == ARCOS_EPARSE) {
    /* Read by the fast reader only, then refused as invalid: again something jansson
     * cannot hold. */
    FUZZ_CHECK(jansson_limit(db.text));
    return 0;
  }
  if (ra != 0 && rb != 0) {
    FUZZ_CHECK(ra == rb);
    FUZZ_CHECK(strcmp(da.text, db.text) == 0);
    return 0;
  }
  /* Accepted by one reader only: it must be the fast one, on a Python-only text. */
  FUZZ_CHECK(ra == 0 && rb == ARCOS_EPARSE);
  FUZZ_CHECK(jansson_limit(db.text));
  return 0;
}
