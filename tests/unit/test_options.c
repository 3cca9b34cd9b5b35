/* The option parser shared by every command (include/arcos/options.h) and every
 * command's table: flag forms, types and ranges, precedence, bad values named the way
 * the user wrote them, retired options, required options, and help generated from the
 * table with the defaults read from the initialised options. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arcos/config.h"
#include "arcos/options.h"
#include "check.h"
#include "cli_options.h"

typedef struct {
  bool flag;
  int small, choice;
  int64_t big, when;
  uint64_t count;
  double rate;
  char *name;
} demo_t;

static const char *const colours[] = {"red", "green", NULL};
#define D(f) offsetof(demo_t, f)
static const arcos_opt_t demo_opts[] = {
    {"flag", ARCOS_OPT_BOOL, D(flag), 0, 0, NULL, NULL, NULL, "a switch", NULL, 0},
    {"small", ARCOS_OPT_I32, D(small), -5, 5, NULL, "DEMO_SMALL", "N", "a small number", NULL, 0},
    {"group.big", ARCOS_OPT_I64, D(big), 0, 1e12, NULL, NULL, "N", "a big number", "0: automatic",
     0},
    {"count", ARCOS_OPT_U64, D(count), 1, 100, NULL, NULL, "N", "a count", NULL,
     ARCOS_OPT_REQUIRED},
    {"rate", ARCOS_OPT_F64, D(rate), 0, 1, NULL, NULL, "F", "a rate", NULL, 0},
    {"name", ARCOS_OPT_STRING, D(name), 0, 0, NULL, NULL, "S", "a name", NULL, 0},
    {"colour", ARCOS_OPT_ENUM, D(choice), 0, 0, colours, NULL, "C", "red | green", NULL, 0},
    {"when", ARCOS_OPT_TIME, D(when), 0, 1e11, NULL, NULL, "T", "a time", NULL, 0},
    {"old", ARCOS_OPT_RETIRED, 0, 0, 0, NULL, NULL, NULL, "use --new instead", NULL, 0},
};
static const char *const demo_aliases[] = {"n", "name", NULL};
static const arcos_optset_t demo = {"demo", demo_opts, sizeof demo_opts / sizeof demo_opts[0],
                                    demo_aliases, true};

static int demo_parse(demo_t *v, arcos_opts_args_t *args, arcos_detail_t *d, int argc,
                      const char **argv) {
  arcos_detail_clear(d);
  return arcos_opts_parse_args(&demo, v, argc, (char **)argv, args, d);
}

/* The parse of argv fails with ARCOS_EUSAGE and a message containing `want`. */
static void demo_fails(const char *want, int argc, const char **argv) {
  demo_t v = {0};
  arcos_opts_args_t args;
  arcos_detail_t d;
  CHECK_INT_EQ(demo_parse(&v, &args, &d, argc, argv), ARCOS_EUSAGE);
  if (strstr(d.text, want) == NULL) {
    fprintf(stderr, "message does not contain '%s': %s\n", want, d.text);
    CHECK(0);
  }
  arcos_opts_args_free(&args);
  free(v.name);
}

