#pragma once
// Result<T, E>: a value or an error, for the data path where exceptions are not used.
//
//   Result<int> r = Parse(s);
//   if (!r.ok()) return r.error();
//   Use(*r);
//
// Error is a plain message; components that need a machine-readable reason use their own E
// (for example ingest::DecodeError). Accessing value() on an error, or error() on a value, is a
// programming error and aborts.
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace centinela {

struct Error {
  std::string message;
};

template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(E error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return Get<0>(); }
  const T& value() const& { return Get<0>(); }
  T&& value() && { return std::move(Get<0>()); }
  const E& error() const { return Get<1>(); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(value()); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  template <size_t I>
  auto& Get() {
    if (data_.index() != I) std::abort();
    return std::get<I>(data_);
  }
  template <size_t I>
  const auto& Get() const {
    if (data_.index() != I) std::abort();
    return std::get<I>(data_);
  }
  std::variant<T, E> data_;
};

// Status: success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message)), ok_(false) {}  // NOLINT: implicit
  static Status Ok() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& message() const { return error_; }
  Error error() const { return Error{error_}; }

 private:
  std::string error_;
  bool ok_ = true;
};

}  // namespace centinela
