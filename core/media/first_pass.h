// core/media: a filter's first pass over its input (StreamInfo::first_pass). The job runs once
// more, on the same inputs with the same -ss/-t, through the filters before that filter and a tap
// that hands each frame over, into a null output: nothing is written and nothing is encoded.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/media/frame.h"
#include "core/media/job.h"

extern "C" {
#include <libavutil/pixfmt.h>
}

namespace omni {

// Input `file`'s stream `stream` of `job`, through `chain` (graph text, may be empty), each frame
// converted to one of `formats` (empty: as it comes) and given to `take`, in order. On Ctrl-C it
// returns early, and the outer run, which sees the same signal, stops and finishes its output.
void replay_input(const Job& job, int file, int stream, const std::string& chain, const std::vector<AVPixelFormat>& formats,
                  const std::function<void(Frame)>& take);

}  // namespace omni
