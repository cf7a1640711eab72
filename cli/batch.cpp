// omni batch: the same omni job over many files.
//   omni batch -i 'clips/*.mp4' -vf "matte=bg=green" -o 'keyed/{stem}.mp4' -j 2
//   omni batch -i clips/ -recipe vertical-short -o 'out/{stem}_9x16.mp4' --skip-existing --report run.json
// Each file is an ordinary omni job in its own process (this binary again): the same options, the
// same safety (temporary name and rename), and a crash or failure is that file's alone. The exit
// status says whether every file succeeded. --shard i/n takes a deterministic part of the inputs
// (by a hash of each input's name, so it does not depend on the list's order) for job arrays.
#include <fcntl.h>
#include <glob.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "core/error.h"

extern char** environ;

namespace omni {

namespace fs = std::filesystem;

namespace {

const char* kUsage =
    "usage: omni batch -i INPUTS [-i INPUTS ...] [omni options] -o TEMPLATE [batch options]\n"
    "  -i INPUTS          a file, a folder (its video files) or a quoted glob ('clips/*.mp4'); repeat for more\n"
    "  -o TEMPLATE        each output's name: {stem} (input name without extension), {name}, {ext}, {dir}\n"
    "  -j N               N files at once, the threads split between them (default 1)\n"
    "  --shard I/N        only this machine's part: the inputs whose name hashes to I of N (0 <= I < N)\n"
    "  --skip-existing    leave files whose output exists (a rerun resumes)\n"
    "  --report FILE      a JSON line per file: input, output, status, error, frames, seconds, fps\n"
    "  --dry-run          list the jobs (input -> output) and run none\n"
    "Every other option is omni's and applies to each file (-vf, -recipe, -c:v, -y ...); options before\n"
    "the first -i are input options (-ss before -i), as with omni itself.\n";

bool is_video_name(const fs::path& p) {
  static const std::set<std::string> ext = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mts", ".m2ts", ".ts", ".mpg",
                                            ".mpeg", ".flv", ".wmv", ".gif", ".y4m", ".3gp", ".mxf"};
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext.count(e) > 0;
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& specs) {
  std::vector<std::string> out;
  for (const std::string& s : specs) {
    std::error_code ec;
    if (fs::is_directory(s, ec)) {
      std::vector<std::string> in;
      for (const auto& e : fs::directory_iterator(s, ec))
        if (e.is_regular_file() && is_video_name(e.path())) in.push_back(e.path().string());
      if (in.empty()) fail("batch: -i {}: no video files in that folder", s);
      std::sort(in.begin(), in.end());
      out.insert(out.end(), in.begin(), in.end());
      continue;
    }
    if (s.find_first_of("*?[{") != std::string::npos) {
      glob_t g{};
      const int r = glob(s.c_str(), GLOB_BRACE | GLOB_TILDE, nullptr, &g);
      if (r == GLOB_NOMATCH) fail("batch: -i {}: no file matches", s);
      if (r != 0) fail("batch: -i {}: cannot read the pattern's folders", s);
      for (size_t i = 0; i < g.gl_pathc; ++i)
        if (!fs::is_directory(g.gl_pathv[i], ec)) out.emplace_back(g.gl_pathv[i]);
      globfree(&g);
      continue;
    }
    if (!fs::exists(s, ec)) fail("batch: -i {}: no such file", s);
    out.push_back(s);
  }
  // Sorted, each once (a file named by two patterns runs once).
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string output_for(const std::string& tmpl, const std::string& input) {
  const fs::path p(input);
  const std::map<std::string, std::string> v = {{"stem", p.stem().string()},
                                                {"name", p.filename().string()},
                                                {"ext", p.extension().string().empty() ? "" : p.extension().string().substr(1)},
                                                {"dir", p.parent_path().empty() ? "." : p.parent_path().string()}};
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    const size_t close = tmpl.find('}', i);
    const std::string key = close == std::string::npos ? "" : tmpl.substr(i + 1, close - i - 1);
    auto it = v.find(key);
    if (it == v.end()) fail("batch: -o {}: unknown place '{{{}}}'; use {{stem}}, {{name}}, {{ext}} or {{dir}}", tmpl, key);
    out += it->second;
    i = close;
  }
  return out;
}

// FNV-1a, 64 bits: the same on every machine and every run (std::hash is not promised to be).
uint64_t name_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string self_exe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) fail("batch: cannot find the omni binary (/proc/self/exe)");
  return p.string();
}

