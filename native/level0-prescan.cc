// The level-0 pre-scan on a native thread (src-main/engine/hnsw/level0-prescan.ts; docs/native.md).
// A first query's checks read all of data_level0.bin, and the reader's thread would otherwise do
// that after decoding the pickle. The JavaScript worker that takes the pass over costs 50-70 ms to
// start on the bench machine, so it was used from 250,000 elements only. A thread of this addon
// starts in well under a millisecond, so the pass runs beside the decode at every size.
//
// It does what the worker's program does (level0-prescan-program.ts), in the same shared memory
// and under the same protocol: read the pickle's chunks in order, then read and walk
// link_lists.bin, then check level-0 chunks, each claimed from a shared counter that the reader's
// thread also takes from. The one difference is that it cannot wake a waiter (Atomics.notify has
// no Node-API); the reader polls its waits in short slices instead.
//
// Every array it is given is checked against the sizes it will write, and every layout it does not
// accept (a row whose links reach past the vector, unaligned fields) makes it refuse: the caller
// then uses the worker or its own pass, which name the problem. The thread holds a reference to
// each shared buffer until it has been joined: by prescanStop, or by the handle's finalizer.
//
// The job and its pass are in level0-prescan-job.h; this file checks the arguments that make a
// job, and starts and stops it.
#include <napi.h>

#include "napi-args.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#define CHROMA_INSPECTOR_PRESCAN 1
#endif

#ifdef CHROMA_INSPECTOR_PRESCAN
#include "level0-prescan-job.h"
#endif

