// The per-record JSON reader of fastjson.h: simdjson on-demand, read the way Python's
// json module reads (SPEC §1 "What Python writes, we read").
//
// Why on-demand and not simdjson's DOM: the DOM rejects integers beyond 64 bits, the
// NaN / Infinity literals Python writes and lone surrogate escapes. On-demand hands
// out the raw token of every value, so this file validates and converts numbers and
// strings itself: numbers by JSON's grammar (plus NaN, Infinity, -Infinity, as Python
// reads them), strings by its own unescaper (generalised UTF-8 keeps a lone surrogate,
// and \u0000 is a NUL byte, keys included). simdjson's stage 1 checks that the whole
// text is valid UTF-8 and finds the structure; the walk below visits every value, so
// nothing is accepted unchecked.
//
// The canonical form of `data` is written during the same walk, straight into a reused
// buffer: an object's members are written in document order, each as "key: value";
// when the keys were not already in sorted order without repeats, the object's text is
// rearranged once (sorted by code point, which is byte order of the generalised UTF-8
// keys; a repeated key keeps its last value, as a Python dict does).
// arcos/error.h includes mpi.h (for its abort helper): its C++ bindings would need
// libmpi_cxx, and nothing here uses MPI.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1

#include "evidence/fastjson.h"

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <system_error>
#include <vector>

#include "arcos/error.h"
#include "core/pyjson.h"

namespace {

namespace od = simdjson::ondemand;

// A growable byte buffer, kept across records (no allocation once warm).
struct Buf {
  char *p = nullptr;
  size_t len = 0, cap = 0;
  bool oom = false;
  Buf() = default;
  Buf(const Buf &) = delete;
  Buf &operator=(const Buf &) = delete;
  ~Buf() { std::free(p); }
  bool reserve(size_t extra) {
    if (cap - len >= extra)
      return true;
    size_t want = cap != 0 ? cap : 4096;
    while (want - len < extra)
      want *= 2;
    void *q = std::realloc(p, want);
    if (q == nullptr) {
      oom = true;
      return false;
    }
    p = static_cast<char *>(q);
    cap = want;
    return true;
  }
  bool put(const char *s, size_t n) {
    if (!reserve(n))
      return false;
    std::memcpy(p + len, s, n);
    len += n;
    return true;
  }
  bool putc(char c) {
    if (!reserve(1))
      return false;
    p[len++] = c;
    return true;
  }
};

// What the walk learned about one value.
struct Val {
  uint8_t kind = ARCOS_FJ_ABSENT;
  bool empty = false;           // string "", object {} or array []
  bool has_tool = false;        // object with a "collector" or "tool" key
  bool finite = false;          // FLOAT: not NaN / Infinity
  bool neg = false;             // INT / BOOL: sign
  double d = 0;                 // FLOAT: value; INT / BOOL: value as a double (may be infinite)
  const char *digits = nullptr; // INT / BOOL: decimal digits without sign
  size_t ndigits = 0;
  size_t soff = 0, slen = 0; // STRING: decoded text in the reader's string arena
};

// One member of an object being written: its decoded key and its "key: value" text.
struct Member {
  size_t koff, klen; // in the string arena
  size_t off, len;   // in the output buffer
  size_t idx;        // document order
};

// Nesting deeper than this is declined (jansson's limit is 2048 and gives the
// message; Python's own recursion limit is about 1000).
constexpr size_t kMaxNesting = 1000;
constexpr int kMaxPaths = ARCOS_FJ_MAX_PATHS;

struct Path {
  std::vector<std::string_view> comps; // into text
  std::vector<char> text;
};

} // namespace

struct arcos_fastjson {
  od::parser parser;
  Buf input; // the record, copied with simdjson's padding
  Buf strs;  // decoded strings of the current record
  Buf canon; // canonical text of `data`
  Buf tmp;   // one object's member texts while they are rearranged
  std::vector<Member> members;
  std::vector<Path> paths; // the scoring rules' paths, in their order
  Val slots[kMaxPaths];
  std::vector<arcos_fieldval_t> vals;
  Val id, type, source, timestamp, checksum, data, provenance;
};

