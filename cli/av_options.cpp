#include "cli/av_options.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
}

namespace omni {

static bool has_option(const AVClass* const* cls, const std::string& key) {
  return cls && *cls && av_opt_find(const_cast<const AVClass**>(cls), key.c_str(), nullptr, 0, AV_OPT_SEARCH_FAKE_OBJ);
}

template <typename F>
static void each_class(bool input, F&& f) {
  static const AVClass* fmt = avformat_get_class();
  static const AVClass* codec = avcodec_get_class();
  f(&fmt, AvOptKind::Format);
  void* it = nullptr;
  if (input) {
    while (const AVInputFormat* d = av_demuxer_iterate(&it))
      if (d->priv_class) f(&d->priv_class, AvOptKind::Format);
  } else {
    while (const AVOutputFormat* m = av_muxer_iterate(&it))
      if (m->priv_class) f(&m->priv_class, AvOptKind::Format);
  }
  f(&codec, AvOptKind::Codec);
  it = nullptr;
  while (const AVCodec* c = av_codec_iterate(&it))
    if (c->priv_class && (input ? av_codec_is_decoder(c) : av_codec_is_encoder(c))) f(&c->priv_class, AvOptKind::Codec);
}

AvOptKind find_av_option(const std::string& key, bool input) {
  AvOptKind found = AvOptKind::None;
  each_class(input, [&](const AVClass* const* cls, AvOptKind kind) {
    if (found == AvOptKind::None && has_option(cls, key)) found = kind;
  });
  return found;
}

std::vector<std::string> av_option_names(bool input) {
  std::vector<std::string> names;
  each_class(input, [&](const AVClass* const* cls, AvOptKind) {
    const AVOption* o = nullptr;
    while ((o = av_opt_next(const_cast<const AVClass**>(cls), o)))
      if (o->type != AV_OPT_TYPE_CONST) names.push_back(std::string("-") + o->name);
  });
  return names;
}

}  // namespace omni
