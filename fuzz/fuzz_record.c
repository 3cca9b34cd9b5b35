/* Record parser + validator (SPEC §1, §2): one input is one record's text, as a JSON
 * Lines reader hands it over. Ingestion must accept it or refuse it with a message,
 * never crash; an accepted record then goes through analysis, scoring and alerts.
 * Property: the archive path (the fields convert stores, replayed through
 * arcos_ev_from_fields on another context) scores the record exactly like the text
 * path, as a run over an archive must match a run over its inputs. */
#include <string.h>

#include "arcos/evidence.h"
#include "fuzz_common.h"

#define REF 1793491200 /* 2026-11-01T00:00:00Z, the bad-input corpus's reference time */

static arcos_evidence_ctx_t *text_ctx, *fields_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (text_ctx == NULL) {
    text_ctx = arcos_evidence_create(NULL, REF, 1 << 20);
    fields_ctx = arcos_evidence_create(NULL, REF, 1 << 20);
    FUZZ_CHECK(text_ctx != NULL && fields_ctx != NULL);
  }
  arcos_evidence_t rec;
  arcos_detail_t detail;
  arcos_detail_clear(&detail);
  int rc = arcos_ev_ingest(text_ctx, (const char *)data, size, &rec, &detail);
  if (rc != 0) {
    FUZZ_CHECK(rc == ARCOS_EPARSE || rc == ARCOS_EINVALID);
    FUZZ_CHECK(detail.text[0] != '\0'); /* every refusal says why */
    return 0;
  }
  FUZZ_CHECK(rec.id_len >= 1 && rec.id_len <= 256);
  arcos_ev_fields_t fields;
  FUZZ_CHECK(arcos_ev_extract(text_ctx, &rec, &fields) == 0);
  FUZZ_CHECK(arcos_ev_analyze(text_ctx, &rec) == 0);
  FUZZ_CHECK(arcos_ev_score(text_ctx, &rec) == 0);
  FUZZ_CHECK(arcos_ev_alert(text_ctx, &rec) == 0);
  FUZZ_CHECK(rec.score <= 100);

  arcos_evidence_t again;
  arcos_detail_clear(&detail);
  FUZZ_CHECK(arcos_ev_from_fields(fields_ctx, &fields, &again, &detail) == 0);
  FUZZ_CHECK(arcos_ev_analyze(fields_ctx, &again) == 0);
  FUZZ_CHECK(arcos_ev_score(fields_ctx, &again) == 0);
  FUZZ_CHECK(arcos_ev_alert(fields_ctx, &again) == 0);
  FUZZ_CHECK(again.id_len == rec.id_len && memcmp(again.id, rec.id, rec.id_len) == 0);
  FUZZ_CHECK(again.type_len == rec.type_len && memcmp(again.type, rec.type, rec.type_len) == 0);
  FUZZ_CHECK(again.source_len == rec.source_len &&
             memcmp(again.source, rec.source, rec.source_len) == 0);
  FUZZ_CHECK(again.timestamp_valid == rec.timestamp_valid);
  FUZZ_CHECK(!rec.timestamp_valid || again.timestamp == rec.timestamp);
  FUZZ_CHECK(again.checksum_present == rec.checksum_present);
  FUZZ_CHECK(again.verified == rec.verified);
  FUZZ_CHECK(again.completeness == rec.completeness);
  FUZZ_CHECK(again.integrity == rec.integrity);
  FUZZ_CHECK(again.provenance == rec.provenance);
  FUZZ_CHECK(again.freshness == rec.freshness);
  FUZZ_CHECK(again.signal == rec.signal);
  FUZZ_CHECK(again.score == rec.score);
  FUZZ_CHECK(again.alerts == rec.alerts);
  FUZZ_CHECK(again.severity == rec.severity);
  return 0;
}