struct Task {
  std::string input, output;
  std::string status;  // ok, failed, skipped
  std::string error;
  int64_t frames = 0;
  double seconds = 0;
  pid_t pid = 0;
  std::string log, progress;  // the child's stderr and -progress files
  std::chrono::steady_clock::time_point start;
};

std::string last_line(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line))
    if (!line.empty()) last = line;
  return last;
}

int64_t progress_frames(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  int64_t n = 0;
  while (std::getline(f, line))
    if (line.rfind("frame=", 0) == 0) n = std::atoll(line.c_str() + 6);
  return n;
}

std::string clock_text(double s) {
  const int t = int(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{}:{:02}", t / 60, t % 60);
}

}  // namespace

int batch_main(const std::vector<std::string>& args) {
  std::vector<std::string> specs, before, after;
  std::string tmpl, report_path, shard;
  int jobs = 1;
  bool dry = false, skip = false, threads_given = false, seen_input = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) fail("batch: option {} needs a value", a);
      return args[++i];
    };
    if (a == "-h" || a == "--help" || a == "-help") {
      fputs(kUsage, stdout);
      return 0;
    }
    if (a == "-i") specs.push_back(value()), seen_input = true;
    else if (a == "-o") tmpl = value();
    else if (a == "-j" || a == "--jobs") {
      const std::string& v = value();
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || n < 1 || n > 256) fail("batch: -j {}: give a number of jobs from 1 to 256", v);
      jobs = int(n);
    } else if (a == "--shard") shard = value();
    else if (a == "--report") report_path = value();
    else if (a == "--dry-run") dry = true;
    else if (a == "--skip-existing") skip = true;
    else if (a.size() >= 2 && a[0] == '-') {
      std::vector<std::string>& to = seen_input ? after : before;
      to.push_back(a);
      if (a == "-threads") threads_given = true;
      const ArgDef* d = find_arg(a);
      const bool flag = d && !d->hint, known = d != nullptr;
      if (!known && a.rfind("--", 0) == 0)
        fail("batch: unknown option '{}'{}; omni batch -h lists them", a,
             did_you_mean(a, {"--shard", "--report", "--dry-run", "--skip-existing", "--jobs", "--help"}));
      if (!flag) to.push_back(value());
    } else {
      fail("batch: '{}': the outputs are named by -o TEMPLATE (e.g. -o 'out/{{stem}}.mp4'), not given one by one", a);
    }
  }
  if (specs.empty()) fail("batch: no input; use -i FILE, -i FOLDER or -i 'PATTERN' (omni batch -h)");
  if (tmpl.empty()) fail("batch: no -o TEMPLATE; e.g. -o 'out/{{stem}}.mp4' (omni batch -h)");
  std::vector<std::string> inputs = expand_inputs(specs);
  // The shard: a hash of the name as given, so every machine of a job array agrees whatever
  // order its file list comes in.
  if (!shard.empty()) {
    unsigned i = 0, n = 0;
    char c = 0;
    if (std::sscanf(shard.c_str(), "%u/%u%c", &i, &n, &c) != 2 || n == 0 || i >= n)
      fail("batch: --shard {}: use I/N with 0 <= I < N (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT, array=0-(N-1))", shard);
    std::erase_if(inputs, [&](const std::string& s) { return name_hash(s) % n != i; });
  }
  std::vector<Task> list;
  std::map<std::string, std::string> taken;
  for (const std::string& in : inputs) {
    Task j;
    j.input = in;
    j.output = output_for(tmpl, in);
    if (auto it = taken.find(j.output); it != taken.end())
      fail("batch: '{}' and '{}' would both be written to '{}'; put {{dir}} or more of the name in -o", it->second, in, j.output);
    taken[j.output] = in;
    std::error_code ec;
    if (fs::equivalent(j.input, j.output, ec)) fail("batch: -o {} would overwrite the input '{}'", tmpl, in);
    if (skip && fs::exists(j.output, ec)) j.status = "skipped";
    list.push_back(std::move(j));
  }
  if (dry) {
    for (const Task& j : list) fmt::print("{} -> {}{}\n", j.input, j.output, j.status == "skipped" ? " (exists: skipped)" : "");
    fmt::print(stderr, "omni: batch: {} files, nothing run (--dry-run)\n", list.size());
    return 0;
  }
  std::ofstream report;
  if (!report_path.empty()) {
    report.open(report_path, std::ios::trunc);
    if (!report) fail("batch: --report {}: cannot write", report_path);
  }
  const std::string exe = self_exe();
  char tmpl_dir[] = "/tmp/omni-batch-XXXXXX";
  if (!mkdtemp(tmpl_dir)) fail("batch: cannot make a temporary folder in /tmp");
  const std::string tmp = tmpl_dir;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads = std::max(1, int(cores) / jobs);
  const bool tty = isatty(STDERR_FILENO);
  size_t next = 0, done = 0, failed = 0, skipped = 0;
  std::vector<Task*> running;
  const auto t0 = std::chrono::steady_clock::now();
  double busy = 0;  // seconds the finished (run) jobs took, for the ETA
  size_t ran = 0;
  auto write_report = [&](const Task& j) {
    if (!report) return;
    nlohmann::json l = {{"input", j.input}, {"output", j.output}, {"status", j.status}, {"error", j.error}, {"frames", j.frames},
                        {"seconds", std::round(j.seconds * 1000) / 1000},
                        {"fps", j.seconds > 0 ? std::round(j.frames / j.seconds * 100) / 100 : 0.0}};
    report << l.dump() << "\n" << std::flush;
  };
  auto show = [&] {
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const size_t left = list.size() - done;
    std::string eta = ran ? clock_text(busy / double(ran) * double(left) / std::min<double>(jobs, std::max<size_t>(left, 1))) : "?";
    const std::string line = fmt::format("batch: {}/{} done, {} failed, {} skipped, {} running, elapsed {}, ETA {}", done, list.size(), failed,
                                         skipped, running.size(), clock_text(el), left ? eta : "0:00");
    if (tty) fmt::print(stderr, "\r{}\x1b[K", line);
    else fmt::print(stderr, "{}\n", line);
  };
  for (Task& j : list)
    if (j.status == "skipped") ++done, ++skipped, write_report(j);
  while (next < list.size() || !running.empty()) {
    while (next < list.size() && int(running.size()) < jobs) {
      Task& j = list[next];
      const size_t k = next++;
      if (j.status == "skipped") continue;
      std::error_code ec;
      if (fs::path(j.output).has_parent_path()) fs::create_directories(fs::path(j.output).parent_path(), ec);
      j.log = fmt::format("{}/{}.log", tmp, k);
      j.progress = fmt::format("{}/{}.progress", tmp, k);
      std::vector<std::string> argv = {exe, "-nostats", "-progress", j.progress};
      if (!threads_given) argv.insert(argv.end(), {"-threads", std::to_string(threads)});
      argv.insert(argv.end(), before.begin(), before.end());
      argv.insert(argv.end(), {"-i", j.input});
      argv.insert(argv.end(), after.begin(), after.end());
      argv.push_back(j.output);
      std::vector<char*> cargv;
      for (std::string& s : argv) cargv.push_back(s.data());
      cargv.push_back(nullptr);
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
      posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
      posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, j.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      j.start = std::chrono::steady_clock::now();
      const int r = posix_spawn(&j.pid, exe.c_str(), &fa, nullptr, cargv.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      if (r != 0) fail("batch: cannot start {}: {}", exe, std::strerror(r));
      running.push_back(&j);
    }
    show();
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto it = std::find_if(running.begin(), running.end(), [&](Task* j) { return j->pid == pid; });
    if (it == running.end()) continue;
    Task& j = **it;
    running.erase(it);
    j.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - j.start).count();
    j.frames = progress_frames(j.progress);
    busy += j.seconds, ++ran, ++done;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      j.status = "ok";
    } else {
      j.status = "failed", ++failed;
      j.error = last_line(j.log);
      if (j.error.empty()) j.error = WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status)) : "failed";
      if (j.error.rfind("omni: ", 0) == 0) j.error = j.error.substr(6);
      if (tty) fmt::print(stderr, "\n");
      fmt::print(stderr, "omni: batch: {}: {}\n", j.input, j.error);
    }
    write_report(j);
  }
  show();
  if (tty) fmt::print(stderr, "\n");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return failed ? 1 : 0;
}

}  // namespace omni
