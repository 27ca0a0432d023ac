// What a domain module returns: a value, or a Fault that says what went
// wrong in one log line and how a main would exit if it stopped there
// (qmail's convention: 111 temporary, 100 permanent). C++20 has no
// std::expected; this is the small part of it we use.
//
//   Result<Config> c = load_config();
//   if (!c) return die(c.fault());
//   use(*c);
//
// Status is Result<void>: ok, or a Fault.
#ifndef QSEND_LIB_RESULT_H
#define QSEND_LIB_RESULT_H

#include <string>
#include <utility>
#include <variant>

namespace qs {

struct Fault {
    static constexpr int temporary = 111;
    static constexpr int permanent = 100;
    std::string text;          // one line, already escaped for a log
    int exit_code = temporary;
};

inline Fault temporary_fault(std::string text) { return Fault{std::move(text), Fault::temporary}; }
inline Fault permanent_fault(std::string text) { return Fault{std::move(text), Fault::permanent}; }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Fault fault) : v_(std::in_place_index<1>, std::move(fault)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& operator*() { return std::get<0>(v_); }
    const T& operator*() const { return std::get<0>(v_); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    const Fault& fault() const { return std::get<1>(v_); }

private:
    std::variant<T, Fault> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Fault fault) : fault_(std::move(fault)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Fault& fault() const { return fault_; }

private:
    Fault fault_;
    bool ok_ = true;
};

using Status = Result<void>;

} // namespace qs

#endif
