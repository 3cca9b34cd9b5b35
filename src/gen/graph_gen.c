/* Synthetic graphs for `arcos-scale generate` (docs/graph.md): an assurance case whose
 * evidence nodes are the generated records, and R-MAT graphs for benchmarks. Both are
 * deterministic functions of the options; neither touches the evidence output. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arcos/generate.h"

typedef struct {
  uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint64_t rng_below(rng_t *r, uint64_t n) { return n ? rng_next(r) % n : 0; }
/* Probability in per-mille, integer only (no libm: same bytes everywhere). */
static bool rng_permille(rng_t *r, unsigned p) { return rng_next(r) % 1000 < p; }

typedef struct {
  char tmp[2][4096], fin[2][4096];
  FILE *f[2];
} gfiles_t;

static int open_files(const char *out_dir, gfiles_t *gf, arcos_detail_t *d) {
  char dir[3900];
  if ((size_t)snprintf(dir, sizeof dir, "%s/graph", out_dir) >= sizeof dir)
    return arcos_detail_set(d, ARCOS_EIO, out_dir, 0, "path too long");
  mkdir(out_dir, 0775);
  if (mkdir(dir, 0775) != 0 && errno != EEXIST)
    return arcos_detail_set(d, ARCOS_EIO, dir, 0, "cannot create: %s", strerror(errno));
  static const char *const names[2] = {"nodes.jsonl", "relationships.jsonl"};
  for (int k = 0; k < 2; k++) {
    snprintf(gf->tmp[k], sizeof gf->tmp[k], "%s/.%s.tmp", dir, names[k]);
    snprintf(gf->fin[k], sizeof gf->fin[k], "%s/%s", dir, names[k]);
    gf->f[k] = fopen(gf->tmp[k], "w");
    if (gf->f[k] == NULL)
      return arcos_detail_set(d, ARCOS_EIO, gf->tmp[k], 0, "cannot create: %s", strerror(errno));
  }
  return ARCOS_OK;
}

static int close_files(gfiles_t *gf, int rc, arcos_detail_t *d) {
  for (int k = 0; k < 2; k++) {
    if (gf->f[k] == NULL)
      continue;
    bool bad = ferror(gf->f[k]) != 0;
    if (fclose(gf->f[k]) != 0 || bad) {
      if (rc == ARCOS_OK)
        rc = arcos_detail_set(d, ARCOS_EIO, gf->tmp[k], 0, "write failed: %s", strerror(errno));
    }
    if (rc == ARCOS_OK && rename(gf->tmp[k], gf->fin[k]) != 0)
      rc = arcos_detail_set(d, ARCOS_EIO, gf->fin[k], 0, "rename failed: %s", strerror(errno));
    if (rc != ARCOS_OK)
      remove(gf->tmp[k]);
  }
  return rc;
}

static void put_json(FILE *f, json_t *o) {
  char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (s != NULL)
    fprintf(f, "%s\n", s);
  free(s);
  json_decref(o);
}

static void node(FILE *f, const char *id, const char *label, json_t *props) {
  put_json(f, json_pack("{s:s, s:s, s:o}", "id", id, "label", label, "properties", props));
}

static void rel(FILE *f, uint64_t *k, const char *type, const char *src, const char *dst) {
  char id[32];
  snprintf(id, sizeof id, "rel-%" PRIu64, (*k)++);
  put_json(f, json_pack("{s:s, s:s, s:s, s:s, s:{}}", "id", id, "type", type, "source_id", src,
                        "target_id", dst, "properties"));
}

