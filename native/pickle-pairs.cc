// The two loops of the index_metadata.pickle decoder that read Chroma's Rust-shaped pairs straight
// from the bytes (src-main/engine/hnsw/index-metadata-fast.ts: takePlainEntries, checkPlainPairs;
// docs/native.md). They are the decoder's hottest code, and run once per open, mostly before V8
// has optimised them: ~35 ms of a 100k first query, ~135 ms of a million's.
//
// Each does exactly what its JavaScript twin does, pair for pair, and stops where it stops (a pair
// of another shape, bytes not yet arrived, the pause, the end of the caller's arrays); the caller
// then goes on as after its own loop. Nothing is allocated or kept: the caller's typed arrays are
// written, and one Int32Array carries the loop's state in and out. Every index is checked against
// the array it reads or writes; arguments it does not accept answer -1 (the caller then runs its
// own loop), so a wrong call can only be slower, never read or write out of bounds.
#include <napi.h>

#include "napi-args.h"

#include <cstdint>
#include <cstring>

namespace {

constexpr uint8_t BININT = 0x4a, BININT1 = 0x4b, BININT2 = 0x4d, BINUNICODE = 0x58, SHORT_BINUNICODE = 0x8c;
constexpr uint32_t FNV_OFFSET = 0x811c9dc5u, FNV_PRIME = 0x01000193u;

// The pair digest's two lanes (pairLaneA / pairLaneB), in uint32 arithmetic as Math.imul's.
inline uint32_t laneA(uint32_t h, uint32_t label) {
  uint32_t x = (h ^ (label * 0x9e3779b1u)) * 0x85ebca6bu;
  x ^= x >> 13;
  return (x * 0xc2b2ae35u) ^ (x >> 16);
}

inline uint32_t laneB(uint32_t h, uint32_t label) {
  uint32_t x = ((h + 0x7f4a7c15u) ^ ((label + 0x165667b1u) * 0x27d4eb2fu)) * 0x165667b1u;
  x ^= x >> 15;
  return (x * 0x85ebca77u) ^ (x >> 13);
}

using napi_args::arrayOf;
using napi_args::wholeOf;

// A label opcode at p (BININT1 / BININT2 / non-negative BININT) below `end`: its value and the
// position after it, or false.
inline bool labelAt(const uint8_t* buf, int64_t p, int64_t end, uint32_t* label, int64_t* next) {
  if (p + 2 > end) return false;
  const uint8_t op = buf[p];
  if (op == BININT1) {
    *label = buf[p + 1];
    *next = p + 2;
  } else if (op == BININT2) {
    if (p + 3 > end) return false;
    *label = buf[p + 1] | (uint32_t{buf[p + 2]} << 8);
    *next = p + 3;
  } else if (op == BININT) {
    if (p + 5 > end) return false;
    const uint32_t l = buf[p + 1] | (uint32_t{buf[p + 2]} << 8) | (uint32_t{buf[p + 3]} << 16) | (uint32_t{buf[p + 4]} << 24);
    if (l >= 0x80000000u) return false;  // negative: not a label
    *label = l;
    *next = p + 5;
  } else {
    return false;
  }
  return true;
}

// An id str opcode at p (BINUNICODE / SHORT_BINUNICODE): where its bytes start and end (the end
// may lie past `end`: the caller checks), or false.
inline bool idAt(const uint8_t* buf, int64_t p, int64_t end, int64_t* a, int64_t* b) {
  if (p + 2 > end) return false;
  const uint8_t op = buf[p];
  if (op == BINUNICODE) {
    if (p + 5 > end) return false;
    *a = p + 5;
    *b = *a + (buf[p + 1] | (int64_t{buf[p + 2]} << 8) | (int64_t{buf[p + 3]} << 16) | (int64_t{buf[p + 4]} << 24));
  } else if (op == SHORT_BINUNICODE) {
    *a = p + 2;
    *b = *a + buf[p + 1];
  } else {
    return false;
  }
  return true;
}

// plainIdEntries(buf, end, idStart, idEnd, hash, label, limit, state): id_to_label's pairs (an id
// str, then its label) from state[0] while the entry count state[1] is below `limit`, each
// written at index state[1] of the four arrays. state: [pos, n, maxLabel, high, digestA,
// digestB, idsA, idsB], updated. Returns the entries taken, or -1 (not accepted).
Napi::Value PlainIdEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto refuse = [&]() { return Napi::Number::New(env, -1); };
  if (info.Length() < 8) return refuse();
  uint8_t* buf;
  int32_t *idStart, *idEnd, *hash, *state;
  double* label;
  size_t bufLength, startLength, endLength, hashLength, labelLength, stateLength;
  int64_t end, limit;
  if (!arrayOf(info[0], napi_uint8_array, &buf, &bufLength) || !wholeOf(info[1], 0, static_cast<double>(bufLength), &end)) return refuse();
  if (!arrayOf(info[2], napi_int32_array, &idStart, &startLength) || !arrayOf(info[3], napi_int32_array, &idEnd, &endLength)) return refuse();
  if (!arrayOf(info[4], napi_int32_array, &hash, &hashLength) || !arrayOf(info[5], napi_float64_array, &label, &labelLength)) return refuse();
  if (!arrayOf(info[7], napi_int32_array, &state, &stateLength) || stateLength < 8) return refuse();
  size_t room = startLength;
  for (size_t l : {endLength, hashLength, labelLength}) room = l < room ? l : room;
  if (!wholeOf(info[6], 0, static_cast<double>(room), &limit)) return refuse();
  // Positions and ids are kept in Int32Array: the caller gives up on larger pickles first.
  if (end > 0x7fffffff || state[0] < 0 || state[1] < 0) return refuse();
  int64_t p = state[0];
  int64_t n = state[1];
  const int64_t first = n;
  uint32_t maxLabel = static_cast<uint32_t>(state[2]), high = static_cast<uint32_t>(state[3]);
  uint32_t digestA = static_cast<uint32_t>(state[4]), digestB = static_cast<uint32_t>(state[5]);
  uint32_t idsA = static_cast<uint32_t>(state[6]), idsB = static_cast<uint32_t>(state[7]);
  while (n < limit) {
    int64_t a, b, next;
    uint32_t l;
    if (!idAt(buf, p, end, &a, &b) || b + 2 > end || !labelAt(buf, b, end, &l, &next)) break;
    uint32_t h = FNV_OFFSET;
    for (int64_t k = a; k < b; k++) {
      high |= buf[k];
      h = (h ^ buf[k]) * FNV_PRIME;
    }
    idStart[n] = static_cast<int32_t>(a);
    idEnd[n] = static_cast<int32_t>(b);
    hash[n] = static_cast<int32_t>(h);
    label[n] = l;
    n++;
    if (l > maxLabel) maxLabel = l;
    digestA += laneA(h, l);
    digestB += laneB(h, l);
    idsA += laneA(h, 0);
    idsB += laneB(h, 0);
    p = next;
  }
  state[0] = static_cast<int32_t>(p);
  state[1] = static_cast<int32_t>(n);
  state[2] = static_cast<int32_t>(maxLabel);
  state[3] = static_cast<int32_t>(high);
  state[4] = static_cast<int32_t>(digestA);
  state[5] = static_cast<int32_t>(digestB);
  state[6] = static_cast<int32_t>(idsA);
  state[7] = static_cast<int32_t>(idsB);
  return Napi::Number::New(env, static_cast<double>(n - first));
}