static void test_engine(void) {
  demo_t v = {.rate = 0.25};
  arcos_opts_args_t args;
  arcos_detail_t d;
  const char *good[] = {"demo",       "in1",         "--flag", "--small=-3", "--group-big",
                        "7",          "-n",          "x",      "--count",    "5",
                        "--rate=0.5", "--colour",    "green",  "--when",     "2026-01-01T00:00:00Z",
                        "--",         "--not-a-flag"};
  CHECK_INT_EQ(demo_parse(&v, &args, &d, 17, good), 0);
  CHECK(v.flag && v.small == -3 && v.big == 7 && v.count == 5 && v.rate == 0.5);
  CHECK_STR_EQ(v.name, "x");
  CHECK_INT_EQ(v.choice, 1);
  CHECK_INT_EQ(v.when, 1767225600);
  CHECK_INT_EQ(args.npositional, 2);
  CHECK_STR_EQ(args.positional[0], "in1");
  CHECK_STR_EQ(args.positional[1], "--not-a-flag");
  CHECK(arcos_opts_given(&args, 3) && !arcos_opts_given(&args, 8));
  CHECK_INT_EQ(arcos_opts_check_required(&demo, &args, &d), 0);
  arcos_opts_args_free(&args);

  /* --flag=false clears; a later value replaces an earlier string (no leak). */
  const char *again[] = {"demo", "--flag=false", "--name", "y", "--when", "86400"};
  CHECK_INT_EQ(demo_parse(&v, &args, &d, 6, again), 0);
  CHECK(!v.flag);
  CHECK_STR_EQ(v.name, "y");
  CHECK_INT_EQ(v.when, 86400);
  CHECK_INT_EQ(arcos_opts_check_required(&demo, &args, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "--count N is required") != NULL);
  arcos_opts_args_free(&args);

  /* --help stops the parse, even before a bad option. */
  const char *help[] = {"demo", "--help", "--bogus"};
  CHECK_INT_EQ(demo_parse(&v, &args, &d, 3, help), 0);
  CHECK(args.help);
  arcos_opts_args_free(&args);
  free(v.name);

  /* Every bad value names the option as written. */
  demo_fails("unknown option --bogus (see arcos-scale demo --help)", 2,
             (const char *[]){"demo", "--bogus"});
  demo_fails("--small: 6 is out of range [-5, 5]", 3, (const char *[]){"demo", "--small", "6"});
  demo_fails("--small: expected an integer, got '1x'", 2, (const char *[]){"demo", "--small=1x"});
  demo_fails("--count: expected a non-negative integer, got '-1'", 3,
             (const char *[]){"demo", "--count", "-1"});
  demo_fails("--rate: 2 is out of range [0, 1]", 3, (const char *[]){"demo", "--rate", "2"});
  demo_fails("--rate: expected a number, got 'nan'", 3, (const char *[]){"demo", "--rate", "nan"});
  demo_fails("--name: must not be empty", 2, (const char *[]){"demo", "--name="});
  demo_fails("--colour: 'blue' is not one of the choices (red, green)", 3,
             (const char *[]){"demo", "--colour", "blue"});
  demo_fails("--when: 'soon' is neither an RFC 3339 time", 3,
             (const char *[]){"demo", "--when", "soon"});
  demo_fails("--flag: expected true or false, got 'maybe'", 2,
             (const char *[]){"demo", "--flag=maybe"});
  demo_fails("--small needs a value (N)", 2, (const char *[]){"demo", "--small"});
  demo_fails("--old is retired: use --new instead", 2, (const char *[]){"demo", "--old"});
  demo_fails("-x", 2, (const char *[]){"demo", "-x"});

  /* The environment and JSON go through the same conversion, named their own way. */
  demo_t e = {0};
  setenv("DEMO_SMALL", "4", 1);
  CHECK_INT_EQ(arcos_opts_apply_env(&demo, &e, &d), 0);
  CHECK_INT_EQ(e.small, 4);
  setenv("DEMO_SMALL", "40", 1);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_opts_apply_env(&demo, &e, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "DEMO_SMALL (small): 40 is out of range") != NULL);
  unsetenv("DEMO_SMALL");
  json_t *j = json_integer(3);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_opts_set_json(&demo_opts[4], &e, j, "job.json", &d), ARCOS_ECONFIG);
  CHECK(strstr(d.text, "key rate: 3 is out of range") != NULL);
  CHECK_STR_EQ(d.source, "job.json");
  json_decref(j);
  j = json_string("red");
  CHECK_INT_EQ(arcos_opts_set_json(&demo_opts[6], &e, j, "job.json", &d), 0);
  json_decref(j);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_opts_set_json(&demo_opts[8], &e, json_true(), "job.json", &d), ARCOS_ECONFIG);
  CHECK(strstr(d.text, "key old is retired") != NULL);

  /* Help: every option but the retired one, defaults from the struct or the note. */
  demo_t defaults = {.small = 2, .rate = 0.25, .choice = 0};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  arcos_opts_print_help(&demo, &defaults, f);
  fclose(f);
  CHECK(strstr(text, "  --small N") != NULL && strstr(text, "a small number (default 2); env "
                                                            "DEMO_SMALL\n") != NULL);
  CHECK(strstr(text, "a big number (default 0: automatic)") != NULL);
  CHECK(strstr(text, "a rate (default 0.25)") != NULL);
  CHECK(strstr(text, "red | green (default red)") != NULL);
  CHECK(strstr(text, "  --count N                      a count\n") != NULL); /* required */
  CHECK(strstr(text, "  --flag                         a switch\n") != NULL);
  CHECK(strstr(text, "--old") == NULL);
  free(text);
}

