#pragma once
// SIGINT/SIGTERM ask a phase to stop at the next step boundary: it then writes a
// checkpoint and exits, and starting it again resumes from there.
namespace autospace::apps {

void install_stop_handlers();
bool stop_requested();

}  // namespace autospace::apps