namespace {

// Hex digit value + 1 (0: not a hex digit), built at compile time (C++ has no
// designated array initialisers).
struct HexTable {
  unsigned char v[256] = {};
  constexpr HexTable() {
    for (int i = 0; i < 10; i++)
      v[static_cast<unsigned char>('0' + i)] = static_cast<unsigned char>(i + 1);
    for (int i = 0; i < 6; i++) {
      v[static_cast<unsigned char>('a' + i)] = static_cast<unsigned char>(i + 11);
      v[static_cast<unsigned char>('A' + i)] = static_cast<unsigned char>(i + 11);
    }
  }
};
constexpr HexTable kHexVal;

bool hex4(const unsigned char *p, unsigned *cp) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned h = kHexVal.v[p[i]];
    if (h == 0)
      return false;
    v = v << 4 | (h - 1);
  }
  *cp = v;
  return true;
}

char *put_utf8(char *w, unsigned cp) {
  if (cp < 0x80) {
    *w++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *w++ = static_cast<char>(0xc0 | (cp >> 6));
    *w++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) { // surrogates too: generalised UTF-8
    *w++ = static_cast<char>(0xe0 | (cp >> 12));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *w++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *w++ = static_cast<char>(0xf0 | (cp >> 18));
    *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *w++ = static_cast<char>(0x80 | (cp & 0x3f));
  }
  return w;
}

// Decodes the JSON string starting after its opening quote at p (the token runs to
// end) into strs, as Python's json.loads does: escapes resolved, a high surrogate
// escape followed by a low one joined, other surrogate escapes kept alone; raw control
// bytes are an error (Python's strict mode, and jansson's). stage 1 checked UTF-8.
bool decode_string(const unsigned char *p, const unsigned char *end, Buf &strs, size_t *off,
                   size_t *len) {
  // Decoding never makes a string longer than its escaped text; +1 for a NUL after
  // it, so that ids and other members can be used as C strings.
  if (!strs.reserve(static_cast<size_t>(end - p) + 1))
    return false;
  *off = strs.len;
  char *w = strs.p + strs.len;
  while (p < end) {
    unsigned c = *p;
    if (c == '"') {
      *len = static_cast<size_t>(w - (strs.p + *off));
      *w = '\0';
      strs.len = *off + *len + 1;
      return true;
    }
    if (c < 0x20)
      return false;
    if (c != '\\') {
      *w++ = static_cast<char>(c);
      p++;
      continue;
    }
    if (end - p < 2)
      return false;
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
      *w++ = static_cast<char>(p[1]);
      p += 2;
      continue;
    case 'b':
      *w++ = '\b';
      p += 2;
      continue;
    case 'f':
      *w++ = '\f';
      p += 2;
      continue;
    case 'n':
      *w++ = '\n';
      p += 2;
      continue;
    case 'r':
      *w++ = '\r';
      p += 2;
      continue;
    case 't':
      *w++ = '\t';
      p += 2;
      continue;
    case 'u':
      break;
    default:
      return false;
    }
    unsigned cp;
    if (end - p < 6 || !hex4(p + 2, &cp))
      return false;
    p += 6;
    if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
      unsigned lo;
      if (!hex4(p + 2, &lo))
        return false;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        p += 6;
      }
    }
    w = put_utf8(w, cp);
  }
  return false; // no closing quote
}