namespace {

#ifdef CHROMA_INSPECTOR_PRESCAN

using level0_prescan::Job;

// One shared typed array field of the job argument, kept referenced while the thread writes it.
template <typename T>
bool take(const Napi::Object& from, const char* key, napi_typedarray_type type, level0_prescan::Shared<T>* out) {
  const Napi::Value v = from.Get(key);
  napi_typedarray_type actual;
  size_t length = 0;
  void* raw = nullptr;
  napi_value buffer;
  if (!napi_args::typedArrayInfo(v, &actual, &raw, &length, &buffer) || actual != type) return false;
  if (raw == nullptr && length != 0) return false;
  // Only shared memory: a plain ArrayBuffer can be detached or shrunk while the thread writes it.
  bool detachable = true;
  if (napi_is_arraybuffer(from.Env(), buffer, &detachable) != napi_ok || detachable) return false;
  out->data = static_cast<T*>(raw);
  out->length = length;
  out->keep = Napi::Persistent(v.As<Napi::Object>());
  return true;
}

bool whole(const Napi::Object& from, const char* key, double lo, double hi, int64_t* out) { return napi_args::wholeOf(from.Get(key), lo, hi, out); }

bool number(const Napi::Object& from, const char* key, double* out) {
  Napi::Value v = from.Get(key);
  if (!v.IsNumber()) return false;
  *out = v.As<Napi::Number>().DoubleValue();
  return true;
}

// Marks the handles prescanLevel0 makes, so that prescanStop never takes another external for one.
const napi_type_tag JOB_TAG = {0x6c3e0c1f2a4b4d17ull, 0x9b1e5a7d3c2f8e61ull};

bool hostIsLittleEndian() {
  const uint32_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// prescanLevel0(job): a handle for prescanStop once the thread runs, or null where it refuses.
Napi::Value PrescanLevel0(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject() || !hostIsLittleEndian()) return env.Null();
  const Napi::Object o = info[0].As<Napi::Object>();
  auto job = std::make_unique<Job>();
  Job& j = *job;
  constexpr double MAX_COUNT = 2147483647.0, MAX_SIZE = 1073741824.0;
  if (!o.Get("dataFile").IsString()) return env.Null();
  j.dataFile = o.Get("dataFile").As<Napi::String>().Utf8Value();
  if (o.Get("lengthFile").IsString()) j.lengthFile = o.Get("lengthFile").As<Napi::String>().Utf8Value();
  if (j.dataFile.empty() || j.dataFile.find('\0') != std::string::npos || j.lengthFile.find('\0') != std::string::npos) return env.Null();
  if (!whole(o, "count", 1, MAX_COUNT, &j.count) || !whole(o, "size", 4, MAX_SIZE, &j.size) || !whole(o, "labelOffset", 0, MAX_SIZE, &j.labelOffset) ||
      !whole(o, "offsetData", 0, MAX_SIZE, &j.offsetData) || !whole(o, "dim", 0, MAX_SIZE, &j.dim) || !whole(o, "maxM0", 0, 65535, &j.maxM0) ||
      !whole(o, "perChunk", 1, MAX_COUNT, &j.perChunk) || !whole(o, "pauseMs", 0, 1000, &j.pauseMs))
    return env.Null();
  const Napi::Value cosine = o.Get("cosine");
  if (!cosine.IsBoolean()) return env.Null();
  j.cosine = cosine.As<Napi::Boolean>().Value();
  if (!o.Get("bounds").IsObject()) return env.Null();
  const Napi::Object b = o.Get("bounds").As<Napi::Object>();
  if (!number(b, "max", &j.bounds.max) || !number(b, "minNorm", &j.bounds.minNorm) || !number(b, "unitTolerance", &j.bounds.unitTolerance)) return env.Null();
  // The layout the reads below stay inside: aligned fields, the links and the vector within a row.
  if (j.size % 4 != 0 || j.offsetData % 4 != 0 || j.offsetData + 4 * j.dim > j.size || j.labelOffset + 8 > j.size || 4 * (j.maxM0 + 1) > j.size) return env.Null();
  if (j.perChunk * j.size > int64_t{1} << 31) return env.Null();
  const int64_t chunks = (j.count + j.perChunk - 1) / j.perChunk;
  const auto count = static_cast<size_t>(j.count);
  if (!take(o, "status", napi_int32_array, &j.status) || j.status.length < 10) return env.Null();
  if (!take(o, "labels", napi_float64_array, &j.labels) || j.labels.length < count) return env.Null();
  if (!take(o, "flags", napi_uint8_array, &j.flags) || j.flags.length < count) return env.Null();
  if (!take(o, "badRow", napi_float64_array, &j.badRow) || j.badRow.length < 3) return env.Null();
  if (!take(o, "chunkRows", napi_float64_array, &j.chunkRows) || j.chunkRows.length < static_cast<size_t>(chunks) * 3) return env.Null();
  const Napi::Value pickle = o.Get("pickle");
  if (pickle.IsObject()) {
    const Napi::Object p = pickle.As<Napi::Object>();
    if (!p.Get("file").IsString()) return env.Null();
    j.pickleFile = p.Get("file").As<Napi::String>().Utf8Value();
    if (j.pickleFile.empty() || j.pickleFile.find('\0') != std::string::npos || !whole(p, "chunkBytes", 1, MAX_SIZE, &j.pickleChunkBytes)) return env.Null();
    if (!take(p, "bytes", napi_uint8_array, &j.pickleBytes) || !take(p, "done", napi_int32_array, &j.pickleDone)) return env.Null();
    j.hasPickle = true;
    const size_t pickleChunks = (j.pickleBytes.length + static_cast<size_t>(j.pickleChunkBytes) - 1) / static_cast<size_t>(j.pickleChunkBytes);
    if (j.pickleDone.length < pickleChunks || j.pickleBytes.length == 0) return env.Null();
  }
  const Napi::Value graphSpace = o.Get("graphSpace");
  if (graphSpace.IsString()) {
    j.graphCheck = true;
    j.graphL2 = graphSpace.As<Napi::String>().Utf8Value() == "l2";
    if (!take(o, "graph", napi_float64_array, &j.graph) || j.graph.length < 2) return env.Null();
  }
  const Napi::Value links = o.Get("links");
  if (links.IsObject()) {
    const Napi::Object l = links.As<Napi::Object>();
    if (!l.Get("file").IsString()) return env.Null();
    j.linksFile = l.Get("file").As<Napi::String>().Utf8Value();
    if (j.linksFile.empty() || j.linksFile.find('\0') != std::string::npos) return env.Null();
    if (!whole(l, "block", 1, MAX_SIZE, &j.block) || !whole(l, "maxLevel", 0, MAX_COUNT, &j.maxLevel)) return env.Null();
    if (!take(l, "bytes", napi_uint8_array, &j.linkBytes) || !take(l, "upperAt", napi_int32_array, &j.upperAt) || j.upperAt.length < count) return env.Null();
    j.hasLinks = true;
  }
  try {
    j.thread = std::thread([&j]() { j.Run(); });
  } catch (...) {
    return env.Null();
  }
  // The handle owns the job: collected or stopped, the thread is joined before the buffers go.
  Job* owned = job.release();
  Napi::External<Job> handle = Napi::External<Job>::New(env, owned, [](Napi::Env, Job* done) { delete done; });
  if (env.IsExceptionPending() || handle.IsEmpty()) {
    // No handle to stop it by: stop it here (the exception goes on to the caller).
    delete owned;
    return env.Null();
  }
  if (napi_type_tag_object(env, handle, &JOB_TAG) != napi_ok) {
    owned->Release();
    return env.Null();
  }
  return handle;
}

// prescanStop(handle): asks the thread to stop, waits for it (at most one chunk's read), and lets
// go of the buffers it wrote.
Napi::Value PrescanStop(const Napi::CallbackInfo& info) {
  bool ours = false;
  if (info.Length() >= 1 && info[0].IsExternal() && napi_check_object_type_tag(info.Env(), info[0], &JOB_TAG, &ours) == napi_ok && ours) {
    info[0].As<Napi::External<Job>>().Data()->Release();
  }
  return info.Env().Undefined();
}

#endif

}  // namespace

void RegisterLevel0Prescan(Napi::Env env, Napi::Object exports) {
#ifdef CHROMA_INSPECTOR_PRESCAN
  exports.Set("prescanLevel0", Napi::Function::New(env, PrescanLevel0));
  exports.Set("prescanStop", Napi::Function::New(env, PrescanStop));
#else
  (void)env;
  (void)exports;
#endif
}
