#include "core/filtergraph/graph.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <numeric>
#include <optional>

#include "core/error.h"
#include "core/filtergraph/filter.h"
#include "core/log.h"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace omni {

namespace {

struct Node {
  FilterNode text;
  const AVFilter* av = nullptr;     // a stock filter, or
  const FilterDesc* desc = nullptr; // an omni filter
  std::unique_ptr<Filter> filter;
  std::vector<AVMediaType> in_types, out_types;
  int component = -1;
  // omni filter state
  int up_comp = -1, up_sink = -1, down_comp = -1, down_src = -1;
  bool configured = false;
  int64_t held = 0;
  StreamInfo out_info;
  Emit emit;  // what push/flush call: checks the frame and feeds the next segment (built once)
};

struct Src {
  PadRef to;
  int graph_input = -1, omni_node = -1;
  AVMediaType type = AVMEDIA_TYPE_VIDEO;
  AVRational time_base{0, 1}, frame_rate{0, 1};
  std::vector<std::pair<std::string, std::string>> prefix;
  AVFrame* params = nullptr;  // properties of the first frame (no data)
  std::deque<AVFrame*> pending;
  bool eof = false;
  int64_t end_pts = AV_NOPTS_VALUE;  // where the last frame ends (time_base): the EOF's timestamp
  AVFilterContext* ctx = nullptr;
};

struct Sink {
  PadRef from;
  int graph_output = -1, omni_node = -1;
  int bridge_comp = -1, bridge_src = -1;  // a link between two segments (see "Native segments")
  AVMediaType type = AVMEDIA_TYPE_VIDEO;
  AVFilterContext* ctx = nullptr;
  bool eof = false;
};

struct Component {
  std::vector<int> nodes;
  std::vector<Src> srcs;
  std::vector<Sink> sinks;
  AVFilterGraph* g = nullptr;
  bool configured = false;
};

std::string av_detail(int r) {
  std::string e = take_last_av_error();
  return e.empty() ? av_error_text(r) : e;
}

std::string media_name(AVMediaType t) { return t == AVMEDIA_TYPE_AUDIO ? "audio" : t == AVMEDIA_TYPE_VIDEO ? "video" : "other"; }

// "Option 'wdth' not found" -> add the nearest option name of that filter.
std::string explain_init_error(const AVFilter* f, std::string msg) {
  const std::string key = "Option '";
  if (msg.rfind(key, 0) == 0 && f->priv_class) {
    size_t end = msg.find('\'', key.size());
    std::string name = msg.substr(key.size(), end - key.size());
    std::vector<std::string> names;
    const AVOption* o = nullptr;
    while ((o = av_opt_next(&f->priv_class, o)))
      if (o->type != AV_OPT_TYPE_CONST) names.emplace_back(o->name);
    msg = fmt::format("unknown option '{}'{}", name, did_you_mean(name, names));
  }
  return msg;
}

AVFilterContext* create_stock(AVFilterGraph* g, const AVFilter* f, const std::string& inst, const std::string& args,
                              bool has_args) {
  AVFilterContext* ctx = avfilter_graph_alloc_filter(g, f, inst.c_str());
  if (!ctx) fail("filtergraph: cannot create filter '{}'", f->name);
  take_last_av_error();
  if (int r = avfilter_init_str(ctx, has_args ? args.c_str() : nullptr); r < 0)
    fail("filtergraph: {}: {}; see omni -h filter={}", f->name, explain_init_error(f, av_detail(r)), f->name);
  return ctx;
}

}  // namespace

struct FilterGraph::Impl {
  GraphOptions opt;
  std::string sws_flags;
  std::vector<std::string> chain_before;  // a one-chain graph without labels: the text before each filter
  std::vector<Node> nodes;
  std::vector<GraphLink> links;
  std::vector<Component> comps;
  std::vector<std::pair<int, int>> input_src;   // graph input -> (component, src)
  std::vector<std::pair<int, int>> output_sink; // graph output -> (component, sink)
  std::vector<GraphSink> sinks;                 // per graph output
  std::vector<bool> output_done;

