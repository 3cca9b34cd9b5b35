/* Scoring rules: parse, validate, compile and evaluate (include/arcos/rules.h, SPEC §2,
 * docs/formats.md "Scoring rules").
 *
 * Compiled form: every rule is a small struct whose metric terms (path index and
 * weight) and bands (threshold and points) are slices of two flat arrays of the set;
 * the distinct paths are listed once, in first-use order, with their segments split
 * ahead of time; each listed type has a slice of candidate rule indices in file order,
 * found through an open-addressing hash of the type. Evaluation walks the candidates
 * of the record's type and stops at the first rule whose metric can be computed, so a
 * record costs one hash lookup plus a few comparisons per candidate, and no
 * allocation. Arithmetic is IEEE-754 double (as Python's float): a sum starts at 0.0
 * and adds weight * value in the order the paths are written. */
#include "arcos/rules.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/util.h"

/* The built-in set, exactly as SPEC §2 lists it; parsed by the same code as a file. */
static const char DEFAULT_RULES[] =
    "[\n"
    " {\"types\": [\"test_result\"], \"metric\": {\"bool\": \"passed\"}},\n"
    " {\"types\": [\"test_result\", \"ci_test_results\"], \"metric\": {\"ratio\": {\"num\": "
    "[\"passed\"], \"den\": [\"passed\", \"failed\"]}},\n"
    "  \"at_least\": [[1.0, 10], [0.9, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"coverage\"], \"metric\": {\"field\": \"line_coverage\"}, \"at_least\": [[80, "
    "10], [50, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"security_scan\"], \"metric\": {\"sum\": [\"critical\", \"high\"]}, "
    "\"at_most\": [[0, 10]], \"otherwise\": 0},\n"
    " {\"types\": [\"security_scan\"], \"metric\": {\"sum\": [\"severity_breakdown.Critical\", "
    "\"severity_breakdown.High\"], \"weights\": [3, 1]},\n"
    "  \"at_most\": [[0, 10], [2, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"security_vulnerabilities\"], \"metric\": {\"sum\": "
    "[\"severity_breakdown.critical\", \"severity_breakdown.high\"], \"weights\": [3, 1]},\n"
    "  \"at_most\": [[0, 10], [2, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"powershell_security_scan\"], \"metric\": {\"sum\": [\"summary.critical\", "
    "\"summary.high\"], \"weights\": [3, 1]},\n"
    "  \"at_most\": [[0, 10], [2, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"security_score\"], \"metric\": {\"field\": \"score\"}, \"at_least\": [[90, "
    "10], [60, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"static_analysis\"], \"metric\": {\"field\": \"maintainability_index\"}, "
    "\"at_least\": [[65, 10], [40, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"static_analysis\"], \"metric\": {\"field\": \"average_complexity\"}, "
    "\"at_most\": [[10, 10], [20, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"coverage_analysis\"], \"metric\": {\"ratio\": {\"num\": "
    "[\"covered_statements\"], \"den\": [\"total_statements\"]}},\n"
    "  \"at_least\": [[0.8, 10], [0.6, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"ci_coverage_report\"], \"metric\": {\"ratio\": {\"num\": [\"covered_lines\"], "
    "\"den\": [\"total_lines\"]}},\n"
    "  \"at_least\": [[0.8, 10], [0.6, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"ci_coverage_report\"], \"metric\": {\"field\": \"line_coverage\"}, "
    "\"at_least\": [[80, 10], [60, 5]], \"otherwise\": 0},\n"
    " {\"types\": [\"security_scan_summary\"], \"metric\": {\"field\": \"high_severity\"}, "
    "\"at_most\": [[0, 10]], \"otherwise\": 0},\n"
    " {\"types\": [\"dependency_analysis\"], \"metric\": {\"field\": \"vulnerable_count\"}, "
    "\"at_most\": [[0, 10]], \"otherwise\": 0},\n"
    " {\"types\": [\"veracode_policy_compliance\"], \"metric\": {\"bool\": \"compliant\"}},\n"
    " {\"types\": [\"checkmarx_scan_statistics\"], \"metric\": {\"field\": \"high_severity\"}, "
    "\"at_most\": [[0, 10], [2, 5]], \"otherwise\": 0}\n"
    "]\n";

#define POINTS_MAX 100

enum { M_BOOL, M_FIELD, M_SUM, M_RATIO };
enum { B_NONE, B_AT_LEAST, B_AT_MOST };