/* Common rules of every command's table. */
static void check_table(const arcos_optset_t *set, const void *defaults) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  arcos_opts_print_help(set, defaults, f);
  fclose(f);
  char a[96], b[96], line[128];
  for (size_t i = 0; i < set->n; i++) {
    const arcos_opt_t *o = &set->opt[i];
    arcos_opts_flag_name(o, a, sizeof a);
    for (size_t k = i + 1; k < set->n; k++) {
      arcos_opts_flag_name(&set->opt[k], b, sizeof b);
      if (strcmp(a, b) == 0)
        fprintf(stderr, "%s: --%s twice\n", set->command, a);
      CHECK(strcmp(a, b) != 0);
    }
    CHECK(o->help != NULL && o->help[0] != '\0');
    CHECK((o->kind == ARCOS_OPT_BOOL || o->kind == ARCOS_OPT_RETIRED) == (o->metavar == NULL));
    CHECK(o->kind != ARCOS_OPT_ENUM || o->choices != NULL);
    CHECK(o->min <= o->max);
    if (o->kind == ARCOS_OPT_RETIRED)
      continue;
    snprintf(line, sizeof line, "  --%s%s%s ", a, o->metavar ? " " : "",
             o->metavar ? o->metavar : "");
    if (strstr(text, line) == NULL)
      fprintf(stderr, "%s --help lacks '%s'\n", set->command, line);
    CHECK(strstr(text, line) != NULL);
  }
  /* Lines wrap before column 96 at word boundaries; continuation lines start at
   * column 33 ... */
  for (const char *p = text; *p != '\0';) {
    const char *nl = strchr(p, '\n');
    size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
    /* ... unless the line holds one word too long to break */
    bool one_word = n > 33 && memchr(p + 33, ' ', n - 33) == NULL;
    if (n > 96 && !one_word)
      fprintf(stderr, "%s --help: a line of %zu characters: %.*s\n", set->command, n, (int)n, p);
    CHECK(n <= 96 || one_word);
    CHECK(strncmp(p, "  --", 4) == 0 || (n > 33 && strspn(p, " ") == 33));
    p += n + (nl != NULL);
  }
  free(text);
}

static void test_tables(void) {
  arcos_config_t cfg;
  arcos_config_init(&cfg);
  check_table(arcos_config_options(), &cfg);
  arcos_config_free(&cfg);
  arcos_cli_convert_t c;
  CHECK(arcos_cli_convert_defaults(&c));
  check_table(&arcos_cli_convert_options, &c);
  arcos_cli_query_t q;
  CHECK(arcos_cli_query_defaults(&q));
  check_table(&arcos_cli_query_options, &q);
  arcos_opts_free_strings(&arcos_cli_query_options, &q);
  arcos_cli_cache_check_t k;
  CHECK(arcos_cli_cache_check_defaults(&k));
  check_table(&arcos_cli_cache_check_options, &k);
  arcos_cli_generate_t g;
  CHECK(arcos_cli_generate_defaults(&g));
  check_table(&arcos_cli_generate_options, &g);
  /* --format's choices are the generator's own names, in its order. */
  const arcos_opt_t *fmt = arcos_opts_find_key(&arcos_cli_generate_options, "format");
  CHECK(fmt != NULL);
  for (int i = 0; fmt != NULL && fmt->choices[i] != NULL; i++)
    CHECK_STR_EQ(fmt->choices[i], arcos_gen_format_name(i));
}

