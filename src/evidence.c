/* The evidence model of SPEC §1 and §2: ingestion, analysis, scoring and alerts for
 * one record at a time, through a per-rank context that is reused for every record.
 */
#include "arcos/evidence.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "canonical_internal.h"

struct arcos_evidence_ctx {
  arcos_scoring_t scoring;
  int64_t reference_time;
  size_t max_record_bytes;
  EVP_MD *sha256;     /* fetched once: an implicit fetch per init costs time */
  EVP_MD_CTX *md;     /* reused for every digest */
  arcos_buf_t canon;  /* canonical text of the current record's data, reused */
  arcos_canon_scratch_t scratch;
};

void arcos_scoring_defaults(arcos_scoring_t *s) {
  *s = (arcos_scoring_t){
      .completeness_each = 6,
      .integrity = 25,
      .provenance_object = 10,
      .provenance_tool = 5,
      .freshness = 20,
      .fresh_days = 30,
      .stale_days = 365,
      .future_tolerance_s = 86400,
      .signal_max = 10,
      .signal_partial = 5,
      .signal_neutral = 5,
      .coverage_high = 80.0,
      .coverage_low = 50.0,
      .alert_threshold = 50,
  };
}

const char *arcos_severity_name(int sev) {
  switch (sev) {
  case ARCOS_SEV_MEDIUM:
    return "medium";
  case ARCOS_SEV_HIGH:
    return "high";
  case ARCOS_SEV_CRITICAL:
    return "critical";
  default:
    return NULL;
  }
}

const char *arcos_error_kind_name(int kind) {
  switch (kind) {
  case ARCOS_KIND_PARSE:
    return "parse";
  case ARCOS_KIND_INVALID:
    return "invalid";
  case ARCOS_KIND_STAGE:
    return "stage";
  case ARCOS_KIND_IO:
    return "io";
  default:
    return NULL;
  }
}

const char *arcos_stage_name(int stage) {
  static const char *const names[ARCOS_STAGE_COUNT] = {
      [ARCOS_STAGE_INGESTION] = "ingestion", [ARCOS_STAGE_ANALYSIS] = "analysis",
      [ARCOS_STAGE_SCORING] = "scoring",     [ARCOS_STAGE_ALERT] = "alert_generation",
      [ARCOS_STAGE_STORAGE] = "storage",
  };
  return stage >= 0 && stage < ARCOS_STAGE_COUNT ? names[stage] : NULL;
}

arcos_evidence_ctx_t *arcos_evidence_create(const arcos_scoring_t *scoring,
                                            int64_t reference_time, size_t max_record_bytes) {
  arcos_evidence_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL)
    return NULL;
  if (scoring != NULL)
    ctx->scoring = *scoring;
  else
    arcos_scoring_defaults(&ctx->scoring);
  ctx->reference_time = reference_time;
  ctx->max_record_bytes = max_record_bytes;
  ctx->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  ctx->md = EVP_MD_CTX_new();
  if (ctx->sha256 == NULL || ctx->md == NULL || arcos_buf_reserve(&ctx->canon, 4096) != 0) {
    arcos_evidence_destroy(&ctx);
    return NULL;
  }
  return ctx;
}

void arcos_evidence_destroy(arcos_evidence_ctx_t **pctx) {
  if (pctx == NULL || *pctx == NULL)
    return;
  arcos_evidence_ctx_t *ctx = *pctx;
  arcos_canon_scratch_free(&ctx->scratch);
  arcos_buf_free(&ctx->canon);
  EVP_MD_CTX_free(ctx->md);
  EVP_MD_free(ctx->sha256);
  free(ctx);
  *pctx = NULL;
}

static int sha256(arcos_evidence_ctx_t *ctx, const void *data, size_t len,
                  unsigned char digest[32]) {
  unsigned int n = 0;
  if (EVP_DigestInit_ex(ctx->md, ctx->sha256, NULL) != 1 ||
      EVP_DigestUpdate(ctx->md, data, len) != 1 || EVP_DigestFinal_ex(ctx->md, digest, &n) != 1 ||
      n != 32)
    return ARCOS_EINTERNAL;
  return ARCOS_OK;
}

static void to_hex(const unsigned char digest[32], char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 0xf];
  }
  hex[64] = '\0';
}

int arcos_ev_sha256_hex(arcos_evidence_ctx_t *ctx, const void *data, size_t len, char hex[65]) {
  unsigned char digest[32];
  int rc = sha256(ctx, data, len, digest);
  if (rc != ARCOS_OK)
    return rc;
  to_hex(digest, hex);
  return ARCOS_OK;
}
