// Options that are not in omni's own table but belong to a library object, as ffmpeg passes them
// through: any AVOption of a muxer/demuxer (-movflags, -update, -framerate, -pattern_type) or of
// an encoder/decoder (-x264-params, -x264opts, -tune:v, -bf). Checked to exist at parse time so
// a typo is an "unknown option" with a suggestion, not a silent no-op.
#pragma once
#include <string>
#include <vector>

namespace omni {

enum class AvOptKind { None, Format, Codec };

// Which kind of object has an option named `key`: formats first (as ffmpeg's opt_default looks).
// `input`: demuxers/decoders, else muxers/encoders.
AvOptKind find_av_option(const std::string& key, bool input);

// Every AVOption name of formats and codecs on this side, for suggestions.
std::vector<std::string> av_option_names(bool input);

}  // namespace omni