typedef struct {
  uint32_t path;
  double weight;
} term_t;

typedef struct {
  double threshold;
  int points;
} band_t;

typedef struct {
  uint8_t metric, band_kind;
  uint32_t num_off, nnum; /* terms: the bool/field path, the sum, or the ratio numerator */
  uint32_t den_off, nden; /* terms of a ratio's denominator */
  uint32_t band_off, nbands;
  int otherwise;
} rule_t;

typedef struct {
  const char *s;
  size_t len;
} span_t;

typedef struct {
  const char *name; /* borrowed from the parsed JSON kept by the set */
  size_t len;
  uint32_t cand_off, ncand;
  uint32_t tpath_off, ntpath; /* the paths its candidates read */
} type_t;

struct arcos_rules {
  char *source;
  json_t *json; /* the parsed array: type names and paths point into it */
  arcos_buf_t canon;
  char sha256[65];
  rule_t *rules;
  size_t nrules;
  term_t *terms;
  size_t nterms, terms_cap;
  band_t *bands;
  size_t nbands, bands_cap;
  const char **paths;
  size_t npaths, paths_cap;
  span_t *segs; /* the segments of every path, path after path */
  size_t nsegs, segs_cap;
  uint32_t *seg_off, *nseg; /* per path */
  type_t *types;
  size_t ntypes, types_cap;
  uint32_t *cand;   /* rule indices, grouped by type */
  uint32_t *tpaths; /* path indices, grouped by type */
  uint32_t *pairs;  /* while compiling: (type, rule) pairs in rule order */
  size_t npairs, pairs_cap;
  uint32_t *hash; /* type index + 1, 0 = empty; hmask + 1 slots */
  size_t hmask;
};

const char *arcos_rules_default_text(void) { return DEFAULT_RULES; }