/* run: the defaults help prints are arcos_config_init's; precedence; retired flags. */
static void test_run(void) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  arcos_config_print_help(f);
  fclose(f);
  CHECK(strstr(text, "records per batch (default 100); env ARCOS_BATCH_SIZE") != NULL);
  CHECK(strstr(text, "output directory (default results)") != NULL);
  CHECK(strstr(text, "dlq | skip | retry (default dlq)") != NULL);
  CHECK(strstr(text, "scores below this raise low_quality (default 50)") != NULL);
  CHECK(strstr(text, "--scoring-signal-neutral N") != NULL);
  CHECK(strstr(text, "signal-max") == NULL && strstr(text, "coverage-high") == NULL);
  free(text);

  arcos_config_t cfg;
  arcos_detail_t d;
  bool help;
  const char *path = "test_options_job.json";
  f = fopen(path, "w");
  fputs("{\"batch_size\": 7, \"max_workers\": 3, \"scoring\": {\"signal_neutral\": 4}}", f);
  fclose(f);
  setenv("ARCOS_BATCH_SIZE", "9", 1);
  setenv("ARCOS_MAX_WORKERS", "5", 1);
  const char *argv[] = {"run", "--config", path, "--batch-size", "11", "in.jsonl"};
  arcos_config_init(&cfg);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_config_parse_run(&cfg, 6, (char **)argv, &help, &d), 0);
  CHECK_INT_EQ(cfg.batch_size, 11);            /* flag > environment */
  CHECK_INT_EQ(cfg.max_workers, 5);            /* environment > config */
  CHECK_INT_EQ(cfg.scoring.signal_neutral, 4); /* config > default: signal_unknown */
  CHECK_INT_EQ(cfg.max_retries, 3);            /* default */
  arcos_config_free(&cfg);
  unsetenv("ARCOS_BATCH_SIZE");
  unsetenv("ARCOS_MAX_WORKERS");

  /* SPEC §2: the retired flags and keys exit 2 (usage or config) naming --scoring-rules. */
  const char *retired[] = {"--scoring-signal-max", "--scoring-signal-partial",
                           "--scoring-coverage-high", "--scoring-coverage-low"};
  for (size_t i = 0; i < 4; i++) {
    const char *a[] = {"run", "in.jsonl", retired[i], "5"};
    arcos_config_init(&cfg);
    arcos_detail_clear(&d);
    CHECK_INT_EQ(arcos_config_parse_run(&cfg, 4, (char **)a, &help, &d), ARCOS_EUSAGE);
    CHECK(strstr(d.text, retired[i]) != NULL && strstr(d.text, "--scoring-rules") != NULL);
    arcos_config_free(&cfg);
  }
  f = fopen(path, "w");
  fputs("{\"scoring\": {\"signal_max\": 9}}", f);
  fclose(f);
  const char *a2[] = {"run", "--config", path};
  arcos_config_init(&cfg);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_config_parse_run(&cfg, 3, (char **)a2, &help, &d), ARCOS_ECONFIG);
  CHECK(strstr(d.text, "scoring.signal_max is retired") != NULL &&
        strstr(d.text, "--scoring-rules") != NULL);
  arcos_config_free(&cfg);
  /* --config is a flag, not a key of the job config. */
  f = fopen(path, "w");
  fputs("{\"config\": \"other.json\"}", f);
  fclose(f);
  arcos_config_init(&cfg);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_config_parse_run(&cfg, 3, (char **)a2, &help, &d), ARCOS_ECONFIG);
  CHECK(strstr(d.text, "unknown key 'config'") != NULL);
  arcos_config_free(&cfg);
  unlink(path);
}

/* A repeatable option (ARCOS_OPT_STRINGS, run's --previous): flags add in order and the
 * first flag replaces the job config's list; the config takes an array or one string. */
static int parse_previous(arcos_config_t *cfg, const char *json, int argc, const char **argv) {
  const char *path = "test_options_prev.json";
  FILE *f = fopen(path, "w");
  fputs(json, f);
  fclose(f);
  arcos_detail_t d;
  bool help;
  arcos_config_init(cfg);
  arcos_detail_clear(&d);
  int rc = arcos_config_parse_run(cfg, argc, (char **)argv, &help, &d);
  unlink(path);
  return rc;
}