// Writes decoded (generalised UTF-8) text as Python's json.dumps(ensure_ascii=True),
// through the escaper every Python-exact writer shares (core/pyjson.h).
bool put_escaped(Buf &out, const char *s, size_t n) {
  if (!out.reserve(ARCOS_PY_ESCAPE_ROOM(n)))
    return false;
  char *w = arcos_py_escape(out.p + out.len, s, n, ARCOS_PY_WTF8, nullptr);
  out.len = static_cast<size_t>(w - out.p);
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// JSON's number grammar; *is_int when there is no fraction and no exponent.
bool valid_number(const char *p, size_t n, bool *is_int) {
  size_t i = 0;
  if (i < n && p[i] == '-')
    i++;
  if (i >= n || !is_digit(p[i]))
    return false;
  if (p[i] == '0')
    i++;
  else
    while (i < n && is_digit(p[i]))
      i++;
  *is_int = true;
  if (i < n && p[i] == '.') {
    *is_int = false;
    i++;
    if (i >= n || !is_digit(p[i]))
      return false;
    while (i < n && is_digit(p[i]))
      i++;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    *is_int = false;
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-'))
      i++;
    if (i >= n || !is_digit(p[i]))
      return false;
    while (i < n && is_digit(p[i]))
      i++;
  }
  return i == n;
}

// A float literal as Python's float() reads it. A literal beyond the double range is
// declined (jansson reports it), underflow reads as the rounded value.
bool parse_float(const char *p, size_t n, double *d) {
  auto r = std::from_chars(p, p + n, *d);
  if (r.ec == std::errc() && r.ptr == p + n)
    return true;
  char tmp[512];
  if (n >= sizeof tmp)
    return false; // not a number json.dumps writes
  std::memcpy(tmp, p, n);
  tmp[n] = '\0';
  errno = 0;
  *d = std::strtod(tmp, nullptr);
  return !std::isinf(*d);
}

// An integer's digits as a double, correctly rounded as Python's float(int).
double int_to_double(const char *digits, size_t n, bool neg) {
  if (n <= 18) {
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
      v = v * 10 + (digits[i] - '0');
    return neg ? -static_cast<double>(v) : static_cast<double>(v);
  }
  char tmp[400];
  if (n >= sizeof tmp)
    return neg ? -HUGE_VAL : HUGE_VAL;
  std::memcpy(tmp, digits, n);
  tmp[n] = '\0';
  double d = std::strtod(tmp, nullptr);
  return neg ? -d : d;
}

std::string_view trim(std::string_view t) {
  while (!t.empty() &&
         (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r'))
    t.remove_suffix(1);
  return t;
}

int key_cmp(const Buf &strs, const Member &a, const Member &b) {
  size_t n = a.klen < b.klen ? a.klen : b.klen;
  int c = n != 0 ? std::memcmp(strs.p + a.koff, strs.p + b.koff, n) : 0;
  if (c != 0)
    return c;
  return a.klen < b.klen ? -1 : a.klen > b.klen;
}

bool key_is(const Buf &strs, size_t off, size_t len, std::string_view name) {
  return len == name.size() && std::memcmp(strs.p + off, name.data(), len) == 0;
}

// One member of an object being iterated: the field into f, its key decoded (escapes
// resolved, NUL after it) into fj.strs at [*koff, *koff + *klen). False when the member
// is malformed. The one place keys are read: records (walk_record), named members
// (walk_named) and every nested object (Walker::object).
inline bool member(arcos_fastjson &fj, simdjson::simdjson_result<od::field> &&field, od::field &f,
                   size_t *koff, size_t *klen) {
  if (std::move(field).get(f) != simdjson::SUCCESS)
    return false;
  const auto *k = reinterpret_cast<const unsigned char *>(f.key().raw());
  const auto *kend = reinterpret_cast<const unsigned char *>(fj.input.p + fj.input.len);
  return decode_string(k, kend, fj.strs, koff, klen);
}

class Walker {
public:
  explicit Walker(arcos_fastjson &fj) : fj_(fj) {}
  // Walks v; writes its canonical text to out when out != nullptr; fills the path
  // slots in mask (paths whose first depth components led here) when v is an object.
  bool value(od::value v, Buf *out, uint64_t mask, size_t depth, Val &info);

private:
  size_t nesting_ = 0;
  bool scalar(std::string_view tok, Buf *out, Val &info);
  bool object(od::value v, Buf *out, uint64_t mask, size_t depth, Val &info);
  bool array(od::value v, Buf *out, Val &info);
  bool rearrange(Buf &out, size_t body, size_t base);
  arcos_fastjson &fj_;
};

bool Walker::scalar(std::string_view tok, Buf *out, Val &info) {
  tok = trim(tok);
  if (tok.empty())
    return false;
  const char *p = tok.data();
  size_t n = tok.size();
  if (p[0] == '"') {
    info.kind = ARCOS_FJ_STRING;
    const auto *u = reinterpret_cast<const unsigned char *>(p);
    if (!decode_string(u + 1, u + n, fj_.strs, &info.soff, &info.slen))
      return false;
    info.empty = info.slen == 0;
    return out == nullptr || put_escaped(*out, fj_.strs.p + info.soff, info.slen);
  }
  if (tok == "true" || tok == "false") {
    info.kind = ARCOS_FJ_BOOL;
    info.d = p[0] == 't' ? 1.0 : 0.0;
    info.digits = p[0] == 't' ? "1" : "0";
    info.ndigits = 1;
    return out == nullptr || out->put(p, n);
  }
  if (tok == "null") {
    info.kind = ARCOS_FJ_NULL;
    return out == nullptr || out->put(p, n);
  }
  if (tok == "NaN" || tok == "Infinity" || tok == "-Infinity") {
    info.kind = ARCOS_FJ_FLOAT;
    info.finite = false;
    info.d = p[0] == 'N' ? NAN : p[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    return out == nullptr || out->put(p, n);
  }
  bool is_int = false;
  if (!valid_number(p, n, &is_int))
    return false;
  if (is_int) {
    info.kind = ARCOS_FJ_INT;
    info.neg = p[0] == '-';
    info.digits = p + info.neg;
    info.ndigits = n - info.neg;
    if (info.ndigits == 1 && info.digits[0] == '0')
      info.neg = false; // -0 is the integer 0
    info.d = int_to_double(info.digits, info.ndigits, info.neg);
    if (out == nullptr)
      return true;
    return (!info.neg || out->putc('-')) && out->put(info.digits, info.ndigits);
  }
  info.kind = ARCOS_FJ_FLOAT;
  if (!parse_float(p, n, &info.d))
    return false;
  info.finite = true;
  if (out == nullptr)
    return true;
  char tmp[40];
  size_t n_tmp = arcos_fastjson_format_double(info.d, tmp);
  return out->put(tmp, n_tmp);
}

bool Walker::value(od::value v, Buf *out, uint64_t mask, size_t depth, Val &info) {
  info = Val();
  std::string_view tok = v.raw_json_token();
  if (tok.empty())
    return false;
  if (tok[0] == '"') {
    // Consume the string token: left unconsumed, simdjson's skip would take a string
    // followed by ':' for a key and skip past malformed text ({"id":"a":1}).
    od::raw_json_string raw;
    if (v.get_raw_json_string().get(raw) != simdjson::SUCCESS)
      return false;
  }
  if (tok[0] != '{' && tok[0] != '[')
    return scalar(tok, out, info);
  if (++nesting_ > kMaxNesting)
    return false;
  bool ok = tok[0] == '{' ? object(v, out, mask, depth, info) : array(v, out, info);
  nesting_--;
  return ok;
}

bool Walker::array(od::value v, Buf *out, Val &info) {
  info.kind = ARCOS_FJ_ARRAY;
  od::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS)
    return false;
  if (out != nullptr && !out->putc('['))
    return false;
  bool first = true;
  for (auto item : a) {
    od::value e;
    if (std::move(item).get(e) != simdjson::SUCCESS)
      return false;
    if (!first && out != nullptr && !out->put(", ", 2))
      return false;
    first = false;
    Val child;
    if (!value(e, out, 0, 0, child))
      return false;
  }
  info.empty = first;
  return out == nullptr || out->putc(']');
}

bool Walker::object(od::value v, Buf *out, uint64_t mask, size_t depth, Val &info) {
  info.kind = ARCOS_FJ_OBJECT;
  od::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS)
    return false;
  size_t start = out != nullptr ? out->len : 0;
  if (out != nullptr && !out->putc('{'))
    return false;
  size_t base = fj_.members.size(), count = 0;
  bool sorted = true;
  for (auto field : o) {
    od::field f;
    Member m{};
    if (!member(fj_, std::move(field), f, &m.koff, &m.klen))
      return false;
    if (key_is(fj_.strs, m.koff, m.klen, "collector") || key_is(fj_.strs, m.koff, m.klen, "tool"))
      info.has_tool = true;
    uint64_t child_mask = 0, leaves = 0;
    for (uint64_t bits = mask; bits != 0; bits &= bits - 1) {
      int i = __builtin_ctzll(bits);
      const Path &p = fj_.paths[static_cast<size_t>(i)];
      if (p.comps.size() <= depth || p.comps[depth].size() != m.klen ||
          std::memcmp(p.comps[depth].data(), fj_.strs.p + m.koff, m.klen) != 0)
        continue;
      fj_.slots[i] = Val(); // the last member with this key wins
      if (p.comps.size() == depth + 1)
        leaves |= uint64_t{1} << i;
      else
        child_mask |= uint64_t{1} << i;
    }
    if (out != nullptr) {
      if (count != 0 && !out->put(", ", 2))
        return false;
      m.off = out->len;
      if (!put_escaped(*out, fj_.strs.p + m.koff, m.klen) || !out->put(": ", 2))
        return false;
    }
    Val child;
    if (!value(f.value(), out, child_mask, depth + 1, child))
      return false;
    for (uint64_t bits = leaves; bits != 0; bits &= bits - 1)
      fj_.slots[__builtin_ctzll(bits)] = child;
    if (out != nullptr) {
      m.len = out->len - m.off;
      m.idx = count;
      if (count != 0 && sorted && key_cmp(fj_.strs, fj_.members.back(), m) >= 0)
        sorted = false;
      fj_.members.push_back(m);
    }
    count++;
  }
  info.empty = count == 0;
  bool ok = true;
  if (out != nullptr && !sorted)
    ok = rearrange(*out, start + 1, base);
  fj_.members.resize(base);
  return ok && (out == nullptr || out->putc('}'));
}

// The members from base on, written at out[body..] in document order, are rewritten
// sorted by key, a repeated key once with its last value.
bool Walker::rearrange(Buf &out, size_t body, size_t base) {
  auto first = fj_.members.begin() + static_cast<std::ptrdiff_t>(base);
  const Buf &strs = fj_.strs;
  std::sort(first, fj_.members.end(), [&strs](const Member &a, const Member &b) {
    int c = key_cmp(strs, a, b);
    return c != 0 ? c < 0 : a.idx < b.idx;
  });
  fj_.tmp.len = 0;
  if (!fj_.tmp.put(out.p + body, out.len - body))
    return false;
  out.len = body;
  bool any = false;
  for (auto it = first; it != fj_.members.end(); ++it) {
    auto next = it + 1;
    if (next != fj_.members.end() && key_cmp(strs, *it, *next) == 0)
      continue; // a later value for the same key follows
    if (any && !out.put(", ", 2))
      return false;
    any = true;
    if (!out.put(fj_.tmp.p + (it->off - body), it->len))
      return false;
  }
  return true;
}

enum Top {
  TOP_ID,
  TOP_TYPE,
  TOP_SOURCE,
  TOP_TIMESTAMP,
  TOP_DATA,
  TOP_PROVENANCE,
  TOP_CHECKSUM,
  TOP_OTHER
};

Top top_member(const Buf &strs, size_t off, size_t len) {
  static const std::string_view names[] = {"id",   "type",       "source",  "timestamp",
                                           "data", "provenance", "checksum"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (key_is(strs, off, len, names[i]))
      return static_cast<Top>(i);
  return TOP_OTHER;
}

void fill_member(const arcos_fastjson &fj, const Val &v, arcos_fj_member_t *m) {
  m->kind = v.kind;
  m->s = "";
  m->len = 0;
  if (v.kind == ARCOS_FJ_STRING) {
    m->s = fj.strs.p + v.soff;
    m->len = v.slen;
  } else if (v.kind == ARCOS_FJ_INT) {
    // The digits point into the input copy; a negative integer's sign is the byte
    // before them.
    m->s = v.neg ? v.digits - 1 : v.digits;
    m->len = v.ndigits + v.neg;
  }
}

arcos_fieldval_t field_value(const Val &v) {
  arcos_fieldval_t fv{};
  switch (v.kind) {
  case ARCOS_FJ_ABSENT:
    fv.kind = ARCOS_FV_MISSING;
    break;
  case ARCOS_FJ_BOOL:
    fv.kind = ARCOS_FV_BOOL;
    fv.num = v.d;
    break;
  case ARCOS_FJ_INT:
  case ARCOS_FJ_FLOAT:
    // float() of an integer beyond the double range raises in Python: not a number.
    fv.kind = std::isfinite(v.d) ? ARCOS_FV_NUMBER : ARCOS_FV_OTHER;
    fv.num = std::isfinite(v.d) ? v.d : 0.0;
    break;
  default:
    fv.kind = ARCOS_FV_OTHER;
    break;
  }
  return fv;
}

bool walk_record(arcos_fastjson &fj, od::object root) {
  Walker w(fj);
  uint64_t all_paths = fj.paths.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << fj.paths.size()) - 1;
  for (auto field : root) {
    od::field f;
    size_t koff, klen;
    if (!member(fj, std::move(field), f, &koff, &klen))
      return false;
    Top which = top_member(fj.strs, koff, klen);
    Val v;
    if (which == TOP_DATA) {
      fj.canon.len = 0;
      for (size_t i = 0; i < fj.paths.size(); i++)
        fj.slots[i] = Val();
      if (!w.value(f.value(), &fj.canon, all_paths, 0, v))
        return false;
    } else if (!w.value(f.value(), nullptr, 0, 0, v)) {
      return false;
    }
    switch (which) {
    case TOP_ID:
      fj.id = v;
      break;
    case TOP_TYPE:
      fj.type = v;
      break;
    case TOP_SOURCE:
      fj.source = v;
      break;
    case TOP_TIMESTAMP:
      fj.timestamp = v;
      break;
    case TOP_DATA:
      fj.data = v;
      break;
    case TOP_PROVENANCE:
      fj.provenance = v;
      break;
    case TOP_CHECKSUM:
      fj.checksum = v;
      break;
    case TOP_OTHER:
      break;
    }
  }
  return true;
}

// Copies text into the padded input buffer and resets the per-document buffers.
// want_object: the top level must be an object; anything else (and an empty text)
// goes to the jansson path, which names it.
int start(arcos_fastjson &fj, const char *text, size_t len, bool want_object) {
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
    i++;
  if (i == len || (want_object && text[i] != '{'))
    return ARCOS_EPARSE;
  fj.input.len = 0;
  if (!fj.input.reserve(len + simdjson::SIMDJSON_PADDING))
    return ARCOS_ENOMEM;
  std::memcpy(fj.input.p, text, len);
  std::memset(fj.input.p + len, 0, simdjson::SIMDJSON_PADDING);
  fj.input.len = len;
  fj.strs.len = 0;
  fj.canon.len = 0;
  fj.members.clear();
  return ARCOS_OK;
}

// After a walk: out of memory, or text after the value (simdjson answers "outside of
// the document" when only whitespace follows).
int finish(arcos_fastjson &fj, od::document &doc, bool ok) {
  if (fj.strs.oom || fj.canon.oom || fj.tmp.oom)
    return ARCOS_ENOMEM;
  if (!ok || doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    return ARCOS_EPARSE;
  if (!fj.canon.putc('\0'))
    return ARCOS_ENOMEM;
  fj.canon.len--;
  return ARCOS_OK;
}

int parse(arcos_fastjson &fj, const char *text, size_t len, arcos_fj_record_t *out) {
  int rc = start(fj, text, len, true);
  if (rc != ARCOS_OK)
    return rc;
  fj.id = fj.type = fj.source = fj.timestamp = fj.checksum = fj.data = fj.provenance = Val();
  for (size_t k = 0; k < fj.paths.size(); k++)
    fj.slots[k] = Val();
  od::document doc;
  if (fj.parser.iterate(fj.input.p, len, len + simdjson::SIMDJSON_PADDING).get(doc) !=
      simdjson::SUCCESS)
    return ARCOS_EPARSE;
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS)
    return ARCOS_EPARSE;
  bool ok = walk_record(fj, root);
  if (ok && fj.data.kind == ARCOS_FJ_ABSENT && !fj.canon.put("null", 4))
    return ARCOS_ENOMEM;
  rc = finish(fj, doc, ok);
  if (rc != ARCOS_OK)
    return rc;
  fill_member(fj, fj.id, &out->id);
  fill_member(fj, fj.type, &out->type);
  fill_member(fj, fj.source, &out->source);
  fill_member(fj, fj.timestamp, &out->timestamp);
  fill_member(fj, fj.checksum, &out->checksum);
  out->data_kind = fj.data.kind;
  out->data_meaningful = fj.data.kind != ARCOS_FJ_ABSENT && fj.data.kind != ARCOS_FJ_NULL &&
                         !fj.data.empty;
  out->canon = fj.canon.p;
  out->canon_len = fj.canon.len;
  out->provenance_object = fj.provenance.kind == ARCOS_FJ_OBJECT && !fj.provenance.empty;
  out->provenance_tool = out->provenance_object && fj.provenance.has_tool;
  for (size_t k = 0; k < fj.paths.size(); k++)
    fj.vals[k] = fj.data.kind == ARCOS_FJ_OBJECT ? field_value(fj.slots[k]) : arcos_fieldval_t{};
  out->vals = fj.vals.data();
  out->nvals = fj.vals.size();
  return ARCOS_OK;
}

// The members of one object named in names (the last of a repeated name counts);
// the one at canon_member also gets its canonical text in fj.canon.
bool walk_named(arcos_fastjson &fj, od::object root, const char *const *names, size_t nnames,
                size_t canon_member, Val *vals) {
  Walker w(fj);
  for (auto field : root) {
    od::field f;
    size_t koff, klen;
    if (!member(fj, std::move(field), f, &koff, &klen))
      return false;
    size_t which = nnames;
    for (size_t i = 0; i < nnames && which == nnames; i++)
      if (key_is(fj.strs, koff, klen, names[i]))
        which = i;
    Val v;
    Buf *out = nullptr;
    if (which < nnames && which == canon_member) {
      fj.canon.len = 0;
      out = &fj.canon;
    }
    if (!w.value(f.value(), out, 0, 0, v))
      return false;
    if (which < nnames)
      vals[which] = v;
  }
  return true;
}

int parse_object(arcos_fastjson &fj, const char *text, size_t len, const char *const *names,
                 size_t nnames, size_t canon_member, arcos_fj_member_t *out, const char **canon,
                 size_t *canon_len) {
  Val vals[ARCOS_FJ_MAX_NAMES];
  int rc = start(fj, text, len, true);
  if (rc != ARCOS_OK)
    return rc;
  od::document doc;
  od::object root;
  if (fj.parser.iterate(fj.input.p, len, len + simdjson::SIMDJSON_PADDING).get(doc) !=
          simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS)
    return ARCOS_EPARSE;
  bool ok = walk_named(fj, root, names, nnames, canon_member, vals);
  if (ok && canon_member < nnames && vals[canon_member].kind == ARCOS_FJ_ABSENT)
    fj.canon.len = 0;
  rc = finish(fj, doc, ok);
  if (rc != ARCOS_OK)
    return rc;
  for (size_t i = 0; i < nnames; i++)
    fill_member(fj, vals[i], &out[i]);
  *canon = fj.canon.p;
  *canon_len = fj.canon.len;
  return ARCOS_OK;
}

int canonical_value(arcos_fastjson &fj, const char *text, size_t len, uint8_t *kind,
                    const char **canon, size_t *canon_len) {
  int rc = start(fj, text, len, false);
  if (rc != ARCOS_OK)
    return rc;
  od::document doc;
  od::value v;
  if (fj.parser.iterate(fj.input.p, len, len + simdjson::SIMDJSON_PADDING).get(doc) !=
      simdjson::SUCCESS)
    return ARCOS_EPARSE;
  // A scalar document is not an od::value; only objects and arrays are walked here
  // (the graph's property texts), scalars go to the caller's jansson path.
  std::string_view tok;
  if (doc.raw_json_token().get(tok) != simdjson::SUCCESS || tok.empty() ||
      (tok[0] != '{' && tok[0] != '['))
    return ARCOS_EPARSE;
  if (doc.get_value().get(v) != simdjson::SUCCESS)
    return ARCOS_EPARSE;
  Walker w(fj);
  Val info;
  bool ok = w.value(v, &fj.canon, 0, 0, info);
  rc = finish(fj, doc, ok);
  if (rc != ARCOS_OK)
    return rc;
  *kind = info.kind;
  *canon = fj.canon.p;
  *canon_len = fj.canon.len;
  return ARCOS_OK;
}

bool add_path(arcos_fastjson &fj, const char *s) {
  Path p;
  size_t n = std::strlen(s);
  if (n == 0)
    return false;
  p.text.assign(s, s + n);
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (i == start)
        return false; // "a..b", ".a", "a."
      start = i + 1;
    }
  }
  fj.paths.push_back(std::move(p));
  Path &q = fj.paths.back();
  start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || q.text[i] == '.') {
      q.comps.emplace_back(q.text.data() + start, i - start);
      start = i + 1;
    }
  }
  return true;
}

} // namespace