  ~Impl() {
    for (auto& c : comps) {
      for (auto& s : c.srcs) {
        av_frame_free(&s.params);
        for (AVFrame* f : s.pending) av_frame_free(&f);
      }
      avfilter_graph_free(&c.g);
    }
  }

  void build(int ci);
  void try_configure(int ci);
  void push_src(int ci, int si, AVFrame* f);
  void drain(int ci);
  void deliver(int ci, int si, AVFrame* f);
  void omni_push(int ni, AVFrame* f);
};

FilterGraph::FilterGraph(std::string_view text, const GraphOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.opt = options;
  ParsedGraph pg = parse_filtergraph(text);
  m.sws_flags = pg.sws_flags.empty() ? options.sws_flags : pg.sws_flags;

  // Validate every filter now, before any frame: omni options against their table, stock ones
  // by initialising them in a scratch graph (which also tells their pad counts and types).
  AVFilterGraph* scratch = avfilter_graph_alloc();
  std::unique_ptr<AVFilterGraph, void (*)(AVFilterGraph*)> scratch_owner(scratch, [](AVFilterGraph* g) { avfilter_graph_free(&g); });
  std::vector<Node> parsed_nodes;
  auto counter = [&](const FilterNode& fn) -> std::pair<int, int> {
    Node n;
    n.text = fn;
    if (const FilterDesc* d = find_omni_filter(fn.name)) {
      n.desc = d;
      OptionValues ov = parse_options(fn.name, d->options, fn.args);
      n.filter = d->create(ov);
      n.in_types = n.out_types = {AVMEDIA_TYPE_VIDEO};
    } else if (const AVFilter* f = avfilter_get_by_name(fn.name.c_str())) {
      n.av = f;
      AVFilterContext* ctx = create_stock(scratch, f, "scratch", fn.args, fn.has_args);
      for (unsigned i = 0; i < ctx->nb_inputs; ++i) n.in_types.push_back(avfilter_pad_get_type(ctx->input_pads, int(i)));
      for (unsigned i = 0; i < ctx->nb_outputs; ++i) n.out_types.push_back(avfilter_pad_get_type(ctx->output_pads, int(i)));
    } else {
      fail("filtergraph: no filter named '{}'{}; omni -filters lists them", fn.name, did_you_mean(fn.name, all_filter_names()));
    }
    std::pair<int, int> counts{int(n.in_types.size()), int(n.out_types.size())};
    parsed_nodes.push_back(std::move(n));
    return counts;
  };
  LinkedGraph lg = link_filtergraph(pg, counter);
  // A plain chain (what -vf usually is) can be replayed up to any filter: the text before it.
  bool plain = pg.chains.size() == 1;
  for (const FilterNode& fn : pg.chains.empty() ? std::vector<FilterNode>{} : pg.chains[0]) plain = plain && fn.in_labels.empty() && fn.out_labels.empty();
  if (plain && options.replay)
    for (size_t i = 0; i < pg.chains[0].size(); ++i) {
      ParsedGraph before;
      before.sws_flags = pg.sws_flags;
      if (i > 0) before.chains.emplace_back(pg.chains[0].begin(), pg.chains[0].begin() + long(i));
      m.chain_before.push_back(i > 0 ? to_string(before) : std::string());
    }
  m.nodes = std::move(parsed_nodes);
  std::vector<GraphLink> links = lg.links;
  std::vector<OpenPad> open_in = lg.inputs, open_out = lg.outputs;

  // Every omni filter gets a stock neighbour on each side (a `null` where there is none), so
  // each of its pads is a buffersink/buffersrc of some native segment.
  auto add_null = [&]() {
    Node n;
    n.text.name = "null";
    n.av = avfilter_get_by_name("null");
    n.in_types = n.out_types = {AVMEDIA_TYPE_VIDEO};
    m.nodes.push_back(std::move(n));
    return int(m.nodes.size()) - 1;
  };
  size_t original = m.nodes.size();
  for (size_t i = 0; i < original; ++i) {
    if (!m.nodes[i].desc) continue;
    int ni = int(i);
    bool fed = false;
    for (auto& l : links)
      if (l.to.node == ni) {
        fed = true;
        if (m.nodes[l.from.node].desc) {
          int nn = add_null();
          PadRef old_to = l.to;
          l.to = {nn, 0};
          links.push_back({{nn, 0}, old_to});
        }
        break;
      }
    if (!fed)
      for (auto& p : open_in)
        if (p.pad.node == ni) {
          int nn = add_null();
          p.pad = {nn, 0};
          links.push_back({{nn, 0}, {ni, 0}});
          break;
        }
    for (auto& p : open_out)
      if (p.pad.node == ni) {
        int nn = add_null();
        links.push_back({{ni, 0}, {nn, 0}});
        p.pad = {nn, 0};
        break;
      }
  }

  // Native segments: connected components of stock filters that sit behind the same number of
  // omni filters. A segment both upstream and downstream of one omni filter
  // ("split[a][b];[b]restyle[p];[a][p]hstack") could never be configured: it waits for a first
  // frame on every input, and one of them comes through itself. Cutting the stock links that
  // cross an omni depth (a buffersink -> buffersrc bridge) makes the segments a chain in depth order.
  std::vector<int> depth(m.nodes.size(), 0);
  for (size_t pass = 0; pass <= m.nodes.size(); ++pass) {
    bool changed = false;
    for (auto& l : links) {
      int d = depth[l.from.node] + (m.nodes[l.from.node].desc ? 1 : 0);
      if (d > depth[l.to.node]) depth[l.to.node] = d, changed = true;
    }
    if (!changed) break;
  }
  std::vector<int> parent(m.nodes.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> root = [&](int x) { return parent[x] == x ? x : parent[x] = root(parent[x]); };
  for (auto& l : links)
    if (m.nodes[l.from.node].av && m.nodes[l.to.node].av && depth[l.from.node] == depth[l.to.node])
      parent[root(l.from.node)] = root(l.to.node);
  std::map<int, int> comp_of_root;
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    if (!m.nodes[i].av) continue;
    int r = root(int(i));
    if (!comp_of_root.count(r)) {
      comp_of_root[r] = int(m.comps.size());
      m.comps.emplace_back();
    }
    m.nodes[i].component = comp_of_root[r];
    m.comps[comp_of_root[r]].nodes.push_back(int(i));
  }

  for (size_t k = 0; k < open_in.size(); ++k) {
    const auto& p = open_in[k];
    Node& n = m.nodes[p.pad.node];
    Src s;
    s.to = p.pad;
    s.graph_input = int(k);
    s.type = n.in_types[p.pad.pad];
    m.input_src.emplace_back(n.component, int(m.comps[n.component].srcs.size()));
    m.comps[n.component].srcs.push_back(std::move(s));
    inputs_.push_back({p.label, n.in_types[p.pad.pad]});
  }
  for (size_t k = 0; k < open_out.size(); ++k) {
    const auto& p = open_out[k];
    Node& n = m.nodes[p.pad.node];
    Sink s;
    s.from = p.pad;
    s.graph_output = int(k);
    s.type = n.out_types[p.pad.pad];
    m.output_sink.emplace_back(n.component, int(m.comps[n.component].sinks.size()));
    m.comps[n.component].sinks.push_back(s);
    outputs_.push_back({p.label, s.type});
  }
  for (auto& l : links) {
    Node& from = m.nodes[l.from.node];
    Node& to = m.nodes[l.to.node];
    if (from.av && to.desc) {
      Sink s;
      s.from = l.from;
      s.omni_node = l.to.node;
      s.type = from.out_types[l.from.pad];
      if (s.type != AVMEDIA_TYPE_VIDEO) fail("filtergraph: {} takes video, but is given {}", to.text.name, media_name(s.type));
      to.up_comp = from.component;
      to.up_sink = int(m.comps[from.component].sinks.size());
      m.comps[from.component].sinks.push_back(s);
    } else if (from.av && to.av && from.component != to.component) {
      Sink s;
      s.from = l.from;
      s.type = from.out_types[l.from.pad];
      Src t;
      t.to = l.to;
      t.type = s.type;
      s.bridge_comp = to.component;
      s.bridge_src = int(m.comps[to.component].srcs.size());
      m.comps[to.component].srcs.push_back(std::move(t));
      m.comps[from.component].sinks.push_back(s);
    } else if (from.desc && to.av) {
      Src s;
      s.to = l.to;
      s.omni_node = l.from.node;
      from.down_comp = to.component;
      from.down_src = int(m.comps[to.component].srcs.size());
      m.comps[to.component].srcs.push_back(std::move(s));
    }
  }
  m.links = std::move(links);
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    if (!m.nodes[i].desc) continue;
    Impl* impl = &m;
    int ni = int(i);
    m.nodes[i].emit = [impl, ni](Frame out) {
      Node& n = impl->nodes[ni];
      --n.held;
      const StreamInfo& o = n.out_info;
      if (out.width() != o.width || out.height() != o.height || out.format() != o.format)
        fail("{}: internal: emitted a {}x{} {} frame after configuring {}x{} {}", n.desc->name, out.width(), out.height(),
             av_get_pix_fmt_name(out.format()), o.width, o.height, av_get_pix_fmt_name(o.format));
      impl->push_src(n.down_comp, n.down_src, out.release());
    };
  }
  m.sinks.resize(outputs_.size());
  m.output_done.assign(outputs_.size(), false);
}

