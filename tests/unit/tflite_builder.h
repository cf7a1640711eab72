// A tiny FlatBuffers writer for TFLite test models: tables are written before the objects they
// point to (offsets are unsigned, so they must point forward), vtables just before their table.
// Test-only; it writes what the schema's field numbers say and nothing else.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace tfl {

struct Node;
using NodeP = std::shared_ptr<Node>;

struct Field {
  int index;
  std::vector<uint8_t> scalar;  // inline little-endian bytes, or
  NodeP child;                  // an offset to a child object
};

struct Node {
  enum Kind { Table, Bytes, Tables, String } kind = Table;
  std::vector<Field> fields;         // Table
  std::vector<uint8_t> bytes;        // Bytes (vector of scalars) / String
  uint32_t count = 0, elem = 1;      // Bytes
  std::vector<NodeP> items;          // Tables
};

template <typename T>
Field scalar(int index, T v) {
  Field f{index, std::vector<uint8_t>(sizeof(T)), nullptr};
  std::memcpy(f.scalar.data(), &v, sizeof(T));
  return f;
}
inline Field child(int index, NodeP n) { return Field{index, {}, std::move(n)}; }
inline NodeP table(std::vector<Field> fields) {
  auto n = std::make_shared<Node>();
  n->fields = std::move(fields);
  return n;
}
template <typename T>
NodeP vec(const std::vector<T>& v) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Bytes;
  n->count = uint32_t(v.size());
  n->elem = sizeof(T);
  n->bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(n->bytes.data(), v.data(), n->bytes.size());
  return n;
}
inline NodeP str(const std::string& s) {
  auto n = std::make_shared<Node>();
  n->kind = Node::String;
  n->bytes.assign(s.begin(), s.end());
  return n;
}
inline NodeP tables(std::vector<NodeP> items) {
  auto n = std::make_shared<Node>();
  n->kind = Node::Tables;
  n->items = std::move(items);
  return n;
}

class Writer {
 public:
  std::vector<uint8_t> finish(const NodeP& root, const char* ident) {
    out_.assign(8, 0);
    std::memcpy(out_.data() + 4, ident, 4);
    uint32_t r = write(root);
    std::memcpy(out_.data(), &r, 4);
    return out_;
  }

 private:
  void align(size_t a) {
    while (out_.size() % a) out_.push_back(0);
  }
  template <typename T>
  void put(size_t at, T v) {
    std::memcpy(out_.data() + at, &v, sizeof(T));
  }
  uint32_t write(const NodeP& n) {
    switch (n->kind) {
      case Node::Bytes: {
        align(std::max<uint32_t>(4, n->elem));
        if ((out_.size() + 4) % std::max<uint32_t>(4, n->elem)) {
          // keep the element data aligned after the 4-byte length
          while ((out_.size() + 4) % std::max<uint32_t>(4, n->elem)) out_.push_back(0);
        }
        uint32_t pos = uint32_t(out_.size());
        out_.resize(out_.size() + 4);
        put<uint32_t>(pos, n->count);
        out_.insert(out_.end(), n->bytes.begin(), n->bytes.end());
        return pos;
      }
      case Node::String: {
        align(4);
        uint32_t pos = uint32_t(out_.size());
        out_.resize(out_.size() + 4);
        put<uint32_t>(pos, uint32_t(n->bytes.size()));
        out_.insert(out_.end(), n->bytes.begin(), n->bytes.end());
        out_.push_back(0);
        return pos;
      }
      case Node::Tables: {
        align(4);
        uint32_t pos = uint32_t(out_.size());
        out_.resize(out_.size() + 4 + 4 * n->items.size());
        put<uint32_t>(pos, uint32_t(n->items.size()));
        for (size_t i = 0; i < n->items.size(); ++i) {
          uint32_t slot = pos + 4 + uint32_t(4 * i);
          uint32_t c = write(n->items[i]);
          put<uint32_t>(slot, c - slot);
        }
        return pos;
      }
      case Node::Table: break;
    }
    int nf = 0;
    for (auto& f : n->fields) nf = std::max(nf, f.index + 1);
    align(4);
    uint32_t vt = uint32_t(out_.size());
    out_.resize(out_.size() + 4 + 2 * size_t(nf));
    align(8);
    uint32_t tpos = uint32_t(out_.size());
    out_.resize(out_.size() + 4);
    put<int32_t>(tpos, int32_t(tpos - vt));
    std::vector<std::pair<uint32_t, NodeP>> pending;
    for (auto& f : n->fields) {
      size_t sz = f.child ? 4 : f.scalar.size();
      align(sz);
      uint32_t at = uint32_t(out_.size());
      if (f.child) {
        out_.resize(out_.size() + 4);
        pending.emplace_back(at, f.child);
      } else {
        out_.insert(out_.end(), f.scalar.begin(), f.scalar.end());
      }
      put<uint16_t>(vt + 4 + 2 * size_t(f.index), uint16_t(at - tpos));
    }
    put<uint16_t>(vt, uint16_t(4 + 2 * nf));
    put<uint16_t>(vt + 2, uint16_t(out_.size() - tpos));
    for (auto& [at, c] : pending) {
      uint32_t p = write(c);
      put<uint32_t>(at, p - at);
    }
    return tpos;
  }
  std::vector<uint8_t> out_;
};

