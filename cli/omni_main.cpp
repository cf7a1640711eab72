#include "cli/omni_main.h"

#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/help.h"
#include "cli/recipes.h"
#include "core/error.h"
#include "core/log.h"
#include "core/perception/perception.h"
#include "core/model/torch_module.h"

#include <cstdlib>
#include <malloc.h>

namespace omni {

int models_main(const std::vector<std::string>& args);  // cli/models.cpp
int rig_main(const std::vector<std::string>& args);     // cli/rig.cpp
int edit_main(const std::vector<std::string>& args);    // cli/edit.cpp
int batch_main(const std::vector<std::string>& args);   // cli/batch.cpp
int chunk_main(const std::vector<std::string>& args);   // cli/chunk.cpp
int join_main(const std::vector<std::string>& args);    // cli/chunk.cpp
int completion_main(const std::vector<std::string>& args);  // cli/completion.cpp

// glibc serves a block over 128 KiB with its own mmap and unmaps it when freed, so every frame-sized
// buffer a filter makes (a 720p BGR frame is 2.6 MiB) arrives as fresh pages and costs a page fault
// per 4 KiB at first touch: a fifth of motion-transfer's time at 720p. Kept in the heap (up to
// glibc's 32 MiB ceiling) and not trimmed back below 512 MiB, the same buffers are reused frame
// after frame: 150 frames of motion-transfer bg=green went from 17.0 s to 8.2 s, peak memory
// 527 to 537 MiB.
static void keep_frame_buffers() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

// An ordinary omni command line (without argv[0]): a job, or -h, -filters, ...
int run_command(std::vector<std::string> args) {
  ParseState s = parse_args(args);
  if (!s.actions.empty()) {
    const std::string& a = s.actions.front();
    std::string text;
    if (a == "help") text = s.action_arg.empty() ? usage_text() : filter_help_text(s.action_arg.substr(7));
    else if (a == "filters") text = filters_text();
    else if (a == "version") text = version_text();
    else if (a == "buildconf") text = buildconf_text();
    else if (a == "manpage") text = manpage_text();
    else if (a == "recipes") text = recipes_text();
    fputs(text.c_str(), stdout);
    return 0;
  }
  if (s.job.device.empty())
    if (const char* d = std::getenv("OMNI_DEVICE")) s.job.device = d;
  // A device was asked for: check it now, before any frame (CUDA from a CPU-only LibTorch is
  // an error, never a silent fall-back). Without one, LibTorch is not even loaded.
  if (!s.job.device.empty() && s.job.device != "cpu") torch_api().configure(s.job.threads, s.job.device);
  set_model_options(s.job.threads, s.job.device);
  install_signal_handlers();
  return run_job(s.job);
}

int omni_main(int argc, char** argv) {
  keep_frame_buffers();
  std::vector<std::string> args(argv + 1, argv + argc);
  install_av_log();
  try {
    set_log_level(loglevel_from_args(args));
    if (args.empty()) {
      std::cerr << "usage: omni [options] -i INPUT [-vf GRAPH] OUTPUT\nUse omni -h for the options.\n";
      return 1;
    }
    if (args[0] == "models") return models_main(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args[0] == "rig") return rig_main(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args[0] == "edit") return edit_main(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args[0] == "batch") return batch_main(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args[0] == "chunk") return chunk_main(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args[0] == "join") return join_main(std::vector<std::string>(args.begin() + 1, args.end()));
    if (args[0] == "completion") return completion_main(std::vector<std::string>(args.begin() + 1, args.end()));
    return run_command(args);
  } catch (const Error& e) {
    fprintf(stderr, "omni: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    fprintf(stderr, "omni: internal error: %s\n", e.what());
    return 1;
  }
}

}  // namespace omni
