// The level-0 pre-scan's job: what one pass reads and writes, and the pass itself, run on the
// thread that level0-prescan.cc starts (that file has the protocol and the Node-API entry points).
#pragma once

#include <napi.h>

#include "positioned-reads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

// The quick plausibility check must add in the order the JavaScript one does (no fused multiply-add).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace level0_prescan {

using positioned_reads::ChunkMemory;
using positioned_reads::f32At;
using positioned_reads::openRead;
using positioned_reads::readFully;
using positioned_reads::readUpTo;
using positioned_reads::u32At;

// status (Int32 × 10), as level0-prescan-program.ts describes it.
constexpr int LEVEL0_STATE = 0, ELEMENTS_DONE = 1, STOP_ASKED = 2, PICKLE_FAILED = 3, HEARTBEAT = 4, NEXT_PICKLE = 5, GRAPH_STATE = 6, LINKS_STATE = 7,
              NEXT_CHUNK = 8, CHUNKS_DONE = 9;
constexpr int32_t RUNNING = 0, DONE = 1, FAILED = 2;
constexpr size_t READ_PIECE = 2 * 1024 * 1024;

inline int32_t load(int32_t* cell) { return __atomic_load_n(cell, __ATOMIC_SEQ_CST); }
inline void store(int32_t* cell, int32_t v) { __atomic_store_n(cell, v, __ATOMIC_SEQ_CST); }
inline int32_t add(int32_t* cell, int32_t v) { return __atomic_fetch_add(cell, v, __ATOMIC_SEQ_CST); }
inline void exchangeIfRunning(int32_t* cell, int32_t v) {
  int32_t expected = RUNNING;
  __atomic_compare_exchange_n(cell, &expected, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

struct Bounds {
  double max, minNorm, unitTolerance;
};

// One typed array argument: where its bytes are, how many elements, and a reference that keeps
// its (shared) buffer alive while the thread writes it.
template <typename T>
struct Shared {
  T* data = nullptr;
  size_t length = 0;
  Napi::ObjectReference keep;
};

// vector-plausibility.ts quickPlausible, operation for operation (in doubles, four sums, the same order).
inline bool quickPlausible(const uint8_t* vec, int64_t dim, bool cosine, bool hasNorm, double norm, const Bounds& b) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 3 < dim; i += 4) {
    const double a0 = f32At(vec + 4 * i), a1 = f32At(vec + 4 * i + 4), a2 = f32At(vec + 4 * i + 8), a3 = f32At(vec + 4 * i + 12);
    s0 += a0 * a0;
    s1 += a1 * a1;
    s2 += a2 * a2;
    s3 += a3 * a3;
  }
  for (; i < dim; i++) {
    const double a = f32At(vec + 4 * i);
    s0 += a * a;
  }
  const double sum = s0 + s1 + s2 + s3;
  if (!(sum <= b.max * b.max * 0.5)) return false;
  if (!cosine) return true;
  if (sum == 0) return !hasNorm || (norm >= 0 && norm <= b.max);
  if (std::fabs(std::sqrt(sum) - 1) > b.unitTolerance * 0.5) return false;
  return !hasNorm || (norm >= b.minNorm && norm <= b.max);
}

class Job {
 public:
  std::string dataFile, lengthFile, pickleFile, linksFile;
  int64_t count = 0, size = 0, labelOffset = 0, offsetData = 0, dim = 0, maxM0 = 0, perChunk = 0, pickleChunkBytes = 0, block = 0,
          maxLevel = 0, pauseMs = 0;
  bool cosine = false;
  // The graph consistency sample (graph-consistency.ts): its distance ('l2', else 1 − dot), or none.
  bool graphCheck = false, graphL2 = false;
  // Whether the job reads the pickle and the link lists (an empty file's buffer has no data pointer).
  bool hasPickle = false, hasLinks = false;
  Bounds bounds{};
  Shared<int32_t> status, pickleDone, upperAt;
  Shared<double> labels, badRow, chunkRows, graph;
  Shared<uint8_t> flags, pickleBytes, linkBytes;
  std::thread thread;

  ~Job() { Join(); }

  void Stop() { store(status.data + STOP_ASKED, 1); }

  void Join() {
    if (thread.joinable()) {
      Stop();
      thread.join();
    }
  }

  // Joins the thread and lets go of the buffers at once, rather than when the handle is collected
  // (the pickle's copy alone is 34 MB at a million elements). Runs on the JavaScript thread.
  void Release() {
    Join();
    status.keep.Reset();
    pickleDone.keep.Reset();
    upperAt.keep.Reset();
    labels.keep.Reset();
    badRow.keep.Reset();
    chunkRows.keep.Reset();
    graph.keep.Reset();
    flags.keep.Reset();
    pickleBytes.keep.Reset();
    linkBytes.keep.Reset();
  }

  void Run() {
    Pause();
    if (hasPickle) ReadPickle();
    if (hasLinks) ReadLinks();
    if (graphCheck) SampleGraph();
    ScanChunks();
  }

 private:
  bool stopped() { return load(status.data + STOP_ASKED) != 0; }

