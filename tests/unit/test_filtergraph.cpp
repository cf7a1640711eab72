// The filtergraph grammar, rule by rule, and checked against FFmpeg's own parser.
#include <doctest/doctest.h>

#include <set>

#include "core/error.h"
#include "core/filtergraph/filtergraph.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavutil/opt.h>
}

using namespace omni;

static std::string tok(std::string_view s, std::string_view term, std::string* rest = nullptr) {
  std::string t = get_token(s, term);
  if (rest) *rest = std::string(s);
  return t;
}

TEST_CASE("get_token: white space, escapes and quotes as av_get_token") {
  std::string rest;
  CHECK(tok("  scale  ,x", ",", &rest) == "scale");
  CHECK(rest == ",x");
  CHECK(tok("a\\,b,c", ",", &rest) == "a,b");
  CHECK(rest == ",c");
  CHECK(tok("'a,b' c,d", ",", &rest) == "a,b c");
  CHECK(tok("x\\ ", ",") == "x ");            // an escaped trailing space stays
  CHECK(tok("'x '  ", ",") == "x ");          // so does a quoted one
  CHECK(tok("a\\\\b", ",") == "a\\b");
  CHECK(tok("'unterminated", ",") == "unterminated");
  CHECK(tok("", ",") == "");
}

TEST_CASE("escape_token is the inverse of get_token") {
  for (std::string raw : {"plain", "a,b", "semi;colon", "[x]", "quote'd", "back\\slash", " lead", "trail ", "  ", "a = b"}) {
    std::string esc = escape_token(raw, "[],;");
    std::string_view v = esc;
    CHECK(get_token(v, "[],;") == raw);
    CHECK(v.empty());
  }
}