static uint64_t hash_bytes(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static const type_t *find_type(const arcos_rules_t *r, const char *s, size_t len) {
  if (r->hash == NULL)
    return NULL;
  for (size_t i = hash_bytes(s, len) & r->hmask;; i = (i + 1) & r->hmask) {
    uint32_t t = r->hash[i];
    if (t == 0)
      return NULL;
    const type_t *ty = &r->types[t - 1];
    if (ty->len == len && memcmp(ty->name, s, len) == 0)
      return ty;
  }
}

/* ---- Validation ---- */

typedef struct {
  arcos_detail_t *d;
  const char *source;
  size_t index; /* the rule being read */
} vctx_t;

static int verr(const vctx_t *v, const char *key, const char *what) {
  return arcos_detail_set(v->d, ARCOS_ECONFIG, v->source, 0,
                          "scoring rules: rule %zu, key \"%s\": %s", v->index, key, what);
}

static bool is_number(const json_t *j) { return json_is_integer(j) || json_is_real(j); }

/* A JSON integer 0..100 (10.0 is not). */
static bool points_ok(const json_t *j) {
  return json_is_integer(j) && json_integer_value(j) >= 0 && json_integer_value(j) <= POINTS_MAX;
}

static int add_path(arcos_rules_t *r, const vctx_t *v, const char *key, const json_t *j,
                    uint32_t *out) {
  if (!json_is_string(j) || json_string_length(j) == 0)
    return verr(v, key, "a path must be a non-empty string of dot-separated keys");
  const char *s = json_string_value(j);
  size_t len = json_string_length(j);
  if (memchr(s, '\0', len) != NULL || s[0] == '.' || s[len - 1] == '.' || strstr(s, "..") != NULL)
    return verr(v, key, "a path must be keys separated by single dots, with no empty key");
  for (size_t i = 0; i < r->npaths; i++)
    if (strcmp(r->paths[i], s) == 0) {
      *out = (uint32_t)i;
      return ARCOS_OK;
    }
  if (arcos_array_grow(&r->paths, &r->paths_cap, r->npaths, sizeof *r->paths, 16) != ARCOS_OK)
    return ARCOS_ENOMEM;
  /* seg_off and nseg follow the capacity of paths. */
  uint32_t *so = realloc(r->seg_off, r->paths_cap * sizeof *so);
  if (so == NULL)
    return ARCOS_ENOMEM;
  r->seg_off = so;
  uint32_t *ns = realloc(r->nseg, r->paths_cap * sizeof *ns);
  if (ns == NULL)
    return ARCOS_ENOMEM;
  r->nseg = ns;
  r->paths[r->npaths] = s;
  r->seg_off[r->npaths] = (uint32_t)r->nsegs;
  r->nseg[r->npaths] = 0;
  for (const char *p = s;;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (arcos_array_grow(&r->segs, &r->segs_cap, r->nsegs, sizeof *r->segs, 16) != ARCOS_OK)
      return ARCOS_ENOMEM;
    r->segs[r->nsegs++] = (span_t){p, n};
    r->nseg[r->npaths]++;
    if (dot == NULL)
      break;
    p = dot + 1;
  }
  *out = (uint32_t)r->npaths++;
  return ARCOS_OK;
}

static int add_term(arcos_rules_t *r, const vctx_t *v, const char *key, const json_t *path,
                    double weight) {
  uint32_t idx = 0;
  int rc = add_path(r, v, key, path, &idx);
  if (rc != ARCOS_OK)
    return rc;
  if (arcos_array_grow(&r->terms, &r->terms_cap, r->nterms, sizeof *r->terms, 16) != ARCOS_OK)
    return ARCOS_ENOMEM;
  r->terms[r->nterms++] = (term_t){idx, weight};
  return ARCOS_OK;
}

/* A non-empty array of paths, with optional weights (one number per path). */
static int add_path_list(arcos_rules_t *r, const vctx_t *v, const char *key, const json_t *list,
                         const json_t *weights, uint32_t *off, uint32_t *n) {
  if (!json_is_array(list) || json_array_size(list) == 0)
    return verr(v, key, "must be a non-empty array of paths");
  if (weights != NULL) {
    if (!json_is_array(weights))
      return verr(v, "weights", "must be an array of numbers, one per path");
    if (json_array_size(weights) != json_array_size(list))
      return verr(v, "weights", "must have one number per path of \"sum\"");
  }
  *off = (uint32_t)r->nterms;
  for (size_t i = 0; i < json_array_size(list); i++) {
    double w = 1.0;
    if (weights != NULL) {
      const json_t *wj = json_array_get(weights, i);
      if (!is_number(wj))
        return verr(v, "weights", "must be an array of numbers, one per path");
      w = json_number_value(wj);
    }
    int rc = add_term(r, v, key, json_array_get(list, i), w);
    if (rc != ARCOS_OK)
      return rc;
  }
  *n = (uint32_t)json_array_size(list);
  return ARCOS_OK;
}

static int parse_ratio(arcos_rules_t *r, const vctx_t *v, const json_t *ratio, rule_t *ru) {
  if (!json_is_object(ratio))
    return verr(v, "ratio", "must be an object {\"num\": [PATH, ...], \"den\": [PATH, ...]}");
  const char *k;
  json_t *val;
  json_object_foreach((json_t *)ratio, k, val) {
    if (strcmp(k, "num") != 0 && strcmp(k, "den") != 0)
      return verr(v, k, "is not a key of \"ratio\" (allowed: num, den)");
  }
  const json_t *num = json_object_get(ratio, "num"), *den = json_object_get(ratio, "den");
  if (num == NULL)
    return verr(v, "num", "is missing from \"ratio\"");
  if (den == NULL)
    return verr(v, "den", "is missing from \"ratio\"");
  int rc = add_path_list(r, v, "num", num, NULL, &ru->num_off, &ru->nnum);
  return rc ? rc : add_path_list(r, v, "den", den, NULL, &ru->den_off, &ru->nden);
}

static int parse_metric(arcos_rules_t *r, const vctx_t *v, const json_t *m, rule_t *ru) {
  if (!json_is_object(m))
    return verr(v, "metric", "must be an object with one of bool, field, sum, ratio");
  const char *k, *kind = NULL;
  json_t *val;
  json_object_foreach((json_t *)m, k, val) {
    bool is_kind = strcmp(k, "bool") == 0 || strcmp(k, "field") == 0 || strcmp(k, "sum") == 0 ||
                   strcmp(k, "ratio") == 0;
    if (!is_kind && strcmp(k, "weights") != 0)
      return verr(v, k, "is not a key of \"metric\" (allowed: bool, field, sum, weights, ratio)");
    if (is_kind && kind != NULL)
      return verr(v, k, "\"metric\" has more than one of bool, field, sum, ratio");
    if (is_kind)
      kind = k;
  }
  if (kind == NULL)
    return verr(v, "metric", "needs one of bool, field, sum, ratio");
  const json_t *weights = json_object_get(m, "weights");
  if (weights != NULL && strcmp(kind, "sum") != 0)
    return verr(v, "weights", "is only allowed with \"sum\"");
  const json_t *arg = json_object_get(m, kind);
  if (strcmp(kind, "bool") == 0 || strcmp(kind, "field") == 0) {
    ru->metric = kind[0] == 'b' ? M_BOOL : M_FIELD;
    ru->num_off = (uint32_t)r->nterms;
    ru->nnum = 1;
    return add_term(r, v, kind, arg, 1.0);
  }
  if (strcmp(kind, "sum") == 0) {
    ru->metric = M_SUM;
    return add_path_list(r, v, "sum", arg, weights, &ru->num_off, &ru->nnum);
  }
  ru->metric = M_RATIO;
  return parse_ratio(r, v, arg, ru);
}

static int parse_bands(arcos_rules_t *r, const vctx_t *v, const char *key, const json_t *list,
                       rule_t *ru) {
  if (!json_is_array(list))
    return verr(v, key, "must be an array of [threshold, points] pairs");
  ru->band_kind = key[3] == 'l' ? B_AT_LEAST : B_AT_MOST;
  ru->band_off = (uint32_t)r->nbands;
  for (size_t i = 0; i < json_array_size(list); i++) {
    const json_t *b = json_array_get(list, i);
    if (!json_is_array(b) || json_array_size(b) != 2)
      return verr(v, key, "each band must be a [threshold, points] pair");
    const json_t *t = json_array_get(b, 0), *p = json_array_get(b, 1);
    if (!is_number(t))
      return verr(v, key, "a threshold must be a number");
    if (!points_ok(p))
      return verr(v, key, "points must be a JSON integer 0..100");
    if (arcos_array_grow(&r->bands, &r->bands_cap, r->nbands, sizeof *r->bands, 16) != ARCOS_OK)
      return ARCOS_ENOMEM;
    r->bands[r->nbands++] = (band_t){json_number_value(t), (int)json_integer_value(p)};
  }
  ru->nbands = (uint32_t)json_array_size(list);
  return ARCOS_OK;
}

static int add_type(arcos_rules_t *r, const json_t *name, uint32_t rule) {
  const char *s = json_string_value(name);
  size_t len = json_string_length(name), t = 0;
  while (t < r->ntypes && !(r->types[t].len == len && memcmp(r->types[t].name, s, len) == 0))
    t++;
  if (t == r->ntypes) {
    if (arcos_array_grow(&r->types, &r->types_cap, r->ntypes, sizeof *r->types, 16) != ARCOS_OK)
      return ARCOS_ENOMEM;
    r->types[r->ntypes++] = (type_t){s, len, 0, 0, 0, 0};
  }
  /* A type listed twice in one rule is one candidate. */
  if (r->npairs >= 2 && r->pairs[r->npairs - 1] == rule) {
    for (size_t i = r->npairs; i >= 2 && r->pairs[i - 1] == rule; i -= 2)
      if (r->pairs[i - 2] == t)
        return ARCOS_OK;
  }
  if (arcos_array_grow(&r->pairs, &r->pairs_cap, r->npairs + 1, sizeof *r->pairs, 16) != ARCOS_OK)
    return ARCOS_ENOMEM;
  r->pairs[r->npairs++] = (uint32_t)t;
  r->pairs[r->npairs++] = rule;
  r->types[t].ncand++;
  return ARCOS_OK;
}

static int parse_rule(arcos_rules_t *r, const vctx_t *v, const json_t *j, rule_t *ru) {
  if (!json_is_object(j))
    return arcos_detail_set(v->d, ARCOS_ECONFIG, v->source, 0,
                            "scoring rules: rule %zu must be an object with \"types\" and "
                            "\"metric\"",
                            v->index);
  const char *k;
  json_t *val;
  json_object_foreach((json_t *)j, k, val) {
    if (strcmp(k, "types") != 0 && strcmp(k, "metric") != 0 && strcmp(k, "at_least") != 0 &&
        strcmp(k, "at_most") != 0 && strcmp(k, "otherwise") != 0)
      return verr(v, k, "is not a rule key (allowed: types, metric, at_least, at_most, otherwise)");
  }
  const json_t *types = json_object_get(j, "types"), *metric = json_object_get(j, "metric");
  if (types == NULL)
    return verr(v, "types", "is missing: list the record types the rule scores");
  if (metric == NULL)
    return verr(v, "metric", "is missing: say what the rule measures");
  if (!json_is_array(types) || json_array_size(types) == 0)
    return verr(v, "types", "must be a non-empty array of strings");
  for (size_t i = 0; i < json_array_size(types); i++)
    if (!json_is_string(json_array_get(types, i)))
      return verr(v, "types", "must be a non-empty array of strings");
  int rc = parse_metric(r, v, metric, ru);
  if (rc != ARCOS_OK)
    return rc;
  const json_t *least = json_object_get(j, "at_least"), *most = json_object_get(j, "at_most");
  if (least != NULL && most != NULL)
    return verr(v, "at_most", "a rule has at most one of \"at_least\" and \"at_most\"");
  ru->band_kind = B_NONE;
  if (least != NULL || most != NULL)
    rc = parse_bands(r, v, least ? "at_least" : "at_most", least ? least : most, ru);
  if (rc != ARCOS_OK)
    return rc;
  if (ru->metric != M_BOOL && ru->nbands == 0)
    return verr(v,
                least  ? "at_least"
                : most ? "at_most"
                       : "at_least",
                "a field, sum or ratio rule needs a non-empty \"at_least\" or \"at_most\"");
  const json_t *otherwise = json_object_get(j, "otherwise");
  if (otherwise != NULL && !points_ok(otherwise))
    return verr(v, "otherwise", "must be a JSON integer 0..100");
  ru->otherwise = otherwise ? (int)json_integer_value(otherwise) : 0;
  for (size_t i = 0; i < json_array_size(types); i++)
    if (add_type(r, json_array_get(types, i), (uint32_t)v->index) != ARCOS_OK)
      return ARCOS_ENOMEM;
  return ARCOS_OK;
}

/* The distinct paths each type's candidates read, so that the jansson reader walks
 * only those for a record (at most npaths per type). */
static int index_type_paths(arcos_rules_t *r) {
  r->tpaths = malloc((r->ntypes * r->npaths + 1) * sizeof *r->tpaths);
  uint8_t *seen = calloc(r->npaths + 1, 1);
  if (r->tpaths == NULL || seen == NULL) {
    free(seen);
    return ARCOS_ENOMEM;
  }
  uint32_t off = 0;
  for (size_t t = 0; t < r->ntypes; t++) {
    type_t *ty = &r->types[t];
    ty->tpath_off = off;
    memset(seen, 0, r->npaths);
    for (uint32_t c = 0; c < ty->ncand; c++) {
      const rule_t *ru = &r->rules[r->cand[ty->cand_off + c]];
      uint32_t n = ru->nnum + (ru->metric == M_RATIO ? ru->nden : 0);
      for (uint32_t k = 0; k < n; k++) {
        uint32_t p = r->terms[k < ru->nnum ? ru->num_off + k : ru->den_off + (k - ru->nnum)].path;
        if (!seen[p]) {
          seen[p] = 1;
          r->tpaths[off++] = p;
        }
      }
    }
    ty->ntpath = off - ty->tpath_off;
  }
  free(seen);
  return ARCOS_OK;
}

/* Candidates grouped by type (a stable counting sort of the pairs, so each type's
 * rules stay in file order) and the type hash. */
static int index_types(arcos_rules_t *r) {
  r->cand = malloc((r->npairs / 2 + 1) * sizeof *r->cand);
  size_t slots = 16;
  while (slots < 2 * r->ntypes)
    slots *= 2;
  r->hash = calloc(slots, sizeof *r->hash);
  if (r->cand == NULL || r->hash == NULL)
    return ARCOS_ENOMEM;
  r->hmask = slots - 1;
  uint32_t off = 0;
  for (size_t t = 0; t < r->ntypes; t++) {
    r->types[t].cand_off = off;
    off += r->types[t].ncand;
    r->types[t].ncand = 0;
    size_t i = hash_bytes(r->types[t].name, r->types[t].len) & r->hmask;
    while (r->hash[i] != 0)
      i = (i + 1) & r->hmask;
    r->hash[i] = (uint32_t)t + 1;
  }
  for (size_t p = 0; p < r->npairs; p += 2) {
    type_t *ty = &r->types[r->pairs[p]];
    r->cand[ty->cand_off + ty->ncand++] = r->pairs[p + 1];
  }
  return index_type_paths(r);
}

static int digest_canonical(arcos_rules_t *r) {
  if (arcos_canonical_append(&r->canon, r->json) != ARCOS_OK || arcos_buf_terminate(&r->canon))
    return ARCOS_ENOMEM;
  unsigned char md[32];
  unsigned int n = 0;
  if (EVP_Digest(r->canon.data, r->canon.len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
    return ARCOS_EINTERNAL;
  for (int i = 0; i < 32; i++)
    snprintf(r->sha256 + 2 * i, 3, "%02x", md[i]);
  return ARCOS_OK;
}

static int compile(arcos_rules_t *r, arcos_detail_t *d) {
  if (!json_is_array(r->json))
    return arcos_detail_set(d, ARCOS_ECONFIG, r->source, 0,
                            "scoring rules: the file must hold a JSON array of rules");
  r->nrules = json_array_size(r->json);
  r->rules = calloc(r->nrules + 1, sizeof *r->rules);
  if (r->rules == NULL)
    return ARCOS_ENOMEM;
  vctx_t v = {d, r->source, 0};
  for (v.index = 0; v.index < r->nrules; v.index++) {
    int rc = parse_rule(r, &v, json_array_get(r->json, v.index), &r->rules[v.index]);
    if (rc != ARCOS_OK)
      return rc == ARCOS_ENOMEM ? arcos_detail_set(d, rc, r->source, 0, "out of memory") : rc;
  }
  int rc = index_types(r);
  rc = rc ? rc : digest_canonical(r);
  return rc ? arcos_detail_set(d, rc, r->source, 0, "scoring rules: %s", arcos_strerror(rc)) : rc;
}

int arcos_rules_parse(const char *text, size_t len, const char *source, arcos_rules_t **out,
                      arcos_detail_t *d) {
  *out = NULL;
  arcos_rules_t *r = calloc(1, sizeof *r);
  if (r == NULL || (r->source = strdup(source ? source : "built-in")) == NULL) {
    free(r);
    return arcos_detail_set(d, ARCOS_ENOMEM, source, 0, "out of memory");
  }
  json_error_t err;
  r->json = json_loadb(text, len, 0, &err);
  int rc;
  if (r->json == NULL)
    rc = arcos_detail_set(d, ARCOS_ECONFIG, r->source, err.line,
                          "scoring rules: not valid JSON: %s (line %d, column %d)", err.text,
                          err.line, err.column);
  else
    rc = compile(r, d);
  if (rc != ARCOS_OK) {
    arcos_rules_destroy(&r);
    return rc;
  }
  *out = r;
  return ARCOS_OK;
}

int arcos_rules_load(const char *path, arcos_rules_t **out, arcos_detail_t *d) {
  if (path == NULL)
    return arcos_rules_parse(DEFAULT_RULES, sizeof DEFAULT_RULES - 1, "built-in", out, d);
  arcos_buf_t b = {0};
  int rc = arcos_read_file(path, &b);
  if (rc != ARCOS_OK) {
    *out = NULL;
    arcos_buf_free(&b);
    return arcos_detail_set(d, ARCOS_ECONFIG, path, 0,
                            "scoring rules: cannot read the file (%s); check the path given "
                            "to --scoring-rules / scoring_rules",
                            arcos_strerror(rc));
  }
  rc = arcos_rules_parse(b.data != NULL ? b.data : "", b.len, path, out, d);
  arcos_buf_free(&b);
  return rc;
}

void arcos_rules_destroy(arcos_rules_t **pr) {
  if (pr == NULL || *pr == NULL)
    return;
  arcos_rules_t *r = *pr;
  free(r->source);
  json_decref(r->json);
  arcos_buf_free(&r->canon);
  free(r->rules);
  free(r->terms);
  free(r->bands);
  free(r->paths);
  free(r->segs);
  free(r->seg_off);
  free(r->nseg);
  free(r->types);
  free(r->cand);
  free(r->tpaths);
  free(r->pairs);
  free(r->hash);
  free(r);
  *pr = NULL;
}

size_t arcos_rules_count(const arcos_rules_t *r) { return r->nrules; }
const char *arcos_rules_source(const arcos_rules_t *r) { return r->source; }
const char *arcos_rules_sha256(const arcos_rules_t *r) { return r->sha256; }

const char *arcos_rules_canonical(const arcos_rules_t *r, size_t *len) {
  if (len != NULL)
    *len = r->canon.len;
  return r->canon.data;
}

json_t *arcos_rules_report_json(const arcos_rules_t *r) {
  arcos_rules_t *own = NULL;
  if (r == NULL && arcos_rules_load(NULL, &own, NULL) != ARCOS_OK)
    return NULL;
  const arcos_rules_t *x = r != NULL ? r : own;
  if (x == NULL)
    return NULL;
  json_t *o = json_pack("{s:s, s:s}", "source", x->source, "sha256", x->sha256);
  arcos_rules_destroy(&own);
  return o;
}

arcos_fieldpaths_t arcos_rules_paths(const arcos_rules_t *r) {
  return (arcos_fieldpaths_t){r->paths, r->npaths};
}

/* ---- Evaluation (the hot path) ---- */

/* 0.0 + w0*v0 + w1*v1 ...; false when a value is not a number. */
static bool term_sum(const term_t *t, uint32_t n, const arcos_fieldval_t *vals, double *out) {
  double acc = 0.0;
  for (uint32_t i = 0; i < n; i++) {
    const arcos_fieldval_t *v = &vals[t[i].path];
    if (v->kind != ARCOS_FV_NUMBER)
      return false;
    acc += t[i].weight * v->num;
  }
  *out = acc;
  return true;
}

/* The rule's points, or -1 when it does not apply. */
static int apply(const arcos_rules_t *r, const rule_t *ru, const arcos_fieldval_t *vals) {
  double m = 0.0;
  const term_t *num = r->terms + ru->num_off;
  if (ru->metric == M_BOOL) {
    const arcos_fieldval_t *v = &vals[num->path];
    if (v->kind != ARCOS_FV_BOOL)
      return -1;
    m = v->num;
    if (ru->nbands == 0)
      return m != 0.0 ? ARCOS_RULES_BOOL_TRUE_POINTS : 0;
  } else if (ru->metric == M_RATIO) {
    double n = 0.0, den = 0.0;
    if (!term_sum(num, ru->nnum, vals, &n) ||
        !term_sum(r->terms + ru->den_off, ru->nden, vals, &den) || den == 0.0)
      return -1;
    m = n / den;
  } else if (!term_sum(num, ru->nnum, vals, &m)) {
    return -1;
  }
  const band_t *b = r->bands + ru->band_off;
  for (uint32_t i = 0; i < ru->nbands; i++)
    if (ru->band_kind == B_AT_LEAST ? m >= b[i].threshold : m <= b[i].threshold)
      return b[i].points;
  return ru->otherwise;
}

int arcos_rules_eval(const arcos_rules_t *r, const char *type, size_t type_len,
                     const arcos_fieldval_t *vals) {
  const type_t *ty = find_type(r, type, type_len);
  if (ty == NULL)
    return -1;
  for (uint32_t i = 0; i < ty->ncand; i++) {
    int p = apply(r, &r->rules[r->cand[ty->cand_off + i]], vals);
    if (p >= 0)
      return p;
  }
  return -1;
}

/* One path's value from a parsed `data`. */
static void fill_one(const arcos_rules_t *r, size_t p, const json_t *data, arcos_fieldval_t *v) {
  const json_t *cur = data;
  const span_t *seg = r->segs + r->seg_off[p];
  for (uint32_t s = 0; s < r->nseg[p] && cur != NULL; s++)
    cur = json_is_object(cur) ? json_object_getn(cur, seg[s].s, seg[s].len) : NULL;
  v->num = 0.0;
  if (cur == NULL) {
    v->kind = ARCOS_FV_MISSING;
  } else if (json_is_integer(cur)) {
    v->kind = ARCOS_FV_NUMBER;
    v->num = (double)json_integer_value(cur);
  } else if (json_is_real(cur)) {
    v->kind = ARCOS_FV_NUMBER; /* jansson holds only finite reals */
    v->num = json_real_value(cur);
  } else if (json_is_boolean(cur)) {
    v->kind = ARCOS_FV_BOOL;
    v->num = json_is_true(cur) ? 1.0 : 0.0;
  } else {
    v->kind = ARCOS_FV_OTHER;
  }
}

void arcos_rules_fill_json(const arcos_rules_t *r, const json_t *data, arcos_fieldval_t *vals) {
  for (size_t p = 0; p < r->npaths; p++)
    fill_one(r, p, data, &vals[p]);
}
