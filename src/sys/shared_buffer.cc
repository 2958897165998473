// A SharedArrayBuffer over a shared wasm memory, no copy. Node-API can only make ArrayBuffers
// over external memory, so this one step uses V8's API, whose symbols the node binary exports.
// The cost: the addon is tied to the V8 ABI of the Node major it was built against (see
// build.rs, which compiles this file against that Node's headers).
#include <cstring>
#include <memory>

#include <node_api.h>
#include <v8.h>

extern "C" void wasm_rt_release_shared(void* owner);

namespace {

// A napi_value is a v8::Local<v8::Value> underneath (Node's js_native_api_v8.h).
static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "napi_value is a Local");

v8::Local<v8::Value> ToLocal(napi_value v) {
  v8::Local<v8::Value> local;
  std::memcpy(static_cast<void*>(&local), &v, sizeof v);
  return local;
}

napi_value FromLocal(v8::Local<v8::Value> local) {
  napi_value v;
  std::memcpy(&v, static_cast<void*>(&local), sizeof v);
  return v;
}

void Release(void*, size_t, void* owner) { wasm_rt_release_shared(owner); }

}  // namespace

// A new SharedArrayBuffer over [data, data + length). `owner` keeps the bytes alive; V8 hands it
// to wasm_rt_release_shared (from any thread) once no buffer in any isolate uses them.
extern "C" napi_value wasm_rt_shared_buffer(void* data, size_t length, void* owner) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::shared_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(data, length, Release, owner);
  return FromLocal(v8::SharedArrayBuffer::New(isolate, std::move(store)));
}

// The first byte of a SharedArrayBuffer, or null for any other value.
extern "C" void* wasm_rt_shared_buffer_data(napi_value value) {
  v8::Local<v8::Value> local = ToLocal(value);
  if (local.IsEmpty() || !local->IsSharedArrayBuffer()) return nullptr;
  return local.As<v8::SharedArrayBuffer>()->GetBackingStore()->Data();
}
