#include "core/model/torch_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "core/paths.h"

namespace omni {

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, size_t(n));
  return p.substr(0, p.rfind('/'));
}


const TorchApi& torch_api() {
  static const TorchApi* api = nullptr;
  if (api) return *api;
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("OMNI_TORCH_MODULE")) candidates.emplace_back(env);
  std::string dir = executable_dir();
  candidates.push_back(dir + "/libomni_torch.so");
  candidates.push_back(dir + "/../libomni_torch.so");
  candidates.push_back(dir + "/../lib/omni/libomni_torch.so");
  std::string tried, why;
  for (const auto& path : candidates) {
    if (access(path.c_str(), R_OK) != 0) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    // Thread settings of the libraries LibTorch brings: see model_configure (model_api.cpp).
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      why = dlerror();
      continue;
    }
    auto entry = reinterpret_cast<const TorchApi* (*)()>(dlsym(h, "omni_torch_api"));
    if (!entry) fail("model core: {} has no omni_torch_api entry; rebuild omni", path);
    const TorchApi* a = entry();
    if (a->abi != kTorchAbi) fail("model core: {} is from another build (abi {}, expected {}); rebuild omni", path, a->abi, kTorchAbi);
    api = a;
    return *api;
  }
  if (!why.empty()) fail("model core: cannot load libomni_torch.so: {}", why);
  fail("model core: libomni_torch.so not found (looked at {}); rebuild with `make` or set OMNI_TORCH_MODULE", tried);
}

}  // namespace omni