  // The tests' way to hold the thread back (at its start and after each level-0 chunk), so that
  // the reader's thread takes a share of the work; 0 otherwise.
  void Pause() {
    for (int64_t ms = 0; ms < pauseMs && !stopped(); ms++) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  // level0-prescan-program.ts readPickleChunks, for every chunk.
  void ReadPickle() {
    int32_t* s = status.data;
    const int64_t total = static_cast<int64_t>(pickleBytes.length), step = pickleChunkBytes;
    const int64_t chunks = (total + step - 1) / step;
    int fd = -1;
    bool failed = false;
    for (;;) {
      if (load(s + PICKLE_FAILED) != 0 || stopped()) break;
      const int64_t i = add(s + NEXT_PICKLE, 1);
      if (i < 0 || i >= chunks) break;  // the counter is shared memory: never trust it to stay sane
      if (fd < 0 && (fd = openRead(pickleFile)) < 0) {
        failed = true;
        break;
      }
      const int64_t at = i * step, end = std::min(total, at + step);
      if (!readFully(fd, pickleBytes.data + at, static_cast<size_t>(end - at), at)) {
        failed = true;
        break;
      }
      store(pickleDone.data + i, 1);
      add(s + HEARTBEAT, 1);
    }
    if (failed) store(s + PICKLE_FAILED, FAILED);
    if (fd >= 0) close(fd);
  }

  // The worker program's link-list read and segment-files.ts linkListsEnd.
  void ReadLinks() {
    int32_t* s = status.data;
    const int fd = openRead(linksFile);
    bool ok = fd >= 0;
    const size_t total = linkBytes.length;
    for (size_t done = 0; ok && done < total; done += READ_PIECE) {
      if (stopped()) ok = false;
      else ok = readFully(fd, linkBytes.data + done, std::min(READ_PIECE, total - done), static_cast<int64_t>(done));
      add(s + HEARTBEAT, 1);
    }
    if (fd >= 0) close(fd);
    if (!ok) {
      store(s + LINKS_STATE, FAILED);
      return;
    }
    badRow.data[2] = LinkListsEnd();
    store(s + LINKS_STATE, DONE);
  }

  double LinkListsEnd() {
    const uint8_t* buf = linkBytes.data;
    const int64_t length = static_cast<int64_t>(linkBytes.length);
    int64_t pos = 0;
    for (int64_t i = 0; i < count; i++) {
      if (pos + 4 > length) return -1;
      const int64_t bytes = u32At(buf + pos);
      if (bytes % block != 0) return -2;
      const int64_t level = bytes / block;
      if (level > maxLevel) return -3;
      if (pos + 4 + bytes > length) return -4;
      // As a JavaScript Int32Array stores a number: modulo 2^32.
      if (level > 0) upperAt.data[i] = static_cast<int32_t>(static_cast<uint32_t>(pos + 5));
      pos += 4 + bytes;
    }
    return static_cast<double>(pos);
  }

  // graph-consistency.ts checkGraphConsistencySteps' sample, read for read and sum for sum: how
  // often a level-0 neighbour is nearer than a stranger, as graph = [wins, total]. status[6] is
  // set last (1 done, 2 failed: an I/O error, or asked to stop), so the reader's thread takes the
  // counts only once they are whole. Below 64 elements the reader does not sample.
  void SampleGraph() {
    constexpr int64_t SAMPLES = 96, PAIRS = 8, MIN_ELEMENTS = 64;
    double* out = graph.data;
    if (count < MIN_ELEMENTS) {
      out[0] = out[1] = 0;
      store(status.data + GRAPH_STATE, DONE);
      return;
    }
    const int fd = openRead(dataFile);
    ChunkMemory rows(static_cast<size_t>((2 * PAIRS + 1) * size));
    uint8_t* element = rows.data();
    bool failed = fd < 0 || element == nullptr;
    // Reads element `id` whole into `into`: 1, 0 at the file's end (the sample skips it), -1 on an error.
    const auto readRow = [&](int64_t id, uint8_t* into) -> int {
      const int64_t got = readUpTo(fd, into, static_cast<size_t>(size), id * size);
      return got < 0 ? -1 : got == size ? 1 : 0;
    };
    const auto distance = [&](const uint8_t* a, const uint8_t* b) {
      double dot = 0, l2 = 0;
      for (int64_t i = 0; i < dim; i++) {
        const double x = f32At(a + offsetData + 4 * i), y = f32At(b + offsetData + 4 * i);
        dot += x * y;
        l2 += (x - y) * (x - y);
      }
      return graphL2 ? l2 : 1 - dot;
    };
    int64_t wins = 0, total = 0;
    const int64_t step = std::max<int64_t>(1, count / SAMPLES);
    for (int64_t smp = 0, id = 0; !failed && smp < SAMPLES && id < count; smp++, id += step) {
      if (stopped()) failed = true;
      const int own = failed ? -1 : readRow(id, element);
      if (own < 0) failed = true;
      if (own != 1 || (element[2] & 1) != 0) continue;
      const int64_t links = u32At(element) & 0xffff;
      int64_t pairIds[2 * PAIRS];
      int64_t pairs = 0;
      for (int64_t k = 0; k < links && k < maxM0 && pairs < PAIRS; k++) {
        const int64_t n = u32At(element + 4 + 4 * k);
        if (n < count && n != id) pairIds[2 * pairs++] = n;
      }
      // As the JavaScript: a product exact in doubles (below 2^53), then the remainder.
      for (int64_t k = 0; k < pairs; k++) pairIds[2 * k + 1] = (id + 1 + ((k + 1) * (smp + 7) * int64_t{2654435761}) % (count - 1)) % count;
      // Each pair's rows; one past the file's end is skipped, as the JavaScript skips it.
      for (int64_t k = 0; k < pairs && !failed; k++) {
        if (pairIds[2 * k + 1] == id) continue;
        uint8_t* near = element + size;
        uint8_t* far = element + 2 * size;
        const int gotNear = readRow(pairIds[2 * k], near);
        if (gotNear < 0) failed = true;
        if (gotNear != 1) continue;
        const double dn = distance(element, near);
        const int gotFar = readRow(pairIds[2 * k + 1], far);
        if (gotFar < 0) failed = true;
        if (gotFar != 1) continue;
        const double ds = distance(element, far);
        if (!std::isfinite(dn) || !std::isfinite(ds) || dn == ds) continue;
        total++;
        if (dn < ds) wins++;
      }
    }
    if (fd >= 0) close(fd);
    out[0] = static_cast<double>(wins);
    out[1] = static_cast<double>(total);
    store(status.data + GRAPH_STATE, failed ? FAILED : DONE);
  }

  // level0-prescan-program.ts scanLevel0Chunks, for every chunk it can claim.
  void ScanChunks() {
    int32_t* s = status.data;
    const int64_t chunks = (count + perChunk - 1) / perChunk;
    ChunkMemory chunk(static_cast<size_t>(std::min(perChunk, count) * size));
    ChunkMemory normBytes(static_cast<size_t>(std::min(perChunk, count) * 4));
    const int fd = openRead(dataFile);
    const int normFd = lengthFile.empty() ? -1 : openRead(lengthFile);
    const int64_t stride = size / 4;
    for (int64_t i = add(s + NEXT_CHUNK, 1); i >= 0 && i < chunks; i = add(s + NEXT_CHUNK, 1)) {
      if (load(s + LEVEL0_STATE) == FAILED || stopped()) break;
      const int64_t first = i * perChunk, n = std::min(perChunk, count - first);
      int64_t norms = 0;
      bool ok = chunk.data() != nullptr && normBytes.data() != nullptr && fd >= 0 && (lengthFile.empty() || normFd >= 0) && readFully(fd, chunk.data(), static_cast<size_t>(n * size), first * size);
      if (ok && normFd >= 0) {
        const int64_t got = readUpTo(normFd, normBytes.data(), static_cast<size_t>(n * 4), first * 4);
        ok = got >= 0;
        norms = got / 4;
      }
      if (!ok) {
        store(s + LEVEL0_STATE, FAILED);
        break;
      }
      for (int64_t j = 0; j < n; j++) {
        const int64_t id = first + j;
        const uint8_t* row = chunk.data() + j * size;
        const uint8_t* lo = row + labelOffset;
        labels.data[id] = static_cast<double>(u32At(lo)) + static_cast<double>(u32At(lo + 4)) * 4294967296.0;
        if ((row[2] & 0x01) != 0) {
          flags.data[id] = 1;
          continue;
        }
        const bool hasNorm = normFd >= 0;
        const double norm = !hasNorm ? 0 : j < norms ? static_cast<double>(f32At(normBytes.data() + 4 * j)) : std::nan("");
        flags.data[id] = quickPlausible(row + offsetData, dim, cosine, hasNorm, norm, bounds) ? 2 : 0;
      }
      FirstBadRow(chunk.data(), stride, first, n, chunkRows.data + 3 * i);
      add(s + ELEMENTS_DONE, static_cast<int32_t>(n));
      add(s + HEARTBEAT, 1);
      if (add(s + CHUNKS_DONE, 1) + 1 == chunks) exchangeIfRunning(s + LEVEL0_STATE, DONE);
      Pause();
    }
    if (fd >= 0) close(fd);
    if (normFd >= 0) close(normFd);
  }

  // level0-links.ts firstBadRow: the chunk's first row with too many neighbours (1) or a link past the end (2).
  void FirstBadRow(const uint8_t* words, int64_t stride, int64_t firstId, int64_t n, double* out) {
    out[0] = 0;
    for (int64_t j = 0; j < n; j++) {
      const uint8_t* row = words + 4 * j * stride;
      const int64_t links = u32At(row) & 0xffff;
      if (links > maxM0) {
        out[0] = 1, out[1] = static_cast<double>(firstId + j), out[2] = static_cast<double>(links);
        return;
      }
      for (int64_t k = 1; k <= links; k++) {
        const uint32_t to = u32At(row + 4 * k);
        if (to >= count) {
          out[0] = 2, out[1] = static_cast<double>(firstId + j), out[2] = static_cast<double>(to);
          return;
        }
      }
    }
  }
};

}  // namespace level0_prescan