FilterGraph::~FilterGraph() = default;

void FilterGraph::set_input(size_t index, AVRational time_base, AVRational frame_rate,
                            std::vector<std::pair<std::string, std::string>> prefix) {
  auto [ci, si] = impl_->input_src.at(index);
  Src& s = impl_->comps[ci].srcs[si];
  s.time_base = time_base;
  s.frame_rate = frame_rate;
  s.prefix = std::move(prefix);
}

void FilterGraph::set_sink(size_t index, GraphSink sink) { impl_->sinks.at(index) = std::move(sink); }

void FilterGraph::push(size_t input, AVFrame* frame) {
  auto [ci, si] = impl_->input_src.at(input);
  impl_->push_src(ci, si, frame);
}

void FilterGraph::drain_sources() {
  for (size_t ci = 0; ci < impl_->comps.size(); ++ci) {
    auto& c = impl_->comps[ci];
    if (!c.srcs.empty()) continue;
    if (!c.configured) impl_->try_configure(int(ci));
    else impl_->drain(int(ci));
  }
}

bool FilterGraph::all_outputs_done() const {
  for (bool d : impl_->output_done)
    if (!d) return false;
  return true;
}

void FilterGraph::Impl::build(int ci) {
  Component& c = comps[ci];
  c.g = avfilter_graph_alloc();
  c.g->nb_threads = opt.threads;
  c.g->scale_sws_opts = av_strdup(sws_flags.c_str());
  std::map<int, AVFilterContext*> ctx_of;
  for (int ni : c.nodes) {
    Node& n = nodes[ni];
    std::string inst = n.text.id.empty() ? fmt::format("Parsed_{}_{}", n.text.name, ni) : n.text.name + "@" + n.text.id;
    ctx_of[ni] = create_stock(c.g, n.av, inst, n.text.args, n.text.has_args);
  }
  auto link = [&](AVFilterContext* a, unsigned ap, AVFilterContext* b, unsigned bp) {
    if (int r = avfilter_link(a, ap, b, bp); r < 0)
      fail("filtergraph: cannot link {} to {}: {}", a->filter->name, b->filter->name, av_detail(r));
  };
  for (const auto& l : links)
    if (nodes[l.from.node].component == ci && nodes[l.to.node].component == ci && nodes[l.from.node].av &&
        nodes[l.to.node].av)
      link(ctx_of[l.from.node], l.from.pad, ctx_of[l.to.node], l.to.pad);

  int extra = 0;
  auto chain = [&](const std::vector<std::pair<std::string, std::string>>& filters, AVFilterContext* head,
                   unsigned head_pad) {
    for (const auto& [name, args] : filters) {
      const AVFilter* f = avfilter_get_by_name(name.c_str());
      if (!f) fail("filtergraph: internal: no filter '{}'", name);
      AVFilterContext* ctx = create_stock(c.g, f, fmt::format("omni_{}_{}", name, extra++), args, !args.empty());
      link(head, head_pad, ctx, 0);
      head = ctx;
      head_pad = 0;
    }
    return std::pair{head, head_pad};
  };

  for (size_t si = 0; si < c.srcs.size(); ++si) {
    Src& s = c.srcs[si];
    const AVFrame* p = s.params;
    bool audio = s.type == AVMEDIA_TYPE_AUDIO;
    std::string args;
    if (audio) {
      char layout[128] = "";
      av_channel_layout_describe(&p->ch_layout, layout, sizeof layout);
      args = fmt::format("time_base={}/{}:sample_rate={}:sample_fmt={}:channel_layout={}", s.time_base.num,
                         s.time_base.den, p->sample_rate, av_get_sample_fmt_name(AVSampleFormat(p->format)), layout);
    } else {
      AVRational sar = p->sample_aspect_ratio.num ? p->sample_aspect_ratio : AVRational{0, 1};
      args = fmt::format("video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={}/{}", p->width, p->height,
                         p->format, s.time_base.num, s.time_base.den, sar.num, sar.den);
      if (s.frame_rate.num > 0) args += fmt::format(":frame_rate={}/{}", s.frame_rate.num, s.frame_rate.den);
    }
    AVFilterContext* src = create_stock(c.g, avfilter_get_by_name(audio ? "abuffer" : "buffer"),
                                        fmt::format("omni_src_{}", si), args, true);
    s.ctx = src;
    auto [tail, tail_pad] = chain(s.prefix, src, 0);
    link(tail, tail_pad, ctx_of[s.to.node], s.to.pad);
  }

  for (size_t k = 0; k < c.sinks.size(); ++k) {
    Sink& s = c.sinks[k];
    bool audio = s.type == AVMEDIA_TYPE_AUDIO;
    AVFilterContext* head = ctx_of[s.from.node];
    unsigned head_pad = s.from.pad;
    const GraphSink* gs = s.graph_output >= 0 ? &sinks[s.graph_output] : nullptr;
    if (gs) std::tie(head, head_pad) = chain(gs->suffix, head, head_pad);
    const AVFilter* f = avfilter_get_by_name(audio ? "abuffersink" : "buffersink");
    AVFilterContext* sink = avfilter_graph_alloc_filter(c.g, f, fmt::format("omni_sink_{}", k).c_str());
    std::vector<int> formats, rates;
    if (gs) formats = gs->formats, rates = gs->sample_rates;
    if (s.omni_node >= 0)
      for (AVPixelFormat pf : nodes[s.omni_node].filter->formats()) formats.push_back(pf);
    if (!formats.empty()) {
      formats.push_back(-1);
      av_opt_set_int_list(sink, audio ? "sample_fmts" : "pix_fmts", formats.data(), -1, AV_OPT_SEARCH_CHILDREN);
    }
    if (!rates.empty()) {
      rates.push_back(-1);
      av_opt_set_int_list(sink, "sample_rates", rates.data(), -1, AV_OPT_SEARCH_CHILDREN);
    }
    if (int r = avfilter_init_str(sink, nullptr); r < 0) fail("filtergraph: cannot create the output: {}", av_detail(r));
    link(head, head_pad, sink, 0);
    s.ctx = sink;
  }

  take_last_av_error();
  if (int r = avfilter_graph_config(c.g, nullptr); r < 0) fail("filtergraph: cannot configure the graph: {}", av_detail(r));
  for (auto& s : c.sinks) {
    if (s.graph_output >= 0 && sinks[s.graph_output].configured) sinks[s.graph_output].configured(s.ctx);
    if (s.bridge_comp >= 0) {
      Src& t = comps[s.bridge_comp].srcs[s.bridge_src];
      t.time_base = av_buffersink_get_time_base(s.ctx);
      t.frame_rate = av_buffersink_get_frame_rate(s.ctx);
    }
  }
}