/* The ids (and types) of the first `want` stored records with string ids. */
static int stored_ids(const arcos_gen_options_t *opt, uint64_t want, char ***ids, char ***types,
                      uint64_t *got) {
  *got = 0;
  *ids = calloc(want + 1, sizeof **ids);
  *types = calloc(want + 1, sizeof **types);
  if (*ids == NULL || *types == NULL)
    return ARCOS_ENOMEM;
  if (opt->records == 0)
    return ARCOS_OK;
  arcos_gen_t *gen = arcos_gen_create(opt);
  if (gen == NULL)
    return ARCOS_ENOMEM;
  arcos_buf_t line = {0};
  arcos_gen_line_t info;
  while (*got < want && arcos_gen_next(gen, &line, &info) == ARCOS_OK) {
    if (info.kind != ARCOS_GEN_RECORD)
      continue;
    json_t *o = json_loadb(line.data, line.len, 0, NULL);
    json_t *id = json_object_get(o, "id"), *ty = json_object_get(o, "type");
    if (json_is_string(id)) {
      (*ids)[*got] = strdup(json_string_value(id));
      (*types)[*got] = strdup(json_is_string(ty) ? json_string_value(ty) : "other");
      (*got)++;
    }
    json_decref(o);
  }
  arcos_buf_free(&line);
  arcos_gen_destroy(&gen);
  return ARCOS_OK;
}

static int assurance(const arcos_gen_options_t *opt, gfiles_t *gf) {
  uint64_t m = opt->graph_nodes < 5 ? 5 : opt->graph_nodes;
  uint64_t ng = m / 50 ? m / 50 : 1, nc = m / 10 ? m / 10 : 1, ns = m / 5 ? m / 5 : 1;
  uint64_t nx = m / 25 ? m / 25 : 1;
  uint64_t ne = m > ng + nc + ns + nx ? m - ng - nc - ns - nx : 1;
  char **ev = NULL, **evt = NULL;
  uint64_t nev = 0;
  int rc = stored_ids(opt, ne, &ev, &evt, &nev);
  rng_t r = {opt->seed ^ 0x6772617068ull};
  FILE *fn = gf->f[0], *fr = gf->f[1];
  char a[64], b[64];
  static const char *const status[] = {"open", "supported", "challenged"};
  static const char *const ctx[] = {"assumption", "environment", "justification"};
  for (uint64_t i = 0; rc == ARCOS_OK && i < ng; i++) {
    snprintf(a, sizeof a, "goal-%" PRIu64, i);
    char title[64];
    snprintf(title, sizeof title, "Goal %" PRIu64, i);
    node(fn, a, "Goal", json_pack("{s:s, s:i}", "title", title, "level", 0));
  }
  for (uint64_t i = 0; rc == ARCOS_OK && i < nc; i++) {
    snprintf(a, sizeof a, "claim-%" PRIu64, i);
    node(fn, a, "Claim", json_pack("{s:s, s:i}", "status", status[rng_below(&r, 3)], "level", 1));
  }
  for (uint64_t i = 0; rc == ARCOS_OK && i < ns; i++) {
    snprintf(a, sizeof a, "subclaim-%" PRIu64, i);
    node(fn, a, "Claim", json_pack("{s:s, s:i}", "status", status[rng_below(&r, 3)], "level", 2));
  }
  for (uint64_t i = 0; rc == ARCOS_OK && i < nx; i++) {
    snprintf(a, sizeof a, "context-%" PRIu64, i);
    node(fn, a, "Context", json_pack("{s:s}", "kind", ctx[rng_below(&r, 3)]));
  }
  for (uint64_t i = 0; rc == ARCOS_OK && i < ne; i++) {
    if (i < nev) {
      node(fn, ev[i], "Evidence", json_pack("{s:s, s:b}", "type", evt[i], "stored", 1));
    } else {
      snprintf(a, sizeof a, "artifact-%" PRIu64, i);
      node(fn, a, "Evidence", json_pack("{s:s, s:b}", "type", "artifact", "stored", 0));
    }
  }
  uint64_t k = 0;
  for (uint64_t i = 0; rc == ARCOS_OK && i < nc; i++) {
    snprintf(a, sizeof a, "claim-%" PRIu64, i);
    snprintf(b, sizeof b, "goal-%" PRIu64, rng_below(&r, ng));
    rel(fr, &k, "SUPPORTS", a, b);
    if (rng_permille(&r, 300)) {
      snprintf(b, sizeof b, "context-%" PRIu64, rng_below(&r, nx));
      rel(fr, &k, "IN_CONTEXT_OF", a, b);
    }
  }
  for (uint64_t i = 0; rc == ARCOS_OK && i < ng; i++) {
    snprintf(a, sizeof a, "goal-%" PRIu64, i);
    snprintf(b, sizeof b, "context-%" PRIu64, rng_below(&r, nx));
    rel(fr, &k, "IN_CONTEXT_OF", a, b);
  }
  for (uint64_t i = 0; rc == ARCOS_OK && i < ns; i++) {
    snprintf(a, sizeof a, "subclaim-%" PRIu64, i);
    snprintf(b, sizeof b, "claim-%" PRIu64, rng_below(&r, nc));
    rel(fr, &k, "SUPPORTS", a, b);
  }
  for (uint64_t i = 0; rc == ARCOS_OK && i < ne; i++) {
    char id[300];
    if (i < nev)
      snprintf(id, sizeof id, "%s", ev[i]);
    else
      snprintf(id, sizeof id, "artifact-%" PRIu64, i);
    snprintf(b, sizeof b, "subclaim-%" PRIu64, rng_below(&r, ns));
    rel(fr, &k, rng_permille(&r, 100) ? "REFUTES" : "SUPPORTS", id, b);
    if (rng_permille(&r, 300)) {
      snprintf(b, sizeof b, "subclaim-%" PRIu64, rng_below(&r, ns));
      rel(fr, &k, "SUPPORTS", id, b);
    }
    if (i > 0 && rng_permille(&r, 150)) {
      uint64_t j = rng_below(&r, i);
      char src[300];
      if (j < nev)
        snprintf(src, sizeof src, "%s", ev[j]);
      else
        snprintf(src, sizeof src, "artifact-%" PRIu64, j);
      rel(fr, &k, "DERIVED_FROM", id, src);
    }
  }
  for (uint64_t i = 0; ev != NULL && i < nev; i++) {
    free(ev[i]);
    free(evt[i]);
  }
  free(ev);
  free(evt);
  return rc;
}

