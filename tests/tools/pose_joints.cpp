// The pose model's skeleton of a picture, as motion-transfer's tests compare them: one line a
// joint, "name x y visibility" (picture pixels). The picture is read as `omni rig` reads a
// character (alpha, or key=white|black|none).
//   usage: pose_joints PICTURE [KEY]
#include <cstdio>

#include "core/error.h"
#include "core/perception/models.h"
#include "core/puppet/character.h"

int main(int argc, char** argv) {
  using namespace omni;
  if (argc < 2) {
    fprintf(stderr, "usage: pose_joints PICTURE [white|black|none]\n");
    return 2;
  }
  try {
    Character c = load_character_picture(argv[1], argc > 2 ? argv[2] : "", "pose_joints");
    Skeleton s;
    if (!find_skeleton(c, s)) {
      fprintf(stderr, "pose_joints: no body found in %s\n", argv[1]);
      return 1;
    }
    for (int k = 0; k < kJoints; ++k) printf("%s %.2f %.2f %.3f\n", joint_name(Joint(k)), s.at[k].x, s.at[k].y, s.visible[k]);
  } catch (const Error& e) {
    fprintf(stderr, "pose_joints: %s\n", e.what());
    return 1;
  }
  return 0;
}