void FilterGraph::Impl::try_configure(int ci) {
  Component& c = comps[ci];
  for (auto& s : c.srcs) {
    if (s.params) continue;
    if (s.eof) fail("filtergraph: an input of the graph ended before its first frame; nothing to filter");
    return;  // still waiting for a first frame
  }
  {
    // Negotiation warnings (swscale's "No accelerated colorspace conversion" for each scaler)
    // are kept until the segment and its sinks' checks succeed: a refusal is one line.
    LogHold hold;
    build(ci);
  }
  c.configured = true;
  for (size_t si = 0; si < c.srcs.size(); ++si) {
    Src& s = c.srcs[si];
    while (!s.pending.empty()) {
      AVFrame* f = s.pending.front();
      s.pending.pop_front();
      push_src(ci, int(si), f);
    }
    if (s.eof) {
      s.eof = false;  // replay the end through the configured path
      push_src(ci, int(si), nullptr);
    }
  }
  drain(ci);
}

void FilterGraph::Impl::push_src(int ci, int si, AVFrame* f) {
  Component& c = comps[ci];
  Src& s = c.srcs[si];
  if (!c.configured) {
    if (f) {
      if (!s.params) {
        s.params = av_frame_alloc();
        av_frame_copy_props(s.params, f);
        s.params->width = f->width;
        s.params->height = f->height;
        s.params->format = f->format;
        s.params->sample_rate = f->sample_rate;
        av_channel_layout_copy(&s.params->ch_layout, &f->ch_layout);
      }
      s.pending.push_back(f);
    } else {
      s.eof = true;
    }
    try_configure(ci);
    return;
  }
  if (s.eof) {
    av_frame_free(&f);
    return;
  }
  int r;
  if (f) {
    if (f->pts != AV_NOPTS_VALUE) {
      // The end of the last frame is the end of the stream, as ffmpeg tells its buffer sources:
      // fps= and tpad= need it to emit the last frame's whole duration.
      int64_t d = f->pkt_duration;
      if (d <= 0 && s.type == AVMEDIA_TYPE_AUDIO && f->sample_rate)
        d = av_rescale_q(f->nb_samples, AVRational{1, f->sample_rate}, s.time_base);
      if (d <= 0 && s.type == AVMEDIA_TYPE_VIDEO && s.frame_rate.num > 0)
        d = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(s.frame_rate), s.time_base));
      s.end_pts = f->pts + std::max<int64_t>(0, d);
    }
    r = av_buffersrc_add_frame_flags(s.ctx, f, 0);
    av_frame_free(&f);
  } else {
    s.eof = true;
    r = s.end_pts != AV_NOPTS_VALUE ? av_buffersrc_close(s.ctx, s.end_pts, AV_BUFFERSRC_FLAG_PUSH)
                                    : av_buffersrc_add_frame_flags(s.ctx, nullptr, 0);
  }
  if (r < 0) fail("filtergraph: cannot feed a frame: {}", av_detail(r));
  drain(ci);
}