static void test_previous_option(void) {
  arcos_config_t cfg;
  const char *only_config[] = {"run", "--config", "test_options_prev.json"};
  CHECK_INT_EQ(parse_previous(&cfg, "{\"previous\": [\"a\", \"b\"]}", 3, only_config), 0);
  CHECK_INT_EQ((long long)cfg.previous.n, 2);
  CHECK(cfg.previous.n == 2 && strcmp(cfg.previous.v[0], "a") == 0 &&
        strcmp(cfg.previous.v[1], "b") == 0);
  json_t *j = arcos_config_to_json(&cfg);
  char *text = json_dumps(json_object_get(j, "previous"), JSON_COMPACT);
  CHECK(text != NULL && strcmp(text, "[\"a\",\"b\"]") == 0);
  free(text);
  json_decref(j);
  arcos_config_free(&cfg);
  const char *flags[] = {"run",        "--config", "test_options_prev.json",
                         "--previous", "x",        "--previous=y"};
  CHECK_INT_EQ(parse_previous(&cfg, "{\"previous\": [\"a\"]}", 6, flags), 0);
  CHECK(cfg.previous.n == 2 && strcmp(cfg.previous.v[0], "x") == 0 &&
        strcmp(cfg.previous.v[1], "y") == 0);
  arcos_config_free(&cfg);
  CHECK_INT_EQ(parse_previous(&cfg, "{\"previous\": \"one\"}", 3, only_config), 0);
  CHECK(cfg.previous.n == 1 && strcmp(cfg.previous.v[0], "one") == 0);
  arcos_config_free(&cfg);
  CHECK_INT_EQ(parse_previous(&cfg, "{\"previous\": [\"a\", 1]}", 3, only_config), ARCOS_ECONFIG);
  arcos_config_free(&cfg);
  const char *empty[] = {"run", "--config", "test_options_prev.json", "--previous", ""};
  CHECK_INT_EQ(parse_previous(&cfg, "{}", 5, empty), ARCOS_EUSAGE);
  arcos_config_free(&cfg);
  CHECK_INT_EQ(parse_previous(&cfg, "{}", 3, only_config), 0);
  CHECK_INT_EQ((long long)cfg.previous.n, 0);
  arcos_config_free(&cfg);
}

static void test_other_commands(void) {
  arcos_detail_t d;
  bool help;
  arcos_cli_convert_t c;
  arcos_opts_args_t args;
  arcos_cli_convert_defaults(&c);
  uint64_t rows = c.o.chunk_rows;
  const char *conv[] = {"convert", "a.jsonl", "--out", "x.h5", "--deflate", "0", "b.jsonl"};
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_convert_parse(&c, 7, (char **)conv, &args, &d), 0);
  CHECK_STR_EQ(c.out, "x.h5");
  CHECK_INT_EQ(c.o.deflate, 0);
  CHECK_INT_EQ(c.o.chunk_rows, rows);
  CHECK_INT_EQ(args.npositional, 2);
  arcos_opts_args_free(&args);
  arcos_opts_free_strings(&arcos_cli_convert_options, &c);
  const char *conv_bad[] = {"convert", "a.jsonl", "--chunk-rows", "0", "--out", "x.h5"};
  arcos_cli_convert_defaults(&c);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_convert_parse(&c, 6, (char **)conv_bad, &args, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "--chunk-rows: 0 is out of range") != NULL);
  arcos_opts_args_free(&args);
  arcos_opts_free_strings(&arcos_cli_convert_options, &c);
  const char *conv_noin[] = {"convert", "--out", "x.h5"};
  arcos_cli_convert_defaults(&c);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_convert_parse(&c, 3, (char **)conv_noin, &args, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "no input given") != NULL);
  arcos_opts_args_free(&args);
  arcos_opts_free_strings(&arcos_cli_convert_options, &c);

  arcos_cli_query_t q;
  CHECK(arcos_cli_query_defaults(&q));
  const char *qa[] = {"query", "--graph", "g", "--queries", "q.json", "--explain"};
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_query_parse(&q, 6, (char **)qa, &help, &d), 0);
  CHECK(q.explain && !q.force);
  CHECK_STR_EQ(q.output, "results");
  arcos_opts_free_strings(&arcos_cli_query_options, &q);
  CHECK(arcos_cli_query_defaults(&q));
  const char *qb[] = {"query", "--graph", "g", "stray"};
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_query_parse(&q, 4, (char **)qb, &help, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "unexpected argument 'stray'") != NULL);
  arcos_opts_free_strings(&arcos_cli_query_options, &q);

  arcos_cli_cache_check_t k;
  arcos_cli_cache_check_defaults(&k);
  const char *ka[] = {"cache-check", "--nodes", "8", "--keys", "100"};
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_cache_check_parse(&k, 5, (char **)ka, &help, &d), 0);
  CHECK_INT_EQ(k.leave, 7); /* the last node by default */
  CHECK_INT_EQ(k.vnodes, 0);
  arcos_cli_cache_check_defaults(&k);
  const char *kb[] = {"cache-check", "--nodes", "8", "--keys", "100", "--leave", "8"};
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_cache_check_parse(&k, 7, (char **)kb, &help, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "--leave") != NULL);
  arcos_cli_cache_check_defaults(&k);
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_cli_cache_check_parse(&k, 3, (char **)ka, &help, &d), ARCOS_EUSAGE);
  CHECK(strstr(d.text, "--keys K is required") != NULL);
}