// plainLabelPairs(buf, end, known, named, maxLabel, limit, state): label_to_id's pairs (a label,
// then its id str) from state[0] while the pair count state[1] is below `limit`, each label one
// of `known`'s bits not yet in `named` (then set there). state: [pos, count, digestA, digestB],
// updated. Returns 0 (stopped: another shape, bytes not there, or `limit`), 2 (a label not
// known, or named twice: state is left before that pair), or -1 (not accepted).
Napi::Value PlainLabelPairs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto refuse = [&]() { return Napi::Number::New(env, -1); };
  if (info.Length() < 7) return refuse();
  uint8_t* buf;
  uint32_t *known, *named;
  int32_t* state;
  size_t bufLength, knownLength, namedLength, stateLength;
  int64_t end, maxLabel, limit;
  if (!arrayOf(info[0], napi_uint8_array, &buf, &bufLength) || !wholeOf(info[1], 0, static_cast<double>(bufLength), &end)) return refuse();
  if (!arrayOf(info[2], napi_uint32_array, &known, &knownLength) || !arrayOf(info[3], napi_uint32_array, &named, &namedLength)) return refuse();
  if (!wholeOf(info[4], 0, 2147483647.0, &maxLabel) || !wholeOf(info[5], 0, 2147483647.0, &limit)) return refuse();
  if (!arrayOf(info[6], napi_int32_array, &state, &stateLength) || stateLength < 4) return refuse();
  if (end > 0x7fffffff || state[0] < 0 || state[1] < 0) return refuse();
  int64_t p = state[0];
  int64_t count = state[1];
  uint32_t digestA = static_cast<uint32_t>(state[2]), digestB = static_cast<uint32_t>(state[3]);
  int result = 0;
  while (count < limit) {
    int64_t q, a, b;
    uint32_t l;
    if (!labelAt(buf, p, end, &l, &q) || !idAt(buf, q, end, &a, &b) || b > end) break;
    const size_t word = l >> 5;
    const uint32_t bit = uint32_t{1} << (l & 31);
    if (l > maxLabel || word >= knownLength || word >= namedLength || (known[word] & bit) == 0 || (named[word] & bit) != 0) {
      result = 2;
      break;
    }
    named[word] |= bit;
    uint32_t h = FNV_OFFSET;
    for (int64_t k = a; k < b; k++) h = (h ^ buf[k]) * FNV_PRIME;
    digestA += laneA(h, l);
    digestB += laneB(h, l);
    p = b;
    count++;
  }
  state[0] = static_cast<int32_t>(p);
  state[1] = static_cast<int32_t>(count);
  state[2] = static_cast<int32_t>(digestA);
  state[3] = static_cast<int32_t>(digestB);
  return Napi::Number::New(env, result);
}