void FilterGraph::Impl::drain(int ci) {
  Component& c = comps[ci];
  for (size_t k = 0; k < c.sinks.size(); ++k) {
    for (;;) {
      Sink& s = c.sinks[k];
      if (s.eof || (s.graph_output >= 0 && output_done[s.graph_output])) break;
      AVFrame* f = av_frame_alloc();
      int r = av_buffersink_get_frame(s.ctx, f);
      if (r == AVERROR(EAGAIN)) {
        av_frame_free(&f);
        break;
      }
      if (r == AVERROR_EOF) {
        av_frame_free(&f);
        s.eof = true;
        deliver(ci, int(k), nullptr);
        break;
      }
      if (r < 0) {
        av_frame_free(&f);
        fail("filtergraph: {}", av_detail(r));
      }
      deliver(ci, int(k), f);
    }
  }
}

void FilterGraph::Impl::deliver(int ci, int k, AVFrame* f) {
  Sink& s = comps[ci].sinks[k];
  if (s.graph_output >= 0) {
    if (!f) output_done[s.graph_output] = true;
    if (sinks[s.graph_output].frame) sinks[s.graph_output].frame(f);
    else av_frame_free(&f);
    return;
  }
  if (s.bridge_comp >= 0) {
    push_src(s.bridge_comp, s.bridge_src, f);
    return;
  }
  omni_push(s.omni_node, f);
}

