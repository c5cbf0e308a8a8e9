#include "data/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "data/bad_file.h"

namespace autospace::data {

namespace {

[[noreturn]] void unreadable(const char* what, int err) {
  throw BadImage(BadKind::unreadable, std::string("unreadable: ") + what + ": " + std::strerror(err));
}

// Closes the descriptor on every path out of read_file.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() { ::close(fd); }
};

}  // namespace

void read_file(const std::filesystem::path& path, std::vector<std::uint8_t>& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) unreadable("open", errno);
  FileDescriptor guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) unreadable("stat", errno);
  if (!S_ISREG(st.st_mode)) throw BadImage(BadKind::unreadable, "unreadable: not a regular file");
  if (st.st_size == 0) throw BadImage(BadKind::zero_bytes, "zero bytes: the file is empty");
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      unreadable("read", errno);
    }
    if (n == 0) break;  // the file shrank while we read it
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  if (done == 0) throw BadImage(BadKind::zero_bytes, "zero bytes: the file is empty");
}

}  // namespace autospace::data
