// One long video as chunks and back, without re-encoding (omni chunk, omni join): the video's
// packets copied between cut points where decoding can start and stop cleanly, and processed
// pieces concatenated behind the original's audio.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/media/job.h"

extern "C" {
#include <libavutil/rational.h>
}

namespace omni {

// A file's video stream as its packets in decode order, read without decoding. A packet is a
// frame; packet i is frame i in display order wherever a cut is allowed.
struct VideoIndex {
  std::string container;   // the demuxer's name ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", ...)
  int stream = -1;
  AVRational time_base{0, 1};
  AVRational frame_rate{0, 1};
  std::vector<int64_t> pts;        // each packet's presentation time (time_base)
  std::vector<uint8_t> start_ok;   // a chunk may begin at i: a keyframe, every earlier packet shown before it, every later one after
  std::vector<uint8_t> end_ok;     // a chunk may end before i: every earlier packet shown before every later one (size frames()+1)
  int64_t frames() const { return int64_t(pts.size()); }
};

VideoIndex index_video(const std::string& path);

// How much each frame (display order) differs from the one before, 0..1 (mean absolute
// difference of 64x36 grey thumbnails; frame 0 gets 1). Decodes the whole stream, quickly (no
// loop filter): omni chunk prefers to cut where a shot cuts. Empty when the decoder gave another
// number of frames than the index holds.
std::vector<float> frame_changes(const std::string& path, const VideoIndex& index);

// Frame i begins a new shot: it differs from the frame before far more than its neighbours do.
bool is_shot_cut(const std::vector<float>& change, int64_t i);

// One chunk file: packets [from, to) of the video stream, copied into `path` with their times
// (Matroska, or MP4 for an MP4/MOV input, whose rotation it keeps).
struct ChunkCut {
  int64_t from = 0, to = 0;
  std::string path;
};

// The chunks' file extension, "mp4" or "mkv": the container write_chunks writes for this input.
const char* chunk_extension(const VideoIndex& index);

// Writes every cut in one read of the input (cuts may overlap). Each file is written under a
// temporary name and renamed when complete.
void write_chunks(const std::string& input, const VideoIndex& index, const std::vector<ChunkCut>& cuts, Overwrite mode);

// A processed chunk: its file, the frames it must hold, and where its first frame goes in the
// original's timeline.
struct JoinPiece {
  std::string path;
  int64_t frames = 0;
  int64_t start_pts = 0;  // in the original's video time base (JoinPlan::time_base)
};

struct JoinPlan {
  std::vector<JoinPiece> pieces;
  AVRational time_base{0, 1};  // of start_pts
  std::string audio_from;      // the original: its audio streams are copied untouched ("" = none)
  std::string output, format;  // format "" = from the name
  Overwrite overwrite = Overwrite::Ask;
};

struct JoinResult {
  int64_t video_packets = 0, audio_packets = 0;
  int audio_streams = 0;
};

// Concatenates the pieces' video packets, each piece moved to its place in the original's
// timeline, with the original's audio, into plan.output (temporary name, renamed). Throws when a
// piece is missing, holds another number of frames than planned, or was encoded differently.
JoinResult join_pieces(const JoinPlan& plan);

}  // namespace omni