AVPixelFormat format_before_conversion(AVFilterContext* sink) {
  AVFilterLink* l = sink->inputs[0];
  if (std::string_view(l->src->name).starts_with("auto_scale") && l->src->nb_inputs) return AVPixelFormat(l->src->inputs[0]->format);
  return AVPixelFormat(l->format);
}

// A format like `out` (planar YUV, same subsampling and alpha) at `before`'s bit depth, when
// `out` is shallower; else AV_PIX_FMT_NONE.
static AVPixelFormat restore_depth(AVPixelFormat before, AVPixelFormat out) {
  const AVPixFmtDescriptor *b = av_pix_fmt_desc_get(before), *o = av_pix_fmt_desc_get(out);
  if (!b || !o || b->comp[0].depth <= o->comp[0].depth) return AV_PIX_FMT_NONE;
  const AVPixFmtDescriptor* d = nullptr;
  while ((d = av_pix_fmt_desc_next(d))) {
    if (d->comp[0].depth != b->comp[0].depth || d->nb_components != o->nb_components || d->log2_chroma_w != o->log2_chroma_w ||
        d->log2_chroma_h != o->log2_chroma_h || (d->flags & (AV_PIX_FMT_FLAG_BE | AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM)) ||
        !(d->flags & AV_PIX_FMT_FLAG_PLANAR) || (d->flags & AV_PIX_FMT_FLAG_ALPHA) != (o->flags & AV_PIX_FMT_FLAG_ALPHA) ||
        d->comp[0].plane == d->comp[1].plane || d->comp[1].plane == d->comp[2].plane)
      continue;
    return av_pix_fmt_desc_get_id(d);
  }
  return AV_PIX_FMT_NONE;
}