TEST_CASE("chains, filters, labels, ids and arguments") {
  ParsedGraph g = parse_filtergraph(" [in] scale = 320:240 , eq=contrast=1.2 [mid]; [mid] split [a][b] ;[a]null");
  REQUIRE(g.chains.size() == 3);
  REQUIRE(g.chains[0].size() == 2);
  CHECK(g.chains[0][0].in_labels == std::vector<std::string>{"in"});
  CHECK(g.chains[0][0].name == "scale");
  CHECK(g.chains[0][0].args == "320:240");
  CHECK(g.chains[0][1].out_labels == std::vector<std::string>{"mid"});
  CHECK(g.chains[1][0].out_labels == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(g.chains[2][0].has_args);

  ParsedGraph id = parse_filtergraph("scale@small=w=10:h=10");
  CHECK(id.chains[0][0].name == "scale");
  CHECK(id.chains[0][0].id == "small");

  ParsedGraph q = parse_filtergraph("drawbox=color='red@0.5':t=2,select='eq(pict_type\\,I)'");
  CHECK(q.chains[0][0].args == "color=red@0.5:t=2");
  CHECK(q.chains[0][1].args == "eq(pict_type\\,I)");  // quotes keep the backslash for the option level
  CHECK(split_filter_options(q.chains[0][1].args)[0].second == "eq(pict_type,I)");

  ParsedGraph sws = parse_filtergraph("sws_flags=lanczos+accurate_rnd;scale=2:2");
  CHECK(sws.sws_flags == "lanczos+accurate_rnd");
  CHECK(sws.chains[0][0].name == "scale");

  ParsedGraph empty_args = parse_filtergraph("null=");
  CHECK(empty_args.chains[0][0].has_args);
  CHECK(empty_args.chains[0][0].args.empty());
}

TEST_CASE("syntax errors are one clear line with the offset") {
  auto msg = [](const char* text) {
    try {
      parse_filtergraph(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(msg("[a scale") == "filtergraph: '[' without a matching ']' at offset 0 (\"[a scale\")");
  CHECK(msg("[]scale").find("empty link label") != std::string::npos);
  CHECK(msg("scale,").find("missing filter name at the end") != std::string::npos);
  CHECK(msg("scale,,eq").find("missing filter name") != std::string::npos);
  CHECK(msg("scale=1:2]").find("']' without a matching '['") != std::string::npos);
  CHECK(msg("   ").find("the graph is empty") != std::string::npos);
  CHECK(msg("sws_flags=bicubic").find("sws_flags is not terminated") != std::string::npos);
}

TEST_CASE("option level: named, positional, quoting and escaping") {
  auto o = split_filter_options("320:h=240");
  REQUIRE(o.size() == 2);
  CHECK(o[0] == std::pair<std::string, std::string>{"", "320"});
  CHECK(o[1] == std::pair<std::string, std::string>{"h", "240"});
  auto q = split_filter_options("text='a:b=c':x = 5");
  REQUIRE(q.size() == 2);
  CHECK(q[0].second == "a:b=c");
  CHECK(q[1] == std::pair<std::string, std::string>{"x", "5"});
  auto e = split_filter_options("a\\:b");
  REQUIRE(e.size() == 1);
  CHECK(e[0] == std::pair<std::string, std::string>{"", "a:b"});
  auto expr = split_filter_options("w=iw/2:h=-2");
  CHECK(expr[0].first == "w");
  CHECK(expr[0].second == "iw/2");
  CHECK(split_filter_options("").empty());
  std::string v = escape_option_value("a:b='c'");
  auto back = split_filter_options("k=" + v);
  CHECK(back[0].second == "a:b='c'");
}

TEST_CASE("two levels of escaping compose as in ffmpeg") {
  // Shell gives: drawtext=text='It\'s 10\:00'  ->  graph level removes one layer, option level the next.
  ParsedGraph g = parse_filtergraph("drawtext=text=\\'a\\\\:b\\'");
  CHECK(g.chains[0][0].args == "text='a\\:b'");
  auto o = split_filter_options(g.chains[0][0].args);
  CHECK(o[0].second == "a\\:b");  // quoted: the backslash is literal at the option level
}

// ---- Against FFmpeg itself ---------------------------------------------------------------

// A canonical description of a libavfilter graph: filters with their set options, every link,
// and the open pads, in order.
static std::string describe(AVFilterGraph* g, AVFilterInOut* ins, AVFilterInOut* outs, bool with_options) {
  std::string s;
  auto index = [&](AVFilterContext* c) {
    for (unsigned i = 0; i < g->nb_filters; ++i)
      if (g->filters[i] == c) return int(i);
    return -1;
  };
  for (unsigned i = 0; i < g->nb_filters; ++i) {
    AVFilterContext* c = g->filters[i];
    s += fmt::format("#{} {}", i, c->filter->name);
    if (with_options && c->priv && c->filter->priv_class) {
      char* buf = nullptr;
      av_opt_serialize(c->priv, AV_OPT_FLAG_FILTERING_PARAM, AV_OPT_SERIALIZE_SKIP_DEFAULTS, &buf, '=', ':');
      s += fmt::format(" [{}]", buf ? buf : "");
      av_free(buf);
    }
    for (unsigned p = 0; p < c->nb_inputs; ++p)
      if (AVFilterLink* l = c->inputs[p]) {
        int srcpad = -1;
        for (unsigned k = 0; k < l->src->nb_outputs; ++k)
          if (l->src->outputs[k] == l) srcpad = int(k);
        s += fmt::format(" in{}<-#{}:{}", p, index(l->src), srcpad);
      }
    s += "\n";
  }
  for (AVFilterInOut* p = ins; p; p = p->next) s += fmt::format("open in {} #{}:{}\n", p->name ? p->name : "", index(p->filter_ctx), p->pad_idx);
  for (AVFilterInOut* p = outs; p; p = p->next) s += fmt::format("open out {} #{}:{}\n", p->name ? p->name : "", index(p->filter_ctx), p->pad_idx);
  return s;
}

static std::string ffmpeg_parse(const std::string& text, bool with_options, AVFilterGraph** keep = nullptr) {
  AVFilterGraph* g = avfilter_graph_alloc();
  AVFilterInOut *ins = nullptr, *outs = nullptr;
  int r = avfilter_graph_parse2(g, text.c_str(), &ins, &outs);
  std::string d = r < 0 ? "error" : describe(g, ins, outs, with_options);
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  if (keep) *keep = g;
  else avfilter_graph_free(&g);
  return d;
}

static const char* kGraphs[] = {
    "scale=320:240",
    "  scale = w=iw/2 : h=-2 , eq=contrast=1.2:brightness=0.05  ",
    "split[a][b];[a]hflip[a2];[b]vflip[b2];[a2][b2]hstack",
    "[0:v]scale=100:100[s];[1:v][s]overlay=x=10:y='main_h-overlay_h'[out]",
    "select='eq(pict_type\\,I)',setpts=0.5*PTS",
    "drawbox=x=10:y=10:w=100:h=50:color=red@0.5:t=fill",
    "crop=in_w-2*10:in_h-2*10,pad=w=iw+20:h=ih+20:x=10:y=10:color='#102030'",
    "format=pix_fmts=yuv420p|yuv444p,fps=fps=25:round=near",
    "null;null",
    "[in]null[out]",
    "sws_flags=lanczos;scale=200:200",
    "[x]overlay[y];color=c=blue:s=64x64[x]",
    "split=3[a][b][c];[c]null",
    "scale=w=320:h=240:flags=neighbor+accurate_rnd,null",
    "select=eq(n\\\\\\,1),null",
    "eq=contrast='1.0':saturation=\\'1.5\\'",
    "[a][b]hstack=inputs=2 [c] , vflip [d]",
};

TEST_CASE("written-back graphs build the same graph in libavfilter") {
  for (const char* text : kGraphs) {
    CAPTURE(text);
    std::string ours = to_string(parse_filtergraph(text));
    CAPTURE(ours);
    std::string a = ffmpeg_parse(text, true), b = ffmpeg_parse(ours, true);
    CHECK(a != "error");
    CHECK(a == b);
  }
}

TEST_CASE("our pad linking is libavfilter's") {
  for (const char* text : kGraphs) {
    CAPTURE(text);
    AVFilterGraph* g = nullptr;
    std::string theirs = ffmpeg_parse(text, false, &g);
    REQUIRE(theirs != "error");
    ParsedGraph pg = parse_filtergraph(text);
    int idx = 0;
    LinkedGraph lg = link_filtergraph(pg, [&](const FilterNode&) {
      AVFilterContext* c = g->filters[idx++];
      return std::pair<int, int>(int(c->nb_inputs), int(c->nb_outputs));
    });
    std::string ours;
    for (size_t i = 0; i < lg.nodes.size(); ++i) {
      ours += fmt::format("#{} {}", i, g->filters[i]->filter->name);
      for (unsigned p = 0; p < g->filters[i]->nb_inputs; ++p)
        for (auto& l : lg.links)
          if (l.to == PadRef{int(i), int(p)}) ours += fmt::format(" in{}<-#{}:{}", p, l.from.node, l.from.pad);
      ours += "\n";
    }
    for (auto& p : lg.inputs) ours += fmt::format("open in {} #{}:{}\n", p.label, p.pad.node, p.pad.pad);
    for (auto& p : lg.outputs) ours += fmt::format("open out {} #{}:{}\n", p.label, p.pad.node, p.pad.pad);
    CHECK(ours == theirs);
    avfilter_graph_free(&g);
  }
}

TEST_CASE("linking errors") {
  auto one_one = [](const FilterNode&) { return std::pair<int, int>(1, 1); };
  CHECK_THROWS_WITH_AS(link_filtergraph(parse_filtergraph("[a][b]null"), one_one),
                       doctest::Contains("too many inputs for the 'null' filter"), Error);
  CHECK_THROWS_WITH_AS(link_filtergraph(parse_filtergraph("null[a][b]"), one_one),
                       doctest::Contains("no output pad of 'null' is left for the label '[b]'"), Error);
}

TEST_CASE("regression (fuzzer): a filter named sws_flags is not written back as the prefix") {
  ParsedGraph g = parse_filtergraph("sws_flags@=x");
  CHECK(g.sws_flags.empty());
  std::string back = to_string(g);
  CHECK(to_string(parse_filtergraph(back)) == back);
  CHECK(parse_filtergraph(back).sws_flags.empty());
}
