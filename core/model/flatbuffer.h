// A bounds-checked FlatBuffers reader, just enough for TFLite files: tables, scalars, vectors,
// strings and unions, navigated by field index. Every read checks its range against the file
// and throws Error("... : file is truncated or corrupt (...)") instead of reading out of bounds;
// nothing here trusts an offset. No allocation: views point into the caller's buffer, which must
// outlive them.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/error.h"

namespace omni::fb {

class Buffer {
 public:
  Buffer(const uint8_t* data, size_t size, std::string what) : data_(data), size_(size), what_(std::move(what)) {}
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& what() const { return what_; }

  void need(uint64_t pos, uint64_t n, const char* reading) const {
    if (pos > size_ || n > size_ - pos)
      fail("{}: file is truncated or corrupt (reading {} at byte {}, {} bytes, file has {})", what_, reading, pos, n, size_);
  }
  template <typename T>
  T read(uint64_t pos, const char* reading = "a value") const {
    need(pos, sizeof(T), reading);
    T v;
    std::memcpy(&v, data_ + pos, sizeof(T));
    return v;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  std::string what_;
};

template <typename T>
class Vector {
 public:
  Vector() = default;
  Vector(const Buffer* b, uint64_t pos, uint32_t n) : b_(b), pos_(pos), n_(n) {}
  uint32_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T operator[](uint32_t i) const {
    if (i >= n_) fail("{}: index {} past a vector of {}", b_->what(), i, n_);
    return b_->read<T>(pos_ + uint64_t(i) * sizeof(T), "a vector element");
  }
  const uint8_t* bytes() const { return b_ ? b_->data() + pos_ : nullptr; }  // n_*sizeof(T) valid bytes

 private:
  const Buffer* b_ = nullptr;
  uint64_t pos_ = 0;
  uint32_t n_ = 0;
};

class Table {
 public:
  Table() = default;
  Table(const Buffer* b, uint64_t pos) : b_(b), pos_(pos) {
    int32_t soff = b->read<int32_t>(pos, "a table");
    int64_t vt = int64_t(pos) - soff;
    if (vt < 0) fail("{}: corrupt table at byte {} (vtable before the file start)", b->what(), pos);
    vt_ = uint64_t(vt);
    vt_size_ = b->read<uint16_t>(vt_, "a vtable");
    if (vt_size_ < 4 || vt_size_ % 2) fail("{}: corrupt vtable at byte {} (size {})", b->what(), vt_, vt_size_);
    b->need(vt_, vt_size_, "a vtable");
    uint16_t table_size = b->read<uint16_t>(vt_ + 2, "a vtable");
    b->need(pos_, table_size, "a table");
  }
  bool valid() const { return b_ != nullptr; }

  // Offset of field `f` inside the table, or 0 when absent.
  uint16_t field(int f) const {
    uint64_t at = 4 + 2 * uint64_t(f);
    if (at + 2 > vt_size_) return 0;
    return b_->read<uint16_t>(vt_ + at, "a vtable entry");
  }
  bool has(int f) const { return field(f) != 0; }

  template <typename T>
  T scalar(int f, T def = T()) const {
    uint16_t o = field(f);
    return o ? b_->read<T>(pos_ + o, "a scalar field") : def;
  }
  Table table(int f) const {
    uint64_t p = indirect(f);
    return p ? Table(b_, p) : Table();
  }
  template <typename T>
  Vector<T> vector(int f) const {
    uint64_t p = indirect(f);
    if (!p) return {};
    uint32_t n = b_->read<uint32_t>(p, "a vector length");
    b_->need(p + 4, uint64_t(n) * sizeof(T), "vector data");
    return Vector<T>(b_, p + 4, n);
  }
  // Vector of tables: element i is an offset to a table.
  uint32_t table_count(int f) const { return vector<uint32_t>(f).size(); }
  Table table_at(int f, uint32_t i) const {
    uint64_t p = indirect(f);
    uint32_t n = b_->read<uint32_t>(p, "a vector length");
    if (i >= n) fail("{}: table index {} past {}", b_->what(), i, n);
    uint64_t ep = p + 4 + uint64_t(i) * 4;
    return Table(b_, ep + b_->read<uint32_t>(ep, "a table offset"));
  }
  std::string_view string(int f) const {
    uint64_t p = indirect(f);
    if (!p) return {};
    uint32_t n = b_->read<uint32_t>(p, "a string length");
    b_->need(p + 4, n, "string data");
    return std::string_view(reinterpret_cast<const char*>(b_->data() + p + 4), n);
  }

 private:
  uint64_t indirect(int f) const {
    uint16_t o = field(f);
    if (!o) return 0;
    uint64_t p = pos_ + o;
    uint32_t rel = b_->read<uint32_t>(p, "an offset");
    if (rel == 0) fail("{}: corrupt offset at byte {}", b_->what(), p);
    b_->need(p + rel, 4, "an offset target");
    return p + rel;
  }

  const Buffer* b_ = nullptr;
  uint64_t pos_ = 0, vt_ = 0;
  uint16_t vt_size_ = 0;
};

inline Table root(const Buffer& b) {
  uint32_t off = b.read<uint32_t>(0, "the root offset");
  return Table(&b, off);
}

}  // namespace omni::fb
