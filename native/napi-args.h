// The argument checks the addon's functions share (docs/native.md). Every function checks what
// it is given before it reads or writes a byte, and answers a refusal the caller understands
// (its own fallback runs then); these are the checks they all make.
#ifndef CHROMA_INSPECTOR_NAPI_ARGS_H_
#define CHROMA_INSPECTOR_NAPI_ARGS_H_

#include <napi.h>

#include <cstdint>

namespace napi_args {

// A typed array's element type, data pointer, element count and buffer; false when `v` is not a
// typed array. The data pointer napi_get_typedarray_info gives, not its buffer's: a view of a
// SharedArrayBuffer (or of a WebAssembly memory) has one too, where napi_get_arraybuffer_info fails.
inline bool typedArrayInfo(const Napi::Value& v, napi_typedarray_type* type, void** data, size_t* length, napi_value* buffer) {
  bool is = false;
  if (napi_is_typedarray(v.Env(), v, &is) != napi_ok || !is) return false;
  size_t offset = 0;
  *data = nullptr;
  return napi_get_typedarray_info(v.Env(), v, type, length, data, buffer, &offset) == napi_ok;
}

// A typed array argument of the given type: its data and element count, or false. An empty array
// may have no data pointer.
template <typename T>
bool arrayOf(const Napi::Value& v, napi_typedarray_type type, T** data, size_t* length) {
  napi_typedarray_type actual;
  void* raw = nullptr;
  napi_value buffer;
  if (!typedArrayInfo(v, &actual, &raw, length, &buffer) || actual != type) return false;
  *data = static_cast<T*>(raw);
  return raw != nullptr || *length == 0;
}

// A whole number argument in [lo, hi] (within ±2^53), or false.
inline bool wholeOf(const Napi::Value& v, double lo, double hi, int64_t* out) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<int64_t>(d))) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

}  // namespace napi_args

#endif  // CHROMA_INSPECTOR_NAPI_ARGS_H_