// A one-subgraph TFLite model assembled op by op.
class Model {
 public:
  Model() { buffers_.push_back(table({})); }  // buffer 0: empty, by convention

  // A tensor; `data` (raw little-endian bytes) makes it a constant. Returns its index.
  int tensor(std::vector<int32_t> shape, int8_t type = 0, std::vector<uint8_t> data = {}, NodeP sparsity = nullptr) {
    uint32_t buf = 0;
    if (!data.empty()) {
      buf = uint32_t(buffers_.size());
      buffers_.push_back(table({child(0, vec(data))}));
    }
    std::vector<Field> f = {child(0, vec(shape)), scalar<int8_t>(1, type), scalar<uint32_t>(2, buf),
                            child(3, str("t" + std::to_string(tensors_.size())))};
    if (sparsity) f.push_back(child(6, sparsity));
    tensors_.push_back(table(f));
    return int(tensors_.size()) - 1;
  }
  int constant_f32(std::vector<int32_t> shape, const std::vector<float>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return tensor(std::move(shape), 0, b);
  }
  int constant_i32(std::vector<int32_t> shape, const std::vector<int32_t>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return tensor(std::move(shape), 2, b);
  }
  void op(int32_t builtin, std::vector<int32_t> in, std::vector<int32_t> out, uint8_t options_type = 0,
          NodeP options = nullptr, const std::string& custom = "", std::vector<uint8_t> custom_options = {}) {
    uint32_t code = opcode(builtin, custom);
    std::vector<Field> f = {scalar<uint32_t>(0, code), child(1, vec(in)), child(2, vec(out))};
    if (options) f.push_back(scalar<uint8_t>(3, options_type)), f.push_back(child(4, options));
    if (!custom_options.empty()) f.push_back(child(5, vec(custom_options)));
    ops_.push_back(table(f));
  }
  std::vector<uint8_t> build(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    NodeP sg = table({child(0, tables(tensors_)), child(1, vec(inputs)), child(2, vec(outputs)), child(3, tables(ops_))});
    NodeP model = table({scalar<uint32_t>(0, 3), child(1, tables(codes_)), child(2, tables({sg})), child(4, tables(buffers_))});
    return Writer().finish(model, "TFL3");
  }

 private:
  uint32_t opcode(int32_t builtin, const std::string& custom) {
    for (size_t i = 0; i < code_keys_.size(); ++i)
      if (code_keys_[i] == std::make_pair(builtin, custom)) return uint32_t(i);
    code_keys_.emplace_back(builtin, custom);
    std::vector<Field> f = {scalar<int8_t>(0, int8_t(std::min(builtin, 127))), scalar<int32_t>(3, builtin)};
    if (!custom.empty()) f.push_back(child(1, str(custom)));
    codes_.push_back(table(f));
    return uint32_t(codes_.size() - 1);
  }
  std::vector<NodeP> tensors_, ops_, codes_, buffers_;
  std::vector<std::pair<int32_t, std::string>> code_keys_;
};

}  // namespace tfl
