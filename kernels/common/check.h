#pragma once
// Error reporting shared by every layer. AUTOSPACE_CHECK guards internal invariants
// (a failure is a bug); boundary code (files, configs, devices) throws autospace::Error
// with the offending file/key in the message.
#include <sstream>
#include <stdexcept>
#include <string>

namespace autospace {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}
[[noreturn]] inline void check_failed(const char* cond, const char* file, int line, const std::string& msg) {
  throw Error(concat(file, ":", line, ": check failed: ", cond, msg.empty() ? "" : " — ", msg));
}
}  // namespace detail

}  // namespace autospace

#define AUTOSPACE_CHECK(cond, ...)                                                                  \
  do {                                                                                              \
    if (!(cond)) ::autospace::detail::check_failed(#cond, __FILE__, __LINE__,                      \
                                                   ::autospace::detail::concat("" __VA_OPT__(, ) __VA_ARGS__)); \
  } while (0)

#define AUTOSPACE_THROW(...) throw ::autospace::Error(::autospace::detail::concat(__VA_ARGS__))