extern "C" {

arcos_fastjson_t *arcos_fastjson_create(void) {
  auto *fj = new (std::nothrow) arcos_fastjson();
  if (fj == nullptr)
    return nullptr;
  try {
    fj->members.reserve(256);
    if (fj->parser.allocate(64 * 1024) != simdjson::SUCCESS || !fj->input.reserve(64 * 1024) ||
        !fj->strs.reserve(16 * 1024) || !fj->canon.reserve(16 * 1024) ||
        !fj->tmp.reserve(16 * 1024)) {
      delete fj;
      return nullptr;
    }
  } catch (...) {
    delete fj;
    return nullptr;
  }
  return fj;
}

void arcos_fastjson_destroy(arcos_fastjson_t **fj) {
  if (fj == nullptr || *fj == nullptr)
    return;
  delete *fj;
  *fj = nullptr;
}

int arcos_fastjson_set_fieldpaths(arcos_fastjson_t *fj, const arcos_fieldpaths_t *paths) {
  size_t n = paths != nullptr ? paths->npaths : 0;
  if (n > ARCOS_FJ_MAX_PATHS)
    return ARCOS_EINVALID;
  try {
    fj->paths.clear();
    for (size_t i = 0; i < n; i++)
      if (paths->paths[i] == nullptr || !add_path(*fj, paths->paths[i])) {
        fj->paths.clear();
        fj->vals.clear();
        return ARCOS_EINVALID;
      }
    fj->vals.assign(n, arcos_fieldval_t{});
  } catch (...) {
    return ARCOS_ENOMEM;
  }
  return ARCOS_OK;
}

int arcos_fastjson_parse(arcos_fastjson_t *fj, const char *text, size_t len,
                         arcos_fj_record_t *out) {
  *out = arcos_fj_record_t{};
  try {
    return parse(*fj, text, len, out);
  } catch (...) {
    // std::vector growth of the member stack is the only thing that throws.
    return ARCOS_ENOMEM;
  }
}

int arcos_fastjson_parse_object(arcos_fastjson_t *fj, const char *text, size_t len,
                                const char *const *names, size_t nnames, size_t canon_member,
                                arcos_fj_member_t *out, const char **canon, size_t *canon_len) {
  if (nnames > ARCOS_FJ_MAX_NAMES)
    return ARCOS_EINVALID;
  for (size_t i = 0; i < nnames; i++)
    out[i] = arcos_fj_member_t{};
  *canon = "";
  *canon_len = 0;
  try {
    return parse_object(*fj, text, len, names, nnames, canon_member, out, canon, canon_len);
  } catch (...) {
    return ARCOS_ENOMEM;
  }
}

int arcos_fastjson_canonical(arcos_fastjson_t *fj, const char *text, size_t len, uint8_t *kind,
                             const char **canon, size_t *canon_len) {
  *kind = ARCOS_FJ_ABSENT;
  *canon = "";
  *canon_len = 0;
  try {
    return canonical_value(*fj, text, len, kind, canon, canon_len);
  } catch (...) {
    return ARCOS_ENOMEM;
  }
}

bool arcos_fastjson_decode_string(const char *tok, size_t len, char *out, size_t *out_len) {
  if (len < 2 || tok[0] != '"' || !arcos_py_valid(tok + 1, len - 1, ARCOS_PY_UTF8))
    return false;
  size_t i = 1; // the first unescaped quote must be the last byte
  while (i < len && tok[i] != '"')
    i += tok[i] == '\\' ? 2 : 1;
  if (i != len - 1)
    return false;
  Buf b;
  const auto *p = reinterpret_cast<const unsigned char *>(tok);
  size_t off = 0, n = 0;
  if (!decode_string(p + 1, p + len, b, &off, &n))
    return false;
  std::memcpy(out, b.p + off, n);
  out[n] = '\0';
  *out_len = n;
  return true;
}

size_t arcos_fastjson_format_double(double d, char *out) {
  if (std::isnan(d)) {
    std::memcpy(out, "NaN", 4);
    return 3;
  }
  if (std::isinf(d)) {
    const char *s = d < 0 ? "-Infinity" : "Infinity";
    size_t n = std::strlen(s);
    std::memcpy(out, s, n + 1);
    return n;
  }
  char *w = out;
  if (std::signbit(d)) {
    *w++ = '-';
    d = -d;
  }
  if (d == 0.0) {
    std::memcpy(w, "0.0", 4);
    return static_cast<size_t>(w - out) + 3;
  }
  // Shortest round-trip digits in scientific form ("1.2345e+02"), laid out again as
  // Python's repr: positional for exponents -4..15, else "de[+-]XX".
  char sci[40];
  auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  char digits[24];
  int nd = 0;
  const char *p = sci;
  for (; p < r.ptr && *p != 'e'; p++)
    if (*p != '.')
      digits[nd++] = *p;
  int e = 0;
  std::from_chars(p + 1 + (p[1] == '+'), r.ptr, e);
  if (e < -4 || e >= 16) {
    *w++ = digits[0];
    if (nd > 1) {
      *w++ = '.';
      std::memcpy(w, digits + 1, static_cast<size_t>(nd - 1));
      w += nd - 1;
    }
    *w++ = 'e';
    *w++ = e < 0 ? '-' : '+';
    int a = e < 0 ? -e : e;
    if (a >= 100)
      *w++ = static_cast<char>('0' + a / 100);
    *w++ = static_cast<char>('0' + a / 10 % 10);
    *w++ = static_cast<char>('0' + a % 10);
  } else if (e >= 0) {
    int int_digits = e + 1;
    if (nd <= int_digits) {
      std::memcpy(w, digits, static_cast<size_t>(nd));
      w += nd;
      for (int i = nd; i < int_digits; i++)
        *w++ = '0';
      *w++ = '.';
      *w++ = '0';
    } else {
      std::memcpy(w, digits, static_cast<size_t>(int_digits));
      w += int_digits;
      *w++ = '.';
      std::memcpy(w, digits + int_digits, static_cast<size_t>(nd - int_digits));
      w += nd - int_digits;
    }
  } else {
    *w++ = '0';
    *w++ = '.';
    for (int i = 0; i < -e - 1; i++)
      *w++ = '0';
    std::memcpy(w, digits, static_cast<size_t>(nd));
    w += nd;
  }
  *w = '\0';
  return static_cast<size_t>(w - out);
}

} // extern "C"
