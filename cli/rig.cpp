// `omni rig PICTURE [-o FILE]`: a character's skeleton as a rig file, for a person to check and
// edit before motion-transfer uses it (rig=FILE). Found by the pose model when the picture looks
// like a person; else a skeleton of usual proportions in the character's box, said so.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/model/hub.h"
#include "core/puppet/character.h"

namespace omni {

static const char* kRigUsage =
    "usage: omni rig PICTURE [-o FILE] [-key white|black|none] [-preview PNG]\n"
    "  Writes the character's skeleton (JSON: joint names as the pose model's, pixels of the picture) to FILE, or to\n"
    "  standard output. The pose model finds it when the picture looks like a person; else the joints are placed at\n"
    "  usual human proportions inside the character's box, for you to move. -preview draws them over the picture.\n"
    "  A picture without alpha and without -key is cut out as motion-transfer cuts it (matte's person, else salient).\n"
    "  Then: omni -i dance.mp4 -vf motion-transfer=character=PICTURE:rig=FILE out.mp4\n";

int rig_main(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    fputs(kRigUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 1 : 0;
  }
  std::string picture, output, key, preview;
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) fail("rig: {} needs a value", args[i]);
      return args[++i];
    };
    if (args[i] == "-o") output = value();
    else if (args[i] == "-key") key = value();
    else if (args[i] == "-preview") preview = value();
    else if (args[i].size() > 1 && args[i][0] == '-') fail("rig: unknown option '{}'{}", args[i], did_you_mean(args[i], {"-o", "-key", "-preview"}));
    else if (picture.empty()) picture = args[i];
    else fail("rig: one picture at a time ('{}' and '{}')", picture, args[i]);
  }
  if (picture.empty()) fail("rig: name the character picture: omni rig hero.png -o hero.json");
  std::error_code ec;
  if (!output.empty() && std::filesystem::equivalent(picture, output, ec))
    fail("rig: -o {} would overwrite the picture; name another file (hero.json)", output);
  if (!key.empty() && key != "white" && key != "black" && key != "none")
    fail("rig: -key {}: white or black (the plain background to cut) or none (the whole picture)", key);
  for (const char* m : {"pose-detector", "pose-full"}) require_model(m);
  Character c = load_character_picture(picture, key, "rig");
  bool found = find_rig(c, c.rig);
  if (!found) {
    c.rig = standard_rig(c.alpha);
    fprintf(stderr, "rig: the pose model finds no person in '%s'; the joints are at usual human proportions in the character's "
            "box: move them onto its own (pixels of the picture)\n", picture.c_str());
  }
  c.rig.image = std::filesystem::path(picture).filename().string();
  const std::string text = rig_json(c.rig);
  if (output.empty()) {
    fputs(text.c_str(), stdout);
  } else {
    // Written beside, then renamed: an existing rig is never left half written.
    const std::string tmp = output + ".omni-tmp";
    {
      std::ofstream out(tmp);
      if (!out || !(out << text) || !(out.flush())) {
        std::filesystem::remove(tmp);
        fail("rig: cannot write '{}'", output);
      }
    }
    std::filesystem::rename(tmp, output);
    fprintf(stderr, "rig: %s: %s skeleton written to %s\n", picture.c_str(), found ? "the pose model's" : "a standard", output.c_str());
  }
  if (!preview.empty()) {
    cv::Mat img = over_grey(c);  // so the character's own outline shows
    for (const Bone& b : skeleton_bones()) cv::line(img, c.rig.joint[b.parent], c.rig.joint[b.child], cv::Scalar(0, 0, 255), 2, cv::LINE_AA);
    for (const auto& j : c.rig.joint) cv::circle(img, j, 4, cv::Scalar(0, 255, 255), -1, cv::LINE_AA);
    if (!cv::imwrite(preview, img)) fail("rig: cannot write the preview '{}'", preview);
  }
  return 0;
}

}  // namespace omni
