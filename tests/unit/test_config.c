/* Job configuration: defaults, config file, environment and flags in that order of
 * precedence; unknown keys and out-of-range values are refused with their name. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/config.h"
#include "check.h"

static int parse(arcos_config_t *cfg, int argc, const char **argv, arcos_detail_t *d) {
  bool help = false;
  arcos_config_init(cfg);
  arcos_detail_clear(d);
  return arcos_config_parse_run(cfg, argc, (char **)argv, &help, d);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f != NULL) {
    fputs(text, f);
    fclose(f);
  }
}

int main(void) {
  arcos_config_t cfg;
  arcos_detail_t d;
  unsetenv("ARCOS_BATCH_SIZE");
  unsetenv("ARCOS_MAX_WORKERS");
  unsetenv("ARCOS_CACHE_NODES");

  const char *a0[] = {"run", "in.jsonl"};
  CHECK_INT_EQ(parse(&cfg, 2, a0, &d), 0);
  CHECK_INT_EQ(cfg.batch_size, 100);
  CHECK_INT_EQ(cfg.max_retries, 3);
  CHECK_INT_EQ(cfg.guarantee, ARCOS_GUARANTEE_EXACTLY_ONCE);
  CHECK_INT_EQ(cfg.on_error, ARCOS_ON_ERROR_DLQ);
  CHECK_INT_EQ(cfg.max_record_bytes, 1 << 20);
  CHECK_INT_EQ(cfg.scoring.alert_threshold, 50);
  CHECK_STR_EQ(cfg.output, "results");
  CHECK_INT_EQ(cfg.ninputs, 1);
  CHECK_STR_EQ(cfg.inputs[0], "in.jsonl");
  CHECK(!cfg.reference_time_set);
  arcos_config_free(&cfg);

  char path[] = "/tmp/arcos-test-config-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  write_file(path, "{\"batch_size\": 7, \"on_error\": \"skip\", \"inputs\": [\"x.jsonl\", \"y\"],"
                   " \"reference_time\": \"2026-01-01T00:00:00Z\","
                   " \"scoring\": {\"alert_threshold\": 60, \"integrity\": 30}}");
  const char *a1[] = {"run", "--config", path};
  CHECK_INT_EQ(parse(&cfg, 3, a1, &d), 0);
  CHECK_INT_EQ(cfg.batch_size, 7);
  CHECK_INT_EQ(cfg.on_error, ARCOS_ON_ERROR_SKIP);
  CHECK_INT_EQ(cfg.scoring.alert_threshold, 60);
  CHECK_INT_EQ(cfg.scoring.integrity, 30);
  CHECK_INT_EQ(cfg.ninputs, 2);
  CHECK(cfg.reference_time_set);
  CHECK_INT_EQ(cfg.reference_time, 1767225600);
  arcos_config_free(&cfg);

  setenv("ARCOS_BATCH_SIZE", "9", 1);
  CHECK_INT_EQ(parse(&cfg, 3, a1, &d), 0);
  CHECK_INT_EQ(cfg.batch_size, 9); /* environment over config */
  arcos_config_free(&cfg);
  const char *a2[] = {"run", "--config", path, "--batch-size=11", "--alert-threshold",
                      "40",  "z.jsonl"};
  CHECK_INT_EQ(parse(&cfg, 7, a2, &d), 0);
  CHECK_INT_EQ(cfg.batch_size, 11); /* flag over environment */
  CHECK_INT_EQ(cfg.scoring.alert_threshold, 40);
  CHECK_INT_EQ(cfg.ninputs, 1); /* command-line inputs replace the job file's */
  CHECK_STR_EQ(cfg.inputs[0], "z.jsonl");
  arcos_config_free(&cfg);
  setenv("ARCOS_BATCH_SIZE", "zero", 1);
  CHECK_INT_EQ(parse(&cfg, 2, a0, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "batch_size") != NULL);
  arcos_config_free(&cfg);
  unsetenv("ARCOS_BATCH_SIZE");

  write_file(path, "{\"batch_sise\": 7}");
  CHECK_INT_EQ(parse(&cfg, 3, a1, &d), ARCOS_ECONFIG);
  CHECK(strstr(d.text, "batch_sise") != NULL);
  arcos_config_free(&cfg);
  write_file(path, "{\"scoring\": {\"bogus\": 1}}");
  CHECK_INT_EQ(parse(&cfg, 3, a1, &d), ARCOS_ECONFIG);
  CHECK(strstr(d.text, "scoring.bogus") != NULL);
  arcos_config_free(&cfg);
  write_file(path, "{\"batch_size\": \"7\"}");
  CHECK_INT_EQ(parse(&cfg, 3, a1, &d), ARCOS_ECONFIG);
  arcos_config_free(&cfg);
  write_file(path, "{\"batch_size\": 7,}");
  CHECK_INT_EQ(parse(&cfg, 3, a1, &d), ARCOS_ECONFIG);
  arcos_config_free(&cfg);
  unlink(path);

  const char *bad[][3] = {{"run", "--batch-size", "0"},     {"run", "--guarantee", "twice"},
                          {"run", "--max-error-rate", "2"}, {"run", "--reference-time", "soon"},
                          {"run", "--frobnicate", "1"},     {"run", "--scoring-fresh-days", "400"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_INT_EQ(parse(&cfg, 3, bad[i], &d), ARCOS_EUSAGE);
    CHECK(d.text[0] != '\0');
    arcos_config_free(&cfg);
  }
  const char *a3[] = {"run",     "--reference-time", "1700000000", "--guarantee", "at-most-once",
                      "--force", "--jsonl",          "-o",         "outdir"};
  CHECK_INT_EQ(parse(&cfg, 9, a3, &d), 0);
  CHECK_INT_EQ(cfg.reference_time, 1700000000);
  CHECK_INT_EQ(cfg.guarantee, ARCOS_GUARANTEE_AT_MOST_ONCE);
  CHECK(cfg.force && cfg.jsonl);
  CHECK_STR_EQ(cfg.output, "outdir");
  json_t *j = arcos_config_to_json(&cfg);
  CHECK_STR_EQ(json_string_value(json_object_get(j, "guarantee")), "at-most-once");
  CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(j, "scoring"), "integrity")), 25);
  json_decref(j);
  arcos_config_free(&cfg);
  return CHECK_DONE();
}