// idSlots(buf, idStart, idEnd, hashes, from, to, slots): pickle-id-map.ts buildSteps' insert loop
// for entries [from, to): each entry e's number + 1 into the open-addressing table `slots` (a
// power of two long, linear probing from hashes[e] & mask), exactly where the JavaScript loop puts
// it. Returns the entries entered, -2 when an id is already in the table (the same hash and
// bytes: the map is given up), or -1 (not accepted, or an index out of bounds met midway: the
// caller gives the map up too, the table being half written).
Napi::Value IdSlots(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto refuse = [&]() { return Napi::Number::New(env, -1); };
  if (info.Length() < 7) return refuse();
  uint8_t* buf;
  int32_t *idStart, *idEnd, *hashes, *slots;
  size_t bufLength, startLength, endLength, hashLength, slotLength;
  int64_t from, to;
  if (!arrayOf(info[0], napi_uint8_array, &buf, &bufLength) || !arrayOf(info[1], napi_int32_array, &idStart, &startLength)) return refuse();
  if (!arrayOf(info[2], napi_int32_array, &idEnd, &endLength) || !arrayOf(info[3], napi_int32_array, &hashes, &hashLength)) return refuse();
  if (!arrayOf(info[6], napi_int32_array, &slots, &slotLength) || slotLength == 0 || (slotLength & (slotLength - 1)) != 0) return refuse();
  size_t entries = startLength;
  for (size_t l : {endLength, hashLength}) entries = l < entries ? l : entries;
  if (!wholeOf(info[5], 0, static_cast<double>(entries), &to) || !wholeOf(info[4], 0, static_cast<double>(to), &from)) return refuse();
  const uint32_t mask = static_cast<uint32_t>(slotLength - 1);
  const auto bytesOf = [&](int64_t e, int64_t* a, int64_t* b) {
    *a = idStart[e];
    *b = idEnd[e];
    return *a >= 0 && *a <= *b && static_cast<size_t>(*b) <= bufLength;
  };
  for (int64_t i = from; i < to; i++) {
    int64_t a, b;
    if (!bytesOf(i, &a, &b)) return refuse();
    const int32_t h = hashes[i];
    uint32_t s = static_cast<uint32_t>(h) & mask;
    for (uint32_t probes = 0;; probes++) {
      if (probes > mask) return refuse();  // a full table: not one the caller sized
      const int32_t e = slots[s];
      if (e == 0) break;
      if (e < 0 || static_cast<size_t>(e) > entries) return refuse();
      int64_t a2, b2;
      if (hashes[e - 1] == h) {
        if (!bytesOf(e - 1, &a2, &b2)) return refuse();
        if (b2 - a2 == b - a && std::memcmp(buf + a2, buf + a, static_cast<size_t>(b - a)) == 0) return Napi::Number::New(env, -2);
      }
      s = (s + 1) & mask;
    }
    slots[s] = static_cast<int32_t>(i + 1);
  }
  return Napi::Number::New(env, static_cast<double>(to - from));
}

}  // namespace

void RegisterPicklePairs(Napi::Env env, Napi::Object exports) {
  exports.Set("idSlots", Napi::Function::New(env, IdSlots));
  exports.Set("plainIdEntries", Napi::Function::New(env, PlainIdEntries));
  exports.Set("plainLabelPairs", Napi::Function::New(env, PlainLabelPairs));
}