void FilterGraph::Impl::omni_push(int ni, AVFrame* f) {
  Node& n = nodes[ni];
  const char* name = n.desc->name;
  const Emit& emit = n.emit;
  if (!f) {
    if (n.configured) n.filter->flush(emit);
    // held < 0: the filter made frames of its own at the end (next-shot=continue)
    if (n.held > 0) fail("{}: internal: {} frames still held after flush", name, n.held);
    push_src(n.down_comp, n.down_src, nullptr);
    return;
  }
  if (!n.configured) {
    AVFilterContext* sink = comps[n.up_comp].sinks[n.up_sink].ctx;
    StreamInfo in;
    in.width = av_buffersink_get_w(sink);
    in.height = av_buffersink_get_h(sink);
    in.format = AVPixelFormat(av_buffersink_get_format(sink));
    in.time_base = av_buffersink_get_time_base(sink);
    in.frame_rate = av_buffersink_get_frame_rate(sink);
    in.sample_aspect_ratio = av_buffersink_get_sample_aspect_ratio(sink);
    if (size_t(ni) < chain_before.size())
      in.first_pass = [replay = opt.replay, chain = chain_before[size_t(ni)], formats = n.filter->formats()](const std::function<void(Frame)>& take) {
        replay(chain, take, formats);
      };
    n.out_info = n.filter->configure(in);
    Src& down = comps[n.down_comp].srcs[n.down_src];
    down.time_base = n.out_info.time_base;
    down.frame_rate = n.out_info.frame_rate;
    // A filter that works in 8 bits gets 10-bit video converted down at its input; its output is
    // converted back to the input's depth, so the chain never lowers depth silently (the method's
    // own precision is what it is: -h filter= says which are 8-bit inside).
    if (AVPixelFormat deeper = restore_depth(format_before_conversion(sink), n.out_info.format); deeper != AV_PIX_FMT_NONE)
      down.prefix = {{"format", av_get_pix_fmt_name(deeper)}};
    n.configured = true;
    if (opt.configured) opt.configured(name, n.filter->window(), n.filter->stateless());
  }
  ++n.held;
  n.filter->push(Frame(f), emit);
  if (n.held > n.filter->window())
    fail("{}: internal: holds {} frames, more than its declared window of {}", name, n.held, n.filter->window());
}

std::vector<std::string> all_filter_names() {
  std::vector<std::string> names;
  for (const FilterDesc* d : omni_filters()) names.emplace_back(d->name);
  void* it = nullptr;
  while (const AVFilter* f = av_filter_iterate(&it)) names.emplace_back(f->name);
  return names;
}

}  // namespace omni
