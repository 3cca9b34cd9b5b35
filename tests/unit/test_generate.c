/* The synthetic evidence generator: byte-identical output for the same options,
 * manifest counts equal to what parsing the output finds, checksums that verify,
 * every container format parseable, argument errors that name the flag. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "arcos/evidence.h"
#include "arcos/generate.h"
#include "arcos/ring.h"
#include "arcos/util.h"
#include "check.h"

static char *make_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[512];
  snprintf(tmpl, sizeof tmpl, "%s/arcos-gen-XXXXXX", base != NULL ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  return d != NULL ? strdup(d) : NULL;
}

static void remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return;
  struct dirent *e;
  char path[1024];
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

static int read_path(const char *dir, const char *name, arcos_buf_t *b) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  arcos_buf_reset(b);
  return arcos_read_file(path, b);
}

/* Set of normalised ids: open addressing over arcos_hash64. */
typedef struct {
  char **slot;
  size_t cap, n;
} idset_t;

static bool idset_add(idset_t *s, const char *id) {
  if (2 * (s->n + 1) > s->cap) {
    idset_t t = {calloc(s->cap ? 2 * s->cap : 1024, sizeof(char *)), s->cap ? 2 * s->cap : 1024, 0};
    for (size_t i = 0; i < s->cap; i++)
      if (s->slot[i] != NULL) {
        size_t h = arcos_hash64(s->slot[i], strlen(s->slot[i])) & (t.cap - 1);
        while (t.slot[h] != NULL)
          h = (h + 1) & (t.cap - 1);
        t.slot[h] = s->slot[i];
        t.n++;
      }
    free(s->slot);
    *s = t;
  }
  size_t h = arcos_hash64(id, strlen(id)) & (s->cap - 1);
  while (s->slot[h] != NULL) {
    if (strcmp(s->slot[h], id) == 0)
      return false;
    h = (h + 1) & (s->cap - 1);
  }
  s->slot[h] = strdup(id);
  s->n++;
  return true;
}

static void idset_free(idset_t *s) {
  for (size_t i = 0; i < s->cap; i++)
    free(s->slot[i]);
  free(s->slot);
  memset(s, 0, sizeof *s);
}

/* What a reader must find, counted independently of the generator. */
typedef struct {
  long lines, unique, duplicates, parse, invalid, verified, tampered, no_checksum, clock_skew;
} found_t;

typedef struct {
  found_t f; /* counted with jansson, the checksum recomputed here */
  found_t p; /* counted by the evidence stages, as a run sees the lines */
  idset_t ids, pipeline_ids;
  arcos_evidence_ctx_t *ev;
  arcos_buf_t canon;
  int64_t end_time;
} counter_t;