/* generate (moved here from test_generate.c with the parser). */
static int parse(const char *const *args, int n, arcos_gen_options_t *o, arcos_detail_t *d) {
  arcos_cli_generate_t g;
  arcos_cli_generate_defaults(&g);
  bool help;
  arcos_detail_clear(d);
  int rc = arcos_cli_generate_parse(&g, n, (char **)args, &help, d);
  *o = g.o;
  arcos_opts_free_strings(&arcos_cli_generate_options, &g);
  return rc;
}

#define PARSE_FAILS(flag, ...)                                                                     \
  do {                                                                                             \
    const char *args_[] = {"generate", __VA_ARGS__};                                               \
    int rc_ = parse(args_, (int)(sizeof args_ / sizeof args_[0]), &o, &d);                         \
    CHECK_INT_EQ(rc_, ARCOS_EUSAGE);                                                               \
    if (strstr(d.text, flag) == NULL) {                                                            \
      fprintf(stderr, "message does not name %s: %s\n", flag, d.text);                             \
      CHECK(0);                                                                                    \
    }                                                                                              \
  } while (0)

static void test_generate_arguments(void) {
  arcos_gen_options_t o;
  arcos_detail_t d;
  const char *good[] = {
      "generate", "--out",   "x", "--records=10", "--seed", "9",          "--format",
      "items",    "--files", "1", "--bad-rate",   "0",      "--end-time", "2025-01-01T00:00:00Z"};
  CHECK_INT_EQ(parse(good, 14, &o, &d), 0);
  CHECK_INT_EQ(o.records, 10);
  CHECK_INT_EQ(o.seed, 9);
  CHECK_INT_EQ(o.format, ARCOS_GEN_ITEMS);
  CHECK(o.bad_rate == 0);
  CHECK(o.duplicate_rate == 0.05 && o.tamper_rate == 0.02);
  CHECK_INT_EQ(o.end_time, 1735689600);

  arcos_cli_generate_t g;
  arcos_cli_generate_defaults(&g);
  const char *help[] = {"generate", "--help"};
  bool is_help = false;
  CHECK_INT_EQ(arcos_cli_generate_parse(&g, 2, (char **)help, &is_help, &d), 0);
  CHECK(is_help);
  /* R-MAT needs no --records and takes 2^scale nodes. */
  const char *rmat[] = {"generate", "--out", "x", "--graph-kind", "rmat", "--scale", "5"};
  CHECK_INT_EQ(parse(rmat, 7, &o, &d), 0);
  CHECK_INT_EQ(o.graph_nodes, 32);

  PARSE_FAILS("--records", "--out", "x", "--records", "abc");
  PARSE_FAILS("--records", "--out", "x", "--records", "-5");
  PARSE_FAILS("--records", "--out", "x");
  PARSE_FAILS("--out", "--records", "5");
  PARSE_FAILS("--duplicate-rate", "--out", "x", "--records", "5", "--duplicate-rate", "1.5");
  PARSE_FAILS("--bad-rate", "--out", "x", "--records", "5", "--bad-rate", "x");
  PARSE_FAILS("--tamper-rate", "--out", "x", "--records", "5", "--tamper-rate", "0.95");
  PARSE_FAILS("--format", "--out", "x", "--records", "5", "--format", "xml");
  PARSE_FAILS("--files", "--out", "x", "--records", "5", "--files", "0");
  PARSE_FAILS("--files", "--out", "-", "--records", "5", "--files", "2");
  PARSE_FAILS("--graph-nodes", "--out", "-", "--records", "5", "--graph-nodes", "20");
  PARSE_FAILS("--end-time", "--out", "x", "--records", "5", "--end-time", "tomorrow");
  PARSE_FAILS("--seed", "--out", "x", "--records", "5", "--seed");
  PARSE_FAILS("--bogus", "--out", "x", "--records", "5", "--bogus", "1");
  PARSE_FAILS("stray", "--out", "x", "--records", "5", "stray");
}

int main(void) {
  test_engine();
  test_tables();
  test_run();
  test_previous_option();
  test_other_commands();
  test_generate_arguments();
  return CHECK_DONE();
}