/* R-MAT (Chakrabarti et al.) with the Graph500 parameters a=0.57, b=0.19, c=0.19.
 * Lines are printed directly (ids are digits only) because a scale-20 graph has 16.7
 * million of them and JSON building would dominate. */
static int rmat(const arcos_gen_options_t *opt, gfiles_t *gf) {
  uint64_t n = (uint64_t)1 << opt->scale, m = n * (uint64_t)opt->edge_factor;
  rng_t r = {opt->seed ^ 0x726d6174ull};
  for (uint64_t v = 0; v < n; v++)
    fprintf(gf->f[0], "{\"id\":\"v%" PRIu64 "\",\"label\":\"Vertex\"}\n", v);
  for (uint64_t e = 0; e < m; e++) {
    uint64_t u = 0, w = 0;
    for (int bit = 0; bit < opt->scale; bit++) {
      uint64_t x = rng_next(&r) % 100;
      /* a=57: (0,0), b=19: (0,1), c=19: (1,0), d=5: (1,1) */
      uint64_t ub = x >= 76, wb = (x >= 57 && x < 76) || x >= 95;
      u |= ub << bit;
      w |= wb << bit;
    }
    fprintf(gf->f[1],
            "{\"id\":\"e%" PRIu64 "\",\"type\":\"LINKS\",\"source_id\":\"v%" PRIu64
            "\",\"target_id\":\"v%" PRIu64 "\"}\n",
            e, u, w);
  }
  return ARCOS_OK;
}

int arcos_gen_graph(const arcos_gen_options_t *opt, const char *out_dir, arcos_detail_t *d) {
  gfiles_t gf = {0};
  int rc = open_files(out_dir, &gf, d);
  if (rc == ARCOS_OK)
    rc = opt->graph_kind == ARCOS_GEN_GRAPH_RMAT ? rmat(opt, &gf) : assurance(opt, &gf);
  if (rc == ARCOS_ENOMEM)
    arcos_detail_set(d, rc, "generate", 0, "out of memory");
  return close_files(&gf, rc, d);
}