static void count_value(counter_t *c, json_t *rec) {
  c->f.lines++;
  if (rec == NULL) {
    c->f.parse++;
    return;
  }
  json_t *id = json_object_get(rec, "id");
  char idtext[64];
  const char *key = NULL;
  if (json_is_string(id) && json_string_length(id) >= 1 && json_string_length(id) <= 256) {
    key = json_string_value(id);
  } else if (json_is_integer(id)) {
    snprintf(idtext, sizeof idtext, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    key = idtext;
  }
  if (!json_is_object(rec) || key == NULL) {
    c->f.invalid++;
    return;
  }
  if (!idset_add(&c->ids, key)) {
    c->f.duplicates++;
    return;
  }
  c->f.unique++;
  json_t *sum = json_object_get(rec, "checksum");
  if (sum == NULL) {
    c->f.no_checksum++;
  } else {
    char hex[65];
    arcos_buf_reset(&c->canon);
    CHECK_INT_EQ(arcos_canonical_append(&c->canon, json_object_get(rec, "data")), 0);
    CHECK_INT_EQ(arcos_ev_sha256_hex(c->ev, c->canon.data, c->canon.len, hex), 0);
    if (json_is_string(sum) && strcmp(json_string_value(sum), hex) == 0)
      c->f.verified++;
    else
      c->f.tampered++;
  }
  json_t *ts = json_object_get(rec, "timestamp");
  int64_t t;
  if (json_is_string(ts) &&
      arcos_rfc3339_parse(json_string_value(ts), json_string_length(ts), &t) == 0 &&
      t > c->end_time + 86400)
    c->f.clock_skew++;
}

/* The evidence stages with reference_time = end_time: what `run --reference-time`
 * will count. */
static void pipeline_line(counter_t *c, const char *text, size_t len) {
  arcos_evidence_t rec;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  c->p.lines++;
  int rc = arcos_ev_ingest(c->ev, text, len, &rec, &d);
  if (rc == ARCOS_EPARSE) {
    c->p.parse++;
    return;
  }
  if (rc != 0) {
    CHECK_INT_EQ(rc, ARCOS_EINVALID);
    c->p.invalid++;
    return;
  }
  char id[300];
  snprintf(id, sizeof id, "%.*s", (int)rec.id_len, rec.id);
  if (!idset_add(&c->pipeline_ids, id)) {
    c->p.duplicates++;
    return;
  }
  c->p.unique++;
  CHECK_INT_EQ(arcos_ev_analyze(c->ev, &rec), 0);
  CHECK_INT_EQ(arcos_ev_score(c->ev, &rec), 0);
  CHECK_INT_EQ(arcos_ev_alert(c->ev, &rec), 0);
  c->p.verified += rec.verified;
  c->p.no_checksum += !rec.checksum_present;
  c->p.tampered += (rec.alerts & ARCOS_ALERT_INTEGRITY_VIOLATION) != 0;
  c->p.clock_skew += (rec.alerts & ARCOS_ALERT_CLOCK_SKEW) != 0;
}

static void count_line(counter_t *c, const char *text, size_t len) {
  json_t *rec = json_loadb(text, len, JSON_DECODE_ANY, NULL);
  count_value(c, rec);
  json_decref(rec);
  pipeline_line(c, text, len);
}

static void counter_init(counter_t *c, int64_t end_time) {
  memset(c, 0, sizeof *c);
  arcos_scoring_t sc;
  arcos_scoring_defaults(&sc);
  c->ev = arcos_evidence_create(&sc, end_time, 1 << 20);
  c->end_time = end_time;
}

static void counter_free(counter_t *c) {
  idset_free(&c->ids);
  idset_free(&c->pipeline_ids);
  arcos_buf_free(&c->canon);
  arcos_evidence_destroy(&c->ev);
}

/* Count every record of every file of a generated directory. */
static void count_dir(counter_t *c, const char *dir, const arcos_gen_options_t *opt) {
  arcos_buf_t b = {0};
  for (int i = 0; i < opt->files; i++) {
    char name[64], path[1024];
    arcos_gen_file_name(opt, i, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    long before = c->f.lines;
    if (opt->format == ARCOS_GEN_JSON || opt->format == ARCOS_GEN_ITEMS) {
      json_error_t err;
      json_t *root = json_load_file(path, 0, &err);
      CHECK(root != NULL);
      if (root == NULL) {
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
        continue;
      }
      json_t *arr = opt->format == ARCOS_GEN_ITEMS ? json_object_get(root, "evidence_items") : root;
      CHECK(json_is_array(arr));
      for (size_t k = 0; k < json_array_size(arr); k++) {
        char *text = json_dumps(json_array_get(arr, k), JSON_COMPACT | JSON_ENCODE_ANY);
        CHECK(text != NULL);
        if (text != NULL)
          count_line(c, text, strlen(text));
        free(text);
      }
      json_decref(root);
    } else {
      arcos_buf_reset(&b);
      if (opt->format == ARCOS_GEN_JSONL_GZ) {
        gzFile gz = gzopen(path, "rb");
        CHECK(gz != NULL);
        char chunk[65536];
        int n;
        while (gz != NULL && (n = gzread(gz, chunk, sizeof chunk)) > 0)
          arcos_buf_append(&b, chunk, (size_t)n);
        if (gz != NULL)
          gzclose(gz);
      } else {
        CHECK_INT_EQ(arcos_read_file(path, &b), 0);
      }
      size_t start = 0;
      for (size_t k = 0; k < b.len; k++)
        if (b.data[k] == '\n') {
          count_line(c, b.data + start, k - start);
          start = k + 1;
        }
      CHECK_INT_EQ(start, b.len); /* every line ends with a newline */
    }
    CHECK_INT_EQ(c->f.lines - before, arcos_gen_file_records(opt, i));
  }
  arcos_buf_free(&b);
}

static long mget(json_t *m, const char *a, const char *b) {
  json_t *v = json_object_get(m, a);
  if (b != NULL)
    v = json_object_get(v, b);
  CHECK(json_is_integer(v));
  return (long)json_integer_value(v);
}

/* Generate into a fresh directory, then check the manifest against the parsed output. */
static void check_format(arcos_gen_options_t opt) {
  char *dir = make_tmpdir();
  CHECK(dir != NULL);
  if (dir == NULL)
    return;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  arcos_gen_counts_t counts;
  int rc = arcos_generate(&opt, dir, NULL, &counts, &d);
  CHECK_INT_EQ(rc, 0);
  if (rc != 0) {
    fprintf(stderr, "generate: %s\n", d.text);
    remove_tree(dir);
    free(dir);
    return;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  json_t *m = json_load_file(path, 0, NULL);
  CHECK(m != NULL);

  counter_t c;
  counter_init(&c, opt.end_time);
  count_dir(&c, dir, &opt);
  fprintf(stderr,
          "%s x%d: %ld lines, %ld unique, %ld duplicates, %ld parse, %ld invalid, %ld verified, "
          "%ld tampered, %ld without checksum, %ld clock skew\n",
          arcos_gen_format_name(opt.format), opt.files, c.f.lines, c.f.unique, c.f.duplicates,
          c.f.parse, c.f.invalid, c.f.verified, c.f.tampered, c.f.no_checksum, c.f.clock_skew);
  CHECK_INT_EQ(c.f.lines, opt.records);
  CHECK_INT_EQ(mget(m, "lines", NULL), c.f.lines);
  CHECK_INT_EQ(mget(m, "unique_ids", NULL), c.f.unique);
  CHECK_INT_EQ(mget(m, "duplicates", NULL), c.f.duplicates);
  CHECK_INT_EQ(mget(m, "bad_lines", "parse"), c.f.parse);
  CHECK_INT_EQ(mget(m, "bad_lines", "invalid"), c.f.invalid);
  CHECK_INT_EQ(mget(m, "bad_lines", "total"), c.f.parse + c.f.invalid);
  CHECK_INT_EQ(mget(m, "verified", NULL), c.f.verified);
  CHECK_INT_EQ(mget(m, "tampered", NULL), c.f.tampered);
  CHECK_INT_EQ(mget(m, "no_checksum", NULL), c.f.no_checksum);
  CHECK_INT_EQ(mget(m, "clock_skew", NULL), c.f.clock_skew);
  CHECK_INT_EQ(json_array_size(json_object_get(m, "files")), opt.files);
  CHECK_INT_EQ(counts.unique_ids, c.f.unique);
  /* The evidence stages find the same. */
  CHECK_INT_EQ(c.p.lines, c.f.lines);
  CHECK_INT_EQ(c.p.unique, c.f.unique);
  CHECK_INT_EQ(c.p.duplicates, c.f.duplicates);
  CHECK_INT_EQ(c.p.parse, c.f.parse);
  CHECK_INT_EQ(c.p.invalid, c.f.invalid);
  CHECK_INT_EQ(c.p.verified, c.f.verified);
  CHECK_INT_EQ(c.p.tampered, c.f.tampered);
  CHECK_INT_EQ(c.p.no_checksum, c.f.no_checksum);
  CHECK_INT_EQ(c.p.clock_skew, c.f.clock_skew);
  /* conservation as a run will check it */
  CHECK_INT_EQ(c.f.unique + c.f.duplicates + c.f.parse + c.f.invalid, c.f.lines);
  /* the rates were used */
  if (opt.records >= 10000) {
    CHECK(c.f.duplicates > 0 && c.f.tampered > 0 && c.f.clock_skew > 0 && c.f.invalid > 0);
    CHECK(c.f.verified > c.f.unique / 2);
    if (opt.format == ARCOS_GEN_JSON || opt.format == ARCOS_GEN_ITEMS)
      CHECK_INT_EQ(c.f.parse, 0);
    else
      CHECK(c.f.parse > 0);
  }
  json_decref(m);
  counter_free(&c);
  remove_tree(dir);
  free(dir);
}

static arcos_gen_options_t opts(uint64_t records, arcos_gen_format_t format, int files) {
  arcos_gen_options_t o;
  arcos_gen_options_default(&o);
  o.records = records;
  o.format = format;
  o.files = files;
  o.duplicate_rate = 0.08;
  o.bad_rate = 0.04;
  o.tamper_rate = 0.05;
  o.seed = 42;
  return o;
}

static void test_counts(void) {
  check_format(opts(30000, ARCOS_GEN_JSONL, 1));
  check_format(opts(20000, ARCOS_GEN_JSONL, 3));
  check_format(opts(12000, ARCOS_GEN_JSONL_GZ, 2));
  check_format(opts(12000, ARCOS_GEN_JSON, 1));
  check_format(opts(12000, ARCOS_GEN_ITEMS, 2));
  check_format(opts(0, ARCOS_GEN_JSON, 1));
  check_format(opts(0, ARCOS_GEN_JSONL, 1));
  check_format(opts(5, ARCOS_GEN_ITEMS, 1));
}

static void test_determinism(void) {
  arcos_gen_options_t o = opts(20000, ARCOS_GEN_JSONL, 2);
  char *a = make_tmpdir(), *b = make_tmpdir();
  CHECK(a != NULL && b != NULL);
  if (a == NULL || b == NULL)
    return;
  CHECK_INT_EQ(arcos_generate(&o, a, NULL, NULL, NULL), 0);
  CHECK_INT_EQ(arcos_generate(&o, b, NULL, NULL, NULL), 0);
  arcos_buf_t x = {0}, y = {0};
  const char *names[] = {"evidence-000.jsonl", "evidence-001.jsonl", "manifest.json"};
  for (size_t i = 0; i < 3; i++) {
    CHECK_INT_EQ(read_path(a, names[i], &x), 0);
    CHECK_INT_EQ(read_path(b, names[i], &y), 0);
    CHECK(x.len > 0);
    CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
  }

  /* The stream API and --out - give the same bytes as the two files together. */
  arcos_buf_t files = {0};
  CHECK_INT_EQ(read_path(a, names[0], &x), 0);
  arcos_buf_append(&files, x.data, x.len);
  CHECK_INT_EQ(read_path(a, names[1], &x), 0);
  arcos_buf_append(&files, x.data, x.len);

  arcos_gen_options_t one = o;
  one.files = 1;
  arcos_gen_t *g = arcos_gen_create(&one);
  CHECK(g != NULL);
  arcos_buf_t line = {0}, all = {0};
  arcos_gen_line_t info;
  uint64_t n = 0;
  while (g != NULL && arcos_gen_next(g, &line, &info) == 0) {
    n++;
    CHECK(info.line == n);
    arcos_buf_append(&all, line.data, line.len);
    arcos_buf_putc(&all, '\n');
  }
  CHECK_INT_EQ(n, o.records);
  CHECK(all.len == files.len && memcmp(all.data, files.data, all.len) == 0);
  arcos_gen_destroy(&g);
  CHECK(g == NULL);

  FILE *f = tmpfile();
  CHECK(f != NULL);
  if (f != NULL) {
    CHECK_INT_EQ(arcos_generate(&one, "-", f, NULL, NULL), 0);
    rewind(f);
    arcos_buf_reset(&x);
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
      arcos_buf_append(&x, chunk, k);
    fclose(f);
    CHECK(x.len == files.len && memcmp(x.data, files.data, x.len) == 0);
  }

  /* The same options again replace the files; other --files would leave stale ones. */
  CHECK_INT_EQ(arcos_generate(&o, a, NULL, NULL, NULL), 0);
  arcos_detail_t det;
  arcos_detail_clear(&det);
  CHECK_INT_EQ(arcos_generate(&one, a, NULL, NULL, &det), ARCOS_EEXISTS);
  CHECK(strstr(det.text, "evidence-000.jsonl") != NULL);

  /* Another seed gives other records. */
  arcos_gen_options_t other = o;
  other.seed = 43;
  remove_tree(b);
  CHECK(mkdir(b, 0700) == 0);
  CHECK_INT_EQ(arcos_generate(&other, b, NULL, NULL, NULL), 0);
  CHECK_INT_EQ(read_path(b, names[0], &y), 0);
  CHECK_INT_EQ(read_path(a, names[0], &x), 0);
  CHECK(x.len != y.len || memcmp(x.data, y.data, x.len) != 0);

  arcos_buf_free(&x);
  arcos_buf_free(&y);
  arcos_buf_free(&files);
  arcos_buf_free(&line);
  arcos_buf_free(&all);
  remove_tree(a);
  remove_tree(b);
  free(a);
  free(b);
}

int main(void) {
  test_determinism();
  test_counts();
  return CHECK_DONE();
}
