#pragma once
// autospace-inspect: what an arch.json, a space.json or a cell is, as a table and as a
// drawing. Kept out of main() so tests can run it in-process.
#include <ostream>
#include <string>
#include <vector>

namespace autospace::apps {

// `args` without the program name. Returns the exit code: 0 on success, 1 when a file or
// cell is rejected (the message, naming the file and JSON path, goes to `err`), 2 on a
// usage error.
int inspect_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace autospace::apps
